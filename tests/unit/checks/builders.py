"""Small builders of Kubernetes objects (plain dicts) for check-engine tests.

Every builder returns the smallest object the API server would accept, so a
test states only the fields its behaviour depends on. Keyword arguments left
at ``None`` are omitted from the object (the API default then applies), which
is how tests express "field absent".

Import them as ``from tests.unit.checks.builders import deployment, snapshot``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding
from aks_checklist.checks.snapshot import CLUSTER_SCOPED_KINDS, Snapshot

Obj = dict[str, Any]

NAMESPACE = "shop"
IMAGE = "contoso.azurecr.io/shop/api:1.4.2"


def container(name: str = "app", image: str | None = IMAGE, **fields: Any) -> Obj:
    """A container spec; extra keyword arguments become fields verbatim
    (``securityContext={...}``, ``livenessProbe={...}``, ``resources={...}``)."""
    spec: Obj = {"name": name}
    if image is not None:
        spec["image"] = image
    spec.update(fields)
    return spec


def pod_spec(
    containers: Iterable[Obj] | None = None,
    *,
    init_containers: Iterable[Obj] | None = None,
    **extra: Any,
) -> Obj:
    spec: Obj = {"containers": list(containers) if containers is not None else [container()]}
    if init_containers is not None:
        spec["initContainers"] = list(init_containers)
    spec.update(extra)
    return spec


def _metadata(
    name: str,
    namespace: str | None,
    labels: Mapping[str, str] | None,
    annotations: Mapping[str, str] | None = None,
    owner: Obj | None = None,
) -> Obj:
    metadata: Obj = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if labels is not None:
        metadata["labels"] = dict(labels)
    if annotations is not None:
        metadata["annotations"] = dict(annotations)
    if owner is not None:
        metadata["ownerReferences"] = [owner]
    return metadata


def _template(
    name: str,
    containers: Iterable[Obj] | None,
    init_containers: Iterable[Obj] | None,
    pod_labels: Mapping[str, str] | None,
    pod_annotations: Mapping[str, str] | None,
    pod_spec_extra: Mapping[str, Any] | None,
) -> Obj:
    metadata: Obj = {"labels": dict(pod_labels) if pod_labels is not None else {"app": name}}
    if pod_annotations is not None:
        metadata["annotations"] = dict(pod_annotations)
    return {
        "metadata": metadata,
        "spec": pod_spec(containers, init_containers=init_containers, **dict(pod_spec_extra or {})),
    }


def workload(
    kind: str,
    name: str = "web",
    *,
    containers: Iterable[Obj] | None = None,
    init_containers: Iterable[Obj] | None = None,
    replicas: int | None = None,
    namespace: str | None = NAMESPACE,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    pod_labels: Mapping[str, str] | None = None,
    pod_annotations: Mapping[str, str] | None = None,
    pod_spec_extra: Mapping[str, Any] | None = None,
    selector: Obj | None = None,
    spec_extra: Mapping[str, Any] | None = None,
) -> Obj:
    """A pod-template owner of ``kind`` (Deployment, StatefulSet, DaemonSet, ReplicaSet).

    The selector defaults to the pod labels (``app: <name>`` unless ``pod_labels`` says otherwise).
    """
    template = _template(
        name, containers, init_containers, pod_labels, pod_annotations, pod_spec_extra
    )
    spec: Obj = {
        "selector": selector
        if selector is not None
        else {"matchLabels": dict(template["metadata"]["labels"])},
        "template": template,
    }
    if replicas is not None:
        spec["replicas"] = replicas
    spec.update(spec_extra or {})
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": _metadata(name, namespace, labels, annotations),
        "spec": spec,
    }


def deployment(name: str = "web", **kwargs: Any) -> Obj:
    return workload("Deployment", name, **kwargs)


def statefulset(name: str = "db", **kwargs: Any) -> Obj:
    return workload("StatefulSet", name, **kwargs)


def daemonset(name: str = "agent", **kwargs: Any) -> Obj:
    if kwargs.get("replicas") is not None:
        raise ValueError("DaemonSets have no replicas")
    return workload("DaemonSet", name, **kwargs)


def replicaset(name: str = "web-5d9f", *, owner: Obj | None = None, **kwargs: Any) -> Obj:
    obj = workload("ReplicaSet", name, **kwargs)
    if owner is not None:
        obj["metadata"]["ownerReferences"] = [owner]
    return obj


def owner_reference(kind: str, name: str, *, controller: bool = True) -> Obj:
    api_version = {"Job": "batch/v1", "CronJob": "batch/v1", "Node": "v1"}.get(kind, "apps/v1")
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": f"uid-{kind.lower()}-{name}",
        "controller": controller,
    }


def pod(
    name: str = "debug",
    *,
    containers: Iterable[Obj] | None = None,
    init_containers: Iterable[Obj] | None = None,
    namespace: str | None = NAMESPACE,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    owner: Obj | None = None,
    **spec_extra: Any,
) -> Obj:
    """A Pod; ``owner`` (see :func:`owner_reference`) makes it controller-managed."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _metadata(name, namespace, labels, annotations, owner),
        "spec": pod_spec(containers, init_containers=init_containers, **spec_extra),
    }


