"""The plan for one namespace: which baseline objects to apply or delete, and their state.

Ownership rules (ARCHITECTURE.md) are decided here, in one place:
- only objects with our managed-by label are ever applied over or deleted;
- a user's LimitRange, ResourceQuota or default-deny NetworkPolicy makes ours
  unnecessary (reported External), and ours is deleted once theirs exists;
- a PodDisruptionBudget exists for each Deployment/StatefulSet whose replica
  floor reaches ``minReplicas`` and that no user budget already covers;
- an object that would refuse or block existing Pods (:mod:`preflight`) is not
  written, and ours is removed if it would now do so: it is reported Blocked;
- new objects are created, never applied over something unseen; updates and
  deletes carry the resourceVersion that was judged.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aks_checklist.baseline import objects, preflight
from aks_checklist.baseline.compare import in_place
from aks_checklist.baseline.kinds import NETWORK_POLICY
from aks_checklist.baseline.marks import is_managed, managing_policy
from aks_checklist.baseline.preflight import Blocked, Defaults
from aks_checklist.checks.snapshot import Obj, Snapshot, Workload, as_dict, meta, selector_matches
from aks_checklist.policy import Policy

PDB_KINDS = frozenset({"Deployment", "StatefulSet"})
MAX_BLOCKED_SHOWN = 10  # keeps the report bounded however crowded the namespace


class State(enum.StrEnum):
    MANAGED = "Managed"
    EXTERNAL = "External"
    MISSING = "Missing"
    DISABLED = "Disabled"
    BLOCKED = "Blocked"  # would refuse or block existing Pods, so not written
    FAILED = "Failed"  # the write failed; retried with backoff


@dataclass(frozen=True, slots=True)
class Action:
    verb: Literal["create", "update", "delete"]
    kind: str
    namespace: str
    name: str
    body: dict[str, Any] | None = None
    reason: str = ""
    # For updates and deletes: the uid and resourceVersion we judged, sent as
    # preconditions so an object changed or recreated in the meantime is never hit.
    uid: str | None = None
    resource_version: str | None = None

    @property
    def past_tense(self) -> str:
        return {"create": "Created", "update": "Repaired", "delete": "Deleted"}[self.verb]


@dataclass(frozen=True)
class BaselineState:
    network_policy: State
    limit_range: State
    resource_quota: State
    pdbs_covered: int
    pdbs_needed: int
    blocked: tuple[Blocked, ...] = ()

    @property
    def summary(self) -> str:
        """Short form for the printer column: objects in place / enabled, then PDBs."""
        states = (self.network_policy, self.limit_range, self.resource_quota)
        enabled = [s for s in states if s is not State.DISABLED]
        placed = [s for s in enabled if s in (State.MANAGED, State.EXTERNAL)]
        return f"{len(placed)}/{len(enabled)} PDB {self.pdbs_covered}/{self.pdbs_needed}"

    def as_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "summary": self.summary,
            "networkPolicy": self.network_policy.value,
            "limitRange": self.limit_range.value,
            "resourceQuota": self.resource_quota.value,
            "podDisruptionBudgets": f"{self.pdbs_covered}/{self.pdbs_needed}",
        }
        if self.blocked:
            status["blocked"] = [b.as_status() for b in self.blocked[:MAX_BLOCKED_SHOWN]]
        return status


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    state: BaselineState
    problems: tuple[str, ...] = field(default=())


def plan_namespace(
    policy: Policy,
    snapshot: Snapshot,
    *,
    enforce: bool,
    pods: Sequence[Obj] = (),
    owner: Mapping[str, Any] | None = None,
) -> Plan:
    """What to write so ``snapshot`` holds ``policy``'s baseline without hurting its Pods.

    ``pods`` are the namespace's Pods (including those controllers made), which
    preflight judges the objects against; ``owner`` is the policy's
    ownerReference for the singleton objects. With ``enforce`` false (Audit, or
    another policy owns this namespace) the plan has no actions and the state
    describes what is there.
    """
    namespace = snapshot.namespace
    baseline = policy.baseline
    workloads = snapshot.workloads
    actions: list[Action] = []
    problems: list[str] = []
    blocked: list[Blocked] = []

    def singleton(
        desired: dict[str, Any], enabled: bool, external: list[Obj], refusals: list[str]
    ) -> State:
        if owner is not None:
            desired["metadata"]["ownerReferences"] = [dict(owner)]
        refusals = refusals if enforce else []  # Audit writes nothing, so nothing is blocked
        if refusals and enabled and not external:
            blocked.append(
                Blocked(desired["kind"], desired["metadata"]["name"], "; ".join(refusals[:3]))
            )
        return _singleton(
            actions,
            snapshot,
            policy,
            desired,
            enabled=enabled,
            external=external,
            enforce=enforce,
            blocked=bool(refusals),
        )

    np_state = singleton(
        objects.network_policy(baseline.network_policy, namespace, policy.name),
        baseline.network_policy.enabled,
        _user_default_deny(snapshot),
        [],
    )
    lr_desired = objects.limit_range(baseline.limit_range, namespace, policy.name)
    user_limit_ranges = _user_objects(snapshot, "LimitRange")
    lr_state = singleton(
        lr_desired,
        baseline.limit_range.enabled,
        user_limit_ranges,
        preflight.limit_range_refusals(lr_desired, workloads),
    )
    # The defaults quota admission will see: ours once it is in place, else the user's.
    in_force = [lr_desired] if lr_state is State.MANAGED else user_limit_ranges
    rq_desired = objects.resource_quota(baseline.resource_quota, namespace, policy.name)
    rq_state = singleton(
        rq_desired,
        baseline.resource_quota.enabled,
        _user_objects(snapshot, "ResourceQuota"),
        preflight.quota_refusals(rq_desired, workloads, pods, Defaults.of(in_force)),
    )
    covered, needed = _pdbs(actions, problems, blocked, snapshot, policy, pods, enforce=enforce)
    state = BaselineState(np_state, lr_state, rq_state, covered, needed, tuple(blocked))
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
        same_name = meta(obj).get("name") == NETWORK_POLICY.singleton
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
    blocked: bool,
) -> State:
    kind, name = desired["kind"], desired["metadata"]["name"]
    ours = [o for o in _ours(snapshot, kind) if meta(o).get("name") == name]
    live = ours[0] if ours else None
    if not enabled or external or blocked:
        if live is not None and enforce:
            why = (
                "disabled in the policy"
                if not enabled
                else "a user object plays its role"
                if external
                else "it would refuse or block existing Pods"
            )
            actions.append(delete_action(live, snapshot.namespace, why))
        if not enabled:
            return State.DISABLED
        return State.EXTERNAL if external else State.BLOCKED
    if live is None:
        if enforce:
            actions.append(Action("create", kind, snapshot.namespace, name, desired, "missing"))
        return State.MANAGED if enforce else State.MISSING
    if enforce and (managing_policy(live) != policy.name or not in_place(desired, live)):
        actions.append(_update(live, desired, "drifted"))
    return State.MANAGED


def delete_action(live: Obj, namespace: str, reason: str) -> Action:
    return Action(
        "delete",
        str(live.get("kind")),
        namespace,
        str(meta(live).get("name")),
        reason=reason,
        uid=_uid(live),
        resource_version=_resource_version(live),
    )


def _update(live: Obj, desired: dict[str, Any], reason: str) -> Action:
    return Action(
        "update",
        desired["kind"],
        desired["metadata"]["namespace"],
        desired["metadata"]["name"],
        desired,
        reason,
        uid=_uid(live),
        resource_version=_resource_version(live),
    )


def _pdbs(
    actions: list[Action],
    problems: list[str],
    blocked: list[Blocked],
    snapshot: Snapshot,
    policy: Policy,
    pods: Sequence[Obj],
    *,
    enforce: bool,
) -> tuple[int, int]:
    spec = policy.baseline.pod_disruption_budget
    ours = {str(meta(o).get("name")): o for o in _ours(snapshot, "PodDisruptionBudget")}
    users = _user_objects(snapshot, "PodDisruptionBudget")
    user_names = {meta(o).get("name") for o in users}
    everyone = snapshot.of_kind("PodDisruptionBudget")
    workloads = snapshot.workloads
    wanted: set[str] = set()
    covered = needed = 0
    for workload in workloads:
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
            # Writing would take over a budget someone else owns: leave it, and say so.
            problems.append(
                f"PodDisruptionBudget {name} is not managed by aks-checklist-operator, so no "
                f"budget is made for {workload.kind} {workload.ref.name}"
            )
            continue
        others = [pdb for pdb in everyone if meta(pdb).get("name") != name]
        overlaps = preflight.pdb_overlaps(workload, selector, workloads, pods, others)
        if overlaps and enforce:
            blocked.append(
                Blocked("PodDisruptionBudget", name, "; ".join(overlaps[:3]), (str(workload.ref),))
            )
            continue
        if overlaps:
            continue
        wanted.add(name)
        live = ours.get(name)
        reason = f"{workload.kind} {workload.ref.name} has at least {spec.min_replicas} replicas"
        if live is None:
            if not enforce:
                continue
            actions.append(
                Action("create", "PodDisruptionBudget", snapshot.namespace, name, desired, reason)
            )
        elif enforce and (managing_policy(live) != policy.name or not in_place(desired, live)):
            actions.append(_update(live, desired, reason))
        covered += 1
    if enforce:
        for name in sorted(set(ours) - wanted):
            actions.append(
                delete_action(
                    ours[name],
                    snapshot.namespace,
                    "its workload is gone, below minReplicas, covered by a user budget, or it "
                    "would block evictions",
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


def _resource_version(obj: Obj) -> str | None:
    version = meta(obj).get("resourceVersion")
    return str(version) if version else None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one action did: ``error`` is None when the write went through."""

    action: Action
    error: str | None = None
    transient: bool = False
    retry_after: float | None = None
    uid: str | None = None  # of the object created or updated

    @property
    def ok(self) -> bool:
        return self.error is None


