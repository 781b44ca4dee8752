"""The plan for one namespace: which baseline objects to apply or delete, and their state.

Ownership rules (ARCHITECTURE.md) are decided here, in one place:
- only objects with our managed-by label are ever applied over or deleted;
- a user's LimitRange, ResourceQuota or default-deny NetworkPolicy makes ours
  unnecessary (reported External), and ours is deleted once theirs exists;
- a PodDisruptionBudget exists for each Deployment/StatefulSet whose replica
  floor reaches ``minReplicas`` and that no user budget already covers.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from aks_checklist.baseline import objects
from aks_checklist.baseline.compare import in_place
from aks_checklist.baseline.marks import is_managed, managing_policy
from aks_checklist.checks.snapshot import Obj, Snapshot, Workload, as_dict, meta, selector_matches
from aks_checklist.policy import Policy

PDB_KINDS = frozenset({"Deployment", "StatefulSet"})


class State(enum.StrEnum):
    MANAGED = "Managed"
    EXTERNAL = "External"
    MISSING = "Missing"
    DISABLED = "Disabled"


@dataclass(frozen=True, slots=True)
class Action:
    verb: Literal["apply", "delete"]
    kind: str
    namespace: str
    name: str
    body: dict[str, Any] | None = None
    reason: str = ""
    # For deletes: the uid we saw carrying our label, sent as a precondition so a
    # same-named object recreated by someone else in the meantime is never deleted.
    uid: str | None = None
    # For applies: whether the object does not exist yet (a create, not a repair).
    new: bool = False


@dataclass(frozen=True)
class BaselineState:
    network_policy: State
    limit_range: State
    resource_quota: State
    pdbs_covered: int
    pdbs_needed: int

    @property
    def summary(self) -> str:
        """Short form for the printer column: objects in place / enabled, then PDBs."""
        states = (self.network_policy, self.limit_range, self.resource_quota)
        enabled = [s for s in states if s is not State.DISABLED]
        placed = [s for s in enabled if s in (State.MANAGED, State.EXTERNAL)]
        return f"{len(placed)}/{len(enabled)} PDB {self.pdbs_covered}/{self.pdbs_needed}"

    def as_status(self) -> dict[str, str]:
        return {
            "summary": self.summary,
            "networkPolicy": self.network_policy.value,
            "limitRange": self.limit_range.value,
            "resourceQuota": self.resource_quota.value,
            "podDisruptionBudgets": f"{self.pdbs_covered}/{self.pdbs_needed}",
        }


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    state: BaselineState
    problems: tuple[str, ...] = field(default=())


def plan_namespace(policy: Policy, snapshot: Snapshot, *, enforce: bool) -> Plan:
    """What to write so ``snapshot`` holds ``policy``'s baseline.

    With ``enforce`` false (Audit, or another policy owns this namespace) the
    plan has no actions and the state describes what is there.
    """
    namespace = snapshot.namespace
    baseline = policy.baseline
    actions: list[Action] = []
    problems: list[str] = []

    np_desired = objects.network_policy(baseline.network_policy, namespace, policy.name)
    np_state = _singleton(
        actions,
        snapshot,
        policy,
        np_desired,
        enabled=baseline.network_policy.enabled,
        external=_user_default_deny(snapshot),
        enforce=enforce,
    )
    lr_state = _singleton(
        actions,
        snapshot,
        policy,
        objects.limit_range(baseline.limit_range, namespace, policy.name),
        enabled=baseline.limit_range.enabled,
        external=_user_objects(snapshot, "LimitRange"),
        enforce=enforce,
    )
    rq_state = _singleton(
        actions,
        snapshot,
        policy,
        objects.resource_quota(baseline.resource_quota, namespace, policy.name),
        enabled=baseline.resource_quota.enabled,
        external=_user_objects(snapshot, "ResourceQuota"),
        enforce=enforce,
    )
    covered, needed = _pdbs(actions, problems, snapshot, policy, enforce=enforce)
    state = BaselineState(np_state, lr_state, rq_state, covered, needed)
    return Plan(actions=tuple(actions), state=state, problems=tuple(problems))


def _ours(snapshot: Snapshot, kind: str) -> Iterator[Obj]:
    """Managed objects of ``kind``, whichever policy made them.

    Only the policy that owns the namespace plans writes there, so objects
    another policy left behind are taken over (re-annotated) or removed.
    """
    for obj in snapshot.of_kind(kind):
        if is_managed(obj):
            yield obj


def _user_objects(snapshot: Snapshot, kind: str) -> list[Obj]:
    return [obj for obj in snapshot.of_kind(kind) if not is_managed(obj)]


def _user_default_deny(snapshot: Snapshot) -> list[Obj]:
    """User NetworkPolicies that already deny all traffic, or that hold our object's name."""
    found = []
    for obj in _user_objects(snapshot, "NetworkPolicy"):
        spec = as_dict(obj.get("spec"))
        same_name = meta(obj).get("name") == objects.NETWORK_POLICY_NAME
        if same_name or (
            spec.get("podSelector") in ({}, None)
            and {"Ingress", "Egress"} <= set(spec.get("policyTypes") or ())
            and not spec.get("ingress")
            and all(_dns_only(rule) for rule in spec.get("egress") or ())
        ):
            found.append(obj)
    return found


