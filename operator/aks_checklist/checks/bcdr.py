"""Business-continuity rules: replicated workloads must not share one failure domain.

Extra replicas only help if a single node (or zone) going down cannot take
all of them at once. The scheduler only spreads pods on purpose when the pod
template says so: a topology spread constraint, or a pod anti-affinity term,
keyed on the node or zone and selecting the workload's own pods. A
constraint whose selector misses the pod's own labels counts other pods and
spreads nothing, so it does not count; neither does a term without a
``labelSelector`` (it selects no pod) or one aimed at other namespaces.

Only workloads whose replica floor (``Snapshot.effective_min_replicas``) is
at least two are judged; a single replica is APP-05's concern.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.checks.resources import replicas_reason
from aks_checklist.checks.snapshot import (
    Snapshot,
    Workload,
    as_dict,
    as_list,
    labels_of,
    selector_matches,
)

# A member looked up on the enum class costs ten times a global, and these are read for
# every object judged.
P, F, NA = Result.PASS, Result.FAIL, Result.NOT_APPLICABLE

POD_SPREAD = Rule(
    "BCDR-08/pod-spread",
    "Replicas are spread across nodes or zones",
    Severity.MEDIUM,
    "workload",
)

RULES: tuple[Rule, ...] = (POD_SPREAD,)

HOSTNAME_KEY = "kubernetes.io/hostname"
ZONE_KEY = "topology.kubernetes.io/zone"
# Deprecated, but still set on nodes and still honoured by the scheduler.
LEGACY_ZONE_KEY = "failure-domain.beta.kubernetes.io/zone"
SPREAD_KEYS = frozenset({HOSTNAME_KEY, ZONE_KEY, LEGACY_ZONE_KEY})
SPREAD_KINDS = frozenset({"Deployment", "StatefulSet"})
MIN_REPLICAS = 2


def check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    if not settings.enabled(POD_SPREAD.id):
        return
    namespace_labels = {
        **(labels_of(snapshot.namespace_object) if snapshot.namespace_object else {}),
        "kubernetes.io/metadata.name": snapshot.namespace,
    }
    for workload in snapshot.workloads:
        if workload.kind not in SPREAD_KINDS:
            continue
        replicas = snapshot.effective_min_replicas(workload)
        if replicas is None:
            continue
        if replicas < MIN_REPLICAS:
            yield POD_SPREAD.finding(
                NA,
                f"{replicas_reason(snapshot, workload, replicas)}: there is nothing to spread",
                workload.ref,
            )
            continue
        yield _pod_spread(workload, replicas, snapshot.namespace, namespace_labels)


def _pod_spread(
    workload: Workload, replicas: int, namespace: str, namespace_labels: Mapping[str, str]
) -> Finding:
    ref = workload.ref
    spec = workload.pod_spec
    pinned = as_dict(spec.get("nodeSelector")).get(HOSTNAME_KEY) or spec.get("nodeName")
    if pinned:
        return POD_SPREAD.finding(F, f"{ref} pins all {replicas} replicas to node {pinned}", ref)
    labels = workload.pod_labels
    spread: list[str] = []
    ignored: list[str] = []
    for constraint in as_list(spec.get("topologySpreadConstraints")):
        constraint = as_dict(constraint)
        key = str(constraint.get("topologyKey") or "")
        what = f"topologySpreadConstraint on {key or '(no key)'}"
        (spread if _counts_own_pods(constraint, key, labels) else ignored).append(what)
    anti = as_dict(as_dict(spec.get("affinity")).get("podAntiAffinity"))
    terms = [
        ("required", as_dict(term))
        for term in as_list(anti.get("requiredDuringSchedulingIgnoredDuringExecution"))
    ] + [
        ("preferred", as_dict(as_dict(weighted).get("podAffinityTerm")))
        for weighted in as_list(anti.get("preferredDuringSchedulingIgnoredDuringExecution"))
    ]
    for strength, term in terms:
        key = str(term.get("topologyKey") or "")
        what = f"{strength} podAntiAffinity on {key or '(no key)'}"
        own = _counts_own_pods(term, key, labels) and _in_own_namespace(
            term, namespace, namespace_labels
        )
        (spread if own else ignored).append(what)
    if spread:
        return POD_SPREAD.finding(
            P, f"{ref} spreads its {replicas} replicas with {', '.join(spread)}", ref
        )
    hint = (
        f" (not counted, as they need a node or zone key and a selector matching the pod's "
        f"own labels: {', '.join(ignored)})"
        if ignored
        else ""
    )
    return POD_SPREAD.finding(
        F,
        f"{ref} runs {replicas} replicas without a topologySpreadConstraint or podAntiAffinity "
        f"on {HOSTNAME_KEY} or {ZONE_KEY} that selects its own pods{hint}",
        ref,
    )


def _counts_own_pods(term: Mapping[str, Any], key: str, labels: Mapping[str, str]) -> bool:
    selector = term.get("labelSelector")
    return key in SPREAD_KEYS and isinstance(selector, dict) and selector_matches(selector, labels)


def _in_own_namespace(
    term: Mapping[str, Any], namespace: str, namespace_labels: Mapping[str, str]
) -> bool:
    """Whether an affinity term looks at pods of the workload's own namespace.

    Kubernetes: no ``namespaces`` and no ``namespaceSelector`` means the
    pod's own namespace; otherwise the union of the listed namespaces and
    those the selector matches (``{}`` matching all of them).
    """
    listed = [str(name) for name in as_list(term.get("namespaces"))]
    selector = term.get("namespaceSelector")
    if not listed and selector is None:
        return True
    if namespace in listed:
        return True
    return isinstance(selector, dict) and selector_matches(selector, namespace_labels)
