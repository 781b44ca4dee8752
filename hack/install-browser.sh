#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver when either is missing, for the dashboard's
# browser test. CI starts from a fresh machine, so the test suite runs this itself (as root, or
# through sudo); on a machine that already has both it returns at once.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "chromium and chromium-driver are missing; install them as root:" >&2
    echo "  apt-get update && apt-get install -y chromium chromium-driver" >&2
    exit 1
  fi
  sudo=(sudo --non-interactive)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