def _dns_only(rule: Any) -> bool:
    ports = as_dict(rule).get("ports") or []
    dns_ports = (53, "53", "dns", "dns-tcp")
    return bool(ports) and all(as_dict(p).get("port") in dns_ports for p in ports)


def _singleton(
    actions: list[Action],
    snapshot: Snapshot,
    policy: Policy,
    desired: dict[str, Any],
    *,
    enabled: bool,
    external: list[Obj],
    enforce: bool,
) -> State:
    kind, name = desired["kind"], desired["metadata"]["name"]
    ours = [o for o in _ours(snapshot, kind) if meta(o).get("name") == name]
    live = ours[0] if ours else None
    if not enabled or external:
        if live is not None and enforce:
            why = "disabled in the policy" if not enabled else "a user object plays its role"
            actions.append(
                Action("delete", kind, snapshot.namespace, name, reason=why, uid=_uid(live))
            )
        if not enabled:
            return State.DISABLED
        return State.EXTERNAL
    if live is None:
        if enforce:
            actions.append(
                Action("apply", kind, snapshot.namespace, name, desired, "missing", new=True)
            )
        return State.MANAGED if enforce else State.MISSING
    if enforce and (managing_policy(live) != policy.name or not in_place(desired, live)):
        actions.append(Action("apply", kind, snapshot.namespace, name, desired, "drifted"))
    return State.MANAGED


def _pdbs(
    actions: list[Action],
    problems: list[str],
    snapshot: Snapshot,
    policy: Policy,
    *,
    enforce: bool,
) -> tuple[int, int]:
    spec = policy.baseline.pod_disruption_budget
    ours = {str(meta(o).get("name")): o for o in _ours(snapshot, "PodDisruptionBudget")}
    users = _user_objects(snapshot, "PodDisruptionBudget")
    user_names = {meta(o).get("name") for o in users}
    wanted: set[str] = set()
    covered = needed = 0
    for workload in snapshot.workloads:
        if workload.kind not in PDB_KINDS:
            continue
        floor = snapshot.effective_min_replicas(workload) or 0
        selector = workload.selector
        if floor < spec.min_replicas or not selector or not _selects_own_pods(workload, selector):
            continue
        needed += 1
        if any(_pdb_covers(pdb, workload) for pdb in users):
            covered += 1
            continue
        if not spec.enabled:
            continue
        desired = objects.pod_disruption_budget(spec, workload, selector, policy.name)
        name = desired["metadata"]["name"]
        if name in user_names:
            # Applying would take over a budget someone else owns: leave it, and say so.
            problems.append(
                f"PodDisruptionBudget {name} is not managed by aks-checklist-operator, so no "
                f"budget is made for {workload.kind} {workload.ref.name}"
            )
            continue
        wanted.add(name)
        live = ours.get(name)
        if live is None or managing_policy(live) != policy.name or not in_place(desired, live):
            if enforce:
                actions.append(
                    Action(
                        "apply",
                        "PodDisruptionBudget",
                        snapshot.namespace,
                        name,
                        desired,
                        f"{workload.kind} {workload.ref.name} has at least "
                        f"{spec.min_replicas} replicas",
                        new=live is None,
                    )
                )
            if live is None and not enforce:
                continue
        covered += 1
    if enforce:
        for name in sorted(set(ours) - wanted):
            actions.append(
                Action(
                    "delete",
                    "PodDisruptionBudget",
                    snapshot.namespace,
                    name,
                    reason="its workload is gone, below minReplicas, or covered by a user budget",
                    uid=_uid(ours[name]),
                )
            )
    return covered, needed


def _selects_own_pods(workload: Workload, selector: dict[str, Any]) -> bool:
    return selector_matches(selector, workload.pod_labels)


def _pdb_covers(pdb: Obj, workload: Workload) -> bool:
    selector = as_dict(pdb.get("spec")).get("selector")
    return isinstance(selector, dict) and selector_matches(selector, workload.pod_labels)


def _uid(obj: Obj) -> str | None:
    uid = meta(obj).get("uid")
    return str(uid) if uid else None