def job(
    name: str = "migrate",
    *,
    containers: Iterable[Obj] | None = None,
    namespace: str | None = NAMESPACE,
    labels: Mapping[str, str] | None = None,
    owner: Obj | None = None,
    pod_labels: Mapping[str, str] | None = None,
    pod_spec_extra: Mapping[str, Any] | None = None,
) -> Obj:
    extra = {"restartPolicy": "Never", **dict(pod_spec_extra or {})}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(name, namespace, labels, owner=owner),
        "spec": {"template": _template(name, containers, None, pod_labels, None, extra)},
    }


def cronjob(
    name: str = "nightly",
    *,
    containers: Iterable[Obj] | None = None,
    schedule: str = "0 3 * * *",
    namespace: str | None = NAMESPACE,
    labels: Mapping[str, str] | None = None,
    pod_labels: Mapping[str, str] | None = None,
    pod_spec_extra: Mapping[str, Any] | None = None,
) -> Obj:
    extra = {"restartPolicy": "OnFailure", **dict(pod_spec_extra or {})}
    template = _template(name, containers, None, pod_labels, None, extra)
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": _metadata(name, namespace, labels),
        "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": template}}},
    }


def service(
    name: str = "web",
    *,
    selector: Mapping[str, str] | None = None,
    type: str | None = None,  # mirrors the Service field name
    ports: Iterable[Obj] | None = None,
    namespace: str | None = NAMESPACE,
    annotations: Mapping[str, str] | None = None,
    **spec_extra: Any,
) -> Obj:
    spec: Obj = {
        "selector": dict(selector) if selector is not None else {"app": name},
        "ports": list(ports) if ports is not None else [{"port": 80, "targetPort": 8080}],
    }
    if type is not None:
        spec["type"] = type
    spec.update(spec_extra)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, namespace, None, annotations),
        "spec": spec,
    }


def hpa(
    name: str = "web",
    *,
    target: str | None = None,
    target_kind: str = "Deployment",
    min_replicas: int | None = None,
    max_replicas: int = 10,
    namespace: str | None = NAMESPACE,
) -> Obj:
    """An autoscaling/v2 HPA scaling ``target_kind/target`` (target defaults to ``name``)."""
    spec: Obj = {
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": target_kind,
            "name": target if target is not None else name,
        },
        "maxReplicas": max_replicas,
    }
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(name, namespace, None),
        "spec": spec,
    }


def scaled_object(
    name: str = "web",
    *,
    target: str | None = None,
    min_replica_count: int | None = None,
    namespace: str | None = NAMESPACE,
) -> Obj:
    """A KEDA ScaledObject; its scaleTargetRef kind defaults to Deployment."""
    spec: Obj = {"scaleTargetRef": {"name": target if target is not None else name}}
    if min_replica_count is not None:
        spec["minReplicaCount"] = min_replica_count
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _metadata(name, namespace, None),
        "spec": spec,
    }


