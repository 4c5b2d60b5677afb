#!/usr/bin/env bash
# make-fixture-store.sh DIR
#
# Builds a small, deterministic containers-storage fixture with real buildah and
# podman (vfs driver, FROM scratch only, no network):
#
#   DIR/root          graphroot of the main store
#   DIR/run           runroot of the main store
#   DIR/extra         graphroot of an additional (read-only) image store
#   DIR/storage.conf  names root, run, driver vfs and additionalimagestores=[DIR/extra]
#
# Use it as:
#   CONTAINERS_STORAGE_CONF=DIR/storage.conf podman images -a
# or, main store only:
#   podman --root DIR/root --runroot DIR/run --storage-driver vfs images -a
#
# Contents (timestamps fixed with --timestamp, so image IDs are reproducible
# for a given buildah version):
#   main store
#     localhost/base:1                      FROM scratch + base.txt
#     localhost/mid:1                       base + mid.txt
#     localhost/app:1.0, localhost/app:latest, quay.io/example/app:stable
#                                           mid + app/ files; labels, env, entrypoint, cmd
#     localhost/side:1                      base + side.txt   (branch: base has children mid, side, dangling)
#     <none> (untagged intermediate)        side + inter.txt  (has a child)
#     localhost/on-untagged:1               untagged intermediate + leaf.txt
#     <none> (dangling)                     base + dangling.txt (no name, no children)
#     <none> (intermediate of buildah build --layers) mid + LABEL   (empty layer, shares mid's top layer)
#     localhost/mid-cfg:1                   that + ENV        (empty layer, shares mid's top layer)
#     containers: buildah working containers on app:1.0 and base:1, podman create on mid:1
#   (no main-store image is built on the additional store: its layers would have
#   parents outside DIR/root, and `podman --root DIR/root ...` without the
#   storage.conf then fails with "layer not known")
#   additional store (read-only in the main view)
#     localhost/ro:1                        FROM scratch + ro.txt
#     localhost/ro-child:1                  ro + ro-child.txt
set -euo pipefail

. "$(dirname "$0")/lib/new-dir.sh"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

need buildah podman

CTX=$(mktemp -d)
trap 'rm -rf "$CTX"' EXIT

# A storage.conf with only the driver, so neither tool picks up the host's
# configuration while the stores are built.
printf '[storage]\ndriver = "vfs"\n' >"$CTX/plain.conf"
export CONTAINERS_STORAGE_CONF="$CTX/plain.conf"
export BUILDAH_ISOLATION=chroot
export TZ=UTC

EXTRA="--root $DIR/extra --runroot $CTX/extra-run --storage-driver vfs"
MAIN="--root $DIR/root --runroot $DIR/run --storage-driver vfs"

# file NAME CONTENT: a tiny file in the build context, fixed mtime
file() {
    mkdir -p "$(dirname "$CTX/$1")"
    printf '%s\n' "$2" >"$CTX/$1"
    touch -d @1700000000 "$CTX/$1"
}

# layer STORE FROM TS NAME SRC DEST: from FROM, copy SRC to DEST, commit as NAME
# (empty NAME: an unnamed image). Prints the image ID.
layer() {
    local store=$1 from=$2 ts=$3 name=$4 src=$5 dest=$6 c
    # shellcheck disable=SC2086
    c=$(buildah $store from -q "$from")
    # shellcheck disable=SC2086
    buildah $store copy -q "$c" "$CTX/$src" "$dest" >/dev/null
    # shellcheck disable=SC2086
    buildah $store config --created-by "COPY $src $dest" "$c"
    # shellcheck disable=SC2086
    buildah $store commit -q --rm --timestamp "$ts" "$c" ${name:+"$name"}
}

# ---------------------------------------------------------------- extra store
file ro.txt "read-only base"
file ro-child.txt "read-only child"
layer "$EXTRA" scratch 1699990000 localhost/ro:1 ro.txt /ro.txt >/dev/null
layer "$EXTRA" localhost/ro:1 1699990100 localhost/ro-child:1 ro-child.txt /ro-child.txt >/dev/null
rm -rf "$CTX/extra-run"

cat >"$DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$DIR/root"
runroot = "$DIR/run"

[storage.options]
additionalimagestores = [
  "$DIR/extra",
]
EOF

# ----------------------------------------------------------------- main store
file base.txt "base"
file mid.txt "mid"
file app/app.txt "app"
file app/run.sh "#!/bin/sh"
file side.txt "side"
file inter.txt "intermediate"
file leaf.txt "leaf"
file dangling.txt "dangling"

layer "$MAIN" scratch 1700000000 localhost/base:1 base.txt /base.txt >/dev/null
layer "$MAIN" localhost/base:1 1700000100 localhost/mid:1 mid.txt /mid.txt >/dev/null

# app: a layer plus labels, env, entrypoint, cmd; three names.
# shellcheck disable=SC2086
c=$(buildah $MAIN from -q localhost/mid:1)
# shellcheck disable=SC2086
buildah $MAIN copy -q "$c" "$CTX/app" /app >/dev/null
# shellcheck disable=SC2086
buildah $MAIN config --created-by "COPY app /app" \
    --label org.opencontainers.image.title=app \
    --label org.opencontainers.image.version=1.0 \
    --label maintainer="cairn fixtures" \
    --env APP_MODE=production --env PATH=/app:/bin \
    --workingdir /app \
    --entrypoint '["/app/run.sh"]' --cmd '["--serve","--port","8080"]' \
    --author "cairn" "$c"
# shellcheck disable=SC2086
buildah $MAIN commit -q --rm --timestamp 1700000200 "$c" localhost/app:1.0 >/dev/null
# shellcheck disable=SC2086
buildah $MAIN tag localhost/app:1.0 localhost/app:latest quay.io/example/app:stable

# Branch at base: side (named) next to mid.
layer "$MAIN" localhost/base:1 1700000300 localhost/side:1 side.txt /side.txt >/dev/null
# Untagged intermediate with a named child.
inter=$(layer "$MAIN" localhost/side:1 1700000400 "" inter.txt /inter.txt)
layer "$MAIN" "$inter" 1700000500 localhost/on-untagged:1 leaf.txt /leaf.txt >/dev/null
# Dangling: no name, no children.
layer "$MAIN" localhost/base:1 1700000600 "" dangling.txt /dangling.txt >/dev/null

# Config-only steps (empty_layer history entries, no new layer): buildah build
# --layers commits LABEL as an untagged intermediate and ENV as mid-cfg:1, both
# sharing mid's top layer.
mkdir -p "$CTX/cfg"
printf 'FROM localhost/mid:1\nLABEL stage=cfg\nENV MODE=cfg\n' >"$CTX/cfg/Containerfile"
# shellcheck disable=SC2086
buildah $MAIN build -q --layers --pull=never --timestamp 1700000700 \
    -t localhost/mid-cfg:1 "$CTX/cfg" >/dev/null

# Containers: buildah working containers and one podman container (created,
# never started: needs no runtime or network).
# shellcheck disable=SC2086
buildah $MAIN from -q --name app-work localhost/app:1.0 >/dev/null
# shellcheck disable=SC2086
buildah $MAIN from -q --name base-work localhost/base:1 >/dev/null
# shellcheck disable=SC2086
CONTAINERS_STORAGE_CONF="$DIR/storage.conf" podman $MAIN --tmpdir "$DIR/run/libpod" --events-backend none \
    create -q --name mid-created --network none localhost/mid:1 /mid.txt >/dev/null
