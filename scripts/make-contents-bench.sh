#!/usr/bin/env bash
# make-contents-bench.sh DIR
#
# The image the layer-contents benchmark (benches/contents_layers.rs) lists: 100,000 files
# in 10 layers of 10,000 each (100 folders of 100 files of 200 bytes; every layer after the
# first also rewrites 100 files of the layer below and removes 100 more), built with buildah
# (vfs, busybox-static under `buildah run --isolation chroot`), no network:
#
#   DIR/root, DIR/run   containers-storage (vfs) holding localhost/bench:1
#   DIR/layout          the same image as an OCI layout, gzip blobs (skopeo)
set -euo pipefail

. "$(dirname "$0")/lib/new-dir.sh"
need buildah skopeo busybox
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
umask 022
S="--root $DIR/root --runroot $DIR/run --storage-driver vfs"
T=$(mktemp -d)
trap 'buildah $S rm --all >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' "$DIR/root" "$DIR/run" >"$T/storage.conf"
export CONTAINERS_STORAGE_CONF=$T/storage.conf
CS="containers-storage:[vfs@$DIR/root+$DIR/run]"
TS="--timestamp 1700000000"

ctr=$(buildah $S from --quiet scratch)
buildah $S copy --quiet "$ctr" "$(command -v busybox)" /bin/busybox >/dev/null
buildah $S commit --quiet $TS "$ctr" localhost/bench:wip >/dev/null
buildah $S rm "$ctr" >/dev/null
for layer in 1 2 3 4 5 6 7 8 9 10; do
    ctr=$(buildah $S from --quiet localhost/bench:wip)
    buildah $S run --isolation chroot "$ctr" -- /bin/busybox sh -euc "
        line=\$(/bin/busybox printf '%0200d' $layer)
        d=0
        while [ \$d -lt 100 ]; do
            /bin/busybox mkdir -p /bench/l$layer/d\$d
            f=0
            while [ \$f -lt 100 ]; do
                echo \"\$line\" >/bench/l$layer/d\$d/f\$f
                f=\$((f + 1))
            done
            d=\$((d + 1))
        done
        if [ $layer -gt 1 ]; then
            below=/bench/l$((layer - 1))
            f=0
            while [ \$f -lt 100 ]; do
                echo rewritten >\$below/d1/f\$f
                /bin/busybox rm \$below/d2/f\$f
                f=\$((f + 1))
            done
        fi
    "
    buildah $S commit --quiet $TS "$ctr" localhost/bench:wip >/dev/null
    buildah $S rm "$ctr" >/dev/null
done
buildah $S tag localhost/bench:wip localhost/bench:1
buildah $S rmi localhost/bench:wip >/dev/null
skopeo copy --quiet "$CS"localhost/bench:1 "oci:$DIR/layout:bench:1"
echo "bench image written to $DIR"
