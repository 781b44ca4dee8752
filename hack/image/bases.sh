#!/usr/bin/env bash
# Makes (or reuses) local stand-ins for the Dockerfile's two base images, so the image can be
# built and tested on a machine that reaches Debian's package mirror but no container registry:
#
#   localhost/aks-checklist-base/builder:bookworm   Debian 12 as debian:12-slim has it, plus
#                                                   python3 and python3-venv preinstalled
#   localhost/aks-checklist-base/runtime:bookworm   the same Python 3.11 at /usr/bin/python3.11
#                                                   that distroless python3-debian12 ships,
#                                                   user 65532 ("nonroot") as its default user,
#                                                   and, as in distroless, no shell and no
#                                                   package manager
#
# Both come from one debootstrap of bookworm, from the mirror this machine's apt is configured
# for (read from /etc/apt at run time). The root filesystem is kept as a tarball under
# ~/.cache/aks-checklist/image/bases/ and the images in the buildah storage beside it; a second
# run reuses both. Prints the two image names, builder first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"
bash "$here/deps.sh"

suite=bookworm
# What the Dockerfile's builder installs anyway, and what the runtime's interpreter needs.
packages=python3,python3-venv,python3.11,ca-certificates,tzdata
builder_image="localhost/aks-checklist-base/builder:$suite"
runtime_image="localhost/aks-checklist-base/runtime:$suite"

# The first Debian mirror apt is configured for, from a deb822 .sources file or sources.list.
mirror() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    awk -v suite="$suite" '
      /^[[:space:]]*$/ { if (uri != "" && has) { print uri; exit } uri = ""; has = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
      END { if (uri != "" && has) print uri }' "$file" | head -n1
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$file" ]] || continue
    sed -E 's/\[[^]]*\]//' "$file" | awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }'
  done
}

key="$(printf '%s\n' "$suite" "$packages" | sha256sum | cut -c1-12)"
rootfs_tar="$IMAGE_CACHE/bases/$suite-$key.tar"
if [[ ! -f "$rootfs_tar" ]]; then
  url="$(mirror | head -n1)"
  [[ -n "$url" ]] || { echo "No Debian $suite mirror found in /etc/apt" >&2; exit 1; }
  mkdir -p "$IMAGE_CACHE/bases"
  work="$(mktemp -d "$IMAGE_CACHE/bases/debootstrap.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  start=$(date +%s)
  echo "Bootstrapping Debian $suite with $packages ..." >&2
  debootstrap --variant=minbase --include="$packages" \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$suite" "$work/rootfs" "$url" > "$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  # Slim as debian:*-slim is: no package lists, no caches, no docs.
  rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/"*.bin \
    "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/usr/share/doc/"* \
    "$work/rootfs/usr/share/man/"* "$work/rootfs/var/log/"*.log
  tar -C "$work/rootfs" --numeric-owner -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  echo "Bootstrapped $suite in $(( $(date +%s) - start ))s into $rootfs_tar" >&2
fi

# An image is remade when it was made from another tarball or by an older PREPARE (its
# annotation records both).
# image_from_tarball NAME PREPARE REVISION [buildah config flags...]
image_from_tarball() {
  local name="$1" prepare="$2" made="$key/$3"; shift 3
  if [[ "$(bah inspect --type image --format '{{index .ImageAnnotations "org.aks-checklist.rootfs"}}' "$name" 2>/dev/null)" == "$made" ]]; then
    return
  fi
  local container mount
  container="$(bah from --quiet scratch)"
  mount="$(bah mount "$container")"
  tar -C "$mount" --numeric-owner -xf "$rootfs_tar"
  "$prepare" "$mount"
  bah umount "$container" >/dev/null
  bah config --annotation "org.aks-checklist.rootfs=$made" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" "$container"
  bah commit --quiet --rm "$container" "$name" >/dev/null
  echo "Committed $name" >&2
}

as_builder() { :; }
as_runtime() {
  # distroless' nonroot user and group, and the home it gives them.
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >> "$1/etc/passwd"
  echo 'nonroot:x:65532:' >> "$1/etc/group"
  install -d -o 65532 -g 65532 -m 0700 "$1/home/nonroot"
  # Nothing to run but Python: a step or an entrypoint that needs a shell fails here as it
  # would on distroless.
  # bookworm has a merged /usr (/bin is a link to usr/bin), so everything is under usr/bin.
  [[ -n "$1" && "$1" != / && -L "$1/bin" ]] || { echo "unexpected root filesystem at $1" >&2; exit 1; }
  rm -f "$1"/usr/bin/{sh,bash,dash,rbash} "$1"/usr/bin/apt* "$1"/usr/bin/dpkg*
}

image_from_tarball "$builder_image" as_builder 1 --cmd /bin/bash
image_from_tarball "$runtime_image" as_runtime 2 --user 65532:65532 --workingdir /home/nonroot
echo "$builder_image"
echo "$runtime_image"
