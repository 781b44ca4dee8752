"""Builders of the desired baseline objects, from the typed policy."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from aks_checklist.baseline import kinds
from aks_checklist.baseline.marks import marked_metadata
from aks_checklist.checks.snapshot import Workload
from aks_checklist.policy import LimitRangeSpec, NetworkPolicySpec, PdbSpec, ResourceQuotaSpec

NETWORK_POLICY_NAME = str(kinds.NETWORK_POLICY.singleton)
LIMIT_RANGE_NAME = str(kinds.LIMIT_RANGE.singleton)
RESOURCE_QUOTA_NAME = str(kinds.RESOURCE_QUOTA.singleton)
_MAX_NAME = 253


def network_policy(spec: NetworkPolicySpec, namespace: str, policy: str) -> dict[str, Any]:
    """Denies all ingress and egress of every pod; optionally lets pods resolve DNS."""
    egress: list[dict[str, Any]] = []
    if spec.allow_dns:
        egress.append(
            {
                "to": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                        },
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                    }
                ],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": marked_metadata(NETWORK_POLICY_NAME, namespace, policy),
        "spec": {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [],
            "egress": egress,
        },
    }


def limit_range(spec: LimitRangeSpec, namespace: str, policy: str) -> dict[str, Any]:
    """A Container LimitRange, written the way the API server stores it.

    The API server fills a missing ``default`` from ``max`` and a missing
    ``defaultRequest`` from ``default``, resource by resource, and drops empty
    maps. Sending the already-defaulted form keeps the live object equal to
    the desired one, so a no-op pass makes no write.
    """
    maximum = dict(spec.max or {})
    default = {**maximum, **spec.default}
    default_request = {**default, **spec.default_request}
    limit: dict[str, Any] = {"type": "Container"}
    sections = (("defaultRequest", default_request), ("default", default), ("max", maximum))
    for key, values in sections:
        if values:
            limit[key] = values
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": marked_metadata(LIMIT_RANGE_NAME, namespace, policy),
        "spec": {"limits": [limit]},
    }


def resource_quota(spec: ResourceQuotaSpec, namespace: str, policy: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": marked_metadata(RESOURCE_QUOTA_NAME, namespace, policy),
        "spec": {"hard": dict(spec.hard)},
    }


def pdb_name(workload: Workload) -> str:
    """``aks-checklist-<kind>-<name>``, shortened with a hash when too long for a name."""
    name = f"aks-checklist-{workload.kind.lower()}-{workload.ref.name}"
    if len(name) <= _MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    # A cut ending in "." would leave ".-" before the hash, which is not a valid name.
    return f"{name[: _MAX_NAME - 11].rstrip('.-')}-{digest}"


def pod_disruption_budget(
    spec: PdbSpec, workload: Workload, selector: dict[str, Any], policy: str
) -> dict[str, Any]:
    namespace = workload.ref.namespace or "default"
    metadata = marked_metadata(pdb_name(workload), namespace, policy)
    uid = workload.obj.get("metadata", {}).get("uid")
    if uid:
        # The workload owns its budget, so the garbage collector removes it with the workload.
        metadata["ownerReferences"] = [
            {
                "apiVersion": workload.ref.api_version or "apps/v1",
                "kind": workload.kind,
                "name": workload.ref.name,
                "uid": uid,
            }
        ]
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata,
        # A copy: the body goes to the writer, the selector belongs to the snapshot's workload.
        "spec": {"selector": copy.deepcopy(selector), "maxUnavailable": spec.max_unavailable},
    }
