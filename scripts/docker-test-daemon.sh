#!/usr/bin/env bash
# docker-test-daemon.sh start DIR | stop DIR | halt DIR
#
# A private, throw-away dockerd for tests (Debian's docker.io 20.10: `apt-get install -y docker.io`).
#
#   start DIR   DIR must be absent, empty, or hold only a data/ folder (the data-root of a halted
#               daemon, or a `cp -a` copy of one: see halt). Starts dockerd (vfs driver, no
#               iptables, no bridge) with everything under DIR:
#                 DIR/docker.sock     the API socket: DOCKER_HOST=unix://DIR/docker.sock
#                 DIR/docker.pid      dockerd's pid file
#                 DIR/dockerd.log     dockerd's (and its containerd's) log
#                 DIR/data            --data-root (image store, containers, containerd root)
#                 DIR/exec            --exec-root (containerd socket, netns, runtime state)
#                 DIR/daemon.json     --config-file: keeps the host's /etc/docker/daemon.json out
#                                     and puts the trust key in DIR/key.json, not /etc/docker
#               Waits (START_TIMEOUT seconds, default 30) until `docker version` answers on the
#               socket. Prints nothing on success; on failure prints the reason and the end of
#               DIR/dockerd.log to stderr, stops what it started and exits 1 (DIR is kept for
#               the log: run `stop DIR` to remove it).
#   stop DIR    Stops that daemon (running containers are `docker kill`ed first; then TERM, wait
#               STOP_TIMEOUT seconds, default 20, then KILL of dockerd, its containerd, shims and
#               whatever is left in its container cgroups, which are removed), unmounts anything
#               under DIR and removes DIR, whatever state it is in. A missing DIR is fine.
#               Refuses a non-empty DIR that `start` did not make (no DIR/.cairn-docker-test-daemon
#               marker).
#   halt DIR    Stops the daemon like stop but keeps DIR/data (removes the rest), so that `start
#               DIR` runs it again, or DIR/data can be copied (cp -a DIR/data NEW/data) and
#               started in NEW: a fixture built once can be reused. Reuse it at the same absolute
#               DIR where possible: container configs record absolute paths (hosts, resolv.conf,
#               log file) under the data-root.
#
# Several daemons can run at once with different DIRs. DIR must be short (unix socket paths are
# limited to 107 bytes): at most 64 bytes once made absolute.
#
# Environment: DOCKER_CLI (default /usr/bin/docker, Debian's 20.10 client; a newer `docker` may be
# earlier on PATH), DOCKERD (default: dockerd on PATH, else /usr/sbin/dockerd).
#
# Outside DIR, dockerd still creates the empty folder /run/docker/plugins (hard-coded plugin
# discovery path). If a system containerd listens on /run/containerd/containerd.sock, dockerd 20.10
# uses it instead of starting its own; each daemon then gets its own containerd namespaces.
set -euo pipefail

DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}
if [ -z "${DOCKERD:-}" ]; then
    DOCKERD=$(command -v dockerd 2>/dev/null || echo /usr/sbin/dockerd)
fi
START_TIMEOUT=${START_TIMEOUT:-30}
STOP_TIMEOUT=${STOP_TIMEOUT:-20}
MARKER=.cairn-docker-test-daemon
PROG=$(basename "$0")

die() {
    echo "$PROG: $*" >&2
    exit 1
}

usage() {
    echo "usage: $PROG start DIR | stop DIR | halt DIR" >&2
    exit 2
}

# Absolute path of $1 without requiring it to exist (its parent is created by start).
abspath() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac | sed -e 's#/\./#/#g' -e 's#//*#/#g' -e 's#/\.$##' -e 's#\(.\)/$#\1#'
}

