"""Small helpers every AKS rule module shares: one finding per pool, wording of absent fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from aks_checklist.checks.aks.document import AgentPool, ManagedCluster
from aks_checklist.checks.model import Finding, Result, Rule

Verdict = tuple[Result, str]

NO_POOLS = "the document lists no agent pools (agentPoolProfiles is absent or empty)"


def per_pool(
    rule: Rule,
    cluster: ManagedCluster,
    judge: Callable[[AgentPool], Verdict],
    *,
    pools: Iterable[AgentPool] | None = None,
    none_selected: str = "",
) -> Iterator[Finding]:
    """One finding per pool (``pools`` narrows the set); NotApplicable on the cluster if none.

    ``none_selected`` explains why no pool qualified when the document does list pools.
    """
    if not cluster.pools:
        yield rule.finding(Result.NOT_APPLICABLE, NO_POOLS, cluster.ref)
        return
    selected = tuple(cluster.pools if pools is None else pools)
    if not selected:
        yield rule.finding(Result.NOT_APPLICABLE, none_selected or NO_POOLS, cluster.ref)
        return
    for pool in selected:
        result, message = judge(pool)
        yield rule.finding(result, message, pool.ref)


def on_cluster(rule: Rule, cluster: ManagedCluster, verdict: Verdict) -> Finding:
    result, message = verdict
    return rule.finding(result, message, cluster.ref)


def shown(value: object) -> str:
    """A field value as messages print it; None reads as 'absent'."""
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def names(pools: Iterable[AgentPool]) -> str:
    return ", ".join(pool.name for pool in pools)


def lower(value: str | None) -> str:
    return (value or "").lower()
