# busybox-steps.sh: sourced by the scripts that build an image layer by layer with busybox's
# sh in a containers-storage store that stays (make-contents-fixture.sh,
# make-contents-overlay.sh). Before sourcing, set DIR (the folder the store goes in, made
# and absolute here), DRIVER (vfs or overlay) and WIP (the image's name while it is built).
# It checks that busybox is static, and sets
#   T   a temporary folder, removed on exit with every working container
#   S   buildah's flags for DIR/root and DIR/run, CS the same store as a transport
#   TS  the fixed timestamp every commit gets
# and defines base (WIP := scratch plus /bin/busybox) and step SCRIPT.

BUSYBOX=$(command -v busybox)
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' || {
    echo "$0: $BUSYBOX is not statically linked: apt-get install -y busybox-static" >&2
    exit 1
}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
umask 022

T=$(mktemp -d)
S="--root $DIR/root --runroot $DIR/run --storage-driver $DRIVER"
trap 'buildah $S rm --all >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
printf '[storage]\ndriver = "%s"\ngraphroot = "%s"\nrunroot = "%s"\n' "$DRIVER" "$DIR/root" "$DIR/run" >"$T/storage.conf"
export CONTAINERS_STORAGE_CONF=$T/storage.conf
CS="containers-storage:[$DRIVER@$DIR/root+$DIR/run]"
TS="--timestamp 1700000000"

# base: WIP is busybox alone, in a layer of its own.
base() {
    local ctr
    ctr=$(buildah $S from --quiet scratch)
    buildah $S copy --quiet "$ctr" "$BUSYBOX" /bin/busybox >/dev/null
    buildah $S commit --quiet $TS "$ctr" "$WIP" >/dev/null
    buildah $S rm "$ctr" >/dev/null
}

# step SCRIPT: runs SCRIPT with busybox's sh in a working container of WIP, and commits it
# as WIP plus one layer (a container's commits are all diffs from the image it was made
# from, so each step needs a container of its own).
step() {
    local ctr
    ctr=$(buildah $S from --quiet "$WIP")
    buildah $S run --isolation chroot "$ctr" -- /bin/busybox sh -euc "$1"
    buildah $S commit --quiet $TS "$ctr" "$WIP" >/dev/null
    buildah $S rm "$ctr" >/dev/null
}
