# buildah-build.sh: sourced by the scripts that build small images FROM scratch in a
# throw-away vfs store (make-demo.sh, make-registry-images.sh). It sets
#   T   a temporary folder, removed on exit with the store in it
#   S   buildah's store flags, CS the same store as a containers-storage: transport
#   TS  the fixed timestamp every commit gets, so that digests are the same every run
# and defines build FROM ARCH NAME FILE CONTENT [config args...]: one COPY step of a
# one-line file, committed as NAME.

T=$(mktemp -d)
trap 'buildah $S rm --all >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
S="--root $T/root --runroot $T/run --storage-driver vfs"
CS="containers-storage:[vfs@$T/root+$T/run]"
TS="--timestamp 1700000000"

build() {
    local from=$1 arch=$2 name=$3 file=$4 content=$5
    shift 5
    local ctr
    ctr=$(buildah $S from --quiet "$from")
    printf '%s\n' "$content" >"$T/payload"
    buildah $S copy --quiet "$ctr" "$T/payload" "$file" >/dev/null
    buildah $S config --arch "$arch" --os linux --created-by "COPY $file" "$@" "$ctr"
    buildah $S commit --quiet $TS "$ctr" "$name" >/dev/null
    buildah $S rm "$ctr" >/dev/null
}
