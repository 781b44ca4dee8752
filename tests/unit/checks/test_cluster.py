"""Cluster-scope checks: versions, node pools, zones, node OS and add-ons seen from inside.

Nodes here carry the labels AKS itself puts on them (pool, mode, OS SKU, zone),
add-ons the names AKS gives their workloads, so the rules are exercised on the
shapes they meet on a real cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pytest

from aks_checklist.catalog import load_catalog
from aks_checklist.checks import aks, cluster
from aks_checklist.checks.cluster import (
    ADDON_NAMESPACES,
    CLUSTER_REF,
    RULES,
    ClusterSnapshot,
    availability_zone,
    check_cluster,
    is_addon_candidate,
)
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result
from aks_checklist.checks.registry import merge_rules
from aks_checklist.checks.versions import VersionTableError, parse_version_table

Obj = dict[str, Any]

# A pinned table, so the tests do not move when the packaged one is refreshed.
# On TODAY the community window is 1.33-1.35; 1.30-1.32 only have long-term support left;
# 1.29 has none; 1.36 is not GA.
TODAY = date(2026, 6, 15)
TABLE = parse_version_table(
    {
        "written": "2026-06-01",
        "window": 3,
        "stale_after_days": 3650,
        "minors": [
            {
                "minor": "1.29",
                "ga": "2024-02",
                "end_of_life": "2025-03",
                "lts_end_of_life": "2026-04",
            },
            {
                "minor": "1.30",
                "ga": "2024-05",
                "end_of_life": "2025-06",
                "lts_end_of_life": "2026-07",
            },
            {
                "minor": "1.31",
                "ga": "2024-09",
                "end_of_life": "2025-10",
                "lts_end_of_life": "2026-11",
            },
            {
                "minor": "1.32",
                "ga": "2025-04",
                "end_of_life": "2026-03",
                "lts_end_of_life": "2027-03",
            },
            {
                "minor": "1.33",
                "ga": "2025-06",
                "end_of_life": "2026-07",
                "lts_end_of_life": "2027-07",
            },
            {
                "minor": "1.34",
                "ga": "2025-11",
                "end_of_life": "2026-11",
                "lts_end_of_life": "2027-11",
            },
            {
                "minor": "1.35",
                "ga": "2026-03",
                "end_of_life": "2027-03",
                "lts_end_of_life": "2028-03",
            },
            {"minor": "1.36", "ga": None, "end_of_life": "2027-06", "lts_end_of_life": "2028-06"},
        ],
    }
)

NO_SCHEDULE_CRITICAL = {"key": "CriticalAddonsOnly", "value": "true", "effect": "NoSchedule"}
WINDOWS_TAINT = {"key": "os", "value": "windows", "effect": "NoSchedule"}
OS_IMAGES = {
    "AzureLinux": "Microsoft Azure Linux 3.0",
    "CBLMariner": "CBL-Mariner/Linux",
    "Ubuntu": "Ubuntu 22.04.5 LTS",
    "Windows2022": "Windows Server 2022 Datacenter",
}


# --- builders ------------------------------------------------------------------------------------


def aks_node(
    pool: str = "system",
    index: int = 0,
    *,
    mode: str | None = "system",
    zone: str | None = "westeurope-1",
    os_sku: str | None = "AzureLinux",
    taints: Sequence[Obj] = (),
    kubelet: str | None = "v1.35.3",
    os_image: str | None = None,
    labels: Mapping[str, str | None] | None = None,
) -> Obj:
    """A Node as AKS registers it: VMSS-style name and the labels AKS sets on every node.

    ``None`` leaves a label or field out; ``labels`` adds or (with None) removes labels.
    """
    windows = bool(os_sku and os_sku.startswith("Windows"))
    name = f"aks{pool}{index:06d}" if windows else f"aks-{pool}-41023957-vmss{index:06d}"
    node_labels: dict[str, str | None] = {
        "agentpool": pool,
        "kubernetes.azure.com/agentpool": pool,
        "kubernetes.azure.com/cluster": "MC_shop-rg_shop-aks_westeurope",
        "kubernetes.azure.com/role": "agent",
        "kubernetes.azure.com/mode": mode,
        "kubernetes.azure.com/os-sku": os_sku,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "windows" if windows else "linux",
        "beta.kubernetes.io/os": "windows" if windows else "linux",
        "node.kubernetes.io/instance-type": "Standard_D4ds_v5",
        "topology.kubernetes.io/region": "westeurope",
        "topology.kubernetes.io/zone": zone,
    }
    node_labels.update(labels or {})
    info: Obj = {
        "operatingSystem": "windows" if windows else "linux",
        "architecture": "amd64",
        "containerRuntimeVersion": "containerd://1.7.27",
    }
    image = os_image if os_image is not None else OS_IMAGES.get(os_sku or "")
    if image:
        info["osImage"] = image
    if kubelet is not None:
        info["kubeletVersion"] = kubelet
    node: Obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {k: v for k, v in node_labels.items() if v is not None},
        },
        "spec": {"providerID": f"azure:///subscriptions/x/virtualMachineScaleSets/{pool}"},
        "status": {"nodeInfo": info},
    }
    if taints:
        node["spec"]["taints"] = [dict(t) for t in taints]
    return node


def system_node(index: int = 0, **kwargs: Any) -> Obj:
    kwargs.setdefault("taints", [NO_SCHEDULE_CRITICAL])
    return aks_node("system", index, mode="system", **kwargs)


def user_node(pool: str = "user", index: int = 0, **kwargs: Any) -> Obj:
    return aks_node(pool, index, mode="user", **kwargs)


def windows_node(index: int = 0, **kwargs: Any) -> Obj:
    kwargs.setdefault("taints", [WINDOWS_TAINT])
    return aks_node("win22", index, mode="user", os_sku="Windows2022", **kwargs)


def virtual_node() -> Obj:
    """The ACI virtual node: no pool, mode or zone labels, a virtual-kubelet version."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": "virtual-node-aci-linux",
            "labels": {
                "type": "virtual-kubelet",
                "kubernetes.io/os": "linux",
                "kubernetes.io/role": "agent",
                "alpha.service-controller.kubernetes.io/exclude-balancer": "true",
            },
        },
        "spec": {"taints": [{"key": "virtual-kubelet.io/provider", "effect": "NoSchedule"}]},
        "status": {"nodeInfo": {"kubeletVersion": "v1.25.0-vk-azure-aci-1.6.2"}},
    }


