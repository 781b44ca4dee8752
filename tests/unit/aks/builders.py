"""Builders for managed-cluster documents and helpers that run one rule over them.

Rule tests build the smallest ARM-shaped document that exercises a rule;
fixture tests load the realistic documents under ``tests/unit/fixtures/aks``.
``AS_OF`` pins the date the Kubernetes version window is judged on, so no test
depends on the clock.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from aks_checklist.checks.aks import evaluate_managed_cluster
from aks_checklist.checks.aks.document import MANAGED_CLUSTER_TYPE
from aks_checklist.checks.model import Finding, Result

AS_OF = date(2026, 11, 29)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "aks"
FIXTURE_NAMES = (
    "default-az-aks-create.json",
    "hardened-production.json",
    "private-cluster.json",
    "windows-and-spot.json",
)
CLUSTER_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/"
    "Microsoft.ContainerService/managedClusters/aks-test"
)


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return document


def cluster(
    *,
    pools: list[dict[str, Any]] | None = None,
    envelope: dict[str, Any] | None = None,
    **properties: Any,
) -> dict[str, Any]:
    """An ARM-shaped cluster named aks-test in rg-test; keyword arguments go under properties."""
    props = dict(properties)
    if pools is not None:
        props["agentPoolProfiles"] = pools
    return {
        "id": CLUSTER_ID,
        "name": "aks-test",
        "type": MANAGED_CLUSTER_TYPE,
        "location": "westeurope",
        **(envelope or {}),
        "properties": props,
    }


def pool(name: str = "pool1", **fields: Any) -> dict[str, Any]:
    """A Linux User pool unless ``fields`` say otherwise."""
    return {"name": name, "mode": "User", "osType": "Linux", **fields}


def findings(document: Any, rule: str, *, today: date = AS_OF) -> list[Finding]:
    return [f for f in evaluate_managed_cluster(document, today=today) if f.rule == rule]


def only(document: Any, rule: str, *, today: date = AS_OF) -> Finding:
    """The single finding of ``rule``; fails the test if there are several or none."""
    found = findings(document, rule, today=today)
    assert len(found) == 1, [str(f) for f in found]
    return found[0]


def by_object(document: Any, rule: str, *, today: date = AS_OF) -> dict[str, Result]:
    """Object name -> result of ``rule``."""
    results: dict[str, Result] = {}
    for finding in findings(document, rule, today=today):
        assert finding.object is not None
        assert finding.object.name not in results, f"two findings of {rule} on one object"
        results[finding.object.name] = finding.result
    return results
