"""Business continuity judged on the ARM document: zones, the SLA tier, nodes per pool.

Zone placement and the SLA tier are visible only here, not from inside the
cluster's workloads. BCDR-08 also has a Kubernetes-side rule
(``BCDR-08/pod-spread``); this module adds the precondition that a pool has
more than one node to spread onto.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import Verdict, lower, on_cluster, per_pool
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster
from aks_checklist.checks.model import Finding, Result, Rule, Severity

AVAILABILITY_ZONES = Rule(
    "BCDR-03/availability-zones",
    "Node pools spread across availability zones",
    Severity.HIGH,
    "aks",
)
UPTIME_SLA = Rule(
    "BCDR-07/uptime-sla",
    "The cluster uses a tier with a financially backed API server SLA",
    Severity.MEDIUM,
    "aks",
)
MULTIPLE_NODES = Rule(
    "BCDR-08/multiple-nodes",
    "Each node pool keeps at least two nodes",
    Severity.MEDIUM,
    "aks",
)

RULES: tuple[Rule, ...] = (AVAILABILITY_ZONES, UPTIME_SLA, MULTIPLE_NODES)

SLA_TIERS = frozenset({"standard", "premium", "paid"})
MIN_NODES = 2
MIN_ZONES = 2


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield from per_pool(AVAILABILITY_ZONES, cluster, _zones)
    yield on_cluster(UPTIME_SLA, cluster, _uptime_sla(cluster))
    yield from per_pool(MULTIPLE_NODES, cluster, _multiple_nodes)


def _zones(pool: AgentPool) -> Verdict:
    zones = pool.availability_zones
    if [lower(zone) for zone in zones] == ["auto"]:
        return Result.PASS, f"pool {pool.name} lets AKS place its nodes across zones (auto)"
    if len(zones) >= MIN_ZONES:
        return Result.PASS, f"pool {pool.name} spans zones {', '.join(zones)}"
    if len(zones) == 1:
        return Result.WARN, (
            f"pool {pool.name} is pinned to zone {zones[0]}: a zone outage takes all its nodes; "
            "acceptable only when sibling pools cover the other zones"
        )
    return Result.FAIL, (
        f"pool {pool.name} has no availabilityZones, so its nodes have no zone redundancy "
        "(zones can only be chosen when a pool is created); ignore if the region has no zones"
    )


def _uptime_sla(cluster: ManagedCluster) -> Verdict:
    tier = cluster.sku_tier
    if lower(tier) in SLA_TIERS:
        return Result.PASS, f"sku.tier is {tier}: the API server has a financially backed SLA"
    if tier is None and lower(cluster.sku_name) == "automatic":
        return Result.PASS, "AKS Automatic clusters run on the Standard tier"
    shown_tier = tier or "absent (Free by default)"
    return Result.FAIL, (
        f"sku.tier is {shown_tier}: the Free tier has no financially backed SLA; use Standard "
        "or Premium for production clusters"
    )


def _multiple_nodes(pool: AgentPool) -> Verdict:
    if pool.autoscaling:
        floor = pool.min_count
        if floor is not None and floor >= MIN_NODES:
            return Result.PASS, f"pool {pool.name} autoscales with at least {floor} nodes"
        shown_floor = "an unknown minimum" if floor is None else f"minCount {floor}"
        return Result.WARN, (
            f"pool {pool.name} autoscales with {shown_floor}: when it scales down, a single node "
            "failure can take every pod scheduled there"
        )
    count = pool.count
    if count == 0:
        return Result.NOT_APPLICABLE, f"pool {pool.name} is scaled to zero nodes"
    if count is not None and count >= MIN_NODES:
        return Result.PASS, f"pool {pool.name} has {count} nodes"
    shown_count = "absent (1 by default)" if count is None else str(count)
    return Result.FAIL, (
        f"pool {pool.name} has count {shown_count}: one node failure takes every pod scheduled "
        "there; run at least two nodes"
    )
