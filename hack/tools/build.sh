#!/usr/bin/env bash
# Builds (or reuses) the rendering tools the scanner and the chart tests use: helm and
# kustomize, each pinned in its own Go module here (hack/tools/<tool>/go.mod), so their
# dependency graphs never meet. Binaries go to
# ${XDG_CACHE_HOME:-~/.cache}/aks-checklist/tools/<tool>-<version>/<tool> and are reused.
# Prints the directory holding each binary, one per line, on stdout.
#
#   bash hack/tools/build.sh            # both
#   bash hack/tools/build.sh helm       # one
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
declare -A packages=(
  [helm]=helm.sh/helm/v3/cmd/helm
  [kustomize]=sigs.k8s.io/kustomize/kustomize/v5
)
declare -A modules=(
  [helm]=helm.sh/helm/v3
  [kustomize]=sigs.k8s.io/kustomize/kustomize/v5
)
# helm: the Kubernetes minor of the client-go it builds against (from its go.mod).
helm_k8s_minor="$(awk '$1 == "k8s.io/client-go" {split($2, v, "."); print v[2]; exit}' "$here/helm/go.mod")"
declare -A suffix=([helm]="-k8s1.${helm_k8s_minor}" [kustomize]="")
tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(helm kustomize)

for tool in "${tools[@]}"; do
  [[ -n "${packages[$tool]:-}" ]] || { echo "unknown tool: $tool (helm, kustomize)" >&2; exit 2; }
  version="$(awk -v m="${modules[$tool]}" '$1 == m || ($1 == "require" && $2 == m) {print $NF; exit}' "$here/$tool/go.mod")"
  [[ -n "$version" ]] || { echo "$here/$tool/go.mod does not pin ${modules[$tool]}" >&2; exit 1; }
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/aks-checklist/tools/${tool}-${version}${suffix[$tool]}"
  if [[ -x "$cache/$tool" ]]; then
    echo "Reused $tool $version in $cache" >&2
    echo "$cache"
    continue
  fi
  command -v go >/dev/null || { echo "go is required to build $tool" >&2; exit 1; }
  mkdir -p "$cache"
  start=$(date +%s)
  echo "Building $tool $version ..." >&2
  ldflags="-s -w"
  if [[ "$tool" == helm ]]; then
    # As helm's own release build does: the Kubernetes version `helm template` assumes
    # (Capabilities.KubeVersion, kubeVersion constraints) is the one helm was built against.
    ldflags+=" -X helm.sh/helm/v3/internal/version.version=${version}"
    ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1"
    ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${helm_k8s_minor}"
  else
    ldflags+=" -X sigs.k8s.io/kustomize/api/provenance.version=${version}"
  fi
  (cd "$here/$tool" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod \
    go build -trimpath -ldflags "$ldflags" -o "$cache/$tool.tmp" "${packages[$tool]}")
  mv "$cache/$tool.tmp" "$cache/$tool"
  echo "Built $tool $version in $(( $(date +%s) - start ))s into $cache" >&2
  echo "$cache"
done
