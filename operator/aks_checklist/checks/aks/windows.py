"""Windows items judged on the ARM document; they apply only when the cluster has Windows pools.

Windows nodes need Azure CNI, are never patched by Windows Update (only new
node images patch them), and should repel Linux pods with a taint.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import NO_POOLS, Verdict, lower, names, on_cluster, per_pool
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster
from aks_checklist.checks.aks.networking import plugin
from aks_checklist.checks.aks.operations import node_os_channel
from aks_checklist.checks.model import Finding, Result, Rule, Severity

WINDOWS_CNI = Rule(
    "WIN-05/windows-azure-cni",
    "Clusters with Windows pools use Azure CNI",
    Severity.MEDIUM,
    "aks",
)
WINDOWS_PATCHING = Rule(
    "WIN-06/windows-node-image-upgrades",
    "Windows nodes are patched by automatic node image upgrades",
    Severity.MEDIUM,
    "aks",
)
WINDOWS_TAINT = Rule(
    "WIN-10/windows-pool-tainted",
    "Windows node pools carry a NoSchedule taint",
    Severity.MEDIUM,
    "aks",
)

RULES: tuple[Rule, ...] = (WINDOWS_CNI, WINDOWS_PATCHING, WINDOWS_TAINT)

NO_WINDOWS = "the cluster has no Windows node pools"
REPELLING_EFFECTS = ("NoSchedule", "NoExecute")


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield on_cluster(WINDOWS_CNI, cluster, _cni(cluster))
    yield on_cluster(WINDOWS_PATCHING, cluster, _patching(cluster))
    yield from per_pool(
        WINDOWS_TAINT, cluster, _tainted, pools=cluster.windows_pools, none_selected=NO_WINDOWS
    )


def _cni(cluster: ManagedCluster) -> Verdict:
    if not cluster.pools:
        return Result.NOT_APPLICABLE, NO_POOLS
    windows = cluster.windows_pools
    if not windows:
        return Result.NOT_APPLICABLE, NO_WINDOWS
    name = plugin(cluster)
    if name == "azure":
        return Result.PASS, f"Windows pools {names(windows)} run on Azure CNI"
    return Result.FAIL, (
        f"Windows pools {names(windows)} need Azure CNI, but networkPlugin is "
        f"{cluster.network_plugin}"
    )


def _patching(cluster: ManagedCluster) -> Verdict:
    if not cluster.pools:
        return Result.NOT_APPLICABLE, NO_POOLS
    windows = cluster.windows_pools
    if not windows:
        return Result.NOT_APPLICABLE, NO_WINDOWS
    channel, stated = node_os_channel(cluster)
    pools = names(windows)
    if lower(channel) == "nodeimage":
        how = "is NodeImage" if stated else "is absent (NodeImage by default)"
        return Result.PASS, (
            f"nodeOsUpgradeChannel {how}: Windows pools {pools} get patched node images "
            "automatically"
        )
    if lower(channel) == "securitypatch":
        return Result.WARN, (
            f"nodeOsUpgradeChannel is SecurityPatch, which does not cover Windows pools "
            f"({pools}); use NodeImage or upgrade their node images on a schedule"
        )
    return Result.FAIL, (
        f"nodeOsUpgradeChannel is {channel}: Windows Update does not run on AKS nodes, so "
        f"Windows pools {pools} stay unpatched until their node images are upgraded by hand"
    )


def _tainted(pool: AgentPool) -> Verdict:
    repelling = [
        taint for taint in pool.node_taints if taint.rsplit(":", 1)[-1] in REPELLING_EFFECTS
    ]
    if repelling:
        return Result.PASS, f"Windows pool {pool.name} is tainted {', '.join(repelling)}"
    return Result.FAIL, (
        f"Windows pool {pool.name} has no NoSchedule taint (e.g. os=windows:NoSchedule): Linux "
        "pods without a node selector can be scheduled there and fail"
    )
