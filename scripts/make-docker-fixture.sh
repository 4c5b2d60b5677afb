#!/usr/bin/env bash
# make-docker-fixture.sh DIR
#
# Fills the private dockerd started by `docker-test-daemon.sh start DIR` (socket DIR/docker.sock)
# with a small fixture, built with the classic builder (DOCKER_BUILDKIT=0), FROM scratch,
# COPY/ENV/LABEL only: no network, no RUN, no container is ever started.
#
#   base:1                                   FROM scratch + COPY base.txt
#   mid:1                                    base + COPY mid.txt
#   app:1.0, app:latest, example/app:stable  mid + COPY app/ + ENV + LABEL (three names, two repos)
#   side:1                                   base + COPY side.txt  (branch: base -> mid, side, dangling)
#   <none> untagged, has a child             side + COPY inter.txt (built without -t)
#   on-untagged:1                            FROM <that image's ID> + COPY leaf.txt
#   <none> dangling                          base + COPY dangling.txt (no tag, no child)
#   mid-cfg:1                                mid + LABEL + ENV (config-only steps, no new layer)
#   bb:1, bb:2                               FROM scratch + COPY /bin/busybox /busybox: the only
#                                            image that can run a process (`docker run -d
#                                            --network none bb:1 /busybox sleep 1000`), for the
#                                            rules on running containers. Needs Debian's static
#                                            busybox (apt-get install -y busybox-static); no
#                                            container of it is made here (a halted fixture
#                                            daemon would stop it anyway)
#   containers (created, never started): app-created on app:1.0, base-created on base:1,
#                                            mid-created on mid:1, leaf-created on on-untagged:1
#                                            (on-untagged: one tag, no child, one container)
#
# The classic builder commits every Dockerfile step after FROM as an image whose "Parent" is the
# previous step's image, and leaves the steps before the last untagged ("<none>" in
# `docker images -a`, hidden from `docker images`). Only app and mid-cfg have several steps:
#   mid:1 <- [COPY app /app/] <- [ENV ...] <- app:1.0      (two untagged intermediates)
#   mid:1 <- [LABEL stage=cfg] <- mid-cfg:1                (one untagged intermediate)
# Single-step builds (base, mid, side, ...) leave none: their Parent is the FROM image
# (base:1 has no Parent: FROM scratch).
#
# Writes DIR/fixture.env (shell variables with the full image IDs, "sha256:<hex>", and container
# IDs) and prints nothing on success. Image IDs are not reproducible across runs: the classic
# builder stamps configs with the wall clock (layer DiffIDs are: file contents and mtimes are fixed).
#
# Environment: DOCKER_CLI (default /usr/bin/docker, Debian's 20.10 client), BUSYBOX (default
# /bin/busybox: it must be statically linked, as the image has no libc).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR   (DIR as given to docker-test-daemon.sh start)" >&2
    exit 2
fi
DIR=$(cd "$1" && pwd)
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}
BUSYBOX=${BUSYBOX:-/bin/busybox}
export DOCKER_HOST="unix://$DIR/docker.sock"
export DOCKER_BUILDKIT=0
# Keep the caller's ~/.docker/config.json (formats, contexts, ...) out.
export DOCKER_CONFIG="$DIR/cli-config"
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
export TZ=UTC

docker() { "$DOCKER_CLI" "$@"; }

if ! docker version >/dev/null 2>&1; then
    echo "$0: no docker daemon answers on $DOCKER_HOST (start one: docker-test-daemon.sh start $DIR)" >&2
    exit 1
fi
if [ ! -x "$BUSYBOX" ]; then
    echo "$0: $BUSYBOX not found (apt-get install -y busybox-static)" >&2
    exit 1
fi
# ldd fails on a static binary; Debian's plain busybox package is dynamic and cannot run FROM scratch.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    echo "$0: $BUSYBOX is dynamically linked (apt-get install -y busybox-static)" >&2
    exit 1
fi
if [ -n "$(docker images -aq)" ] || [ -n "$(docker ps -aq)" ]; then
    echo "$0: the daemon on $DOCKER_HOST already has images or containers" >&2
    exit 1
fi

