"""What a policy without ``spec.azure`` reports for the items only Azure can answer.

Leaving those items out would make a cluster look more compliant than it is
known to be, so each one gets a NotApplicable row that says how to have it
judged. The rows are per item (``IDN-07``), not per rule: the policy status is
bounded, and one row per AKS rule would crowd out the node and add-on rows.
"""

from __future__ import annotations

import functools

from aks_checklist.catalog.loader import Item, load_catalog
from aks_checklist.checks import cluster as cluster_checks
from aks_checklist.checks.engine import workload_rules
from aks_checklist.checks.model import Finding, Result

HOW_TO_ENABLE = (
    "set spec.azure {subscriptionId, resourceGroup, clusterName} and give the operator's "
    "workload identity Reader on the cluster to judge it"
)


def not_configured() -> list[Finding]:
    """One NotApplicable finding per ``aks`` or ``both`` catalog item, in catalog order."""
    return list(_findings())


@functools.cache
def _findings() -> tuple[Finding, ...]:
    judged_in_cluster = {rule.item for rule in (*workload_rules(), *cluster_checks.RULES)}
    return tuple(
        _finding(item, in_cluster=item.id in judged_in_cluster)
        for item in load_catalog()
        if item.automation in ("aks", "both")
    )


def _finding(item: Item, *, in_cluster: bool) -> Finding:
    if item.automation == "both" and in_cluster:
        message = (
            "Azure configuration not evaluated (this item's in-cluster rules are still judged): "
            + HOW_TO_ENABLE
        )
    else:
        message = f"not evaluated: {HOW_TO_ENABLE}"
    return Finding(
        rule=item.id, result=Result.NOT_APPLICABLE, severity=item.severity, message=message
    )
