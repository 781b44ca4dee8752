"""Preflight: would a baseline object refuse or block Pods that already run here?

The operator lands in namespaces full of workloads it did not write. Before the
plan writes an object it is judged against what is there, and an object that
would hurt is not written:

- a PodDisruptionBudget whose selector matches Pods of another workload, or Pods
  another budget already covers: the eviction API refuses every Pod matched by
  more than one budget, so node drains and cluster upgrades stall;
- a LimitRange whose default limit is below a container's request (the defaulted
  Pod is invalid) or whose max is below a container's request or limit;
- a ResourceQuota below what the namespace's running Pods already use, or on a
  resource whose requests or limits some container leaves unset while no
  LimitRange default is in force (the quota admission then refuses its Pods).

Each verdict names the workloads involved, so the report can say who to talk to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aks_checklist.checks.snapshot import Obj, Workload, as_dict, as_list, meta, selector_matches
from aks_checklist.policy import parse_quantity

MAX_NAMED = 5
MAX_REASON = 1000  # the report schema caps a reason at 1024 characters
TERMINATED = frozenset({"Succeeded", "Failed"})
COMPUTE = ("cpu", "memory", "ephemeral-storage")


@dataclass(frozen=True, slots=True)
class Blocked:
    """A baseline object the plan will not write, and why."""

    kind: str
    name: str
    reason: str
    workloads: tuple[str, ...] = ()

    def as_status(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "reason": self.reason[:MAX_REASON]}


def names(items: Iterable[str]) -> str:
    shown = sorted(set(items))
    text = ", ".join(shown[:MAX_NAMED])
    return text + (f" and {len(shown) - MAX_NAMED} more" if len(shown) > MAX_NAMED else "")


# --- quantities of containers and Pods ----------------------------------------------------------


def _amount(value: Any) -> Decimal | None:
    try:
        return parse_quantity(str(value)) if value is not None else None
    except ValueError:
        return None


def _resources(container: Mapping[str, Any], section: str) -> dict[str, Decimal]:
    found = as_dict(as_dict(container.get("resources")).get(section))
    return {k: a for k, v in found.items() if (a := _amount(v)) is not None}


def _containers(pod_spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for section in ("containers", "initContainers"):
        for container in as_list(pod_spec.get(section)):
            if isinstance(container, dict):
                yield container


def pod_usage(
    pod_spec: Mapping[str, Any], section: str, defaults: Mapping[str, Decimal] | None = None
) -> dict[str, Decimal]:
    """What a Pod counts against a quota: its containers' sum, or its largest init container.

    With ``defaults``, a container that sets none of a resource counts the default a
    LimitRange would give it: what the Pod will use once its workload recreates it.
    """

    def of(container: Any) -> dict[str, Decimal]:
        return {**(defaults or {}), **_resources(as_dict(container), section)}

    total: dict[str, Decimal] = {}
    for container in as_list(pod_spec.get("containers")):
        for resource, amount in of(container).items():
            total[resource] = total.get(resource, Decimal(0)) + amount
    for container in as_list(pod_spec.get("initContainers")):
        for resource, amount in of(container).items():
            total[resource] = max(total.get(resource, Decimal(0)), amount)
    return total


def running(pods: Iterable[Obj]) -> list[Obj]:
    return [p for p in pods if as_dict(p.get("status")).get("phase") not in TERMINATED]


# --- LimitRange ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Defaults:
    """The container defaults a LimitRange puts in force: resource -> quantity."""

    request: Mapping[str, Decimal]
    limit: Mapping[str, Decimal]

    @classmethod
    def of(cls, limit_ranges: Iterable[Obj]) -> Defaults:
        request: dict[str, Decimal] = {}
        limit: dict[str, Decimal] = {}
        for obj in limit_ranges:
            for item in as_list(as_dict(obj.get("spec")).get("limits")):
                item = as_dict(item)
                if item.get("type", "Container") != "Container":
                    continue
                for key, target in (("default", limit), ("defaultRequest", request)):
                    for resource, value in as_dict(item.get(key)).items():
                        if (amount := _amount(value)) is not None:
                            target.setdefault(resource, amount)
        # The API server fills a missing defaultRequest from default, resource by resource.
        return cls(request={**limit, **request}, limit=limit)


def limit_range_refusals(desired: Obj, workloads: Sequence[Workload]) -> list[str]:
    """Workloads whose next Pods the LimitRange ``desired`` would refuse, each with why."""
    limits = [as_dict(i) for i in as_list(as_dict(desired.get("spec")).get("limits"))]
    container_limits = next((i for i in limits if i.get("type") == "Container"), {})
    default = {
        k: a for k, v in as_dict(container_limits.get("default")).items() if (a := _amount(v))
    }
    maximum = {k: a for k, v in as_dict(container_limits.get("max")).items() if (a := _amount(v))}
    refused = []
    for workload in workloads:
        for container in _containers(workload.pod_spec):
            reason = _refusal(container, default, maximum)
            if reason:
                refused.append(f"{workload.ref} container {container.get('name')}: {reason}")
                break
    return refused


def _refusal(
    container: Mapping[str, Any], default: Mapping[str, Decimal], maximum: Mapping[str, Decimal]
) -> str | None:
    requests, limits = _resources(container, "requests"), _resources(container, "limits")
    for resource in sorted(set(requests) | set(limits)):
        request, limit = requests.get(resource), limits.get(resource)
        if limit is None and request is not None and request > default.get(resource, request):
            return f"requests {resource} above the default limit the LimitRange would set"
        effective_limit = limit if limit is not None else default.get(resource)
        if resource in maximum:
            if request is not None and request > maximum[resource]:
                return f"requests {resource} above the LimitRange max"
            if effective_limit is not None and effective_limit > maximum[resource]:
                return f"limits {resource} above the LimitRange max"
    return None


# --- ResourceQuota ---------------------------------------------------------------------------


def _quota_resource(key: str) -> tuple[str, str] | None:
    """``("requests", "cpu")`` for requests.cpu or cpu, ``("limits", "cpu")`` for limits.cpu."""
    section, _, resource = key.partition(".")
    if key in COMPUTE:
        return "requests", key
    if section in ("requests", "limits") and resource in COMPUTE:
        return section, resource
    return None


def quota_refusals(
    desired: Obj, workloads: Sequence[Workload], pods: Sequence[Obj], defaults: Defaults
) -> list[str]:
    """Why the ResourceQuota ``desired`` would refuse Pods, given what runs and is defaulted."""
    hard = {
        k: a
        for k, v in as_dict(as_dict(desired.get("spec")).get("hard")).items()
        if (a := _amount(v)) is not None
    }
    live = running(pods)
    reasons = []
    if "pods" in hard and len(live) > hard["pods"]:
        reasons.append(f"pods: {len(live)} running, quota {hard['pods']}")
    for key, amount in sorted(hard.items()):
        target = _quota_resource(key)
        if target is None:
            continue
        section, resource = target
        in_force = defaults.request if section == "requests" else defaults.limit
        used = sum(
            (
                pod_usage(as_dict(p.get("spec")), section, in_force).get(resource, Decimal(0))
                for p in live
            ),
            Decimal(0),
        )
        if used > amount:
            reasons.append(
                f"{key}: running Pods use {used.normalize():f} (with the defaults in force), "
                f"quota {amount.normalize():f}"
            )
        if resource in in_force:
            continue
        unset = [
            str(w.ref)
            for w in workloads
            if any(resource not in _resources(c, section) for c in _containers(w.pod_spec))
        ]
        if unset:
            reasons.append(
                f"{key}: {names(unset)} set no {section}.{resource} and no LimitRange default is "
                "in force"
            )
    return reasons


# --- PodDisruptionBudget ---------------------------------------------------------------------


def _owned_by(pod: Obj, workload: Workload) -> bool:
    """Whether ``pod`` belongs to ``workload`` (directly, or through its ReplicaSet)."""
    for owner in as_list(meta(pod).get("ownerReferences")):
        owner = as_dict(owner)
        if not owner.get("controller"):
            continue
        kind, name = owner.get("kind"), str(owner.get("name") or "")
        if kind == workload.kind and name == workload.ref.name:
            return True
        if workload.kind == "Deployment" and kind == "ReplicaSet":
            return name.rpartition("-")[0] == workload.ref.name
    return meta(pod).get("name") == workload.ref.name and workload.kind == "Pod"


def pdb_overlaps(
    workload: Workload,
    selector: Mapping[str, Any],
    workloads: Sequence[Workload],
    pods: Sequence[Obj],
    other_pdbs: Sequence[Obj],
) -> list[str]:
    """What a budget for ``workload`` with ``selector`` would also cover, or share with others."""
    found = []
    for other in workloads:
        if other.ref == workload.ref or other.kind in ("Job", "CronJob"):
            continue
        if selector_matches(selector, other.pod_labels):
            found.append(f"its selector also matches the Pods of {other.ref}")
    for pod in pods:
        if not _owned_by(pod, workload) and selector_matches(selector, _labels(pod)):
            found.append(f"its selector also matches Pod {meta(pod).get('name')}")
            break
    for pdb in other_pdbs:
        pdb_selector = as_dict(pdb.get("spec")).get("selector")
        if not isinstance(pdb_selector, dict):
            continue
        shared = [p for p in pods if selector_matches(pdb_selector, _labels(p))]
        if any(selector_matches(selector, _labels(p)) for p in shared):
            found.append(
                f"Pods it would cover are already covered by PodDisruptionBudget "
                f"{meta(pdb).get('name')}"
            )
    return found


def _labels(pod: Obj) -> dict[str, str]:
    return {str(k): str(v) for k, v in as_dict(meta(pod).get("labels")).items()}
