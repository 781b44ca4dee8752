"""Resource-management rules: namespace quotas and limits, and PodDisruptionBudgets.

PodDisruptionBudgets are judged the way the disruption controller and the
eviction API see them:

* A PDB covers a workload when it is in the same namespace and its selector
  matches the labels of the workload's pod template. A missing selector
  matches nothing. An empty selector ``{}`` matches every pod in
  ``policy/v1`` but *no* pod in ``policy/v1beta1`` (the API server keeps
  that meaning when it converts old objects), so the apiVersion matters.
* Allowed disruptions are computed at the replica floor (an autoscaler's
  minimum where one targets the workload, see
  ``Snapshot.effective_min_replicas``), summed over every workload the PDB
  covers, because the controller counts all pods the selector matches.
  Percentages round up for both ``minAvailable`` and ``maxUnavailable``.
  With neither field set the controller expects zero pods and allows no
  disruption at all.
* The eviction API refuses to evict a pod that more than one PDB covers, so
  overlapping budgets block node drains just like a zero budget does.

Which workloads are judged: ``pdb-exists`` covers Deployments and
StatefulSets whose replica floor is at least two (one replica is APP-05's
concern). ``pdb-allows-eviction`` and ``single-pdb`` judge every covered
Deployment and StatefulSet that runs at least one pod, because a single
replica behind ``minAvailable: 1`` is exactly what stalls node upgrades.

RES-05 and RES-06 yield one finding on the Namespace and, like NET-08, are
``NotApplicable`` when the snapshot neither is complete nor declares the
Namespace.

The PDBs are indexed once per snapshot; each workload then looks up only the
budgets that can match its labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.netpol import SelectorIndex
from aks_checklist.checks.networking import namespace_ref, undeclared_namespace
from aks_checklist.checks.snapshot import (
    WORKLOAD_KINDS,
    Obj,
    Snapshot,
    Workload,
    as_dict,
    as_list,
    meta,
)
from aks_checklist.records import Mutable

# A member looked up on the enum class costs ten times a global, and these are read for
# every object judged.
P, F, W, NA = Result.PASS, Result.FAIL, Result.WARN, Result.NOT_APPLICABLE

RESOURCE_QUOTA = Rule(
    "RES-05/resource-quota",
    "The namespace has a ResourceQuota",
    Severity.MEDIUM,
    "namespace",
)
LIMIT_RANGE = Rule(
    "RES-06/limit-range",
    "The namespace has a LimitRange",
    Severity.MEDIUM,
    "namespace",
)
PDB_EXISTS = Rule(
    "RES-08/pdb-exists",
    "A PodDisruptionBudget covers every replicated Deployment and StatefulSet",
    Severity.MEDIUM,
    "workload",
)
PDB_ALLOWS_EVICTION = Rule(
    "RES-08/pdb-allows-eviction",
    "PodDisruptionBudgets leave room for at least one eviction",
    Severity.HIGH,
    "workload",
)
SINGLE_PDB = Rule(
    "RES-08/single-pdb",
    "At most one PodDisruptionBudget covers a workload's pods",
    Severity.HIGH,
    "workload",
)
PDB_SELECTS_PODS = Rule(
    "RES-08/pdb-selects-pods",
    "Every PodDisruptionBudget selects some pods",
    Severity.LOW,
    "object",
)

RULES: tuple[Rule, ...] = (
    RESOURCE_QUOTA,
    LIMIT_RANGE,
    PDB_EXISTS,
    PDB_ALLOWS_EVICTION,
    SINGLE_PDB,
    PDB_SELECTS_PODS,
)

# Kinds whose pods a PDB is expected to protect (the ones the baseline gives a PDB).
PROTECTED_KINDS = frozenset({"Deployment", "StatefulSet"})
MIN_PROTECTED_REPLICAS = 2
_MAX_NAMES = 3


def check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    yield _namespace_has(RESOURCE_QUOTA, snapshot, "ResourceQuota")
    yield _namespace_has(LIMIT_RANGE, snapshot, "LimitRange")
    yield from _budgets(snapshot)


def _namespace_has(rule: Rule, snapshot: Snapshot, kind: str) -> Finding:
    if not snapshot.namespace_declared:
        return undeclared_namespace(rule, snapshot)
    names = sorted(str(meta(obj).get("name") or "") for obj in snapshot.of_kind(kind))
    ref = namespace_ref(snapshot)
    if names:
        listed = ", ".join(f"{kind}/{name}" for name in names)
        return rule.finding(P, f"namespace {snapshot.namespace} has {listed}", ref)
    return rule.finding(F, f"namespace {snapshot.namespace} has no {kind}", ref)


def pdb_selector(pdb: Obj) -> dict[str, Any] | None:
    """The PDB's selector with its apiVersion's meaning; ``None`` when it selects no pod."""
    selector = as_dict(pdb.get("spec")).get("selector")
    if not isinstance(selector, dict):
        return None
    empty = not as_dict(selector.get("matchLabels")) and not as_list(
        selector.get("matchExpressions")
    )
    if empty and pdb.get("apiVersion") == "policy/v1beta1":
        return None
    return selector


def scaled_value(value: Any, total: int, field_name: str) -> int:
    """An IntOrString resolved against ``total``, percentages rounded up like the controller."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return -(-int(value[:-1]) * total // 100)
    raise ValueError(f"{field_name} {value!r} is neither an integer nor a percentage")