# Pids of processes that belong to the daemon in $1: dockerd started with --data-root $1/data,
# its containerd (--config $1/exec/containerd/containerd.toml) and shims (-address
# $1/exec/containerd/containerd.sock). Arguments are matched whole (grep -z -x on the NUL-separated
# /proc/PID/cmdline), so /x/d does not match /x/d2.
pids_under() {
    local dir=$1 f p comm
    for f in $(grep -lzsxF -e "$dir/data" -e "unix://$dir/docker.sock" \
        -e "$dir/exec/containerd/containerd.toml" -e "$dir/exec/containerd/containerd.sock" \
        /proc/[0-9]*/cmdline 2>/dev/null); do
        p=${f#/proc/}
        p=${p%/cmdline}
        comm=
        { read -r comm <"/proc/$p/comm"; } 2>/dev/null || continue
        case $comm in
            dockerd | containerd | containerd-shim*) echo "$p" ;;
        esac
    done
}

alive() {
    kill -0 "$1" 2>/dev/null
}

cmd_start() {
    local dir pid i log ns
    dir=$(abspath "$1")
    [ "$dir" != / ] || die "refusing to use /"
    [ ${#dir} -le 64 ] || die "DIR too long (${#dir} bytes, max 64; unix socket paths are limited): $dir"
    command -v "$DOCKERD" >/dev/null 2>&1 || die "dockerd not found (apt-get install -y docker.io)"
    [ -x "$DOCKER_CLI" ] || die "docker client $DOCKER_CLI not found (apt-get install -y docker.io)"
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir" | grep -vx -e data -e "$MARKER")" ]; then
        die "$dir exists and holds more than a data/ folder (stop it first: $PROG stop $dir)"
    fi
    if [ -n "$(pids_under "$dir")" ]; then
        die "a daemon for $dir is still running (stop it first: $PROG stop $dir)"
    fi
    mkdir -p "$dir"
    : >"$dir/$MARKER"
    log=$dir/dockerd.log
    # Containerd namespaces unique to DIR, in case a system containerd is shared, and a cgroup
    # parent of its own, so that stop finds (and removes) this daemon's container cgroups.
    ns=$(ns_of "$dir")
    printf '{\n  "deprecated-key-path": "%s/key.json"\n}\n' "$dir" >"$dir/daemon.json"

    # setsid: the daemon does not share the caller's process group (a Ctrl-C in the caller's
    # terminal does not reach it). All fds are redirected so that callers reading our output
    # through a pipe are not held open by the daemon.
    setsid "$DOCKERD" \
        --config-file "$dir/daemon.json" \
        --storage-driver vfs \
        --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        --bridge=none \
        --data-root "$dir/data" \
        --exec-root "$dir/exec" \
        -H "unix://$dir/docker.sock" \
        --pidfile "$dir/docker.pid" \
        --containerd-namespace "$ns" \
        --containerd-plugins-namespace "$ns-plugins" \
        --cgroup-parent "$ns" \
        </dev/null >"$log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/dockerd.launch-pid"

    i=0
    while :; do
        if ! alive "$pid"; then
            wait "$pid" 2>/dev/null && rc=0 || rc=$?
            start_failed "$dir" "dockerd exited (status $rc) before its API answered"
        fi
        if "$DOCKER_CLI" -H "unix://$dir/docker.sock" version >/dev/null 2>&1; then
            return 0
        fi
        i=$((i + 1))
        if [ "$i" -ge $((START_TIMEOUT * 10)) ]; then
            start_failed "$dir" "dockerd API did not answer within ${START_TIMEOUT}s"
        fi
        sleep 0.1
    done
}

start_failed() {
    local dir=$1 why=$2
    {
        echo "$PROG: $why"
        echo "$PROG: daemon log $dir/dockerd.log (last 40 lines):"
        tail -n 40 "$dir/dockerd.log" 2>/dev/null | sed 's/^/    /'
        echo "$PROG: run '$PROG stop $dir' to remove $dir"
    } >&2
    stop_processes "$dir"
    exit 1
}

# Name shared by the daemon's containerd namespaces and its containers' cgroup parent.
ns_of() {
    printf 'cairn-%s\n' "$(printf '%s' "$1" | sha256sum | cut -c1-12)"
}

# Container cgroups of the daemon in $1 (cgroupfs driver, --cgroup-parent NS), deepest first.
cgroups_of() {
    local ns
    ns=$(ns_of "$1")
    find /sys/fs/cgroup -maxdepth 3 -type d -name "$ns" 2>/dev/null | while IFS= read -r d; do
        find "$d" -depth -type d 2>/dev/null
    done
}

# Stop the daemon in $1 and everything it started:
#   1. running containers are killed through the API (else dockerd waits 10 s per container
#      whose PID 1 ignores SIGTERM);
#   2. dockerd gets TERM (it stops its containerd), STOP_TIMEOUT seconds, then KILL;
#   3. leftovers (processes in the daemon's container cgroups, shims, containerd) get KILL,
#      and the daemon's empty cgroups are removed.
stop_processes() {
    local dir=$1 p i cg ids
    if [ -S "$dir/docker.sock" ]; then
        ids=$(timeout 5 "$DOCKER_CLI" -H "unix://$dir/docker.sock" ps -q 2>/dev/null || true)
        if [ -n "$ids" ]; then
            # shellcheck disable=SC2086
            timeout 10 "$DOCKER_CLI" -H "unix://$dir/docker.sock" kill $ids >/dev/null 2>&1 || true
        fi
    fi
    for p in $(pids_under "$dir"); do
        if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = dockerd ]; then
            kill -TERM "$p" 2>/dev/null || true
        fi
    done
    i=0
    while [ "$i" -lt $((STOP_TIMEOUT * 10)) ] && dockerd_under "$dir"; do
        sleep 0.1
        i=$((i + 1))
    done
    if dockerd_under "$dir"; then
        echo "$PROG: dockerd under $dir did not stop within ${STOP_TIMEOUT}s, killing it" >&2
    fi
    for i in 1 2 3; do
        for cg in $(cgroups_of "$dir"); do
            # shellcheck disable=SC2013
            for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        done
        for p in $(pids_under "$dir"); do kill -KILL "$p" 2>/dev/null || true; done
        for _ in $(seq 1 30); do
            [ -z "$(pids_under "$dir")" ] && break
            sleep 0.1
        done
        for cg in $(cgroups_of "$dir"); do rmdir "$cg" 2>/dev/null || true; done
        [ -z "$(pids_under "$dir")" ] && [ -z "$(cgroups_of "$dir")" ] && break
    done
    [ -z "$(pids_under "$dir")" ] || echo "$PROG: processes of $dir survive: $(pids_under "$dir")" >&2
    [ -z "$(cgroups_of "$dir")" ] || echo "$PROG: cgroups of $dir survive: $(cgroups_of "$dir")" >&2
}