def kind_node(name: str = "kind-control-plane") -> Obj:
    """A node outside AKS: none of the kubernetes.azure.com labels, no zone."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/os": "linux", "kubernetes.io/hostname": name},
        },
        "status": {
            "nodeInfo": {
                "kubeletVersion": "v1.35.0",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "operatingSystem": "linux",
            }
        },
    }


def addon(
    name: str,
    kind: str = "Deployment",
    namespace: str = "kube-system",
    *,
    labels: Mapping[str, str] | None = None,
    replicas: int | None = None,
) -> Obj:
    api = "apps/v1"
    obj: Obj = {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {})},
        "spec": {"selector": {"matchLabels": {"app": name}}},
    }
    if replicas is not None:
        obj["spec"]["replicas"] = replicas
    return obj


COREDNS = addon("coredns", labels={"k8s-app": "kube-dns"})
KUBE_PROXY = addon("kube-proxy", "DaemonSet", labels={"component": "kube-proxy"})
BASE_ADDONS = (COREDNS, KUBE_PROXY)
HEALTHY_NODES = (system_node(), user_node())


def snapshot(
    nodes: Iterable[Obj] = HEALTHY_NODES,
    addons: Iterable[Obj] = BASE_ADDONS,
    version: str | None = "v1.35.3",
    today: date = TODAY,
) -> ClusterSnapshot:
    return ClusterSnapshot(version=version, nodes=tuple(nodes), addons=tuple(addons), today=today)


def findings(snap: ClusterSnapshot, rule: str, **kwargs: Any) -> list[Finding]:
    kwargs.setdefault("table", TABLE)
    return [f for f in check_cluster(snap, **kwargs) if f.rule == rule]


def only(snap: ClusterSnapshot, rule: str) -> Finding:
    found = findings(snap, rule)
    assert len(found) == 1, found
    return found[0]


def by_node(snap: ClusterSnapshot, rule: str) -> dict[str, Finding]:
    found = findings(snap, rule)
    assert all(f.object is not None and f.object.kind == "Node" for f in found), found
    return {f.object.name: f for f in found if f.object is not None}


# --- the rule set --------------------------------------------------------------------------------


def test_rules_belong_to_automatable_catalog_items_with_their_severity() -> None:
    """Every rule checks an item the catalog marks kubernetes/both, at that item's severity."""
    catalog = load_catalog()
    for rule in RULES:
        item = catalog[rule.item]
        assert item.automation in ("kubernetes", "both"), rule.id
        assert rule.severity == item.severity, rule.id
        assert rule.scope == "cluster"


def test_rule_ids_are_unique_and_do_not_clash_with_the_arm_judge() -> None:
    """The registry refuses two different rules under one ID, so ours must be distinct."""
    assert len({rule.id for rule in RULES}) == len(RULES)
    merged = merge_rules([*aks.RULES, *RULES])
    assert len(merged) == len(aks.RULES) + len(RULES)


def test_every_rule_reports_something_on_a_typical_cluster() -> None:
    """No rule is silently skipped: each emits at least one finding, only of known rules."""
    emitted = check_cluster(snapshot(), table=TABLE)
    assert {f.rule for f in emitted} == {rule.id for rule in RULES}


def test_every_rule_says_not_applicable_when_nothing_is_visible() -> None:
    """No nodes, no add-ons and no version: nothing passes, every rule explains itself."""
    emitted = check_cluster(snapshot(nodes=(), addons=(), version=None), table=TABLE)
    assert {f.rule for f in emitted} == {rule.id for rule in RULES}
    assert {f.result for f in emitted} == {Result.NOT_APPLICABLE}
    assert all(f.object == CLUSTER_REF and f.message for f in emitted)


