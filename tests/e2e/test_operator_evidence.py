"""The operator judges cluster-wide evidence: tools by their CRDs and DaemonSets, disk headroom,
and who applied a workload (OPS-13), from its own watches and API discovery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.e2e.cluster import Cluster, eventually
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.policies import create_namespace, policy

DISK = "disk.csi.azure.com"


def cluster_rows(cluster: Cluster, policy_name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        cluster.get_json("akspolicy", policy_name).get("status", {}).get("cluster", [])
    )
    return rows


def row(cluster: Cluster, policy_name: str, rule: str, result: str, obj: str = "") -> Any:
    """The cluster row of ``rule`` once it reads ``result`` (on ``obj`` if given), else None."""
    for found in cluster_rows(cluster, policy_name):
        same = found["rule"] == rule and found["result"] == result
        if same and (not obj or found.get("object") == obj):
            return found
    return None


@contextmanager
def applied(cluster: Cluster, *objects: dict[str, Any]) -> Iterator[None]:
    """Objects that exist for the duration of the block (cluster-scoped ones too)."""
    for obj in objects:
        cluster.apply(obj)
    try:
        yield
    finally:
        for obj in reversed(objects):
            namespace = obj["metadata"].get("namespace")
            where = ["-n", namespace] if namespace else []
            cluster.kubectl(
                "delete", obj["kind"].lower(), obj["metadata"]["name"], *where, check=False
            )


def crd(plural: str, group: str, kind: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
    }


def daemonset(name: str, namespace: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": "falcosecurity/falco:0.39.2"}]},
            },
        },
    }


def csinode(name: str, count: int) -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSINode",
        "metadata": {"name": name},
        "spec": {"drivers": [{"name": DISK, "nodeID": name, "allocatable": {"count": count}}]},
    }


def attachment(node: str, index: int) -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "VolumeAttachment",
        "metadata": {"name": f"csi-{node}-{index}"},
        "spec": {
            "attacher": DISK,
            "nodeName": node,
            "source": {"persistentVolumeName": f"pv-{node}-{index}"},
        },
    }


def test_a_crd_found_by_discovery_passes_its_item_and_its_removal_is_seen_on_a_full_pass(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """CRDs come from API discovery, polled on full passes (a spec change brings one).

    Dapr, because no other test installs it (test_manifests leaves Flux and Argo CD CRDs).
    """
    name = f"p-{selector_label}"
    dapr = crd("components", "dapr.io", "Component")
    shown = "CRD components.dapr.io"
    with applied(crds, dapr), policy(crds, name, selector_label):
        found = eventually(lambda: row(crds, name, "APP-24/dapr", "Pass"), what="APP-24 Pass")
        assert shown in found["message"]
        assert found["object"] == "Cluster/cluster"
        crds.kubectl("delete", "crd", dapr["metadata"]["name"], "--wait=true")
        # A spec change is a full pass: discovery is asked again.
        crds.kubectl(
            "patch",
            "akspolicy",
            name,
            "--type=merge",
            "-p",
            json.dumps({"spec": {"reevaluateEvery": "9m"}}),
        )

        def without_the_crd() -> dict[str, Any] | None:
            rows = [r for r in cluster_rows(crds, name) if r["rule"] == "APP-24/dapr"]
            return rows[0] if rows and shown not in rows[0]["message"] else None

        gone = eventually(without_the_crd, what="APP-24 without the deleted CRD")
        assert gone["result"] == "Warn", gone
        assert "no sign of Dapr" in gone["message"]


def test_a_runtime_agent_daemonset_in_any_namespace_passes_ctr03(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """The agent's namespace is not one the policy selects: evidence is cluster-wide."""
    name = f"p-{selector_label}"
    agents = create_namespace(crds, f"falco-{selector_label}", "not-selected")
    try:
        with policy(crds, name, selector_label):
            with applied(crds, daemonset("falco", agents)):
                found = eventually(
                    lambda: row(crds, name, "CTR-03/runtime-security-agent", "Pass"),
                    what="CTR-03 Pass",
                )
                assert f"{agents}/falco" in found["message"]
            # Deleted: the DaemonSet's event alone brings the cluster scope round again.
            eventually(
                lambda: row(crds, name, "CTR-03/runtime-security-agent", "Fail"),
                what="CTR-03 Fail once the agent is gone",
            )
            categories = crds.get_json("akspolicy", name)["status"]["categories"]
            assert categories, "the evidence rows count in the per-category status"
    finally:
        crds.kubectl("delete", "namespace", agents, "--wait=false", check=False)


def test_disk_attachments_per_node_are_judged_against_the_csi_limit(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """STO-02 from watched CSINodes and VolumeAttachments; a new attachment re-judges at once."""
    name = f"p-{selector_label}"
    node = f"aks-disk-{selector_label}"
    ref = f"CSINode/{node}"
    with (
        applied(crds, csinode(node, 2), attachment(node, 0)),
        policy(crds, name, selector_label),
    ):
        found = eventually(
            lambda: row(crds, name, "STO-02/disk-attach-headroom", "Pass", ref), what="STO-02"
        )
        assert "1 of 2 Azure disks attached" in found["message"]
        with applied(crds, attachment(node, 1)):
            full = eventually(
                lambda: row(crds, name, "STO-02/disk-attach-headroom", "Fail", ref),
                what="STO-02 Fail at the limit",
            )
            assert "2 of 2" in full["message"]


def test_a_workload_applied_by_hand_is_named_by_its_manager(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """OPS-13 reads managedFields managers, which the operator's slim form keeps by name."""
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label):
        namespace = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": namespace},
                "spec": {
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                    },
                },
            }
        )

        def ops13() -> dict[str, Any] | None:
            got = crds.kubectl(
                "get", "akscompliance", name, "-n", namespace, "-o", "json", check=False
            )
            if got.returncode != 0:
                return None
            status = json.loads(got.stdout).get("status") or {}
            return next(
                (
                    r
                    for r in status.get("results", [])
                    if r["rule"] == "OPS-13/deployed-by-pipeline"
                ),
                None,
            )

        found = eventually(ops13, what="the OPS-13 result in the namespace report")
        assert found["result"] == "Warn"
        assert "kubectl-client-side-apply" in found["message"]
