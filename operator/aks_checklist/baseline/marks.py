"""How the operator recognises what it owns (see ARCHITECTURE.md, ownership rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aks_checklist.checks.snapshot import annotations_of, labels_of

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "aks-checklist-operator"
POLICY_ANNOTATION = "akschecklist.io/policy"
FIELD_MANAGER = "aks-checklist-operator"


def is_managed(obj: Mapping[str, Any]) -> bool:
    """Carries our managed-by label: the only objects we ever modify or delete."""
    return labels_of(obj).get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE


def managing_policy(obj: Mapping[str, Any]) -> str | None:
    """The policy that made a managed object, or None for anything we do not own."""
    if not is_managed(obj):
        return None
    return annotations_of(obj).get(POLICY_ANNOTATION)


def marked_metadata(name: str, namespace: str, policy: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE},
        "annotations": {POLICY_ANNOTATION: policy},
    }
