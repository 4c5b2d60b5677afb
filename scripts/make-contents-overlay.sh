#!/usr/bin/env bash
# make-contents-overlay.sh DIR
#
# An image built by buildah with the overlay driver (the kernel's overlayfs: needs root), so
# that each layer's `overlay/<id>/diff` folder holds a change in every form overlayfs writes
# one, and its `overlay-layers/<id>.tar-split.gz` holds containers/storage's own reading of
# that folder, to check cairn's reading of the folder against (no network):
#
#   DIR/root, DIR/run   containers-storage (overlay): localhost/overlay:1
#
# localhost/overlay:1, layer by layer:
#   0  busybox
#   1  a tree: files, folders, a symlink, a hard link, a fifo, a non-UTF-8 name, another
#      owner, a setuid file
#   2  a file removed and a folder removed (each a 0/0 character device in diff/), a folder
#      removed and made again (an opaque folder: `trusted.overlay.opaque=y`), a file
#      overwritten, one chmod-ed, one chown-ed, a new file in an old folder
set -euo pipefail

. "$(dirname "$0")/lib/new-dir.sh"
need buildah busybox
[ "$(id -u)" = 0 ] || { echo "$0: the overlay driver needs root" >&2; exit 1; }
DRIVER=overlay
WIP=localhost/overlay:wip
. "$(dirname "$0")/lib/busybox-steps.sh"

base
step "
    cd /
    /bin/busybox mkdir -p data/keep data/gone/sub data/again/old etc
    echo 'NAME=overlay' >etc/os-release
    echo one >data/overwritten
    echo two >data/chmodded
    echo three >data/chowned
    echo four >data/removed
    echo five >data/keep/file
    echo six >data/gone/sub/file
    echo seven >data/again/old/file
    echo eight >data/again/file
    /bin/busybox ln data/keep/file data/keep/hardlink
    /bin/busybox ln -s ../etc/os-release data/link
    /bin/busybox mkfifo data/fifo
    echo bytes >\"data/\$(/bin/busybox printf '\\377\\376')-raw\"
    echo setuid >data/setuid && /bin/busybox chmod 4755 data/setuid
    echo owned >data/owned && /bin/busybox chown 1234:5678 data/owned
"
step "
    cd /
    echo 'one, overwritten' >data/overwritten
    /bin/busybox chmod 600 data/chmodded
    /bin/busybox chown 42:42 data/chowned
    /bin/busybox rm data/removed
    /bin/busybox rm -r data/gone
    /bin/busybox rm -r data/again
    /bin/busybox mkdir -p data/again/new
    echo nine >data/again/new/file
    echo ten >data/keep/new
"
buildah $S tag localhost/overlay:wip localhost/overlay:1
buildah $S rmi localhost/overlay:wip >/dev/null
echo "overlay fixture written to $DIR"
