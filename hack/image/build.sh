#!/usr/bin/env bash
# Builds the operator's image from the repository's Dockerfile with buildah: no daemon, vfs
# storage and chroot isolation, so it works as plain root on a machine (or in a CI container)
# that has neither overlayfs nor nested user namespaces. Storage is kept under
# ~/.cache/aks-checklist/image/ and layers are cached, so a second build is quick.
#
#   bash hack/image/build.sh                 # on local stand-in bases (hack/image/bases.sh)
#   BASES=dockerfile bash hack/image/build.sh  # on the Dockerfile's own bases (needs registries)
#   TAG=registry.example/aks-checklist-operator:1.2.3 bash hack/image/build.sh
#
# pip inside the build uses the same package index this machine's pip is configured for: any
# index settings found in the environment or in pip's configuration are passed as build
# arguments (the Dockerfile declares them without defaults), and pip's CA bundle is mounted.
# Prints the image name on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"
bash "$here/deps.sh"

version="$(sed -nE 's/^__version__ = "([^"]+)"/\1/p' "$repo/operator/aks_checklist/__init__.py")"
tag="${TAG:-localhost/aks-checklist-operator:$version}"
args=()
case "${BASES:-local}" in
  local)
    mapfile -t bases < <(bash "$here/bases.sh")
    args+=(--build-arg "BUILDER_IMAGE=${bases[0]}" --build-arg "RUNTIME_IMAGE=${bases[1]}" --pull=never)
    ;;
  dockerfile) ;;
  *) echo "BASES must be local or dockerfile, not ${BASES}" >&2; exit 2 ;;
esac

pip_setting() {  # environment first, then pip's own configuration files
  local env_name="$1" key="$2" value="${!1:-}"
  if [[ -z "$value" ]] && command -v python3 >/dev/null; then
    value="$(python3 -m pip config get "global.$key" 2>/dev/null || true)"
  fi
  [[ -z "$value" ]] || args+=(--build-arg "$env_name=$value")
}
pip_setting PIP_INDEX_URL index-url
pip_setting PIP_EXTRA_INDEX_URL extra-index-url
pip_setting PIP_TRUSTED_HOST trusted-host
# A CA bundle pip is told to trust (a TLS-inspecting proxy's, say) is a file on this machine:
# it is mounted into the RUN steps, never copied into a layer.
cert="${PIP_CERT:-}"
if [[ -z "$cert" ]] && command -v python3 >/dev/null; then
  cert="$(python3 -m pip config get global.cert 2>/dev/null || true)"
fi
if [[ -n "$cert" && -f "$cert" ]]; then
  args+=(--volume "$(readlink -f "$cert"):/run/pip-ca.crt:ro" --build-arg PIP_CERT=/run/pip-ca.crt)
fi

start=$(date +%s)
echo "Building $tag ..." >&2
bah build --isolation chroot --layers --format oci "${args[@]}" \
  --tag "$tag" --file "$repo/Dockerfile" "$repo" >&2
echo "Built $tag in $(( $(date +%s) - start ))s" >&2
echo "$tag"