def budget_text(pdb: Obj) -> str:
    spec = as_dict(pdb.get("spec"))
    for key in ("maxUnavailable", "minAvailable"):
        if spec.get(key) is not None:
            return f"{key} {spec[key]}"
    return "neither minAvailable nor maxUnavailable"


def disruptions_allowed(pdb: Obj, expected: int) -> int:
    """How many of ``expected`` healthy pods the budget lets the eviction API remove.

    Raises ``ValueError`` for a value the API server would reject.
    """
    spec = as_dict(pdb.get("spec"))
    if spec.get("maxUnavailable") is not None:
        unavailable = scaled_value(spec["maxUnavailable"], expected, "maxUnavailable")
        desired = max(expected - unavailable, 0)
    elif spec.get("minAvailable") is not None:
        desired = scaled_value(spec["minAvailable"], expected, "minAvailable")
    else:
        return 0  # the controller expects no pods and allows nothing
    return max(expected - desired, 0)


class _Coverage(Mutable):
    """What one PDB covers in the snapshot."""

    _fields = __slots__ = ("pdb", "ref", "replicas", "members", "selects_pods")
    pdb: Obj
    ref: ObjectRef
    replicas: int
    members: list[ObjectRef]
    selects_pods: bool

    def __init__(self, pdb: Obj, ref: ObjectRef) -> None:
        self.pdb = pdb
        self.ref = ref
        self.replicas = 0
        self.members = []
        self.selects_pods = False


def _budgets(snapshot: Snapshot) -> Iterator[Finding]:
    pdbs = [
        pdb
        for pdb in snapshot.of_kind("PodDisruptionBudget")
        if snapshot.ref(pdb).namespace == snapshot.namespace
    ]
    coverages = [_Coverage(pdb=pdb, ref=snapshot.ref(pdb)) for pdb in pdbs]
    index: SelectorIndex[_Coverage] = SelectorIndex(
        (pdb_selector(coverage.pdb), coverage) for coverage in coverages
    )
    judged: list[tuple[Workload, int | None, list[_Coverage]]] = []
    if index:
        _mark_controlled_pods(snapshot, index)
    for workload in snapshot.workloads:
        covering = index.matching(workload.pod_labels) if index else []
        for coverage in covering:
            coverage.selects_pods = True
        replicas = snapshot.effective_min_replicas(workload)
        if replicas is not None:
            for coverage in covering:
                coverage.replicas += replicas
                coverage.members.append(workload.ref)
        if workload.kind in PROTECTED_KINDS:
            judged.append((workload, replicas, covering))
    for workload, replicas, covering in judged:
        yield from _judge_workload(workload, replicas or 0, covering, snapshot)
    for coverage in coverages:
        yield _selects_pods(coverage)


