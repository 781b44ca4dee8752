"""Finds the control-plane binaries: KUBEBUILDER_ASSETS first, else the cached build.

The build itself is hack/control-plane/build.sh in the repository; it is
idempotent and prints the directory of the binaries on its last line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BUILD_SCRIPT = Path(__file__).resolve().parents[3] / "hack" / "control-plane" / "build.sh"


@dataclass(frozen=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path | None
    kubectl: Path


class BinariesNotFoundError(RuntimeError):
    pass


def find_binaries() -> Binaries:
    """Returns the binaries to run, building them once when nothing provides them."""
    assets = os.environ.get("KUBEBUILDER_ASSETS")
    if assets:
        return _from_directory(Path(assets))
    if not BUILD_SCRIPT.is_file():
        raise BinariesNotFoundError(
            f"{BUILD_SCRIPT} is missing: run from a checkout of the repository "
            "or set KUBEBUILDER_ASSETS to a directory with etcd and kube-apiserver"
        )
    completed = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], check=False, stdout=subprocess.PIPE, text=True
    )
    if completed.returncode != 0:
        raise BinariesNotFoundError(f"{BUILD_SCRIPT} failed with exit code {completed.returncode}")
    return _from_directory(Path(completed.stdout.strip().splitlines()[-1]))


def _from_directory(directory: Path) -> Binaries:
    def pick(name: str, *, required: bool = True) -> Path | None:
        override = os.environ.get("TEST_ASSET_" + name.upper().replace("-", "_"))
        path = Path(override) if override else directory / name
        if path.is_file() and os.access(path, os.X_OK):
            return path
        if required:
            raise BinariesNotFoundError(f"no executable {name} in {directory}")
        return None

    kubectl = pick("kubectl", required=False) or _kubectl_on_path()
    return Binaries(
        etcd=_required(pick("etcd")),
        kube_apiserver=_required(pick("kube-apiserver")),
        kube_controller_manager=pick("kube-controller-manager", required=False),
        kubectl=kubectl,
    )


def _required(path: Path | None) -> Path:
    if path is None:  # pick() raises first for required binaries; this narrows the type
        raise BinariesNotFoundError("a required control-plane binary is missing")
    return path


def _kubectl_on_path() -> Path:
    found = shutil.which("kubectl")
    if not found:
        raise BinariesNotFoundError("kubectl is neither next to the control plane nor on PATH")
    return Path(found)
