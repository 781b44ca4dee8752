"""Who owns what: the one place that decides which policy writes where, and what it may remove.

- A namespace's baseline belongs to the first Enforce policy, by name, that
  selects it; other policies that select it only report (BaselineConflict).
- A policy releasing a namespace (deleted, or the namespace left its selector)
  removes exactly the objects carrying our managed-by label and its own policy
  annotation, and its own report there; nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aks_checklist.baseline.kinds import BY_KIND
from aks_checklist.baseline.marks import MANAGED_BY_LABEL, managing_policy
from aks_checklist.baseline.plan import Action, delete_action
from aks_checklist.checks.snapshot import Obj, labels_of, meta
from aks_checklist.policy import Policy, policy_selects_namespace


def enforcing_policy(
    policies: Iterable[Policy],
    namespace: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    operator_namespace: str,
) -> str | None:
    """The Enforce policy that owns a namespace's baseline: the first by name that selects it."""
    for policy in sorted(policies, key=lambda p: p.name):
        if policy.enforcement == "Enforce" and policy_selects_namespace(
            policy, namespace, labels, annotations, operator_namespace
        ):
            return policy.name
    return None


def release_actions(objects: Iterable[Obj], namespace: str, policy: str, why: str) -> list[Action]:
    """The deletes that take ``policy``'s baseline objects out of ``namespace``."""
    return [
        delete_action(obj, namespace, why)
        for obj in objects
        if obj.get("kind") in BY_KIND and managing_policy(obj) == policy
    ]


def own_report(reports: Iterable[Obj], policy: str) -> Obj | None:
    """The policy's AksCompliance report in a namespace, if it is ours (labelled)."""
    for report in reports:
        if meta(report).get("name") == policy and labels_of(report).get(MANAGED_BY_LABEL):
            return report
    return None
