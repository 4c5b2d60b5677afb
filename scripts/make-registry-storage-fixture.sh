#!/usr/bin/env bash
# make-registry-storage-fixture.sh [OUT]
#
# Writes the small registry storage folder the hermetic tests break
# (default OUT: tests/fixtures/registry-storage): a real docker-registry
# (distribution 2.8) on loopback, filled with skopeo from the images
# make-registry-images.sh builds, then stopped; its storage is copied out.
#
#   base:1      FROM scratch, one layer
#   tools:1     base + one layer, in its own repository
#   app:1       side:1 (base + one layer); pushed over app:0 (base + another
#               layer), which stays as an untagged revision of app
#
# Commit its output: the hermetic tier needs no tool to read it.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-"$HERE/../tests/fixtures/registry-storage"}
for tool in docker-registry skopeo python3; do
    command -v "$tool" >/dev/null || {
        echo "$tool is missing: apt-get install -y docker-registry skopeo python3" >&2
        exit 1
    }
done

T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
bash "$HERE/make-registry-images.sh" "$T/layout"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $T/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
CONFIG
docker-registry serve "$T/config.yml" >"$T/log" 2>&1 &
PID=$!
until python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT))" 2>/dev/null; do
    kill -0 "$PID" || { cat "$T/log" >&2; exit 1; }
    sleep 0.1
done

push() {
    skopeo copy --quiet --dest-tls-verify=false "oci:$T/layout:$1" "docker://127.0.0.1:$PORT/$2"
}
push base:1 base:1
push tools:1 tools:1
push app:0 app:1
push side:1 app:1
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
cp -r "$T/storage" "$OUT"
# Upload folders are empty and git keeps no empty folder: the fixture goes without them.
find "$OUT" -type d -name _uploads -prune -exec rm -rf {} +
find "$OUT" -type d -empty -delete