@pytest.mark.parametrize(
    "disabled",
    [
        pytest.param(frozenset({"CSEC-10/defender-sensor-running"}), id="rule-id"),
        pytest.param(frozenset({"CSEC-10"}), id="item-id"),
    ],
)
def test_disabled_rules_are_dropped(disabled: frozenset[str]) -> None:
    """Settings disable a rule by its own ID or its item's ID; the others still run."""
    emitted = check_cluster(snapshot(), settings=CheckSettings(disabled=disabled), table=TABLE)
    rules = {f.rule for f in emitted}
    assert "CSEC-10/defender-sensor-running" not in rules
    assert "CSEC-11/azure-policy-running" in rules


def test_snapshot_of_picks_nodes_and_addon_workloads() -> None:
    """``of`` keeps Nodes and the workloads of add-on namespaces; app workloads stay out."""
    app = addon("web", namespace="shop")
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": "kube-system"},
    }
    gatekeeper = addon("gatekeeper-audit", namespace="gatekeeper-system")
    node = system_node()
    snap = ClusterSnapshot.of(
        [node, app, config, COREDNS, gatekeeper], version="v1.35.1", today=TODAY
    )
    assert snap.nodes == (node,)
    assert snap.addons == (COREDNS, gatekeeper)
    assert snap.version == "v1.35.1"
    assert snap.today == TODAY


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(addon("coredns"), True, id="kube-system-deployment"),
        pytest.param(addon("keda-operator", namespace="keda"), True, id="keda-namespace"),
        pytest.param(addon("ama-logs", "DaemonSet"), True, id="daemonset"),
        pytest.param(addon("prometheus-k8s", "StatefulSet", "monitoring"), True, id="statefulset"),
        pytest.param(addon("web", namespace="shop"), False, id="application-namespace"),
        pytest.param(
            {"kind": "Service", "metadata": {"name": "kube-dns", "namespace": "kube-system"}},
            False,
            id="not-a-workload",
        ),
    ],
)
def test_addon_candidates_are_workloads_of_addon_namespaces(obj: Obj, expected: bool) -> None:
    """The controller's filter: Deployments, DaemonSets, StatefulSets of ADDON_NAMESPACES."""
    assert is_addon_candidate(obj) is expected


def test_addon_namespaces_cover_where_the_addons_run() -> None:
    assert ADDON_NAMESPACES[0] == "kube-system"
    assert {"gatekeeper-system", "kubernetes-dashboard", "keda"} <= set(ADDON_NAMESPACES)


# --- CSEC-05: versions ---------------------------------------------------------------------------

API_RULE = "CSEC-05/api-server-version-supported"
KUBELET_RULE = "CSEC-05/kubelet-version-supported"


@pytest.mark.parametrize(
    ("version", "expected", "fragment"),
    [
        pytest.param("v1.35.3", Result.PASS, "within the supported window 1.33-1.35", id="newest"),
        pytest.param("v1.33.9", Result.PASS, "within the supported window", id="oldest-in-window"),
        pytest.param("v1.36.0", Result.PASS, "newer than the newest GA minor", id="preview"),
        pytest.param("v1.32.4", Result.WARN, "long-term support plan", id="lts-only"),
        pytest.param(
            "v1.29.15", Result.FAIL, "long-term support ended on 2026-04-30", id="past-lts"
        ),
        pytest.param("v1.27.3", Result.FAIL, "outside the supported window", id="not-in-table"),
    ],
)
def test_api_server_version_is_judged_against_the_support_window(
    version: str, expected: Result, fragment: str
) -> None:
    """N-2 from the dated table; a minor only LTS covers warns: the plan is invisible here."""
    finding = only(snapshot(version=version), API_RULE)
    assert finding.result is expected
    assert fragment in finding.message
    assert version in finding.message
    assert finding.object == CLUSTER_REF


def test_api_server_version_failing_says_how_to_upgrade() -> None:
    finding = only(snapshot(version="v1.27.3"), API_RULE)
    assert "az aks upgrade" in finding.message
    assert "2026-06-01" in finding.message  # the table's date


def test_api_server_version_unknown_is_not_applicable() -> None:
    finding = only(snapshot(version=None), API_RULE)
    assert finding.result is Result.NOT_APPLICABLE
    assert "not read" in finding.message


def test_api_server_version_unparseable_is_an_error() -> None:
    finding = only(snapshot(version="banana"), API_RULE)
    assert finding.result is Result.ERROR
    assert "banana" in finding.message


def test_api_server_version_uses_the_packaged_table_by_default() -> None:
    """Without a pinned table the packaged one judges; 1.10 is out of support in any edition."""
    found = [f for f in check_cluster(snapshot(version="v1.10.0")) if f.rule == API_RULE]
    assert [f.result for f in found] == [Result.FAIL]


