"""The local control plane behaves like a real cluster where our tests depend on it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pykube

from tests.e2e.cluster import REPO, Cluster, eventually


def pinned_kubernetes_version() -> str:
    go_mod = (REPO / "hack" / "control-plane" / "go.mod").read_text()
    match = re.search(r"^\s*k8s\.io/kubernetes (v\S+)$", go_mod, re.MULTILINE)
    assert match, "go.mod pins no k8s.io/kubernetes version"
    return match.group(1)


def test_version_endpoint_reports_the_pinned_release(cluster: Cluster) -> None:
    """/version carries the real release, proving the version ldflags were applied."""
    version = json.loads(cluster.kubectl("get", "--raw", "/version").stdout)
    if cluster.plane is None:
        assert re.fullmatch(r"v1\.\d+\.\d+.*", version["gitVersion"])
    else:
        assert version["gitVersion"] == pinned_kubernetes_version()
        assert version["gitTreeState"] == "clean"


def test_deleted_namespace_really_goes_away(cluster: Cluster) -> None:
    """Namespace deletion completes, which needs the controller-manager's namespace controller."""
    cluster.kubectl("create", "namespace", "doomed")
    cluster.kubectl("create", "configmap", "leftover", "-n", "doomed", "--from-literal=a=b")
    cluster.kubectl("delete", "namespace", "doomed", "--wait=false")

    def gone() -> bool:
        result = cluster.kubectl("get", "namespace", "doomed", check=False)
        return result.returncode != 0 and "NotFound" in result.stderr

    eventually(gone, timeout=60, what="namespace doomed to be deleted")


def test_garbage_collector_removes_owned_objects(cluster: Cluster, namespace: str) -> None:
    """An object whose owner is deleted is collected, as on a real cluster."""
    api = cluster.api()
    owner = pykube.ConfigMap(api, {"metadata": {"name": "owner", "namespace": namespace}})
    owner.create()
    owned = pykube.ConfigMap(
        api,
        {
            "metadata": {
                "name": "owned",
                "namespace": namespace,
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "name": "owner",
                        "uid": owner.obj["metadata"]["uid"],
                    }
                ],
            }
        },
    )
    owned.create()
    owner.delete()
    eventually(lambda: not owned.exists(), timeout=60, what="owned ConfigMap to be collected")


def test_resource_quota_status_is_filled_in(cluster: Cluster, namespace: str) -> None:
    """The quota controller computes status.hard/used, which quota admission relies on."""
    api = cluster.api()
    quota = pykube.ResourceQuota(
        api,
        {
            "metadata": {"name": "q", "namespace": namespace},
            "spec": {"hard": {"configmaps": "5"}},
        },
    )
    quota.create()

    def used() -> str | None:
        quota.reload()
        return quota.obj.get("status", {}).get("used", {}).get("configmaps")

    assert eventually(used, timeout=60, what="ResourceQuota status.used") is not None


def test_default_service_account_is_created_in_new_namespaces(
    cluster: Cluster, namespace: str
) -> None:
    """The service-account controller runs, so Pods can be admitted without special flags."""
    eventually(
        lambda: (
            cluster.kubectl("get", "sa", "default", "-n", namespace, check=False).returncode == 0
        ),
        timeout=30,
        what="the default ServiceAccount",
    )


def test_no_orphans_when_the_owning_process_is_killed() -> None:
    """SIGKILL of the test process (no cleanup code runs) still takes the components down."""
    script = (
        "import sys, time\n"
        "from aks_checklist.testing import ControlPlane\n"
        "plane = ControlPlane()\n"
        "plane.start()\n"
        "print(' '.join(str(p.pid) for _, p, _ in plane._processes), flush=True)\n"
        "time.sleep(120)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as owner:
        assert owner.stdout is not None
        pids = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(pids) == 3
        owner.kill()

    def all_gone() -> bool:
        return not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in pids)

    eventually(all_gone, timeout=30, what="etcd, apiserver and controller-manager to exit")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
