"""Cluster-scope checks: what the operator can see of the cluster it runs in.

The ARM judge (:mod:`aks_checklist.checks.aks`) reads ``az aks show``; the
operator has no Azure credentials, only the Kubernetes API. From there it
still sees a lot: the API server's version, the Nodes (AKS labels them with
their pool, mode, OS SKU and zone) and the add-on workloads AKS deploys
into ``kube-system`` and a few well-known namespaces. This module judges
those, purely: the controller gathers a :class:`ClusterSnapshot` and calls
:func:`check_cluster`.

How each rule decides, and why:

- Versions (CSEC-05): the API server's minor against the dated support table
  of :mod:`aks_checklist.checks.versions`; each node's kubelet against the
  same table and the upstream skew policy (never newer than the API server,
  at most three minors older). The long-term support plan is not visible
  from inside, so a minor only LTS would still cover is a Warn, not a Fail.
- System/user separation (CSEC-12): every node labelled mode ``system``
  carries the ``CriticalAddonsOnly`` NoSchedule/NoExecute taint, and at least
  one node has mode ``user``. Without any mode label the cluster is not AKS
  (or predates pool modes): NotApplicable.
- Zones (BCDR-03): the distinct values of ``topology.kubernetes.io/zone``.
  AKS writes ``<region>-<n>`` (``westeurope-1``) on zonal pools and the fault
  domain number (``0``, ``1``...) on pools created without zones, so a bare
  number is *not* a zone. Two or more zones pass; nodes outside any zone next
  to zonal ones warn.
- Add-ons (CSEC-07/09/10/11, OPS-07/08, APP-07) and the dashboard (CSEC-03):
  recognised by the names and labels their Deployments, DaemonSets and
  StatefulSets carry, in any namespace the controller passes (it lists
  :data:`ADDON_NAMESPACES`). A Deployment or StatefulSet scaled to zero does
  not count as running. Missing Azure security controls (Defender, Azure
  Policy, Image Cleaner) fail; missing components that have legitimate
  alternatives the operator may not see (another secret store, a log or
  metrics stack in another namespace, autoscaling without KEDA) warn.

Nothing here passes by default: when there is nothing to look at (no nodes,
no add-on workloads) a rule says NotApplicable or Error and why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from aks_checklist.checks import podspec
from aks_checklist.checks.addons import (
    AZURE_KEY_VAULT_PROVIDER,
    AZURE_POLICY_ADDON,
    CLUSTER_REF,
    CONTAINER_INSIGHTS,
    DASHBOARD_APP,
    DEFENDER_SENSOR,
    ERASER,
    GATEKEEPER,
    KEDA_OPERATOR,
    LOG_AGENTS,
    MANAGED_PROMETHEUS,
    PROMETHEUS,
    SECRETS_STORE_DRIVER,
    ZONE_LABELS,
    AddonSignature,
    availability_zone,
    node_name,
)
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.snapshot import as_dict, labels_of, meta
from aks_checklist.checks.verdicts import apply_requirements
from aks_checklist.checks.versions import (
    Minor,
    VersionTable,
    VersionTableError,
    is_supported,
    load_version_table,
    minor_label,
    parse_minor,
)

Obj = dict[str, Any]
Verdict = tuple[Result, str]

# --- rules ---------------------------------------------------------------------------------------

KEDA = Rule(
    "APP-07/keda-installed",
    "KEDA is installed for event-driven autoscaling",
    Severity.LOW,
    "cluster",
)
NODES_SPAN_ZONES = Rule(
    "BCDR-03/nodes-span-zones",
    "Nodes are spread over more than one availability zone",
    Severity.HIGH,
    "cluster",
)
AZURE_LINUX_NODES = Rule(
    "CSEC-01/azure-linux-nodes",
    "Linux nodes run Azure Linux",
    Severity.MEDIUM,
    "cluster",
)
DASHBOARD = Rule(
    "CSEC-03/dashboard-not-installed",
    "The Kubernetes dashboard is not installed",
    Severity.MEDIUM,
    "cluster",
)
API_SERVER_VERSION = Rule(
    "CSEC-05/api-server-version-supported",
    "The API server runs a Kubernetes minor version AKS supports",
    Severity.HIGH,
    "cluster",
)
KUBELET_VERSION = Rule(
    "CSEC-05/kubelet-version-supported",
    "Each node's kubelet runs a supported minor within the skew policy",
    Severity.HIGH,
    "cluster",
)
KEY_VAULT_CSI = Rule(
    "CSEC-07/key-vault-csi-running",
    "The Secrets Store CSI driver with the Azure Key Vault provider runs",
    Severity.MEDIUM,
    "cluster",
)
IMAGE_CLEANER = Rule(
    "CSEC-09/image-cleaner-running",
    "Image Cleaner (Eraser) runs to remove unused vulnerable images",
    Severity.MEDIUM,
    "cluster",
)
DEFENDER = Rule(
    "CSEC-10/defender-sensor-running",
    "The Microsoft Defender for Containers sensor runs",
    Severity.HIGH,
    "cluster",
)
AZURE_POLICY = Rule(
    "CSEC-11/azure-policy-running",
    "The Azure Policy add-on runs in the cluster",
    Severity.MEDIUM,
    "cluster",
)
SYSTEM_NODES = Rule(
    "CSEC-12/system-nodes-dedicated",
    "System nodes are tainted CriticalAddonsOnly and applications have user nodes",
    Severity.MEDIUM,
    "cluster",
)
LOG_COLLECTOR = Rule(
    "OPS-07/log-collector-running",
    "A log collector (Container insights or another agent) runs",
    Severity.MEDIUM,
    "cluster",
)
METRICS_COLLECTOR = Rule(
    "OPS-08/metrics-collector-running",
    "A metrics collector (managed Prometheus, Container insights or Prometheus) runs",
    Severity.MEDIUM,
    "cluster",
)
WINDOWS_TAINTED = Rule(
    "WIN-10/windows-nodes-tainted",
    "Windows nodes carry a NoSchedule or NoExecute taint",
    Severity.MEDIUM,
    "cluster",
)

RULES: tuple[Rule, ...] = (
    KEDA,
    NODES_SPAN_ZONES,
    AZURE_LINUX_NODES,
    DASHBOARD,
    API_SERVER_VERSION,
    KUBELET_VERSION,
    KEY_VAULT_CSI,
    IMAGE_CLEANER,
    DEFENDER,
    AZURE_POLICY,
    SYSTEM_NODES,
    LOG_COLLECTOR,
    METRICS_COLLECTOR,
    WINDOWS_TAINTED,
)

# --- what the controller gathers -----------------------------------------------------------------

# Namespaces whose workloads the add-on rules look at: AKS add-ons live in kube-system;
# the others are where the self-installed equivalents land by default.
ADDON_NAMESPACES: tuple[str, ...] = (
    "kube-system",
    "gatekeeper-system",  # Gatekeeper, also the Azure Policy add-on's own
    "kubernetes-dashboard",
    "keda",
    "eraser-system",
    "monitoring",  # kube-prometheus-stack and friends
    "prometheus",
    "logging",
)
ADDON_KINDS = frozenset({"Deployment", "DaemonSet", "StatefulSet"})


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    """What the cluster-scope rules see.

    ``version`` is the API server's ``gitVersion`` (None when it was not read),
    ``nodes`` the Node objects, ``addons`` the Deployments, DaemonSets and
    StatefulSets of :data:`ADDON_NAMESPACES`, ``today`` the date versions are
    judged on.
    """

    version: str | None
    nodes: tuple[Obj, ...]
    addons: tuple[Obj, ...]
    today: date

    @classmethod
    def of(
        cls, objects: Iterable[Obj], *, version: str | None = None, today: date | None = None
    ) -> ClusterSnapshot:
        """Picks the Nodes and the add-on workloads out of any mix of objects."""
        items = list(objects)
        return cls(
            version=version,
            nodes=tuple(obj for obj in items if obj.get("kind") == "Node"),
            addons=tuple(obj for obj in items if is_addon_candidate(obj)),
            today=today or date.today(),
        )


def is_addon_candidate(obj: Mapping[str, Any]) -> bool:
    """Whether ``obj`` belongs in :attr:`ClusterSnapshot.addons` (kind and namespace)."""
    return obj.get("kind") in ADDON_KINDS and meta(obj).get("namespace") in ADDON_NAMESPACES


def check_cluster(
    snapshot: ClusterSnapshot,
    *,
    settings: CheckSettings | None = None,
    table: VersionTable | None = None,
) -> list[Finding]:
    """Every cluster-scope finding; rules ``settings`` disables are dropped.

    ``table`` replaces the packaged Kubernetes version table (tests pin one).
    """
    settings = settings or CheckSettings()
    view = _View(snapshot)
    judges: tuple[tuple[Rule, Callable[[], Iterable[Finding]]], ...] = (
        (KEDA, lambda: [_addon_finding(KEDA, view, _keda(view))]),
        (NODES_SPAN_ZONES, lambda: [_on_cluster(NODES_SPAN_ZONES, _zones(view))]),
        (AZURE_LINUX_NODES, lambda: _per_node(AZURE_LINUX_NODES, view.nodes, _azure_linux)),
        (DASHBOARD, lambda: [_addon_finding(DASHBOARD, view, _dashboard(view))]),
        (API_SERVER_VERSION, lambda: [_api_server_version(view, table)]),
        (KUBELET_VERSION, lambda: _kubelet_versions(view, table)),
        (KEY_VAULT_CSI, lambda: [_addon_finding(KEY_VAULT_CSI, view, _key_vault(view))]),
        (IMAGE_CLEANER, lambda: [_addon_finding(IMAGE_CLEANER, view, _image_cleaner(view))]),
        (DEFENDER, lambda: [_addon_finding(DEFENDER, view, _defender(view))]),
        (AZURE_POLICY, lambda: [_addon_finding(AZURE_POLICY, view, _azure_policy(view))]),
        (SYSTEM_NODES, lambda: [_on_cluster(SYSTEM_NODES, _system_nodes(view))]),
        (LOG_COLLECTOR, lambda: [_addon_finding(LOG_COLLECTOR, view, _logs(view))]),
        (METRICS_COLLECTOR, lambda: [_addon_finding(METRICS_COLLECTOR, view, _metrics(view))]),
        (WINDOWS_TAINTED, lambda: _windows_tainted(view)),
    )
    findings: list[Finding] = []
    for rule, judge in judges:
        if settings.enabled(rule.id):
            findings.extend(judge())
    return apply_requirements(findings, settings.required)


# --- nodes ---------------------------------------------------------------------------------------

MODE_LABEL = "kubernetes.azure.com/mode"
POOL_LABELS = ("kubernetes.azure.com/agentpool", "agentpool")
OS_SKU_LABEL = "kubernetes.azure.com/os-sku"
CRITICAL_ADDONS_TAINT = "CriticalAddonsOnly"
AZURE_LINUX_SKUS = frozenset(
    {"azurelinux", "azurelinux3", "azurelinuxosguard", "azurecontainerlinux"}
)
# Fragments of status.nodeInfo.osImage that name Azure Linux (2.0 still reports CBL-Mariner).
AZURE_LINUX_IMAGES = ("azure linux", "azurelinux", "cbl-mariner", "mariner")
MAX_SKEW_BEHIND = 3  # the kubelet may be up to three minors older than the API server
NO_NODES = "no Node is visible, so there is nothing to judge"


def node_pool(node: Mapping[str, Any]) -> str | None:
    """The AKS node pool a node belongs to, from its labels."""
    labels = labels_of(node)
    return next((labels[key] for key in POOL_LABELS if labels.get(key)), None)


def node_info(node: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(node.get("status")).get("nodeInfo"))


def is_virtual(node: Mapping[str, Any]) -> bool:
    """A virtual-kubelet node (AKS virtual nodes on ACI) is no VM: OS, zone and kubelet
    version rules do not apply to it."""
    kubelet = str(node_info(node).get("kubeletVersion") or "")
    return labels_of(node).get("type") == "virtual-kubelet" or "-vk" in kubelet


def node_os(node: Obj) -> str | None:
    """``linux``/``windows`` from the OS label, else the kubelet's report, else the OS SKU."""
    found = podspec.node_os(node) or node_info(node).get("operatingSystem")
    if found:
        return str(found).lower()
    sku = labels_of(node).get(OS_SKU_LABEL, "").lower()
    if sku.startswith("windows"):
        return "windows"
    return "linux" if sku else None


