#!/usr/bin/env bash
# Builds (or reuses) the local control plane: etcd, kube-apiserver,
# kube-controller-manager and kubectl at the Kubernetes release pinned in go.mod.
# Prints the directory holding the binaries on its last line of stdout.
#
# - KUBEBUILDER_ASSETS set: its binaries are used and nothing is built.
# - Otherwise binaries go to ${XDG_CACHE_HOME:-~/.cache}/aks-checklist/control-plane/<version>/
#   and are reused while all four are present.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binaries=(etcd kube-apiserver kube-controller-manager kubectl)

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for b in etcd kube-apiserver; do
    [[ -x "$KUBEBUILDER_ASSETS/$b" ]] || { echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b" >&2; exit 1; }
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

k8s_version="$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$here/go.mod")"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2; exit}' "$here/go.mod")"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/aks-checklist/control-plane/${k8s_version}"

complete=1
for b in "${binaries[@]}"; do [[ -x "$cache/$b" ]] || complete=0; done
if [[ "$complete" == 1 ]]; then
  echo "Reused control plane ${k8s_version} in $cache" >&2
  echo "$cache"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build the control plane (or set KUBEBUILDER_ASSETS)" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$cache"

major="${k8s_version#v}"; major="${major%%.*}"
minor="${k8s_version#v*.}"; minor="${minor%%.*}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=${k8s_version} -X $pkg.gitMajor=${major} -X $pkg.gitMinor=${minor}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${build_date}"
done
tags="selinux,notest,grpcnotrace"

cd "$here"
start=$(date +%s)
build() {  # build <output name> <package> [extra ldflags]
  echo "Building $1 ..." >&2
  go build -trimpath -tags "$tags" -ldflags "$ldflags ${3:-}" -o "$cache/$1.tmp" "$2"
  mv "$cache/$1.tmp" "$cache/$1"
}
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build kubectl k8s.io/kubernetes/cmd/kubectl
build etcd go.etcd.io/etcd/server/v3 "-X go.etcd.io/etcd/api/v3/version.GitSHA=${etcd_version}"
echo "Built control plane ${k8s_version} (etcd ${etcd_version}) in $(( $(date +%s) - start ))s into $cache" >&2
echo "$cache"
