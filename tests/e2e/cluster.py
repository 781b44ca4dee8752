"""Access to the cluster the e2e suite runs against: kubectl and pykube, nothing else.

The suite uses pykube-ng and kubectl on purpose: they are independent of the
``kubernetes`` client the operator uses, so a bug in how the operator talks
to the API cannot hide itself in the tests.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pykube

from aks_checklist.testing import ControlPlane

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class KubectlError(AssertionError):
    pass


@dataclass
class Cluster:
    kubeconfig: Path
    kubectl_path: Path
    plane: ControlPlane | None

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [str(self.kubectl_path), "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and completed.returncode != 0:
            raise KubectlError(f"kubectl {' '.join(args)} failed: {completed.stderr.strip()}")
        return completed

    def get_json(self, *args: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.kubectl("get", *args, "-o", "json").stdout)
        return data

    def apply(self, manifest: dict[str, Any] | str) -> None:
        body = manifest if isinstance(manifest, str) else json.dumps(manifest)
        self.kubectl("apply", "-f", "-", stdin=body)

    def install_crds(self) -> None:
        """Applies crds/ (ours and Kopf's peering CRD) and waits until they are served."""
        self.kubectl("apply", "-k", str(REPO / "crds"))
        self.kubectl(
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd",
            "-l",
            "app.kubernetes.io/part-of=aks-checklist-operator",
        )

    def api(self) -> pykube.HTTPClient:
        return pykube.HTTPClient(pykube.KubeConfig.from_file(str(self.kubeconfig)))


def eventually(
    probe: Callable[[], T | None], *, timeout: float = 30, interval: float = 0.2, what: str = ""
) -> T:
    """Polls until ``probe`` returns something truthy; fails naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what or probe!r}; last: {last!r}"
    )
