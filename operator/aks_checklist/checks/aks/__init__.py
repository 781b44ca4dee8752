"""Judges an AKS cluster's own configuration: the JSON of ``az aks show`` or its ARM resource.

This is the offline judge behind ``aks-checklist aks`` (and, later, the
operator's cluster-level findings). It covers every catalog item whose
automation is ``aks`` or ``both``: each such item has at least one rule here,
or an entry in :data:`NOT_DECIDABLE` saying why the document cannot decide it.

Pure: no kopf, kubernetes or azure imports; the caller reads the document.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from types import ModuleType
from typing import Any

from aks_checklist.checks.aks import (
    application,
    azure_resources,
    bcdr,
    considerations,
    identity,
    networking,
    operations,
    resources,
    security,
    storage,
    windows,
)
from aks_checklist.checks.aks.bundle import AzureDocuments, Bundle, is_bundle, parse_bundle
from aks_checklist.checks.aks.document import (
    AgentPool,
    ManagedCluster,
    NotAManagedClusterError,
    parse_managed_cluster,
)
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Rule
from aks_checklist.checks.verdicts import apply_requirements

__all__ = [
    "MODULES",
    "NOT_DECIDABLE",
    "RULES",
    "AgentPool",
    "AzureDocuments",
    "Bundle",
    "ManagedCluster",
    "NotAManagedClusterError",
    "evaluate_bundle",
    "evaluate_cluster",
    "evaluate_managed_cluster",
    "is_bundle",
    "parse_bundle",
    "parse_managed_cluster",
]

# In checklist category order, so reports list findings the way the checklist does.
MODULES: tuple[ModuleType, ...] = (
    application,
    bcdr,
    security,
    identity,
    networking,
    operations,
    resources,
    storage,
    windows,
    considerations,
)

RULES: tuple[Rule, ...] = (
    *(rule for module in MODULES for rule in module.RULES),
    *azure_resources.RULES,
)

# Item id -> why the managed-cluster document cannot decide that `aks`/`both` item.
# Empty while every such item of the catalog has a rule above; the unit tests keep
# the two in step with catalog/items.yaml.
NOT_DECIDABLE: dict[str, str] = {}


def evaluate_managed_cluster(
    doc: Any,
    *,
    settings: CheckSettings | None = None,
    today: date | None = None,
) -> list[Finding]:
    """Parses ``doc`` (either shape) and runs every rule.

    Raises :class:`NotAManagedClusterError` when ``doc`` is not a managed
    cluster. ``today`` pins the date the Kubernetes version window is judged
    on (default: the current date).
    """
    return evaluate_cluster(parse_managed_cluster(doc), settings=settings, today=today)


def evaluate_cluster(
    cluster: ManagedCluster,
    *,
    settings: CheckSettings | None = None,
    today: date | None = None,
) -> list[Finding]:
    """Runs every rule on an already parsed cluster; findings of disabled rules are dropped."""
    settings = settings or CheckSettings()
    return apply_requirements(
        (finding for finding in _all(cluster, today) if settings.enabled(finding.rule)),
        settings.required,
    )


def evaluate_bundle(
    doc: Any,
    *,
    settings: CheckSettings | None = None,
    today: date | None = None,
) -> tuple[list[Finding], dict[str, str]]:
    """Judges a bundle of ``aks collect`` (or a plain cluster document) as far as it goes.

    Returns the findings and the parts that could not be read (part -> why); raises
    :class:`NotAManagedClusterError` only when there is no managed cluster to judge.
    Items of parts that were not collected are NotApplicable, naming the command.
    """
    settings = settings or CheckSettings()
    bundle = parse_bundle(doc)
    findings = evaluate_cluster(bundle.cluster, settings=settings, today=today)
    around = (
        finding
        for finding in azure_resources.check(bundle.cluster, bundle.documents, today=today)
        if settings.enabled(finding.rule)
    )
    findings.extend(apply_requirements(around, settings.required))
    return findings, dict(bundle.documents.problems)


def _all(cluster: ManagedCluster, today: date | None) -> Iterator[Finding]:
    for module in MODULES:
        yield from module.check(cluster, today=today)
