"""Snapshots: the objects a check may look at, grouped the way Kubernetes scopes them.

Cross-object rules (a PDB covering a Deployment, an HPA scaling it, a
NetworkPolicy isolating its pods) only make sense inside one namespace, so
the engine judges one :class:`Snapshot` per namespace. The helpers here
apply Kubernetes' own semantics (label selectors, defaulted replicas, HPA
targets) so every category module agrees on them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Generic, TypeVar, overload

from aks_checklist.checks.model import ObjectRef
from aks_checklist.records import Frozen, Mutable, slot_setters

_set = object.__setattr__

Obj = dict[str, Any]
T = TypeVar("T")


class cached_property(Generic[T]):  # noqa: N801  # named as the functools one it stands for
    """``functools.cached_property`` without its lock.

    The functools one takes a lock on every first read (Python 3.11), which costs more
    than the values a workload caches, read once for each of 10,000 objects. Two threads
    reading one at once would both compute it, and these values are the same either way.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object, owner: type | None = None) -> T | cached_property[T]:
        if instance is None:
            return self
        # Kept in the instance's __dict__, which attribute lookup reads before this
        # descriptor from then on: a Frozen record's __setattr__ would refuse it.
        value = instance.__dict__[self.name] = self.func(instance)
        return value


WORKLOAD_KINDS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "Pod",
    }
)
# Kinds that are never namespaced; they are shared by every namespace's snapshot.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "StorageClass",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "IngressClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "RuntimeClass",
        "CSIDriver",
        "AksChecklistPolicy",
        "APIService",
        "ClusterIssuer",
        "ClusterPolicy",
    }
)
# Workload kinds whose replica count is a spec field (defaulting to 1 when absent).
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})


def meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    value = meta(obj).get("labels")
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    value = meta(obj).get("annotations")
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes LabelSelector semantics: ``{}`` matches everything, ``None`` nothing."""
    if selector is None:
        return False
    for key, value in as_dict(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        key = str(expr.get("key", ""))
        operator = expr.get("operator")
        values = {str(v) for v in as_list(expr.get("values"))}
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
        if operator not in {"In", "NotIn", "Exists", "DoesNotExist"}:
            return False
    return True


class Container(Frozen):
    """A container of a pod template, with where it sits (``containers``, ``initContainers``...)."""

    _fields = __slots__ = ("spec", "section")
    spec: dict[str, Any]
    section: str

    def __init__(self, spec: dict[str, Any], section: str) -> None:
        _container_spec(self, spec)
        _container_section(self, section)

    @property
    def name(self) -> str:
        return str(self.spec.get("name") or "")

    @property
    def is_init(self) -> bool:
        return self.section == "initContainers"

    @property
    def is_sidecar(self) -> bool:
        """A native sidecar: an init container that keeps running (restartPolicy Always)."""
        return self.is_init and self.spec.get("restartPolicy") == "Always"

    @property
    def is_ephemeral(self) -> bool:
        return self.section == "ephemeralContainers"


_container_spec, _container_section = slot_setters(Container, Container._fields)


class Workload(Frozen):
    """Anything that owns a pod template, reduced to what the checks need."""

    # No __slots__: cached_property keeps its values in the instance's __dict__.
    _fields = ("obj", "ref")
    obj: Obj
    ref: ObjectRef

    def __init__(self, obj: Obj, ref: ObjectRef) -> None:
        _set(self, "obj", obj)
        _set(self, "ref", ref)

    @property
    def kind(self) -> str:
        return self.ref.kind

    @cached_property
    def pod_template(self) -> dict[str, Any]:
        """``{"metadata": ..., "spec": ...}`` of the pods this workload creates."""
        spec = as_dict(self.obj.get("spec"))
        if self.kind == "Pod":
            return {"metadata": meta(self.obj), "spec": spec}
        if self.kind == "CronJob":
            spec = as_dict(as_dict(spec.get("jobTemplate")).get("spec"))
        return as_dict(spec.get("template"))

    # Read by most rules of every category module, so each is worked out once per workload.
    # pod_labels is shared by its readers: none changes it.
    @cached_property
    def pod_spec(self) -> dict[str, Any]:
        return as_dict(self.pod_template.get("spec"))

    @cached_property
    def pod_labels(self) -> dict[str, str]:
        return labels_of(self.pod_template)

    @property
    def selector(self) -> dict[str, Any] | None:
        """The workload's pod selector; ``None`` for kinds without one (Pod, Job, CronJob)."""
        if self.kind in {"Pod", "Job", "CronJob"}:
            return None
        spec = as_dict(self.obj.get("spec"))
        selector = spec.get("selector")
        if self.kind == "ReplicationController" and isinstance(selector, dict):
            return {"matchLabels": selector}
        if isinstance(selector, dict):
            return selector
        # extensions/v1beta1 and apps/v1beta1 defaulted the selector to the template labels.
        return {"matchLabels": self.pod_labels} if self.pod_labels else None

    @property
    def spec_replicas(self) -> int | None:
        """Replicas as the API server would default them; ``None`` for unscalable kinds."""
        if self.kind not in SCALABLE_KINDS:
            return None
        value = as_dict(self.obj.get("spec")).get("replicas", 1)
        return value if isinstance(value, int) and not isinstance(value, bool) else 1

    def containers(self, *, init: bool = True, ephemeral: bool = False) -> Iterator[Container]:
        # Asked for a dozen times per workload: the containers of each section are read once.
        listed = self._containers
        if init:
            if ephemeral:
                return iter(listed[0] + listed[1] + listed[2])
            return iter(listed[0] + listed[1])
        if ephemeral:
            return iter(listed[0] + listed[2])
        return iter(listed[0])

    @cached_property
    def _containers(self) -> tuple[tuple[Container, ...], ...]:
        """The containers of ``containers``, ``initContainers`` and ``ephemeralContainers``."""
        spec = self.pod_spec
        found: list[tuple[Container, ...]] = []
        for section in _CONTAINER_SECTIONS:
            items = spec.get(section)
            if isinstance(items, list) and items:
                found.append(tuple([Container(i, section) for i in items if isinstance(i, dict)]))
            else:
                found.append(())  # most pods have no init or ephemeral containers
        return tuple(found)