def _describe(node: Mapping[str, Any]) -> str:
    pool = node_pool(node)
    return f"node {node_name(node)}" + (f" (pool {pool})" if pool else "")


def _node_ref(node: Mapping[str, Any]) -> ObjectRef:
    return ObjectRef(api_version="v1", kind="Node", namespace=None, name=node_name(node))


def _taint_text(taint: Mapping[str, Any]) -> str:
    key = str(taint.get("key") or "")
    value = taint.get("value")
    return f"{key}={value}:{taint.get('effect')}" if value else f"{key}:{taint.get('effect')}"


def _taints(node: Mapping[str, Any]) -> str:
    taints = [as_dict(t) for t in as_dict(node.get("spec")).get("taints") or []]
    return ", ".join(_taint_text(t) for t in taints) or "none"


def _join(values: Iterable[str], limit: int = 5) -> str:
    """A short, stable list for messages: the first ``limit`` values and how many more."""
    ordered = sorted(set(values))
    shown = ", ".join(ordered[:limit])
    return shown + (f" and {len(ordered) - limit} more" if len(ordered) > limit else "")


def _by_pool(nodes: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Pool name (or ``(no pool label)``) -> names of its nodes."""
    groups: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        groups[node_pool(node) or "(no pool label)"].append(node_name(node))
    return dict(groups)


def _pools_text(nodes: Iterable[Mapping[str, Any]]) -> str:
    return "; ".join(
        f"pool {pool}: {_join(names)}" for pool, names in sorted(_by_pool(nodes).items())
    )


class _View:
    """The snapshot with the derived lists several rules share."""

    def __init__(self, snapshot: ClusterSnapshot) -> None:
        self.snapshot = snapshot
        self.nodes: list[Obj] = [n for n in snapshot.nodes if isinstance(n, dict)]
        self.real_nodes = [n for n in self.nodes if not is_virtual(n)]
        self.addons: list[Obj] = [
            a for a in snapshot.addons if isinstance(a, dict) and a.get("kind") in ADDON_KINDS
        ]

    @property
    def addon_namespaces(self) -> str:
        return _join((str(meta(a).get("namespace") or "-") for a in self.addons), limit=8)


def _on_cluster(rule: Rule, verdict: Verdict) -> Finding:
    return rule.finding(verdict[0], verdict[1], CLUSTER_REF)


def _per_node(
    rule: Rule, nodes: list[Obj], judge: Callable[[Obj], Verdict], *, none: str = NO_NODES
) -> list[Finding]:
    if not nodes:
        return [rule.finding(Result.NOT_APPLICABLE, none, CLUSTER_REF)]
    return [rule.finding(*judge(node), _node_ref(node)) for node in nodes]


# --- CSEC-01: Azure Linux ------------------------------------------------------------------------


def _azure_linux(node: Obj) -> Verdict:
    where = _describe(node)
    if is_virtual(node):
        return Result.NOT_APPLICABLE, f"{where} is a virtual node: it has no host OS of its own"
    if node_os(node) == "windows":
        return Result.NOT_APPLICABLE, f"{where} runs Windows; Azure Linux is for Linux nodes"
    sku = labels_of(node).get(OS_SKU_LABEL)
    image = str(node_info(node).get("osImage") or "")
    shown_image = f", osImage {image}" if image else ""
    if sku:
        if sku.lower() in AZURE_LINUX_SKUS:
            return Result.PASS, f"{where} runs Azure Linux (os-sku {sku}{shown_image})"
        if sku.lower() == "cblmariner":
            return Result.WARN, (
                f"{where} runs os-sku CBLMariner{shown_image}, the retired name of Azure Linux; "
                "move the pool to os-sku AzureLinux"
            )
        return Result.FAIL, (
            f"{where} runs os-sku {sku}{shown_image}, not Azure Linux; create its pool with "
            "--os-sku AzureLinux and move the workloads over"
        )
    if image:
        if any(fragment in image.lower() for fragment in AZURE_LINUX_IMAGES):
            return Result.PASS, f"{where} runs Azure Linux (osImage {image})"
        return Result.FAIL, f"{where} runs {image}, not Azure Linux"
    return Result.NOT_APPLICABLE, (
        f"{where} has neither the {OS_SKU_LABEL} label nor status.nodeInfo.osImage, so its OS "
        "image is unknown"
    )


# --- CSEC-05: versions ---------------------------------------------------------------------------


def _window_verdict(version: str, today: date, table: VersionTable) -> Verdict:
    """Pass inside the community window, Warn when only long-term support could cover it."""
    supported, reason = is_supported(version, today, table=table)
    if supported:
        return Result.PASS, reason
    lts, lts_reason = is_supported(version, today, long_term_support=True, table=table)
    if lts:
        return Result.WARN, (
            f"{lts_reason}; the support plan is not visible from inside the cluster, so this "
            "holds only if the cluster is on the long-term support plan"
        )
    minor = parse_minor(version)
    row = table.find(minor) if minor else None
    if row is not None and row.lts_end_of_life is not None:
        reason += f"; its long-term support ended on {row.lts_end_of_life.isoformat()} as well"
    return Result.FAIL, reason


def _table(table: VersionTable | None) -> VersionTable | str:
    try:
        return table or load_version_table()
    except VersionTableError as error:
        return f"the Kubernetes version table cannot be read: {error}"


def _api_server_version(view: _View, table: VersionTable | None) -> Finding:
    rule = API_SERVER_VERSION
    version = view.snapshot.version
    if not version:
        return _on_cluster(rule, (Result.NOT_APPLICABLE, "the API server's version was not read"))
    if parse_minor(version) is None:
        return _on_cluster(
            rule, (Result.ERROR, f"the API server reports {version!r}, not a Kubernetes version")
        )
    loaded = _table(table)
    if isinstance(loaded, str):
        return _on_cluster(rule, (Result.ERROR, loaded))
    result, reason = _window_verdict(version, view.snapshot.today, loaded)
    action = "; upgrade the control plane (az aks upgrade)" if result is Result.FAIL else ""
    return _on_cluster(rule, (result, f"the API server runs {version}: {reason}{action}"))


def _kubelet_versions(view: _View, table: VersionTable | None) -> list[Finding]:
    loaded = _table(table)
    control_plane = parse_minor(view.snapshot.version or "")

    def judge(node: Obj) -> Verdict:
        where = _describe(node)
        if is_virtual(node):
            return Result.NOT_APPLICABLE, (
                f"{where} is a virtual node: its version is the virtual kubelet's, not a pool's"
            )
        version = str(node_info(node).get("kubeletVersion") or "")
        if not version:
            return Result.NOT_APPLICABLE, f"{where} reports no status.nodeInfo.kubeletVersion"
        minor = parse_minor(version)
        if minor is None:
            return Result.ERROR, f"{where} reports kubelet {version!r}, not a Kubernetes version"
        if isinstance(loaded, str):
            return Result.ERROR, loaded
        skew = _skew(minor, control_plane)
        if skew is not None:
            return Result.FAIL, f"{where} runs kubelet {version}: {skew}; upgrade its pool"
        result, reason = _window_verdict(version, view.snapshot.today, loaded)
        behind = ""
        if control_plane is not None and minor < control_plane:
            gap = control_plane[1] - minor[1]
            behind = f" ({gap} minor{'s' if gap > 1 else ''} behind the control plane)"
        action = "; upgrade its pool (az aks nodepool upgrade)" if result is Result.FAIL else ""
        return result, f"{where} runs kubelet {version}{behind}: {reason}{action}"

    return _per_node(KUBELET_VERSION, view.nodes, judge)


def _skew(kubelet: Minor, control_plane: Minor | None) -> str | None:
    """Why the kubelet breaks the version skew policy, or None when it does not (or unknown)."""
    if control_plane is None or kubelet[0] != control_plane[0]:
        return None
    api = minor_label(control_plane)
    if kubelet > control_plane:
        return f"it is newer than the API server ({api}), which the version skew policy forbids"
    if control_plane[1] - kubelet[1] > MAX_SKEW_BEHIND:
        return (
            f"it is {control_plane[1] - kubelet[1]} minors behind the API server ({api}); the "
            f"version skew policy allows at most {MAX_SKEW_BEHIND}"
        )
    return None


# --- CSEC-12: system/user nodes ------------------------------------------------------------------


def _critical_addons_only(node: Obj) -> bool:
    return any(
        taint.get("key") == CRITICAL_ADDONS_TAINT for taint in podspec.scheduling_taints(node)
    )


def _system_nodes(view: _View) -> Verdict:
    if not view.nodes:
        return Result.NOT_APPLICABLE, NO_NODES
    modes = {node_name(n): labels_of(n).get(MODE_LABEL, "").lower() for n in view.nodes}
    if not any(modes.values()):
        return Result.NOT_APPLICABLE, (
            f"no node carries the {MODE_LABEL} label, so system and user nodes cannot be told "
            "apart: not an AKS cluster, or its pools predate node pool modes"
        )
    system = [n for n in view.nodes if modes[node_name(n)] == "system"]
    user = [n for n in view.nodes if modes[node_name(n)] == "user"]
    if not system:
        return Result.NOT_APPLICABLE, (
            f"no node has {MODE_LABEL}=system although AKS always runs a system pool, so the "
            "system pool's taint cannot be judged"
        )
    problems: list[str] = []
    untainted = [n for n in system if not _critical_addons_only(n)]
    if untainted:
        problems.append(
            f"system nodes without a {CRITICAL_ADDONS_TAINT}=true:NoSchedule taint "
            f"({_pools_text(untainted)}) also take application pods"
        )
    system_pools = _join(_by_pool(system))
    if not user:
        problems.append(
            f"no node has {MODE_LABEL}=user, so applications share the system pool(s) "
            f"{system_pools}; add a user pool"
        )
    if problems:
        return Result.FAIL, "; ".join(problems)
    return Result.PASS, (
        f"system pool(s) {system_pools} are tainted {CRITICAL_ADDONS_TAINT}; applications "
        f"run on user pool(s) {_join(_by_pool(user))}"
    )


# --- BCDR-03: zones ------------------------------------------------------------------------------


def _zones(view: _View) -> Verdict:
    nodes = view.real_nodes
    if not nodes:
        return Result.NOT_APPLICABLE, NO_NODES
    zoned: dict[str, list[Obj]] = defaultdict(list)
    unzoned: list[Obj] = []
    for node in nodes:
        zone = availability_zone(node)
        (zoned[zone] if zone else unzoned).append(node)
    if not zoned:
        return Result.FAIL, (
            f"none of the {len(nodes)} nodes is in an availability zone ({ZONE_LABELS[0]} is "
            "absent or a fault-domain number such as 0): one datacenter failure can take the "
            "whole cluster down; create pools with --zones 1 2 3"
        )
    zones = _join(zoned, limit=6)
    if len(zoned) == 1:
        return Result.FAIL, (
            f"all {len(nodes) - len(unzoned)} zoned nodes are in zone {zones}"
            + (f" and {len(unzoned)} nodes are in none" if unzoned else "")
            + ": a zone outage takes the whole cluster down; spread the pools over zones"
        )
    if unzoned:
        return Result.WARN, (
            f"nodes span zones {zones}, but some are in no zone ({_pools_text(unzoned)}); "
            "their workloads do not survive a zone outage"
        )
    single = _single_zone_pools(nodes)
    note = f"; pools confined to one zone: {single}" if single else ""
    return Result.PASS, f"{len(nodes)} nodes span {len(zoned)} zones: {zones}{note}"


def _single_zone_pools(nodes: list[Obj]) -> str:
    """Pools of several nodes that all sit in one zone (a choice, e.g. for zonal disks)."""
    zones: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for node in nodes:
        pool = node_pool(node)
        if pool:
            zones[pool].add(availability_zone(node) or "")
            counts[pool] += 1
    return ", ".join(
        f"{pool} ({next(iter(found))})"
        for pool, found in sorted(zones.items())
        if len(found) == 1 and counts[pool] > 1
    )


# --- WIN-10: Windows nodes tainted ---------------------------------------------------------------


def _windows_tainted(view: _View) -> list[Finding]:
    if not view.nodes:
        return [WINDOWS_TAINTED.finding(Result.NOT_APPLICABLE, NO_NODES, CLUSTER_REF)]
    windows = [n for n in view.real_nodes if node_os(n) == "windows"]

    def judge(node: Obj) -> Verdict:
        taints = podspec.scheduling_taints(node)
        if taints:
            return Result.PASS, (
                f"Windows {_describe(node)} is tainted {_join(_taint_text(t) for t in taints)}"
            )
        return Result.FAIL, (
            f"Windows {_describe(node)} has no NoSchedule or NoExecute taint (taints: "
            f"{_taints(node)}): Linux pods without an OS nodeSelector can land on it and fail "
            "to start; taint its pool os=windows:NoSchedule"
        )

    none = "no Windows node (kubernetes.io/os=windows) is visible"
    return _per_node(WINDOWS_TAINTED, windows, judge, none=none)


# --- add-ons -------------------------------------------------------------------------------------


def _workload_text(obj: Mapping[str, Any]) -> str:
    return f"{obj.get('kind')} {meta(obj).get('namespace') or '-'}/{meta(obj).get('name')}"


def _stopped(obj: Mapping[str, Any]) -> bool:
    """A Deployment or StatefulSet scaled to zero is installed but not running."""
    replicas = as_dict(obj.get("spec")).get("replicas")
    return obj.get("kind") in {"Deployment", "StatefulSet"} and replicas == 0


@dataclass(frozen=True, slots=True)
class _Seen:
    running: tuple[Obj, ...]
    stopped: tuple[Obj, ...]

    @property
    def text(self) -> str:
        return _join((_workload_text(o) for o in self.running), limit=4)

    @property
    def stopped_text(self) -> str:
        if not self.stopped:
            return ""
        names = _join((_workload_text(o) for o in self.stopped), limit=4)
        return f" ({names} installed but scaled to 0 replicas)"


def _seen(view: _View, *signatures: AddonSignature) -> _Seen:
    found = [a for a in view.addons if any(sig.matches(a) for sig in signatures)]
    return _Seen(
        running=tuple(a for a in found if not _stopped(a)),
        stopped=tuple(a for a in found if _stopped(a)),
    )


def _addon_finding(rule: Rule, view: _View, judge: Verdict) -> Finding:
    """Wraps an add-on verdict: with no add-on workload to look at, says why it cannot judge."""
    if view.addons:
        return _on_cluster(rule, judge)
    if not view.nodes:
        return _on_cluster(
            rule,
            (
                Result.NOT_APPLICABLE,
                "nothing is visible: no Node and no Deployment, DaemonSet or StatefulSet in "
                f"the add-on namespaces ({', '.join(ADDON_NAMESPACES)})",
            ),
        )
    return _on_cluster(
        rule,
        (
            Result.ERROR,
            "no Deployment, DaemonSet or StatefulSet is visible in the add-on namespaces "
            f"({', '.join(ADDON_NAMESPACES)}) although nodes are (a real cluster always runs "
            "CoreDNS in kube-system): the add-ons cannot be judged; check that the operator "
            "may list workloads there",
        ),
    )


def _looked(view: _View) -> str:
    return f"among the {len(view.addons)} add-on workloads in {view.addon_namespaces}"


def _presence(
    view: _View,
    signatures: tuple[AddonSignature, ...],
    *,
    missing: Result,
    consequence: str,
) -> Verdict:
    seen = _seen(view, *signatures)
    if seen.running:
        found = [(sig, _seen(view, sig)) for sig in signatures]
        return Result.PASS, "; ".join(
            f"{sig.what} runs ({match.text})" for sig, match in found if match.running
        )
    return missing, f"{_none_of(signatures)} {_looked(view)}{seen.stopped_text}: {consequence}"


def _none_of(signatures: tuple[AddonSignature, ...]) -> str:
    names = [sig.what for sig in signatures]
    if len(names) == 1:
        return f"{names[0]} does not run"
    if len(names) == 2:
        return f"neither {names[0]} nor {names[1]} runs"
    return f"none of {', '.join(names[:-1])} or {names[-1]} runs"


def _keda(view: _View) -> Verdict:
    return _presence(
        view,
        (KEDA_OPERATOR,),
        missing=Result.WARN,
        consequence=(
            "workloads can only scale on CPU and memory (HPA); enable the KEDA add-on if any "
            "should scale on queue length or other events"
        ),
    )


def _dashboard(view: _View) -> Verdict:
    seen = _seen(view, DASHBOARD_APP)
    found = seen.running + seen.stopped
    if found:
        names = _join((_workload_text(o) for o in found), limit=4)
        return Result.FAIL, (
            f"the Kubernetes dashboard is installed ({names}): it is one more web UI with "
            "cluster access to secure; remove it and use the Azure portal or kubectl"
        )
    return Result.PASS, f"no Kubernetes dashboard {_looked(view)}"


def _key_vault(view: _View) -> Verdict:
    driver = _seen(view, SECRETS_STORE_DRIVER)
    provider = _seen(view, AZURE_KEY_VAULT_PROVIDER)
    if driver.running and provider.running:
        return Result.PASS, (
            f"the Secrets Store CSI driver ({driver.text}) and the Azure Key Vault provider "
            f"({provider.text}) run: pods can mount Key Vault secrets"
        )
    if driver.running:
        return Result.WARN, (
            f"the Secrets Store CSI driver runs ({driver.text}) without the Azure Key Vault "
            f"provider {_looked(view)}: its secrets come from another store"
        )
    if provider.running:
        return Result.WARN, (
            f"the Azure Key Vault provider runs ({provider.text}) but no Secrets Store CSI "
            f"driver {_looked(view)}: pods cannot mount Key Vault secrets"
        )
    return Result.WARN, (
        f"no Secrets Store CSI driver with the Azure Key Vault provider runs {_looked(view)}: "
        "unless applications read Key Vault themselves (workload identity), secrets live only "
        "in Kubernetes; enable the azure-keyvault-secrets-provider add-on"
    )


def _image_cleaner(view: _View) -> Verdict:
    return _presence(
        view,
        (ERASER,),
        missing=Result.FAIL,
        consequence=(
            "unused images with known vulnerabilities stay cached on the nodes; enable Image "
            "Cleaner (az aks update --enable-image-cleaner)"
        ),
    )


def _defender(view: _View) -> Verdict:
    return _presence(
        view,
        (DEFENDER_SENSOR,),
        missing=Result.FAIL,
        consequence=(
            "no runtime threat detection or security alerts from the nodes; enable Microsoft "
            "Defender for Containers with its sensor"
        ),
    )


def _azure_policy(view: _View) -> Verdict:
    addon = _seen(view, AZURE_POLICY_ADDON)
    if addon.running:
        return Result.PASS, f"the Azure Policy add-on runs ({addon.text})"
    gatekeeper = _seen(view, GATEKEEPER)
    if gatekeeper.running:
        return Result.WARN, (
            f"Gatekeeper runs ({gatekeeper.text}) but not the Azure Policy add-on "
            f"(azure-policy){addon.stopped_text}: its constraints are neither assigned nor "
            "reported through Azure Policy"
        )
    return Result.FAIL, (
        f"neither the Azure Policy add-on nor Gatekeeper runs {_looked(view)}"
        f"{addon.stopped_text}{gatekeeper.stopped_text}: nothing audits or denies objects "
        "against policy; enable the azure-policy add-on"
    )


def _logs(view: _View) -> Verdict:
    return _presence(
        view,
        (CONTAINER_INSIGHTS, LOG_AGENTS),
        missing=Result.WARN,
        consequence=(
            "container logs are lost with their pods; enable Container insights (unless another "
            "log collector runs in a namespace the operator does not look at)"
        ),
    )


def _metrics(view: _View) -> Verdict:
    return _presence(
        view,
        (MANAGED_PROMETHEUS, CONTAINER_INSIGHTS, PROMETHEUS),
        missing=Result.WARN,
        consequence=(
            "no history of cluster and node metrics to alert on; enable managed Prometheus or "
            "Container insights (unless another collector runs in a namespace the operator does "
            "not look at)"
        ),
    )