CTX=$(mktemp -d)
trap 'rm -rf "$CTX"' EXIT

# file NAME CONTENT: a tiny file in the shared build context, fixed mtime
file() {
    mkdir -p "$(dirname "$CTX/ctx/$1")"
    printf '%s\n' "$2" >"$CTX/ctx/$1"
    touch -d @1700000000 "$CTX/ctx/$1"
}

# build TAG DOCKERFILE-TEXT: classic build in the shared context; empty TAG: untagged.
# Prints the image ID (sha256:<hex>).
build() {
    local tag=$1 text=$2
    printf '%s\n' "$text" >"$CTX/Dockerfile"
    docker build -q --network none -f "$CTX/Dockerfile" ${tag:+-t "$tag"} "$CTX/ctx"
}

file base.txt "base"
file mid.txt "mid"
file app/app.txt "app"
file app/run.sh "#!/bin/sh"
file side.txt "side"
file inter.txt "intermediate"
file leaf.txt "leaf"
file dangling.txt "dangling"

base=$(build base:1 'FROM scratch
COPY base.txt /base.txt')
mid=$(build mid:1 'FROM base:1
COPY mid.txt /mid.txt')
app=$(build app:1.0 'FROM mid:1
COPY app /app/
ENV APP_MODE=production PATH=/app:/bin
LABEL org.opencontainers.image.title=app org.opencontainers.image.version=1.0 maintainer="cairn fixtures"')
docker tag app:1.0 app:latest
docker tag app:1.0 example/app:stable
side=$(build side:1 'FROM base:1
COPY side.txt /side.txt')
inter=$(build "" 'FROM side:1
COPY inter.txt /inter.txt')
# FROM by ID (the full "sha256:<hex>"; the bare hex or a 12-digit prefix work as well).
leaf=$(build on-untagged:1 "FROM $inter
COPY leaf.txt /leaf.txt")
dangling=$(build "" 'FROM base:1
COPY dangling.txt /dangling.txt')
midcfg=$(build mid-cfg:1 'FROM mid:1
LABEL stage=cfg
ENV MODE=cfg')

# Its own context: the 2 MB binary is not sent with every other build.
mkdir "$CTX/bb"
cp "$BUSYBOX" "$CTX/bb/busybox"
touch -d @1700000000 "$CTX/bb/busybox"
printf 'FROM scratch\nCOPY busybox /busybox\n' >"$CTX/bb/Dockerfile"
bb=$(docker build -q --network none -t bb:1 "$CTX/bb")
docker tag bb:1 bb:2

# The classic builder's intermediates, found through the Parent links.
parent() { docker image inspect --format '{{.Parent}}' "$1"; }
app_env=$(parent "$app")       # the ENV step
app_copy=$(parent "$app_env")  # the COPY step, whose parent is mid
midcfg_label=$(parent "$midcfg")
for pair in "$app_copy:$mid" "$midcfg_label:$mid" "$leaf:$inter" "$inter:$side" "$dangling:$base"; do
    a=${pair%:sha256:*}
    want=sha256:${pair##*:sha256:}
    if [ "$(parent "$a")" != "$want" ]; then
        echo "$0: unexpected parent of $a: $(parent "$a"), wanted $want" >&2
        exit 1
    fi
done

c_app=$(docker create --name app-created --network none app:1.0 /app/run.sh)
c_base=$(docker create --name base-created --network none base:1 /base.txt)
c_mid=$(docker create --name mid-created --network none mid:1 /mid.txt)
c_leaf=$(docker create --name leaf-created --network none on-untagged:1 /leaf.txt)

cat >"$DIR/fixture.env" <<EOF
# written by make-docker-fixture.sh; image IDs are "sha256:<hex>"
BASE=$base
MID=$mid
APP=$app
APP_ENV_STEP=$app_env
APP_COPY_STEP=$app_copy
SIDE=$side
INTER=$inter
ON_UNTAGGED=$leaf
DANGLING=$dangling
MID_CFG=$midcfg
MID_CFG_LABEL_STEP=$midcfg_label
BB=$bb
C_APP=$c_app
C_BASE=$c_base
C_MID=$c_mid
C_LEAF=$c_leaf
EOF
