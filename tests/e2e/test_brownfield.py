"""Enforce on a cluster full of workloads the operator did not write: nothing of theirs breaks.

Each test builds the situation a platform team meets (overlapping selectors,
requests-only containers, a namespace already using more than the quota) on the
real control plane, where ReplicaSets create Pods and the eviction API works,
enforces, and then checks what users would: that Pods can still be evicted and
that a rollout restart still creates every Pod.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.e2e.cluster import Cluster, eventually
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.policies import (
    LABEL,
    create_namespace,
    managed,
    policy,
    wait_baseline,
    wait_condition,
)

IMAGE = "mcr.microsoft.com/azurelinux/base/nginx:1.25"


def workload(
    name: str,
    namespace: str,
    labels: dict[str, str],
    *,
    replicas: int = 3,
    resources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [{"name": "app", "image": IMAGE, "resources": resources or {}}]
                },
            },
        },
    }


def pods_of(cluster: Cluster, namespace: str, selector: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = cluster.get_json("pods", "-n", namespace, "-l", selector)["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def mark_running_and_ready(cluster: Cluster, namespace: str, pod: str) -> None:
    """What a kubelet would report; the eviction API ignores budgets for Pending Pods."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status = {
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": now},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
            ],
        }
    }
    cluster.kubectl(
        "patch",
        "pod",
        pod,
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps(status),
    )


def evict(cluster: Cluster, namespace: str, pod: str) -> tuple[int, str]:
    """Asks the eviction API to evict ``pod``; returns the HTTP status and message."""
    api = cluster.api()
    response = api.session.post(
        api.url + f"/api/v1/namespaces/{namespace}/pods/{pod}/eviction",
        json={
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": pod, "namespace": namespace},
        },
    )
    return response.status_code, response.text


def report(cluster: Cluster, policy_name: str, namespace: str) -> dict[str, Any] | None:
    found = cluster.kubectl(
        "get", "akscompliance", policy_name, "-n", namespace, "-o", "json", check=False
    )
    if found.returncode != 0:
        return None
    status: dict[str, Any] = json.loads(found.stdout).get("status") or {}
    return status or None


def blocked_reason(cluster: Cluster, policy_name: str, namespace: str, key: str) -> str:
    """Waits until the report shows baseline object ``key`` Blocked; returns why."""

    def state() -> str | None:
        baseline = (report(cluster, policy_name, namespace) or {}).get("baseline", {})
        return baseline.get(key) if baseline.get(key) == "Blocked" else None

    eventually(state, what=f"{key} reported Blocked in {namespace}")
    baseline = (report(cluster, policy_name, namespace) or {})["baseline"]
    reason: str = baseline["blocked"][0]["reason"]
    return reason


def restart_creates_every_pod(
    cluster: Cluster, namespace: str, deployment: str, selector: str
) -> None:
    """``kubectl rollout restart``, then the new ReplicaSet must have created all its Pods."""
    cluster.kubectl("rollout", "restart", f"deployment/{deployment}", "-n", namespace)

    def new_replica_set_complete() -> bool:
        sets = cluster.get_json("replicasets", "-n", namespace, "-l", selector)["items"]
        restarted = [
            rs
            for rs in sets
            if "kubectl.kubernetes.io/restartedAt"
            in rs["spec"]["template"]["metadata"].get("annotations", {})
        ]
        if not restarted:
            return False
        rs = restarted[0]
        return bool(rs["status"].get("replicas", 0) == rs["spec"]["replicas"])

    eventually(new_replica_set_complete, timeout=60, what=f"the restarted Pods of {deployment}")
    events = cluster.get_json("events", "-n", namespace)["items"]
    refused = [e["message"] for e in events if e.get("reason") == "FailedCreate"]
    assert refused == [], refused