def pdb(
    name: str = "web",
    *,
    match_labels: Mapping[str, str] | None = None,
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    namespace: str | None = NAMESPACE,
) -> Obj:
    spec: Obj = {"selector": {"matchLabels": dict(match_labels or {"app": name})}}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(name, namespace, None),
        "spec": spec,
    }


def networkpolicy(
    name: str = "default-deny",
    *,
    pod_selector: Obj | None = None,
    policy_types: Iterable[str] = ("Ingress", "Egress"),
    ingress: Iterable[Obj] | None = None,
    egress: Iterable[Obj] | None = None,
    namespace: str | None = NAMESPACE,
) -> Obj:
    spec: Obj = {
        "podSelector": pod_selector if pod_selector is not None else {},
        "policyTypes": list(policy_types),
    }
    if ingress is not None:
        spec["ingress"] = list(ingress)
    if egress is not None:
        spec["egress"] = list(egress)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(name, namespace, None),
        "spec": spec,
    }


def namespace(
    name: str = NAMESPACE,
    *,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": _metadata(name, None, labels, annotations),
    }


def limitrange(
    name: str = "limits",
    *,
    default: Mapping[str, str] | None = None,
    default_request: Mapping[str, str] | None = None,
    max: Mapping[str, str] | None = None,  # mirrors the LimitRange field name
    min: Mapping[str, str] | None = None,  # mirrors the LimitRange field name
    type: str = "Container",  # mirrors the LimitRange field name
    namespace: str | None = NAMESPACE,
) -> Obj:
    item: Obj = {"type": type}
    for key, value in (
        ("default", default),
        ("defaultRequest", default_request),
        ("max", max),
        ("min", min),
    ):
        if value is not None:
            item[key] = dict(value)
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": _metadata(name, namespace, None),
        "spec": {"limits": [item]},
    }


def serviceaccount(
    name: str = "default",
    *,
    automount: bool | None = None,
    annotations: Mapping[str, str] | None = None,
    namespace: str | None = NAMESPACE,
) -> Obj:
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _metadata(name, namespace, None, annotations),
    }
    if automount is not None:
        obj["automountServiceAccountToken"] = automount
    return obj


def node(
    name: str = "aks-nodepool1-0",
    *,
    os: str = "linux",
    labels: Mapping[str, str] | None = None,
    taints: Iterable[Obj] | None = None,
) -> Obj:
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": _metadata(name, None, {"kubernetes.io/os": os, **dict(labels or {})}),
        "spec": {},
    }
    if taints is not None:
        obj["spec"]["taints"] = list(taints)
    return obj


def snapshot(
    *objs: Obj,
    namespace: str = NAMESPACE,
    complete: bool = False,
) -> Snapshot:
    """One namespace's snapshot; cluster-scoped kinds (Namespace, Node...) land in
    ``cluster_objects`` as :func:`~aks_checklist.checks.snapshot.split_by_namespace` does."""
    namespaced = [obj for obj in objs if obj.get("kind") not in CLUSTER_SCOPED_KINDS]
    cluster = [obj for obj in objs if obj.get("kind") in CLUSTER_SCOPED_KINDS]
    return Snapshot(
        namespace=namespace, objects=namespaced, cluster_objects=cluster, complete=complete
    )


def run(
    check: Callable[[Snapshot, CheckSettings], Iterable[Finding]],
    *objs: Obj,
    rule: str | None = None,
    settings: CheckSettings | None = None,
    complete: bool = False,
) -> list[Finding]:
    """Runs one category module's ``check`` over a snapshot of ``objs``;
    ``rule`` keeps only that rule's findings."""
    found = check(snapshot(*objs, complete=complete), settings or CheckSettings())
    return [finding for finding in found if rule is None or finding.rule == rule]
