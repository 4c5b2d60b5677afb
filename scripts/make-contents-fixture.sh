#!/usr/bin/env bash
# make-contents-fixture.sh DIR
#
# Builds the images the layer-contents tests read, with the real tools only (buildah with
# the vfs driver and busybox-static under `buildah run --isolation chroot`, skopeo, umoci,
# GNU tar and podman; no network), and puts the same images in every kind of store:
#
#   DIR/root, DIR/run      containers-storage (vfs): localhost/contents:1 and :2
#   DIR/layout             an OCI layout: contents:1, contents:2 (gzip blobs) and
#                          contents-zstd:2 (zstd blobs)
#   DIR/contents.oci.tar   an oci-archive of localhost/contents:2 (skopeo)
#   DIR/contents.docker.tar a docker-archive of localhost/contents:2 (podman save)
#
# localhost/contents:1, built by buildah layer by layer:
#   0  busybox
#   1  a tree: files, a fifo, symlinks (relative, absolute, dangling), hard
#      links, a name of 150 bytes, a path of more than 255 bytes, names that are not
#      UTF-8, files to change later, modes with setuid and sticky bits, another owner
#   2  a file overwritten, one chmod-ed, one chown-ed, one removed, a folder removed,
#      a folder removed and made again with other files, a new hard link and symlink
#   3  a file removed and a long-named file added in a new deep folder
# localhost/contents:2 is contents:1 plus two layers written as tars by GNU tar and added
# verbatim by `umoci raw add-layer` (buildah's vfs diff never writes these forms):
#   4  --format=gnu: an opaque folder (`.wh..wh..opq`), a whiteout, GNU long names and
#      long link targets
#   5  --format=pax: PAX paths and link targets, non-UTF-8 names, big uid/gid
set -euo pipefail

. "$(dirname "$0")/lib/new-dir.sh"
need buildah skopeo umoci podman tar busybox
DRIVER=vfs
WIP=localhost/contents:wip
. "$(dirname "$0")/lib/busybox-steps.sh"

LONG=$(printf 'n%.0s' $(seq 150))                 # one name of 150 bytes
DEEP=$(printf 'd%.0s' $(seq 60))                  # 5 of these: a path over 255 bytes

base
step "
    cd /
    /bin/busybox mkdir -p etc data/keep data/gone/sub data/again/old usr/bin var/spool
    for tool in sh mkdir rm ln chmod chown mv cat mkfifo touch printf seq; do
        /bin/busybox ln -s busybox /bin/\$tool
    done
    echo 'NAME=contents' >etc/os-release
    echo one >data/overwritten
    echo two >data/chmodded
    echo three >data/chowned
    echo four >data/removed
    echo five >data/keep/file
    echo six >data/gone/sub/file
    echo seven >data/again/old/file
    echo eight >data/linked
    ln data/linked data/hardlink
    ln -s ../etc/os-release data/relative-link
    ln -s /etc/os-release data/absolute-link
    ln -s nowhere data/dangling-link
    mkfifo data/fifo
    echo long >data/$LONG
    mkdir -p data/$DEEP/$DEEP/$DEEP/$DEEP
    echo deep >data/$DEEP/$DEEP/$DEEP/$DEEP/$DEEP
    echo latin1 >\"data/caf\$(printf '\\351')\"
    echo bytes >\"data/\$(printf '\\377\\376')-raw\"
    echo setuid >usr/bin/setuid && chmod 4755 usr/bin/setuid
    chmod 1777 var/spool
    echo owned >data/owned && chown 1234:5678 data/owned
"
step "
    cd /
    echo 'one, overwritten' >data/overwritten
    chmod 600 data/chmodded
    chown 42:42 data/chowned
    rm data/removed
    rm -r data/gone
    rm -r data/again
    mkdir -p data/again/new
    echo nine >data/again/new/file
    ln data/keep/file data/keep/hardlink
    ln -s keep/file data/new-link
"
step "
    cd /
    rm data/keep/file
    mkdir -p opt/$DEEP/$LONG
    echo deeper >opt/$DEEP/$LONG/$LONG
"
buildah $S tag localhost/contents:wip localhost/contents:1
buildah $S rmi localhost/contents:wip >/dev/null

# The layout gets contents:1, then two layers as GNU tar writes them.
skopeo copy --quiet "$CS"localhost/contents:1 "oci:$DIR/layout:contents:1"
umoci tag --image "$DIR/layout:contents:1" contents:2

mkdir -p "$T/l4/data/keep" "$T/l4/opt/$DEEP/$LONG"
: >"$T/l4/data/keep/.wh..wh..opq"
echo replaced >"$T/l4/data/keep/fresh"
: >"$T/l4/data/.wh.overwritten"
echo gnu >"$T/l4/opt/$DEEP/$LONG/gnu-$LONG"
ln -s "../../../data/$DEEP/$DEEP/$DEEP/$DEEP/$DEEP" "$T/l4/opt/$DEEP/$LONG/long-target"
ln "$T/l4/opt/$DEEP/$LONG/gnu-$LONG" "$T/l4/opt/hard-to-long"
find "$T/l4" -exec touch -h -d @1700000100 {} +
tar --format=gnu --numeric-owner --owner=0 --group=0 --sort=name -C "$T/l4" -cf "$T/l4.tar" data opt

mkdir -p "$T/l5/pax/$DEEP/$DEEP"
echo pax >"$T/l5/pax/$DEEP/$DEEP/pax-$LONG"
echo raw >"$T/l5/pax/$(printf 'x\351\377')"
ln -s "$(printf 'target-\351')" "$T/l5/pax/odd-link"
echo big >"$T/l5/pax/big-ids"
find "$T/l5" -exec touch -h -d @1700000200 {} +
tar --format=pax --numeric-owner --owner=0 --group=0 --sort=name --pax-option=delete=atime,delete=ctime \
    --exclude=pax/big-ids -C "$T/l5" -cf "$T/l5.tar" pax
# One entry with a uid and gid too big for the octal fields: PAX records carry them.
tar --format=pax --numeric-owner --owner=3000000000 --group=3000000001 \
    --pax-option=delete=atime,delete=ctime -C "$T/l5" -rf "$T/l5.tar" pax/big-ids

umoci raw add-layer --image "$DIR/layout:contents:2" --history.created 2023-11-14T22:15:00Z "$T/l4.tar"
umoci raw add-layer --image "$DIR/layout:contents:2" --history.created 2023-11-14T22:16:00Z "$T/l5.tar"

# Back into containers-storage (which keeps each layer's headers in a tar-split), then the
# same image through zstd, an oci-archive and podman save.
skopeo copy --quiet "oci:$DIR/layout:contents:2" "$CS"localhost/contents:2
skopeo copy --quiet --dest-compress-format zstd "$CS"localhost/contents:2 "oci:$DIR/layout:contents-zstd:2"
skopeo copy --quiet "$CS"localhost/contents:2 "oci-archive:$DIR/contents.oci.tar:localhost/contents:2"
podman $S save --quiet --format docker-archive -o "$DIR/contents.docker.tar" localhost/contents:2
echo "contents fixture written to $DIR"