def _mark_controlled_pods(snapshot: Snapshot, index: SelectorIndex[_Coverage]) -> None:
    """Marks PDBs that select pods which ``Snapshot.workloads`` leaves out.

    Pods and ReplicaSets created by a controller (an operator's pods, say)
    are real pods a PDB may be meant for, even though no workload is judged
    for them.
    """
    judged = {id(workload.obj) for workload in snapshot.workloads}
    for obj in snapshot.objects:
        if obj.get("kind") in WORKLOAD_KINDS and id(obj) not in judged:
            for coverage in index.matching(Workload(obj=obj, ref=snapshot.ref(obj)).pod_labels):
                coverage.selects_pods = True


def replicas_reason(snapshot: Snapshot, workload: Workload, replicas: int) -> str:
    """Why a workload has too few replicas for a rule, in the manifest's own words."""
    if snapshot.scalers_for(workload):
        return f"{workload.ref} scales down to {replicas} (its autoscaler's minimum)"
    if "replicas" not in as_dict(workload.obj.get("spec")):
        return f"{workload.ref} sets no spec.replicas, which defaults to 1"
    return f"{workload.ref} runs {replicas} replica{'' if replicas == 1 else 's'}"


def _judge_workload(
    workload: Workload, replicas: int, covering: list[_Coverage], snapshot: Snapshot
) -> Iterator[Finding]:
    ref = workload.ref
    names = ", ".join(str(coverage.ref) for coverage in covering)
    if replicas < MIN_PROTECTED_REPLICAS and not covering:
        yield PDB_EXISTS.finding(
            NA,
            f"{replicas_reason(snapshot, workload, replicas)}: a PodDisruptionBudget is only "
            f"asked of workloads with at least {MIN_PROTECTED_REPLICAS} replicas",
            ref,
        )
    if replicas >= MIN_PROTECTED_REPLICAS:
        if covering:
            yield PDB_EXISTS.finding(P, f"{ref} is covered by {names}", ref)
        else:
            yield PDB_EXISTS.finding(
                F,
                f"{ref} runs at least {replicas} replicas but no PodDisruptionBudget in "
                f"namespace {ref.namespace} selects its pod labels",
                ref,
            )
    if not covering:
        return
    if len(covering) > 1:
        yield SINGLE_PDB.finding(
            F,
            f"{ref} pods are covered by {len(covering)} PodDisruptionBudgets ({names}); "
            "the eviction API refuses to evict such pods, which blocks node drains",
            ref,
        )
    else:
        yield SINGLE_PDB.finding(P, f"{ref} pods are covered by {names} only", ref)
    if replicas < 1:
        return  # scaled to zero: nothing to evict
    for coverage in covering:
        yield _allows_eviction(ref, coverage)


def _allows_eviction(ref: ObjectRef, coverage: _Coverage) -> Finding:
    budget = budget_text(coverage.pdb)
    expected = coverage.replicas
    scope = f"{expected} replica{'' if expected == 1 else 's'}"
    if len(coverage.members) > 1:
        shown = ", ".join(str(member) for member in coverage.members[:_MAX_NAMES])
        more = len(coverage.members) - _MAX_NAMES
        scope += f" across {shown}" + (f" and {more} more" if more > 0 else "")
    try:
        allowed = disruptions_allowed(coverage.pdb, expected)
    except ValueError as error:
        return PDB_ALLOWS_EVICTION.finding(Result.ERROR, f"{coverage.ref}: {error}", ref)
    if allowed < 1:
        return PDB_ALLOWS_EVICTION.finding(
            F,
            f"{coverage.ref} ({budget}) allows no eviction at {scope}: "
            "node drains and cluster upgrades stall on these pods",
            ref,
        )
    return PDB_ALLOWS_EVICTION.finding(
        P,
        f"{coverage.ref} ({budget}) allows {allowed} eviction{'' if allowed == 1 else 's'} "
        f"at {scope}",
        ref,
    )


def _selects_pods(coverage: _Coverage) -> Finding:
    ref = coverage.ref
    if coverage.selects_pods:
        return PDB_SELECTS_PODS.finding(P, f"{ref} selects pods in the namespace", ref)
    selector = as_dict(coverage.pdb.get("spec")).get("selector")
    if not isinstance(selector, dict):
        why = "has no selector, so it selects no pod"
    elif pdb_selector(coverage.pdb) is None:
        why = "has an empty selector, which selects no pod in policy/v1beta1"
    else:
        why = "selects no pod of any workload in the namespace"
    return PDB_SELECTS_PODS.finding(W, f"{ref} {why}", ref)