def test_an_unreadable_version_table_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken table must not turn into a pass or a fail: both version rules say Error."""

    def broken(path: object = None) -> object:
        raise VersionTableError(
            "data/kubernetes_versions.yaml: minors: a non-empty list is required"
        )

    monkeypatch.setattr(cluster, "load_version_table", broken)
    emitted = check_cluster(snapshot())
    for rule in (API_RULE, KUBELET_RULE):
        results = {f.result for f in emitted if f.rule == rule}
        assert results == {Result.ERROR}, rule
    message = next(f.message for f in emitted if f.rule == API_RULE)
    assert "version table cannot be read" in message


@pytest.mark.parametrize(
    ("control_plane", "kubelet", "expected", "fragment"),
    [
        pytest.param("v1.35.3", "v1.35.3", Result.PASS, "within the supported window", id="same"),
        pytest.param("v1.35.3", "v1.33.10", Result.PASS, "2 minors behind", id="two-behind"),
        pytest.param("v1.35.3", "v1.34.1", Result.PASS, "1 minor behind", id="one-behind"),
        pytest.param("v1.35.3", "v1.32.7", Result.WARN, "long-term support", id="lts-only"),
        pytest.param("v1.35.3", "v1.31.2", Result.FAIL, "4 minors behind", id="skew-too-old"),
        pytest.param("v1.34.2", "v1.35.3", Result.FAIL, "newer than the API server", id="newer"),
        pytest.param(None, "v1.34.2", Result.PASS, "within the supported window", id="no-cp"),
        pytest.param(
            None, "v1.29.2", Result.FAIL, "long-term support ended on 2026-04-30", id="no-cp-old"
        ),
    ],
)
def test_kubelet_version_is_judged_per_node(
    control_plane: str | None, kubelet: str, expected: Result, fragment: str
) -> None:
    """Each kubelet: inside the window and within the skew policy against the API server."""
    node = user_node(kubelet=kubelet)
    found = by_node(snapshot(nodes=[node], version=control_plane), KUBELET_RULE)
    finding = found[node["metadata"]["name"]]
    assert finding.result is expected
    assert fragment in finding.message
    assert "pool user" in finding.message


def test_kubelet_version_failures_name_each_node() -> None:
    old = user_node("legacy", kubelet="v1.30.14")
    current = system_node(kubelet="v1.35.3")
    found = by_node(snapshot(nodes=[old, current], version="v1.35.3"), KUBELET_RULE)
    assert found[old["metadata"]["name"]].result is Result.FAIL
    assert "az aks nodepool upgrade" not in found[old["metadata"]["name"]].message  # skew fail
    assert "upgrade its pool" in found[old["metadata"]["name"]].message
    assert found[current["metadata"]["name"]].result is Result.PASS


@pytest.mark.parametrize(
    ("node", "expected", "fragment"),
    [
        pytest.param(
            user_node(kubelet=None), Result.NOT_APPLICABLE, "no status.nodeInfo", id="no-status"
        ),
        pytest.param(virtual_node(), Result.NOT_APPLICABLE, "virtual node", id="virtual"),
        pytest.param(
            user_node(kubelet="vNext"), Result.ERROR, "not a Kubernetes version", id="garbage"
        ),
    ],
)
def test_kubelet_version_cannot_always_be_judged(
    node: Obj, expected: Result, fragment: str
) -> None:
    found = by_node(snapshot(nodes=[node]), KUBELET_RULE)
    finding = found[node["metadata"]["name"]]
    assert finding.result is expected
    assert fragment in finding.message


def test_kubelet_version_without_nodes_is_not_applicable() -> None:
    finding = only(snapshot(nodes=()), KUBELET_RULE)
    assert finding.result is Result.NOT_APPLICABLE
    assert finding.object == CLUSTER_REF


# --- CSEC-12: system and user nodes --------------------------------------------------------------

SYSTEM_RULE = "CSEC-12/system-nodes-dedicated"


@pytest.mark.parametrize(
    ("nodes", "expected", "fragments"),
    [
        pytest.param(
            [system_node(0), system_node(1), user_node("apps"), user_node("gpu")],
            Result.PASS,
            ["system pool(s) system", "user pool(s) apps, gpu"],
            id="tainted-system-and-user-pools",
        ),
        pytest.param(
            [
                system_node(taints=[{"key": "CriticalAddonsOnly", "effect": "NoExecute"}]),
                user_node(),
            ],
            Result.PASS,
            ["tainted CriticalAddonsOnly"],
            id="no-execute-and-no-value",
        ),
        pytest.param(
            [system_node(0), system_node(1, taints=[]), user_node()],
            Result.FAIL,
            ["pool system: aks-system-41023957-vmss000001", "also take application pods"],
            id="one-system-node-untainted",
        ),
        pytest.param(
            [
                system_node(
                    taints=[
                        {"key": "CriticalAddonsOnly", "value": "true", "effect": "PreferNoSchedule"}
                    ]
                ),
                user_node(),
            ],
            Result.FAIL,
            ["without a CriticalAddonsOnly=true:NoSchedule taint"],
            id="prefer-no-schedule-does-not-count",
        ),
        pytest.param(
            [system_node(0), system_node(1)],
            Result.FAIL,
            ["no node has kubernetes.azure.com/mode=user", "add a user pool"],
            id="no-user-pool",
        ),
        pytest.param(
            [system_node(taints=[])],
            Result.FAIL,
            ["also take application pods", "add a user pool"],
            id="untainted-and-no-user-pool",
        ),
        pytest.param(
            [kind_node(), kind_node("kind-worker")],
            Result.NOT_APPLICABLE,
            ["not an AKS cluster"],
            id="not-aks",
        ),
        pytest.param(
            [aks_node(mode=None), aks_node("pool2", mode=None)],
            Result.NOT_APPLICABLE,
            ["predate node pool modes"],
            id="aks-without-modes",
        ),
        pytest.param(
            [user_node()],
            Result.NOT_APPLICABLE,
            ["no node has kubernetes.azure.com/mode=system"],
            id="no-system-node-visible",
        ),
        pytest.param([], Result.NOT_APPLICABLE, ["no Node is visible"], id="no-nodes"),
    ],
)
def test_system_nodes_are_tainted_and_applications_have_user_nodes(
    nodes: list[Obj], expected: Result, fragments: list[str]
) -> None:
    finding = only(snapshot(nodes=nodes), SYSTEM_RULE)
    assert finding.result is expected
    for fragment in fragments:
        assert fragment in finding.message
    assert finding.object == CLUSTER_REF


# --- BCDR-03: zones ------------------------------------------------------------------------------

ZONE_RULE = "BCDR-03/nodes-span-zones"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("westeurope-1", "westeurope-1", id="aks-zone"),
        pytest.param("us-east-1a", "us-east-1a", id="other-cloud-zone"),
        pytest.param("0", None, id="aks-fault-domain"),
        pytest.param("2", None, id="fault-domain-two"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_availability_zone_ignores_fault_domain_numbers(
    value: str | None, expected: str | None
) -> None:
    """AKS labels non-zonal nodes with a fault domain number; that is no availability zone."""
    assert availability_zone(user_node(zone=value)) == expected


def test_legacy_zone_label_is_read() -> None:
    node = user_node(zone=None, labels={"failure-domain.beta.kubernetes.io/zone": "westeurope-3"})
    assert availability_zone(node) == "westeurope-3"


@pytest.mark.parametrize(
    ("nodes", "expected", "fragments"),
    [
        pytest.param(
            [
                system_node(0, zone="westeurope-1"),
                system_node(1, zone="westeurope-2"),
                system_node(2, zone="westeurope-3"),
            ],
            Result.PASS,
            ["3 nodes span 3 zones: westeurope-1, westeurope-2, westeurope-3"],
            id="three-zones",
        ),
        pytest.param(
            [
                system_node(0, zone="westeurope-1"),
                system_node(1, zone="westeurope-2"),
                user_node("disks", 0, zone="westeurope-1"),
                user_node("disks", 1, zone="westeurope-1"),
            ],
            Result.PASS,
            ["pools confined to one zone: disks (westeurope-1)"],
            id="zonal-pool-noted",
        ),
        pytest.param(
            [
                system_node(0, zone="westeurope-1"),
                system_node(1, zone="westeurope-2"),
                virtual_node(),
            ],
            Result.PASS,
            ["2 nodes span 2 zones"],
            id="virtual-node-ignored",
        ),
        pytest.param(
            [system_node(0, zone="westeurope-2"), user_node(zone="westeurope-2")],
            Result.FAIL,
            ["all 2 zoned nodes are in zone westeurope-2"],
            id="one-zone",
        ),
        pytest.param(
            [system_node(0, zone="0"), system_node(1, zone="1"), user_node(zone="0")],
            Result.FAIL,
            ["none of the 3 nodes is in an availability zone", "fault-domain number"],
            id="fault-domains-only",
        ),
        pytest.param(
            [kind_node()],
            Result.FAIL,
            ["none of the 1 nodes is in an availability zone"],
            id="no-zone-label",
        ),
        pytest.param(
            [
                system_node(0, zone="westeurope-1"),
                system_node(1, zone="westeurope-2"),
                user_node("legacy", zone="0"),
            ],
            Result.WARN,
            ["some are in no zone (pool legacy: aks-legacy-41023957-vmss000000)"],
            id="zonal-and-non-zonal-pools",
        ),
        pytest.param([], Result.NOT_APPLICABLE, ["no Node is visible"], id="no-nodes"),
        pytest.param([virtual_node()], Result.NOT_APPLICABLE, ["no Node"], id="only-virtual"),
    ],
)
def test_nodes_span_more_than_one_zone(
    nodes: list[Obj], expected: Result, fragments: list[str]
) -> None:
    finding = only(snapshot(nodes=nodes), ZONE_RULE)
    assert finding.result is expected
    for fragment in fragments:
        assert fragment in finding.message
    assert finding.object == CLUSTER_REF


# --- CSEC-01: Azure Linux ------------------------------------------------------------------------

OS_RULE = "CSEC-01/azure-linux-nodes"


@pytest.mark.parametrize(
    ("node", "expected", "fragment"),
    [
        pytest.param(
            user_node(os_sku="AzureLinux"), Result.PASS, "os-sku AzureLinux", id="azure-linux"
        ),
        pytest.param(
            user_node(os_sku="AzureLinux", os_image="CBL-Mariner/Linux"),
            Result.PASS,
            "osImage CBL-Mariner/Linux",
            id="azure-linux-2-image",
        ),
        pytest.param(
            user_node(os_sku="CBLMariner"), Result.WARN, "retired name", id="cblmariner-sku"
        ),
        pytest.param(user_node(os_sku="Ubuntu"), Result.FAIL, "os-sku Ubuntu", id="ubuntu"),
        pytest.param(
            user_node(os_sku="Ubuntu2204", os_image="Ubuntu 22.04.5 LTS"),
            Result.FAIL,
            "--os-sku AzureLinux",
            id="ubuntu-2204",
        ),
        pytest.param(
            user_node(os_sku=None, os_image="CBL-Mariner/Linux"),
            Result.PASS,
            "osImage CBL-Mariner/Linux",
            id="image-only-mariner",
        ),
        pytest.param(kind_node(), Result.FAIL, "Debian GNU/Linux 12", id="image-only-debian"),
        pytest.param(windows_node(), Result.NOT_APPLICABLE, "runs Windows", id="windows"),
        pytest.param(virtual_node(), Result.NOT_APPLICABLE, "virtual node", id="virtual"),
        pytest.param(
            user_node(os_sku=None, os_image=""),
            Result.NOT_APPLICABLE,
            "OS image is unknown",
            id="unknown",
        ),
    ],
)
def test_linux_nodes_run_azure_linux(node: Obj, expected: Result, fragment: str) -> None:
    found = by_node(snapshot(nodes=[node]), OS_RULE)
    finding = found[node["metadata"]["name"]]
    assert finding.result is expected
    assert fragment in finding.message
    assert finding.object == ObjectRef("v1", "Node", None, node["metadata"]["name"])


def test_azure_linux_failure_names_node_and_pool() -> None:
    node = user_node("apps", 3, os_sku="Ubuntu")
    finding = by_node(snapshot(nodes=[node]), OS_RULE)["aks-apps-41023957-vmss000003"]
    assert "node aks-apps-41023957-vmss000003 (pool apps)" in finding.message


def test_azure_linux_without_nodes_is_not_applicable() -> None:
    finding = only(snapshot(nodes=()), OS_RULE)
    assert (finding.result, finding.object) == (Result.NOT_APPLICABLE, CLUSTER_REF)


# --- WIN-10: Windows nodes tainted ---------------------------------------------------------------

WIN_RULE = "WIN-10/windows-nodes-tainted"


@pytest.mark.parametrize(
    ("node", "expected", "fragment"),
    [
        pytest.param(
            windows_node(), Result.PASS, "tainted os=windows:NoSchedule", id="no-schedule"
        ),
        pytest.param(
            windows_node(taints=[{"key": "sku", "value": "win", "effect": "NoExecute"}]),
            Result.PASS,
            "sku=win:NoExecute",
            id="no-execute",
        ),
        pytest.param(windows_node(taints=[]), Result.FAIL, "taints: none", id="untainted"),
        pytest.param(
            windows_node(taints=[{"key": "os", "value": "windows", "effect": "PreferNoSchedule"}]),
            Result.FAIL,
            "os=windows:PreferNoSchedule",
            id="prefer-no-schedule-only",
        ),
        pytest.param(
            windows_node(
                taints=[], labels={"kubernetes.io/os": None, "beta.kubernetes.io/os": None}
            ),
            Result.FAIL,
            "pool win22",
            id="windows-from-node-info",
        ),
    ],
)
def test_windows_nodes_are_tainted(node: Obj, expected: Result, fragment: str) -> None:
    found = by_node(snapshot(nodes=[system_node(), node]), WIN_RULE)
    assert set(found) == {node["metadata"]["name"]}  # Linux nodes are not judged
    finding = found[node["metadata"]["name"]]
    assert finding.result is expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("nodes", "fragment"),
    [
        pytest.param([system_node(), user_node()], "no Windows node", id="linux-only"),
        pytest.param([], "no Node is visible", id="no-nodes"),
    ],
)
def test_windows_taint_without_windows_nodes_is_not_applicable(
    nodes: list[Obj], fragment: str
) -> None:
    finding = only(snapshot(nodes=nodes), WIN_RULE)
    assert (finding.result, finding.object) == (Result.NOT_APPLICABLE, CLUSTER_REF)
    assert fragment in finding.message


# --- CSEC-03: the dashboard ----------------------------------------------------------------------

DASHBOARD_RULE = "CSEC-03/dashboard-not-installed"


@pytest.mark.parametrize(
    ("extra", "expected", "fragment"),
    [
        pytest.param(
            [], Result.PASS, "no Kubernetes dashboard among the 2 add-on workloads", id="absent"
        ),
        pytest.param(
            [addon("kubernetes-dashboard", namespace="kubernetes-dashboard")],
            Result.FAIL,
            "Deployment kubernetes-dashboard/kubernetes-dashboard",
            id="recommended-manifest",
        ),
        pytest.param(
            [addon("dashboard-metrics-scraper", namespace="kubernetes-dashboard")],
            Result.FAIL,
            "dashboard-metrics-scraper",
            id="metrics-scraper",
        ),
        pytest.param(
            [addon("kubernetes-dashboard-web", namespace="kubernetes-dashboard")],
            Result.FAIL,
            "kubernetes-dashboard-web",
            id="helm-chart-v7",
        ),
        pytest.param(
            [addon("ui", labels={"k8s-app": "kubernetes-dashboard"})],
            Result.FAIL,
            "Deployment kube-system/ui",
            id="old-addon-by-label",
        ),
        pytest.param(
            [addon("kubernetes-dashboard", replicas=0)],
            Result.FAIL,
            "is installed",
            id="scaled-to-zero-still-installed",
        ),
    ],
)
def test_kubernetes_dashboard_is_not_installed(
    extra: list[Obj], expected: Result, fragment: str
) -> None:
    finding = only(snapshot(addons=[*BASE_ADDONS, *extra]), DASHBOARD_RULE)
    assert finding.result is expected
    assert fragment in finding.message


# --- add-ons -------------------------------------------------------------------------------------

ADDON_RULES = (
    "APP-07/keda-installed",
    "CSEC-03/dashboard-not-installed",
    "CSEC-07/key-vault-csi-running",
    "CSEC-09/image-cleaner-running",
    "CSEC-10/defender-sensor-running",
    "CSEC-11/azure-policy-running",
    "OPS-07/log-collector-running",
    "OPS-08/metrics-collector-running",
)


@pytest.mark.parametrize(
    ("rule", "extra", "expected", "fragment"),
    [
        # CSEC-11 Azure Policy
        pytest.param(
            "CSEC-11/azure-policy-running",
            [
                addon("azure-policy"),
                addon("azure-policy-webhook"),
                addon("gatekeeper-controller", namespace="gatekeeper-system"),
            ],
            Result.PASS,
            "the Azure Policy add-on runs (Deployment kube-system/azure-policy",
            id="azure-policy-addon",
        ),
        pytest.param(
            "CSEC-11/azure-policy-running",
            [
                addon("gatekeeper-audit", namespace="gatekeeper-system"),
                addon("gatekeeper-controller-manager", namespace="gatekeeper-system"),
            ],
            Result.WARN,
            "Gatekeeper runs",
            id="gatekeeper-without-azure-policy",
        ),
        pytest.param(
            "CSEC-11/azure-policy-running",
            [],
            Result.FAIL,
            "enable the azure-policy add-on",
            id="policy-absent",
        ),
        pytest.param(
            "CSEC-11/azure-policy-running",
            [addon("azure-policy", replicas=0)],
            Result.FAIL,
            "scaled to 0 replicas",
            id="policy-scaled-to-zero",
        ),
        # CSEC-10 Defender
        pytest.param(
            "CSEC-10/defender-sensor-running",
            [
                addon("microsoft-defender-collector-ds", "DaemonSet"),
                addon("microsoft-defender-collector-misc"),
            ],
            Result.PASS,
            "the Defender sensor runs (DaemonSet kube-system/microsoft-defender-collector-ds",
            id="defender-sensor",
        ),
        pytest.param(
            "CSEC-10/defender-sensor-running",
            [addon("azuredefender-publisher-ds", "DaemonSet")],
            Result.PASS,
            "azuredefender-publisher-ds",
            id="defender-legacy-names",
        ),
        pytest.param(
            "CSEC-10/defender-sensor-running",
            [],
            Result.FAIL,
            "the Defender sensor does not run",
            id="defender-absent",
        ),
        # CSEC-07 Key Vault CSI
        pytest.param(
            "CSEC-07/key-vault-csi-running",
            [
                addon("aks-secrets-store-csi-driver", "DaemonSet"),
                addon("aks-secrets-store-provider-azure", "DaemonSet"),
            ],
            Result.PASS,
            "pods can mount Key Vault secrets",
            id="key-vault-addon",
        ),
        pytest.param(
            "CSEC-07/key-vault-csi-running",
            [
                addon("csi-secrets-store-secrets-store-csi-driver", "DaemonSet"),
                addon("csi-secrets-store-provider-azure", "DaemonSet"),
            ],
            Result.PASS,
            "csi-secrets-store-provider-azure",
            id="key-vault-helm",
        ),
        pytest.param(
            "CSEC-07/key-vault-csi-running",
            [addon("secrets-store-csi-driver", "DaemonSet")],
            Result.WARN,
            "without the Azure Key Vault provider",
            id="driver-only",
        ),
        pytest.param(
            "CSEC-07/key-vault-csi-running",
            [addon("aks-secrets-store-provider-azure", "DaemonSet")],
            Result.WARN,
            "no Secrets Store CSI driver",
            id="provider-only",
        ),
        pytest.param(
            "CSEC-07/key-vault-csi-running",
            [],
            Result.WARN,
            "azure-keyvault-secrets-provider",
            id="key-vault-absent",
        ),
        # CSEC-09 Image Cleaner
        pytest.param(
            "CSEC-09/image-cleaner-running",
            [addon("eraser-controller-manager")],
            Result.PASS,
            "Image Cleaner (Eraser) runs (Deployment kube-system/eraser-controller-manager)",
            id="image-cleaner",
        ),
        pytest.param(
            "CSEC-09/image-cleaner-running",
            [addon("eraser-controller-manager", namespace="eraser-system")],
            Result.PASS,
            "eraser-system/eraser-controller-manager",
            id="self-installed-eraser",
        ),
        pytest.param(
            "CSEC-09/image-cleaner-running",
            [],
            Result.FAIL,
            "--enable-image-cleaner",
            id="image-cleaner-absent",
        ),
        # OPS-07 logs
        pytest.param(
            "OPS-07/log-collector-running",
            [addon("ama-logs", "DaemonSet"), addon("ama-logs-rs")],
            Result.PASS,
            "Container insights (ama-logs) runs",
            id="container-insights",
        ),
        pytest.param(
            "OPS-07/log-collector-running",
            [addon("omsagent", "DaemonSet")],
            Result.PASS,
            "DaemonSet kube-system/omsagent",
            id="legacy-omsagent",
        ),
        pytest.param(
            "OPS-07/log-collector-running",
            [
                addon(
                    "fluent-bit",
                    "DaemonSet",
                    "logging",
                    labels={"app.kubernetes.io/name": "fluent-bit"},
                )
            ],
            Result.PASS,
            "DaemonSet logging/fluent-bit",
            id="fluent-bit",
        ),
        pytest.param(
            "OPS-07/log-collector-running",
            [addon("ama-logs", "DaemonSet"), addon("ama-logs-rs", replicas=0)],
            Result.PASS,
            "DaemonSet kube-system/ama-logs",
            id="daemonset-counts-even-if-deployment-stopped",
        ),
        pytest.param(
            "OPS-07/log-collector-running",
            [],
            Result.WARN,
            "enable Container insights",
            id="logs-absent",
        ),
        # OPS-08 metrics
        pytest.param(
            "OPS-08/metrics-collector-running",
            [addon("ama-metrics"), addon("ama-metrics-node", "DaemonSet")],
            Result.PASS,
            "managed Prometheus (ama-metrics) runs",
            id="managed-prometheus",
        ),
        pytest.param(
            "OPS-08/metrics-collector-running",
            [addon("ama-logs", "DaemonSet")],
            Result.PASS,
            "Container insights (ama-logs) runs",
            id="container-insights-metrics",
        ),
        pytest.param(
            "OPS-08/metrics-collector-running",
            [
                addon(
                    "prometheus-kube-prometheus-stack-prometheus",
                    "StatefulSet",
                    "monitoring",
                    labels={"app.kubernetes.io/name": "prometheus"},
                )
            ],
            Result.PASS,
            "Prometheus runs (StatefulSet monitoring/prometheus-kube-prometheus-stack-prometheus)",
            id="self-managed-prometheus",
        ),
        pytest.param(
            "OPS-08/metrics-collector-running",
            [addon("metrics-server", labels={"k8s-app": "metrics-server"})],
            Result.WARN,
            "enable managed Prometheus",
            id="metrics-server-is-not-monitoring",
        ),
        # APP-07 KEDA
        pytest.param(
            "APP-07/keda-installed",
            [addon("keda-operator"), addon("keda-operator-metrics-apiserver")],
            Result.PASS,
            "KEDA runs (Deployment kube-system/keda-operator",
            id="keda-addon",
        ),
        pytest.param(
            "APP-07/keda-installed",
            [addon("keda-operator", namespace="keda", labels={"app": "keda-operator"})],
            Result.PASS,
            "keda/keda-operator",
            id="keda-helm",
        ),
        pytest.param(
            "APP-07/keda-installed", [], Result.WARN, "scale on CPU and memory", id="keda-absent"
        ),
    ],
)
def test_addons_are_recognised_by_their_workloads(
    rule: str, extra: list[Obj], expected: Result, fragment: str
) -> None:
    """Pass names what runs; a missing add-on fails or warns with what it costs."""
    finding = only(snapshot(addons=[*BASE_ADDONS, *extra]), rule)
    assert finding.result is expected
    assert fragment in finding.message
    assert finding.object == CLUSTER_REF


@pytest.mark.parametrize("rule", [pytest.param(rule, id=rule) for rule in ADDON_RULES])
def test_addons_without_any_workload_but_with_nodes_are_an_error(rule: str) -> None:
    """Nodes yet no kube-system workload at all means the operator cannot see them."""
    finding = only(snapshot(addons=()), rule)
    assert finding.result is Result.ERROR
    assert "may list workloads there" in finding.message


@pytest.mark.parametrize("rule", [pytest.param(rule, id=rule) for rule in ADDON_RULES])
def test_addons_with_nothing_visible_are_not_applicable(rule: str) -> None:
    finding = only(snapshot(nodes=(), addons=()), rule)
    assert finding.result is Result.NOT_APPLICABLE
    assert "nothing is visible" in finding.message


def test_addon_messages_say_where_the_operator_looked() -> None:
    """A miss names the namespaces seen, so a collector elsewhere can be ruled out."""
    extra = addon("gatekeeper-audit", namespace="gatekeeper-system")
    finding = only(snapshot(addons=[*BASE_ADDONS, extra]), "CSEC-10/defender-sensor-running")
    assert "among the 3 add-on workloads in gatekeeper-system, kube-system" in finding.message


def test_application_workloads_named_like_addons_only_count_in_addon_namespaces() -> None:
    """The snapshot builder drops workloads outside ADDON_NAMESPACES before judging."""
    impostor = addon("microsoft-defender-collector-ds", "DaemonSet", namespace="shop")
    snap = ClusterSnapshot.of(
        [*HEALTHY_NODES, *BASE_ADDONS, impostor], version="v1.35.3", today=TODAY
    )
    finding = only(snap, "CSEC-10/defender-sensor-running")
    assert finding.result is Result.FAIL
