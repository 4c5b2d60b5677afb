#!/usr/bin/env bash
# make-demo.sh [OUT]
#
# Builds the demo OCI layout cairn opens when the machine has no image store
# (default OUT: assets/demo). Real tools only, no network, tiny files:
# buildah builds FROM scratch in a throw-away vfs store, skopeo copies the
# images into the layout, umoci names and builds some more there.
#
#   localhost/base:1                      FROM scratch + /etc/os-release
#   localhost/tools:1                     base + /usr/bin/tool
#   (untagged intermediate)               tools + /app/lib.txt  (has a child)
#   localhost/app:1.0, localhost/app:latest, quay.io/example/app:stable
#                                         intermediate + /app/main.txt; labels, env, cmd
#   localhost/side:1                      base + /side.txt      (base branches)
#   localhost/multi:1                     a multi-platform index: amd64 and arm64
#   umoci-base, umoci-child               made by umoci: new + insert, and a child of it
#
# Timestamps are fixed, so every image is the same from one run to the next for
# given buildah, skopeo and umoci versions: buildah gets --timestamp, umoci gets
# --created / --history.created for each step, and the files umoci inserts get a
# fixed mtime, since it copies the host file's mtime into the layer tar.
set -euo pipefail
# File modes end up in the layers (buildah copy and umoci insert keep them),
# so they must not depend on the caller's umask.
umask 022

OUT=${1:-"$(cd "$(dirname "$0")/.." && pwd)/assets/demo"}
for tool in buildah skopeo umoci; do
    command -v "$tool" >/dev/null || {
        echo "$tool is missing: apt-get install -y buildah skopeo umoci" >&2
        exit 1
    }
done

# T, S, CS, TS and build FROM ARCH NAME FILE CONTENT [config args...]
source "$(dirname "$0")/lib/buildah-build.sh"

build scratch amd64 localhost/base:1 /etc/os-release 'NAME="cairn demo"'
build localhost/base:1 amd64 localhost/tools:1 /usr/bin/tool '#!/bin/sh'
build localhost/tools:1 amd64 localhost/inter:1 /app/lib.txt 'a library'
build localhost/inter:1 amd64 localhost/app:1.0 /app/main.txt 'the app' \
    --label org.opencontainers.image.title=app --env APP_MODE=demo --cmd '["/app/main.txt"]'
build localhost/base:1 amd64 localhost/side:1 /side.txt 'a side branch'
build scratch amd64 localhost/multi:amd64 /arch.txt amd64
build scratch arm64 localhost/multi:arm64 /arch.txt arm64

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
copy() { skopeo copy --quiet "$CS$1" "oci:$OUT${2:+:$2}"; }
copy localhost/base:1 localhost/base:1
copy localhost/tools:1 localhost/tools:1
copy localhost/inter:1 ""                  # no name: the untagged intermediate
copy localhost/app:1.0 localhost/app:1.0
copy localhost/side:1 localhost/side:1

# Several names on one image, as umoci tags: a new descriptor per name.
umoci tag --image "$OUT:localhost/app:1.0" localhost/app:latest
umoci tag --image "$OUT:localhost/app:1.0" quay.io/example/app:stable

# A multi-platform index, as `buildah manifest push --all` writes it into a layout.
buildah $S manifest create localhost/multi:1 >/dev/null
buildah $S manifest add --arch amd64 localhost/multi:1 "${CS}localhost/multi:amd64" >/dev/null
buildah $S manifest add --arch arm64 localhost/multi:1 "${CS}localhost/multi:arm64" >/dev/null
buildah $S manifest push --quiet --all localhost/multi:1 "oci:$OUT:localhost/multi:1"

# Images made by umoci itself: a base and a child one layer up.
# umoci insert writes the host file's mtime into the layer, so each file gets
# the time of its own step (1700000000 = 2023-11-14T22:13:20Z); umoci config
# adds a history entry stamped with the wall clock unless given one.
mkdir -p "$T/u"
echo umoci >"$T/u/hello.txt"
touch -d @1700000000 "$T/u/hello.txt"
umoci new --image "$OUT:umoci-base"
umoci config --image "$OUT:umoci-base" --created 2023-11-14T22:13:20Z --config.cmd /hello.txt \
    --architecture amd64 --os linux --history.created 2023-11-14T22:13:20Z
umoci insert --image "$OUT:umoci-base" --history.created 2023-11-14T22:13:20Z "$T/u/hello.txt" /hello.txt
umoci tag --image "$OUT:umoci-base" umoci-child
echo child >"$T/u/child.txt"
touch -d @1700000001 "$T/u/child.txt"
umoci insert --image "$OUT:umoci-child" --history.created 2023-11-14T22:13:21Z "$T/u/child.txt" /child.txt
umoci gc --layout "$OUT"

echo "demo layout written to $OUT:"
umoci ls --layout "$OUT"