_CONTAINER_SECTIONS = ("containers", "initContainers", "ephemeralContainers")


class Snapshot(Mutable):
    """The objects of one namespace, plus the cluster-scoped objects they may refer to.

    ``complete`` says whether the snapshot holds *every* object of the
    namespace (a live cluster) or only those a manifest set happens to
    contain: namespace-wide rules (quota, default-deny) can only fail when it
    is complete or when the manifest set declares the Namespace itself.
    """

    # No __slots__: cached_property keeps its values in the instance's __dict__.
    _fields = ("namespace", "objects", "cluster_objects", "complete")
    namespace: str
    objects: list[Obj]
    cluster_objects: list[Obj]
    complete: bool

    def __init__(
        self,
        namespace: str,
        objects: list[Obj] | None = None,
        cluster_objects: list[Obj] | None = None,
        complete: bool = False,
    ) -> None:
        self.namespace = namespace
        self.objects = [] if objects is None else objects
        self.cluster_objects = [] if cluster_objects is None else cluster_objects
        self.complete = complete

    @cached_property
    def by_kind(self) -> dict[str, list[Obj]]:
        grouped: dict[str, list[Obj]] = defaultdict(list)
        for obj in self.objects:
            grouped[str(obj.get("kind") or "")].append(obj)
        for obj in self.cluster_objects:
            grouped[str(obj.get("kind") or "")].append(obj)
        return dict(grouped)

    def of_kind(self, *kinds: str) -> list[Obj]:
        found: list[Obj] = []
        for kind in kinds:
            found.extend(self.by_kind.get(kind, ()))
        return found

    @cached_property
    def namespace_object(self) -> Obj | None:
        for obj in self.by_kind.get("Namespace", ()):
            if meta(obj).get("name") == self.namespace:
                return obj
        return None

    @property
    def namespace_declared(self) -> bool:
        """Whether namespace-wide rules can judge this namespace (see class docstring)."""
        return self.complete or self.namespace_object is not None

    def ref(self, obj: Obj) -> ObjectRef:
        # Asked about most objects by several category modules: each ref is made once. The
        # object is kept with its ref, so an id() reused by a later object cannot match.
        refs = self._refs
        known = refs.get(id(obj))
        if known is not None and known[0] is obj:
            return known[1]
        kind = str(obj.get("kind") or "")
        ref = ObjectRef.of(obj, None if kind in CLUSTER_SCOPED_KINDS else self.namespace)
        refs[id(obj)] = (obj, ref)
        return ref

    @cached_property
    def _refs(self) -> dict[int, tuple[Obj, ObjectRef]]:
        return {}

    @cached_property
    def workloads(self) -> list[Workload]:
        """Workloads to judge; Pods and ReplicaSets owned by a controller are skipped.

        A live namespace holds the Deployment *and* its ReplicaSet and Pods;
        judging all three would count one problem three times.
        """
        found = []
        for obj in self.objects:
            if obj.get("kind") not in WORKLOAD_KINDS:
                continue
            if obj.get("kind") in {"Pod", "ReplicaSet", "Job"} and _controlled(obj):
                continue
            found.append(Workload(obj=obj, ref=self.ref(obj)))
        return found

    @cached_property
    def _scalers_by_target(self) -> dict[tuple[str, str], list[Obj]]:
        index: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        for obj in self.of_kind("HorizontalPodAutoscaler", "ScaledObject"):
            target = as_dict(as_dict(obj.get("spec")).get("scaleTargetRef"))
            # KEDA defaults the target kind of a ScaledObject to Deployment.
            default_kind = "Deployment" if obj.get("kind") == "ScaledObject" else None
            kind, name = target.get("kind") or default_kind, target.get("name")
            index[(str(kind), str(name))].append(obj)
        return dict(index)

    def scalers_for(self, workload: Workload) -> list[Obj]:
        """HorizontalPodAutoscalers and KEDA ScaledObjects that target the workload."""
        return list(self._scalers_by_target.get((workload.kind, workload.ref.name), ()))

    def effective_min_replicas(self, workload: Workload) -> int | None:
        """The replica floor: an autoscaler's minimum when one targets it, else spec.replicas."""
        floors = []
        for scaler in self.scalers_for(workload):
            spec = as_dict(scaler.get("spec"))
            key = "minReplicaCount" if scaler.get("kind") == "ScaledObject" else "minReplicas"
            value = spec.get(key, 0 if key == "minReplicaCount" else 1)
            if isinstance(value, int) and not isinstance(value, bool):
                floors.append(value)
        if floors:
            return min(floors)
        return workload.spec_replicas

    def pdbs_for(self, workload: Workload) -> list[Obj]:
        """PodDisruptionBudgets in this namespace whose selector matches the workload's pods."""
        labels = workload.pod_labels
        return [
            pdb
            for pdb in self.of_kind("PodDisruptionBudget")
            if self.ref(pdb).namespace == workload.ref.namespace
            and selector_matches(_pdb_selector(pdb), labels)
        ]

    def network_policies_selecting(self, labels: Mapping[str, str]) -> list[Obj]:
        return [
            policy
            for policy in self.of_kind("NetworkPolicy")
            if selector_matches(as_dict(policy.get("spec")).get("podSelector", {}), labels)
        ]


