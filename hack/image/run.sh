#!/usr/bin/env bash
# Runs a built image the way a locked-down pod would, without a container runtime: the image's
# own entrypoint, environment and numeric user, a read-only root filesystem, a fresh /proc and
# a minimal /dev, the working directory /, and an empty tmpfs at /tmp (the one writable path the Deployment gives it).
# The host's network is shared, so a control plane on 127.0.0.1 is reachable.
#
#   bash hack/image/run.sh [--entrypoint PATH] [--env NAME=VALUE]... [--file SRC:NAME]... IMAGE [ARGS...]
#
# --file copies SRC into the container's /tmp/NAME (readable by the container's user) before
# the entrypoint starts: how a kubeconfig gets in without a writable root. Ending this script
# (SIGTERM) ends the container: it is PID 1 of its own PID namespace, tied to this script.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

entrypoint=() envs=() files=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --entrypoint) entrypoint=("$2"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --) shift; break ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { echo "usage: $0 [options] IMAGE [ARGS...]" >&2; exit 2; }
image="$1"; shift

# The root filesystem is mounted read-only below, so one working container per image is never
# written to and is kept for the next run (with vfs storage, making one copies the whole image).
# Those of images that are gone or retagged are removed.
image_id="$(bah inspect --type image --format '{{.FromImageID}}' "$image")"
container="aks-checklist-run-${image_id:0:12}"
while read -r name; do
  if [[ "$name" == aks-checklist-run-* && "$name" != "$container" ]]; then
    bah rm "$name" >/dev/null 2>&1 || true
  fi
done < <(bah containers --format '{{.ContainerName}}')
if ! bah inspect --type container "$container" >/dev/null 2>&1; then
  bah from --quiet --pull=never --name "$container" "$image" >/dev/null \
    || bah inspect --type container "$container" >/dev/null  # made by a run at the same time
fi
rootfs="$(bah mount "$container")"
config() { bah inspect --type container --format "$1" "$container"; }
user="$(config '{{.OCIv1.Config.User}}')"
[[ -n "$user" ]] || user=0:0
[[ "$user" == *:* ]] || user="$user:$user"
[[ "$user" =~ ^[0-9]+:[0-9]+$ ]] || { echo "image user $user is not numeric" >&2; exit 1; }
mapfile -t image_env < <(config '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' | sed '/^$/d')
if [[ ${#entrypoint[@]} -eq 0 ]]; then
  mapfile -t entrypoint < <(config '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' | sed '/^$/d')
fi
[[ ${#entrypoint[@]} -gt 0 ]] || { echo "image $image has no entrypoint" >&2; exit 1; }

# Everything below happens in a mount and PID namespace of its own, so nothing is left mounted
# on the host when it ends.
export AKS_RUN_ROOTFS="$rootfs" AKS_RUN_USER="$user"
inner='
set -euo pipefail
new="$(mktemp -d)"
mount --bind "$AKS_RUN_ROOTFS" "$new"
mount -o remount,bind,ro "$new"
mount -t proc -o nosuid,nodev,noexec proc "$new/proc"
mount -t tmpfs -o nosuid,noexec,mode=0755,size=1m dev "$new/dev"
for node in null zero random urandom; do
  touch "$new/dev/$node"; mount --bind "/dev/$node" "$new/dev/$node"
done
mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m tmp "$new/tmp"
uid="${AKS_RUN_USER%%:*}" gid="${AKS_RUN_USER##*:}"
while [[ $# -gt 0 && "$1" != -- ]]; do
  install -o "$uid" -g "$gid" -m 0600 "${1%%:*}" "$new/tmp/${1#*:}"; shift
done
shift
variables=()
while [[ "$1" != -- ]]; do variables+=("$1"); shift; done
shift
chroot="$(command -v chroot)"
# env -i leaves only the image'"'"'s variables; chroot then looks the command up on the image'"'"'s
# PATH inside the new root, so the image needs no env or shell of its own.
exec env -i "${variables[@]}" "$chroot" --userspec="$AKS_RUN_USER" --groups="$gid" "$new" "$@"
'
set +e
unshare --mount --pid --fork --kill-child=SIGTERM bash -c "$inner" run "${files[@]}" -- \
  "${image_env[@]}" "${envs[@]}" -- "${entrypoint[@]}" "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"; status=$?
# A trapped signal interrupts the first wait; wait again for the container to finish.
kill -0 "$child" 2>/dev/null && { wait "$child"; status=$?; }
exit "$status"
