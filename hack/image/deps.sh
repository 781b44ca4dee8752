#!/usr/bin/env bash
# Installs the Debian packages the image build and its tests need (buildah, debootstrap) when
# one is missing and we are root; does nothing when they are all there. CI starts on a fresh
# machine, so the build must bring its own tools rather than assume someone installed them.
set -euo pipefail

declare -A wanted=([buildah]=buildah [debootstrap]=debootstrap [chroot]=coreutils [unshare]=util-linux)
missing=()
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1 \
    || missing+=("${wanted[$command]}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "Installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
