#!/usr/bin/env bash
# make-registry-images.sh OUT
#
# Builds the images the registry tests push, into one OCI layout at OUT (no
# network, tiny files): buildah builds FROM scratch in a throw-away vfs store
# and skopeo copies each image into the layout under its ref name.
#
#   base:1          FROM scratch + /etc/os-release
#   tools:1         base + /usr/bin/tool
#   (never pushed)  tools + /app/lib.txt, the step between tools and app
#   app:1           that step + /app/main.txt; labels
#   app:0           base + /app/v0.txt  (pushed first as app:1.0, then replaced)
#   side:1          base + /side.txt
#   gone:1          base + /gone.txt    (pushed, then deleted)
#   multi:1         a multi-platform index: amd64 and arm64, FROM scratch
#
# buildah writes org.opencontainers.image.base.{digest,name} on images built
# FROM another image, which lineage reads. Timestamps are fixed, so every run
# gives the same digests for given buildah and skopeo versions.
set -euo pipefail
umask 022

OUT=${1:?usage: make-registry-images.sh OUT}
for tool in buildah skopeo; do
    command -v "$tool" >/dev/null || {
        echo "$tool is missing: apt-get install -y buildah skopeo" >&2
        exit 1
    }
done

# T, S, CS, TS and build FROM ARCH NAME FILE CONTENT [config args...]
source "$(dirname "$0")/lib/buildah-build.sh"

build scratch amd64 localhost/base:1 /etc/os-release 'NAME="cairn registry"'
build localhost/base:1 amd64 localhost/tools:1 /usr/bin/tool '#!/bin/sh'
build localhost/tools:1 amd64 localhost/inter:1 /app/lib.txt 'a library'
build localhost/inter:1 amd64 localhost/app:1 /app/main.txt 'the app' \
    --label org.opencontainers.image.title=app
build localhost/base:1 amd64 localhost/app:0 /app/v0.txt 'the first app'
build localhost/base:1 amd64 localhost/side:1 /side.txt 'a side branch'
build localhost/base:1 amd64 localhost/gone:1 /gone.txt 'deleted soon'
build scratch amd64 localhost/multi:amd64 /arch.txt amd64
build scratch arm64 localhost/multi:arm64 /arch.txt arm64

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
for name in base:1 tools:1 app:1 app:0 side:1 gone:1; do
    skopeo copy --quiet "${CS}localhost/$name" "oci:$OUT:$name"
done
buildah $S manifest create localhost/multi:1 >/dev/null
buildah $S manifest add --arch amd64 localhost/multi:1 "${CS}localhost/multi:amd64" >/dev/null
buildah $S manifest add --arch arm64 localhost/multi:1 "${CS}localhost/multi:arm64" >/dev/null
buildah $S manifest push --quiet --all localhost/multi:1 "oci:$OUT:multi:1"
