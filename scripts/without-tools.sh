#!/usr/bin/env bash
# Runs a command as on a machine without the container tools: inside a private mount namespace,
# every program of the packages the conformance tier installs (podman, buildah, skopeo, umoci,
# docker.io and what they bring, docker-registry, busybox-static, tmux) is covered by /dev/null,
# so that running one, by name or by absolute path, fails with "Permission denied". The rest of
# the machine does not see it, and it ends with the command. The hermetic test tier runs so:
#
#   scripts/without-tools.sh cargo test --workspace --locked
#
# Needs root, or unprivileged user namespaces (then the command runs as root inside one).
set -euo pipefail

if [[ "${CAIRN_WITHOUT_TOOLS:-}" != 1 ]]; then
    userns=()
    [[ $(id -u) == 0 ]] || userns=(--user --map-root-user)
    exec unshare "${userns[@]}" --mount --propagation private \
        env CAIRN_WITHOUT_TOOLS=1 bash "$0" "$@"
fi

packages=(podman buildah skopeo umoci docker.io containerd runc crun conmon docker-registry
    busybox-static tmux)
tools=(podman buildah skopeo umoci docker dockerd containerd runc crun conmon docker-registry
    busybox tmux)

# What the packages installed, and any other copy of the tools on PATH (e.g. /usr/local/bin).
mapfile -t programs < <(
    { dpkg -L "${packages[@]}" 2>/dev/null || true; type -ap "${tools[@]}" || true; } |
        while read -r path; do
            if [[ -f $path && -x $path ]]; then realpath "$path"; fi
        done | sort -u
)
for program in "${programs[@]}"; do
    mount --bind /dev/null "$program"
done
for path in $(type -ap "${tools[@]}"); do
    if [[ -x $path ]]; then
        echo "without-tools.sh: $path is still runnable" >&2
        exit 1
    fi
done
echo "without-tools.sh: ${#programs[@]} programs hidden; running $*" >&2
exec "$@"
