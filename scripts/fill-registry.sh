#!/usr/bin/env bash
# fill-registry.sh LAYOUT HOST:PORT
#
# Fills a registry (plain HTTP, on loopback) from the layout
# make-registry-images.sh writes, with skopeo, so that it holds what real
# registries hold:
#
#   base:1, library/base:1      one base in two repositories
#   tools:1                     on base
#   app:1.0, app:latest         several tags on one digest (built on tools, through
#   mirror/app:stable           a step never pushed), also in a third repository
#   app (untagged)              app:0, pushed as app:1.0 first, then replaced
#   side:1                      on base, as a Docker schema 2 manifest
#   gone (no tags)              gone:1 pushed, then its manifest deleted
#   multi:1                     a multi-platform OCI index; its platform
#                               manifests are untagged revisions of multi
#   multi-docker:1              the same as a Docker manifest list
set -euo pipefail

LAYOUT=${1:?usage: fill-registry.sh LAYOUT HOST:PORT}
R=${2:?usage: fill-registry.sh LAYOUT HOST:PORT}
command -v skopeo >/dev/null || {
    echo "skopeo is missing: apt-get install -y skopeo" >&2
    exit 1
}

# push FROM TO [skopeo copy flags...]
push() {
    local from=$1 to=$2
    shift 2
    skopeo copy --quiet --dest-tls-verify=false "$@" "oci:$LAYOUT:$from" "docker://$R/$to"
}

push base:1 base:1
push base:1 library/base:1
push tools:1 tools:1
push app:0 app:1.0
push app:1 app:1.0
push app:1 app:latest
push app:1 mirror/app:stable
push side:1 side:1 --format v2s2
push gone:1 gone:1
skopeo delete --tls-verify=false "docker://$R/gone:1"
push multi:1 multi:1 --all
push multi:1 multi-docker:1 --all --format v2s2