def settle(state: BaselineState, outcomes: Sequence[Outcome]) -> BaselineState:
    """The state a report shows: what the writes did, not what the plan meant them to do."""
    failed = {o.action.kind for o in outcomes if not o.ok and o.action.verb != "delete"}
    if not failed:
        return state

    def after(kind: str, planned: State) -> State:
        return State.FAILED if kind in failed else planned

    failed_pdbs = sum(
        1
        for o in outcomes
        if not o.ok and o.action.verb != "delete" and o.action.kind == "PodDisruptionBudget"
    )
    return dataclasses.replace(
        state,
        network_policy=after("NetworkPolicy", state.network_policy),
        limit_range=after("LimitRange", state.limit_range),
        resource_quota=after("ResourceQuota", state.resource_quota),
        pdbs_covered=state.pdbs_covered - failed_pdbs,
    )


def applied(snapshot: Snapshot, outcomes: Sequence[Outcome]) -> Snapshot:
    """``snapshot`` as the pass's successful writes left it, for the report of the same pass.

    Judging the objects as they were before the writes would report a just-created
    quota as missing until its watch event came back and a second pass rewrote the
    report; judging them as they are after, one pass writes one settled report.
    """
    written = {
        (o.action.kind, o.action.name): o.action
        for o in outcomes
        if o.ok and (o.action.verb == "delete" or o.action.body is not None)
    }
    if not written:
        return snapshot
    kept = [
        obj
        for obj in snapshot.objects
        if (str(obj.get("kind")), str(meta(obj).get("name"))) not in written
    ]
    kept += [a.body for a in written.values() if a.verb != "delete" and a.body is not None]
    return dataclasses.replace(snapshot, objects=kept)
