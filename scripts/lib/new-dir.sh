# new-dir.sh: sourced first by the scripts that write a fixture into a folder of their own
# (make-contents-bench.sh, make-contents-fixture.sh, make-contents-overlay.sh,
# make-fixture-store.sh), with the script's arguments. It takes one, DIR, which must not
# exist or be empty, and defines `need TOOL...`, which stops the script at the first tool
# not installed.

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
DIR=$1
if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
    echo "$0: $DIR exists and is not empty" >&2
    exit 1
fi

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 1; }
    done
}
