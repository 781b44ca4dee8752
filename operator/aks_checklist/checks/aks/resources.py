"""Resource Management items judged on the ARM document: node autoscaling across the cluster.

RES-09 asks the same question as OPS-11 from the cluster's point of view:
OPS-11 reports each pool, RES-09 whether the cluster as a whole can grow and
shrink with demand.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import NO_POOLS, Verdict, names, on_cluster
from aks_checklist.checks.aks.document import ManagedCluster
from aks_checklist.checks.aks.operations import node_autoprovisioning
from aks_checklist.checks.model import Finding, Result, Rule, Severity

CLUSTER_AUTOSCALING = Rule(
    "RES-09/cluster-autoscaling",
    "The cluster scales its nodes automatically",
    Severity.MEDIUM,
    "aks",
)

RULES: tuple[Rule, ...] = (CLUSTER_AUTOSCALING,)


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield on_cluster(CLUSTER_AUTOSCALING, cluster, _cluster_autoscaling(cluster))


def _cluster_autoscaling(cluster: ManagedCluster) -> Verdict:
    if node_autoprovisioning(cluster):
        return Result.PASS, "node auto-provisioning (nodeProvisioningProfile.mode Auto) is on"
    if not cluster.pools:
        return Result.NOT_APPLICABLE, NO_POOLS
    fixed = [pool for pool in cluster.pools if not pool.autoscaling]
    if not fixed:
        return Result.PASS, f"the cluster autoscaler manages all {len(cluster.pools)} pool(s)"
    if len(fixed) == len(cluster.pools):
        return Result.FAIL, (
            "no pool has enableAutoScaling and node auto-provisioning is off: the cluster "
            "cannot add nodes for pending pods"
        )
    return Result.FAIL, f"pools with a fixed size: {names(fixed)}"
