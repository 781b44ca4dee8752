"""The bundle of `aks-checklist aks collect`: the cluster plus the Azure resources around it.

A managed-cluster document cannot say whether audit logs leave the cluster,
whether the registry is geo-replicated or whether the subscription has the
quota to scale out: those answers live in other Azure resources a Reader can
read. The collector writes them all into one JSON file::

    {"kind": "AksChecklistBundle", "version": 1,
     "cluster": {...the managed cluster, ARM or az shape...},
     "diagnosticSettings": [...], "subnets": [...], "registries": [...],
     "defenderPricings": [...], "metricAlerts": [...], "activityLogAlerts": [...],
     "prometheusRuleGroups": [...], "advisorRecommendations": [...],
     "computeUsages": [...], "vmSkus": [...], "extensions": [...],
     "fluxConfigurations": [...], "eventGridSystemTopics": [...], "backupInstances": [...],
     "errors": {"<part>": "why the collector could not read it"}}

Reading is forgiving part by part: a part that is missing (or ``null``) was
not collected, and its rules say so (NotApplicable, naming the command that
would collect it); a part of the wrong type, or one the collector reported in
``errors``, is named as unreadable and its rules report Error; everything else
is still judged. Only a bundle without a managed cluster is refused.

Pure: no azure imports; :mod:`aks_checklist.azure.resources` reads the parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from aks_checklist.checks.aks.document import (
    ManagedCluster,
    NotAManagedClusterError,
    Section,
    json_kind,
    parse_managed_cluster,
)

BUNDLE_KIND = "AksChecklistBundle"
BUNDLE_VERSION = 1

# Part name -> what it holds (for messages). Every part is a JSON array of ARM resources.
PARTS: Mapping[str, str] = MappingProxyType(
    {
        "diagnosticSettings": "the cluster's diagnostic settings",
        "subnets": "the node subnets",
        "registries": "the container registries the cluster pulls from",
        "defenderPricings": "the subscription's Defender for Cloud plans",
        "metricAlerts": "metric alert rules",
        "activityLogAlerts": "activity log alert rules",
        "prometheusRuleGroups": "Prometheus rule groups",
        "advisorRecommendations": "Azure Advisor recommendations for the cluster",
        "computeUsages": "the region's compute quota usage",
        "vmSkus": "the VM sizes of the node pools",
        "extensions": "the cluster extensions",
        "fluxConfigurations": "the Flux configurations",
        "eventGridSystemTopics": "Event Grid system topics",
        "backupInstances": "Azure Backup instances",
    }
)


def collect_hint(cluster: ManagedCluster) -> str:
    """The command that writes a bundle for this cluster, as messages show it."""
    subscription = _subscription(cluster.resource_id) or "<subscription>"
    group = cluster.resource_group or "<resource-group>"
    return (
        f"aks-checklist aks collect --subscription {subscription} --resource-group {group} "
        f"--name {cluster.name} -o bundle.json"
    )


def _subscription(resource_id: str | None) -> str | None:
    parts = (resource_id or "").split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else None


@dataclass(frozen=True)
class AzureDocuments:
    """The parts of a bundle beside the cluster: each a tuple of sections, or absent."""

    parts: Mapping[str, tuple[Section, ...]] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> tuple[Section, ...] | None:
        """The part's entries; None when it was not collected or could not be read."""
        return self.parts.get(name)

    def problem(self, name: str) -> str | None:
        return self.problems.get(name)


@dataclass(frozen=True)
class Bundle:
    cluster: ManagedCluster
    documents: AzureDocuments


def is_bundle(doc: Any) -> bool:
    return isinstance(doc, Mapping) and str(doc.get("kind") or "") == BUNDLE_KIND


def parse_bundle(doc: Any) -> Bundle:
    """Reads a bundle as far as it goes; raises :class:`NotAManagedClusterError` without a cluster.

    A plain managed-cluster document (``az aks show -o json``) reads as a bundle
    with no other part collected.
    """
    if not is_bundle(doc):
        return Bundle(parse_managed_cluster(doc), AzureDocuments())
    version = doc.get("version")
    if version != BUNDLE_VERSION:
        raise NotAManagedClusterError(
            f"bundle version {version!r} is not {BUNDLE_VERSION}; collect it again with this "
            "version of aks-checklist"
        )
    if doc.get("cluster") is None:
        raise NotAManagedClusterError("the bundle has no cluster part: nothing to judge")
    try:
        cluster = parse_managed_cluster(doc["cluster"])
    except NotAManagedClusterError as error:
        raise NotAManagedClusterError(f"the bundle's cluster part: {error}") from error
    parts: dict[str, tuple[Section, ...]] = {}
    problems: dict[str, str] = {}
    reported = doc.get("errors")
    if isinstance(reported, Mapping):
        for name, why in reported.items():
            if str(name) in PARTS:
                problems[str(name)] = f"the collector could not read it: {why}"
    for name in PARTS:
        if name in problems:
            continue
        value = doc.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            problems[name] = f"is {json_kind(value)}, expected an array"
            continue
        bad = [index for index, entry in enumerate(value) if not isinstance(entry, Mapping)]
        if bad:
            problems[name] = f"entry {bad[0]} is {json_kind(value[bad[0]])}, expected an object"
            continue
        parts[name] = tuple(Section(entry) for entry in value)
    unknown = sorted(
        str(key)
        for key in doc
        if key not in PARTS and key not in {"kind", "version", "cluster", "errors", "collectedAt"}
    )
    for key in unknown:
        problems[key] = "is not a bundle part this version knows; ignored"
    return Bundle(cluster, AzureDocuments(parts=parts, problems=problems))