def test_overlapping_selectors_get_one_budget_and_evictions_still_work(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    ns = create_namespace(crds, f"shop-{selector_label}", selector_label)
    crds.apply(workload("api", ns, {"app": "shop"}))
    crds.apply(workload("worker", ns, {"app": "shop", "component": "worker"}))
    eventually(lambda: len(pods_of(crds, ns, "app=shop")) == 6, timeout=60, what="six Pods")
    for pod in pods_of(crds, ns, "app=shop"):
        mark_running_and_ready(crds, ns, pod["metadata"]["name"])

    with policy(crds, name, selector_label):
        wait_baseline(crds, ns)
        eventually(
            lambda: managed(crds, "pdb", ns) == {"aks-checklist-deployment-worker"},
            what="a budget for worker only",
        )
        blocked = eventually(
            lambda: (report(crds, name, ns) or {}).get("baseline", {}).get("blocked"),
            what="the blocked budget in the report",
        )
        assert blocked[0]["name"] == "aks-checklist-deployment-api"
        assert "Deployment/worker" in blocked[0]["reason"]
        condition = wait_condition(crds, name, "BaselineBlocked", status="True")
        assert ns in condition["message"]

        def blocked_events() -> list[str]:
            events = crds.get_json(
                "events",
                "-A",
                "--field-selector",
                f"involvedObject.kind=Namespace,involvedObject.name={ns}",
            )["items"]
            return [e["message"] for e in events if e.get("reason") == "BaselineBlocked"]

        messages = eventually(blocked_events, what="a BaselineBlocked Event on the namespace")
        assert all("aks-checklist-deployment-api" in m for m in messages), messages
        assert len(messages) == 1, "one Event per blocked object, not one per pass"

        # The budget controller has to count the Pods healthy before evictions are allowed.
        def allowed() -> bool:
            pdb = crds.get_json("pdb", "aks-checklist-deployment-worker", "-n", ns)
            return bool(pdb.get("status", {}).get("disruptionsAllowed", 0) >= 1)

        eventually(allowed, timeout=60, what="the worker budget to allow a disruption")
        worker_pod = pods_of(crds, ns, "component=worker")[0]["metadata"]["name"]
        status, text = evict(crds, ns, worker_pod)
        assert status == 201, text
        api_pod = pods_of(crds, ns, "app=shop,!component")[0]["metadata"]["name"]
        status, text = evict(crds, ns, api_pod)
        assert status == 201, text


def test_a_limit_range_below_a_request_is_not_applied_and_rollouts_still_create_pods(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    ns = create_namespace(crds, f"big-{selector_label}", selector_label)
    big = {"requests": {"cpu": "2", "memory": "4Gi"}}
    crds.apply(workload("batch", ns, {"app": "batch"}, replicas=2, resources=big))
    eventually(lambda: len(pods_of(crds, ns, "app=batch")) == 2, timeout=60, what="two Pods")

    with policy(crds, name, selector_label):
        reason = blocked_reason(crds, name, ns, "limitRange")
        assert managed(crds, "limitrange", ns) == set()
        assert managed(crds, "networkpolicy", ns) == {"aks-checklist-default-deny"}
        assert "Deployment/batch" in reason
        restart_creates_every_pod(crds, ns, "batch", "app=batch")


def test_a_quota_below_current_usage_is_not_applied_and_rollouts_still_create_pods(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    ns = create_namespace(crds, f"busy-{selector_label}", selector_label)
    used = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    crds.apply(workload("web", ns, {"app": "web"}, replicas=3, resources=used))
    eventually(lambda: len(pods_of(crds, ns, "app=web")) == 3, timeout=60, what="three Pods")
    hard = {"requests.cpu": "2", "requests.memory": "16Gi", "pods": "50"}

    with policy(crds, name, selector_label, baseline={"resourceQuota": {"hard": hard}}):
        reason = blocked_reason(crds, name, ns, "resourceQuota")
        assert managed(crds, "resourcequota", ns) == set()
        assert "requests.cpu: running Pods use 3" in reason
        restart_creates_every_pod(crds, ns, "web", "app=web")


def test_system_namespaces_are_never_selected_by_labels(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """Even labelled like the rest and with excludedNamespaces set, kube-system is left alone."""
    name = f"p-{selector_label}"
    control = create_namespace(crds, f"ctl-{selector_label}", selector_label)
    crds.kubectl("create", "namespace", "gatekeeper-system", check=False)
    system = ("kube-system", "gatekeeper-system")
    for ns in system:
        crds.kubectl("label", "namespace", ns, f"{LABEL}={selector_label}", "--overwrite")
    try:
        with policy(crds, name, selector_label, excludedNamespaces=["legacy"]):
            wait_baseline(crds, control)
            time.sleep(1)  # the same pass judged the system namespaces
            for ns in system:
                for kind in ("networkpolicy", "limitrange", "resourcequota"):
                    assert managed(crds, kind, ns) == set(), (kind, ns)
                assert report(crds, name, ns) is None
    finally:
        for ns in system:
            crds.kubectl("label", "namespace", ns, f"{LABEL}-", check=False)


def test_a_system_namespace_named_by_the_selector_is_governed(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    selector = {
        "matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["kube-public"]}
        ]
    }
    with policy(crds, name, selector_label, enforcement="Audit", namespaceSelector=selector):
        eventually(lambda: report(crds, name, "kube-public"), what="a report in kube-public")
