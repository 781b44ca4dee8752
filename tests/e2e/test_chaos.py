"""The operator heals its own state after what happens to real clusters, on a control plane of
its own (these tests restart its API server and compact its etcd).

Afterwards there is no duplicate and no orphan, and every report is current.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aks_checklist.testing import ControlPlane
from tests.e2e.cluster import Cluster, eventually
from tests.e2e.operator_process import OPERATOR_NAMESPACE, OperatorProcess
from tests.e2e.policies import create_namespace, managed, policy_body, wait_baseline

SINGLETONS = {
    "networkpolicy": "aks-checklist-default-deny",
    "limitrange": "aks-checklist-limits",
    "resourcequota": "aks-checklist-quota",
}


@pytest.fixture(scope="module")
def chaos_cluster() -> Iterator[Cluster]:
    with ControlPlane() as plane:
        cluster = Cluster(
            kubeconfig=plane.kubeconfig, kubectl_path=plane.binaries.kubectl, plane=plane
        )
        cluster.install_crds()
        cluster.kubectl("create", "namespace", OPERATOR_NAMESPACE)
        yield cluster


@pytest.fixture
def operator(chaos_cluster: Cluster, tmp_path: Path) -> Iterator[OperatorProcess]:
    process = OperatorProcess(chaos_cluster.kubeconfig, tmp_path / "operator.log")
    process.start()
    try:
        yield process
    finally:
        # The policy goes while the operator runs, so the next test starts from a clean cluster.
        chaos_cluster.kubectl("delete", "akspolicy", "--all", "--timeout=60s", check=False)
        process.stop()


def plane_of(cluster: Cluster) -> ControlPlane:
    assert cluster.plane is not None
    return cluster.plane


def settled(cluster: Cluster, policy: str, namespaces: list[str]) -> bool:
    """Every namespace has exactly our three objects and a current report."""
    for ns in namespaces:
        for kind, name in SINGLETONS.items():
            if managed(cluster, kind, ns) != {name}:
                return False
        found = cluster.kubectl("get", "akscompliance", policy, "-n", ns, check=False)
        if found.returncode != 0:
            return False
    return True


def no_orphans(cluster: Cluster, selected: set[str]) -> None:
    for kind in (*SINGLETONS, "pdb"):
        items = cluster.get_json(
            kind, "-A", "-l", "app.kubernetes.io/managed-by=aks-checklist-operator"
        )["items"]
        stray = [
            i["metadata"]["namespace"] for i in items if i["metadata"]["namespace"] not in selected
        ]
        assert stray == [], (kind, stray)


def test_an_object_deleted_while_the_watch_was_lost_is_dropped_by_the_new_list(
    chaos_cluster: Cluster, operator: OperatorProcess
) -> None:
    """Paused through an API-server restart, a delete and an etcd compaction, the operator's
    watch can only resume with a fresh LIST, which no longer has the deleted LimitRange: the
    feed drops it, and the namespace gets our LimitRange."""
    cluster = chaos_cluster
    label = uuid.uuid4().hex[:10]
    cluster.apply(policy_body(f"p-{label}", label, reevaluateEvery="30s"))
    ns = create_namespace(cluster, f"ghost-{label}", label)
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "team-limits", "namespace": ns},
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "1", "memory": "1Gi"}}]},
        }
    )
    eventually(
        lambda: managed(cluster, "networkpolicy", ns), what="the operator at work in the namespace"
    )
    time.sleep(2)  # the LimitRange's event reached the operator
    assert managed(cluster, "limitrange", ns) == set()

    assert operator.process is not None
    os.killpg(operator.process.pid, signal.SIGSTOP)
    try:
        plane_of(cluster).restart_apiserver()
        cluster.kubectl("delete", "limitrange", "team-limits", "-n", ns)
        for index in range(5):  # move the revision on past the delete, then compact it away
            cluster.kubectl("create", "configmap", f"advance-{index}", "-n", ns)
        plane_of(cluster).compact_etcd()
    finally:
        os.killpg(operator.process.pid, signal.SIGCONT)

    eventually(
        lambda: managed(cluster, "limitrange", ns) == {"aks-checklist-limits"},
        timeout=90,
        what="our LimitRange once the deleted user LimitRange is known to be gone",
    )
    assert "Listed objects again after their watch expired" in operator.log_tail(400)


def start_a_pass(cluster: Cluster, prefix: str) -> tuple[str, list[str]]:
    """A policy and 20 namespaces for it; returns once the operator is working through them."""
    label = uuid.uuid4().hex[:10]
    name = f"p-{label}"
    cluster.apply(policy_body(name, label))
    namespaces = [create_namespace(cluster, f"{prefix}-{label}-{i}", label) for i in range(20)]
    eventually(lambda: managed(cluster, "networkpolicy", namespaces[0]), what="the pass started")
    return name, namespaces


def test_an_api_server_restart_mid_pass_leaves_no_duplicate_and_no_orphan(
    chaos_cluster: Cluster, operator: OperatorProcess
) -> None:
    cluster = chaos_cluster
    name, namespaces = start_a_pass(cluster, "restart")
    plane_of(cluster).restart_apiserver(down_seconds=2)
    eventually(lambda: settled(cluster, name, namespaces), timeout=120, what="every namespace")
    no_orphans(cluster, set(namespaces))
    assert operator.process is not None
    assert operator.process.poll() is None


def test_a_sigkilled_operator_restarted_mid_pass_finishes_the_job(
    chaos_cluster: Cluster, operator: OperatorProcess
) -> None:
    cluster = chaos_cluster
    name, namespaces = start_a_pass(cluster, "kill")
    assert operator.process is not None
    os.killpg(operator.process.pid, signal.SIGKILL)
    operator.process.wait()
    operator.process = None
    operator.start()
    eventually(lambda: settled(cluster, name, namespaces), timeout=120, what="every namespace")
    wait_baseline(cluster, namespaces[-1])
    no_orphans(cluster, set(namespaces))


def test_the_standby_takes_over_within_30s_when_the_active_replica_is_sigkilled(
    chaos_cluster: Cluster, tmp_path: Path
) -> None:
    cluster = chaos_cluster
    label = uuid.uuid4().hex[:10]
    peering = f"chaos-{label}"
    cluster.apply(
        {"apiVersion": "kopf.dev/v1", "kind": "ClusterKopfPeering", "metadata": {"name": peering}}
    )
    replicas = [
        OperatorProcess(
            cluster.kubeconfig,
            tmp_path / f"{role}.log",
            peering=peering,
            extra_args=(f"--priority={priority}",),
        )
        for role, priority in (("active", 200), ("standby", 100))
    ]
    for replica in replicas:
        replica.start()
    active, standby = replicas
    name = f"p-{label}"
    try:
        cluster.apply(policy_body(name, label))
        first = create_namespace(cluster, f"peer-{label}-a", label)
        wait_baseline(cluster, first, timeout=60)
        assert "Created NetworkPolicy" in active.log_tail(400)
        assert "Created NetworkPolicy" not in standby.log_tail(400)

        assert active.process is not None
        os.killpg(active.process.pid, signal.SIGKILL)
        active.process.wait()
        active.process = None
        killed = time.monotonic()
        second = create_namespace(cluster, f"peer-{label}-b", label)
        wait_baseline(cluster, second, timeout=60)
        took = time.monotonic() - killed
        assert took <= 30, f"the standby took {took:.0f}s to take over"
        assert settled(cluster, name, [first, second])
        no_orphans(cluster, {first, second})
    finally:
        cluster.kubectl("delete", "akspolicy", name, "--timeout=60s", check=False)
        for replica in replicas:
            replica.stop()