def _pdb_selector(pdb: Obj) -> dict[str, Any] | None:
    selector = as_dict(pdb.get("spec")).get("selector")
    if selector is None:
        # policy/v1 treats a missing selector as selecting nothing.
        return None
    return as_dict(selector)


def _controlled(obj: Obj) -> bool:
    return any(
        isinstance(owner, dict) and owner.get("controller") is True
        for owner in as_list(meta(obj).get("ownerReferences"))
    )


def split_by_namespace(
    objects: Iterable[Obj],
    *,
    default_namespace: str = "default",
    complete: bool = False,
) -> list[Snapshot]:
    """Groups objects into one snapshot per namespace, sorted by namespace name.

    Objects with no namespace are treated as being in ``default_namespace``
    (what ``kubectl apply`` would do). A Namespace object opens a snapshot of
    its own even when nothing else is in it.
    """
    namespaced: dict[str, list[Obj]] = defaultdict(list)
    cluster: list[Obj] = []
    for obj in objects:
        kind = str(obj.get("kind") or "")
        if kind in CLUSTER_SCOPED_KINDS:
            cluster.append(obj)
            if kind == "Namespace" and meta(obj).get("name"):
                namespaced.setdefault(str(meta(obj)["name"]), [])
            continue
        namespace = meta(obj).get("namespace") or default_namespace
        namespaced[str(namespace)].append(obj)
    return [
        Snapshot(
            namespace=namespace,
            objects=namespaced[namespace],
            cluster_objects=cluster,
            complete=complete,
        )
        for namespace in sorted(namespaced)
    ]
