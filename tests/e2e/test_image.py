"""The operator's image, built here from the Dockerfile with buildah, runs as the Deployment would.

``hack/image/build.sh`` builds the image (on stand-in bases made from Debian packages, since no
container registry is reachable here; the first build takes minutes, later ones reuse layers)
and ``hack/image/run.sh`` runs its entrypoint the way the Deployment's securityContext does: the
image's numeric user, a read-only root filesystem and only /tmp writable. The run against a
control plane uses one of its own, so no other operator of the e2e session can write the
report this test waits for.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import aks_checklist
from aks_checklist.testing import ControlPlane
from tests.e2e.cluster import REPO, Cluster, eventually
from tests.e2e.operator_process import free_port

BUILD = REPO / "hack" / "image" / "build.sh"
RUN = REPO / "hack" / "image" / "run.sh"
PROBE = """\
import json, os
result = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups()}
for path in ("/", "/opt/venv/lib", "/etc"):
    try:
        open(os.path.join(path, "written"), "w").close()
        result[path] = "written"
    except OSError as error:
        result[path] = error.strerror
with open("/tmp/written", "w") as handle:
    handle.write("ok")
result["/tmp"] = "written"
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def image() -> str:
    built = subprocess.run(
        ["bash", str(BUILD)], capture_output=True, text=True, timeout=1800, check=False
    )
    assert built.returncode == 0, built.stderr[-4000:]
    return built.stdout.strip().splitlines()[-1]


def image_config(image: str) -> dict[str, Any]:
    inspected = subprocess.run(
        [
            "bash",
            "-c",
            'source "$1"; bah inspect --type image "$2"',
            "inspect",
            str(REPO / "hack" / "image" / "common.sh"),
            image,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    config: dict[str, Any] = json.loads(inspected.stdout)["OCIv1"]["config"]
    return config


def run_image(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(RUN), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_image_config_is_what_the_deployment_relies_on(image: str) -> None:
    config = image_config(image)
    assert config["User"] == "65532:65532"
    assert config["Entrypoint"] == ["aks-checklist", "run"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["PATH"].startswith("/opt/venv/bin:")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_entrypoint_program_reports_the_package_version(image: str) -> None:
    result = run_image("--entrypoint", "aks-checklist", image, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"aks-checklist {aks_checklist.__version__}"


def test_container_runs_as_65532_with_only_tmp_writable(image: str, tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    result = run_image(
        "--entrypoint", "python3", "--file", f"{probe}:probe.py", image, "/tmp/probe.py"
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert (seen["uid"], seen["gid"], seen["groups"]) == (65532, 65532, [65532])
    assert seen["/"] == seen["/opt/venv/lib"] == seen["/etc"] == "Read-only file system"
    assert seen["/tmp"] == "written"


def test_python_on_the_image_path_is_the_venv(image: str) -> None:
    """Commands resolve from the venv first, not from whatever the base puts on PATH."""
    result = run_image("--entrypoint", "python3", image, "-c", "import sys; print(sys.prefix)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/opt/venv"


def test_runtime_has_no_shell_to_run(image: str) -> None:
    """As on distroless, nothing but the venv's programs can be started in the image."""
    result = run_image("--entrypoint", "sh", image, "-c", "true")
    assert result.returncode != 0
    assert "No such file or directory" in result.stderr


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[Cluster]:
    with ControlPlane() as plane:
        cluster = Cluster(plane.kubeconfig, plane.binaries.kubectl, plane)
        cluster.kubectl("apply", "-k", str(REPO / "crds"))
        cluster.kubectl(
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/akschecklistpolicies.akschecklist.io",
            "crd/akscompliances.akschecklist.io",
        )
        yield cluster


def test_entrypoint_writes_the_first_report_against_a_control_plane(
    image: str, own_cluster: Cluster, tmp_path: Path
) -> None:
    own_cluster.kubectl("create", "namespace", "aks-checklist-system")
    own_cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team-a", "labels": {"team": "a"}},
        }
    )
    own_cluster.apply(
        {
            "apiVersion": "akschecklist.io/v1alpha1",
            "kind": "AksChecklistPolicy",
            "metadata": {"name": "teams"},
            "spec": {"enforcement": "Audit", "namespaceSelector": {"matchLabels": {"team": "a"}}},
        }
    )
    log = tmp_path / "operator.log"
    metrics, health = free_port(), free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                "bash",
                str(RUN),
                "--file",
                f"{own_cluster.kubeconfig}:kubeconfig",
                "--env",
                "KUBECONFIG=/tmp/kubeconfig",
                image,
                # The Deployment's arguments, less peering (this control plane has no peering CRD).
                "--all-namespaces",
                "--standalone",
                f"--liveness=http://127.0.0.1:{health}/healthz",
                f"--metrics-port={metrics}",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def report() -> dict[str, object] | None:
            if process.poll() is not None:
                raise AssertionError(
                    f"the image exited with {process.returncode}:\n{log.read_text()}"
                )
            got = own_cluster.kubectl(
                "get", "aksc", "teams", "-n", "team-a", "-o", "json", check=False
            )
            if got.returncode != 0:
                return None
            status: dict[str, object] | None = json.loads(got.stdout).get("status")
            return status if status and status.get("results") else None

        status = eventually(report, timeout=180, interval=1, what="the first AksCompliance report")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert status["results"]
    assert "Read-only file system" not in log.read_text()