dockerd_under() {
    local p
    for p in $(pids_under "$1"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = dockerd ] && return 0
    done
    return 1
}

cmd_stop() {
    local dir mnt keep=${2:-}
    dir=$(abspath "$1")
    [ "$dir" != / ] || die "refusing to remove /"
    [ -e "$dir" ] || return 0
    [ -d "$dir" ] || die "$dir is not a directory"
    if [ ! -e "$dir/$MARKER" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
        die "$dir was not made by '$PROG start' (no $MARKER), not removing it"
    fi
    stop_processes "$dir"
    # Mounts a crashed daemon may leave (netns, container shm, ...), deepest first.
    awk -v d="$dir" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print m }' \
        /proc/self/mountinfo | sort -r | while IFS= read -r mnt; do
        umount -l "$mnt" 2>/dev/null || true
    done
    if [ -n "$keep" ]; then
        find "$dir" -mindepth 1 -maxdepth 1 ! -name data ! -name "$MARKER" -exec rm -rf -- {} +
        return 0
    fi
    rm -rf -- "$dir"
    [ ! -e "$dir" ] || die "could not remove $dir"
}

[ $# -eq 2 ] || usage
[ -n "$2" ] || usage
case $1 in
    start) cmd_start "$2" ;;
    stop) cmd_stop "$2" ;;
    halt) cmd_stop "$2" keep ;;
    *) usage ;;
esac
