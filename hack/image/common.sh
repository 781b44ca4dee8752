# Sourced by the image scripts: where the image build keeps its state, and buildah invoked
# the one way that works without a daemon, overlayfs or a user namespace of its own.
# Everything lives under the user's cache, never in the repository.
IMAGE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/aks-checklist/image"
export PATH="$PATH:/usr/sbin:/sbin"

bah() {
  buildah --root "$IMAGE_CACHE/storage" --runroot "$IMAGE_CACHE/run" --storage-driver vfs "$@"
}
