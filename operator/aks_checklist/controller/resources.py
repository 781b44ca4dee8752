"""The kinds the operator watches and how much of each object it keeps in memory."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aks_checklist.checks.practices import CONTROL_PLANE_MANAGERS
from aks_checklist.report import status_digest


@dataclass(frozen=True)
class Watched:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    index: str = ""  # the Kopf index id; default <plural>_index

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def index_id(self) -> str:
        return self.index or f"{self.plural}_index"


POLICIES = Watched(
    "akschecklist.io", "v1alpha1", "akschecklistpolicies", "AksChecklistPolicy", namespaced=False
)
REPORTS = Watched("akschecklist.io", "v1alpha1", "akscompliances", "AksCompliance")
NAMESPACES = Watched("", "v1", "namespaces", "Namespace", namespaced=False)
NODES = Watched("", "v1", "nodes", "Node", namespaced=False)
PODS = Watched("", "v1", "pods", "Pod")
# Every Pod, controller-made too, reduced to what preflight reads (labels, owner, resources,
# phase): the judged workloads come from PODS and the controllers' own kinds.
POD_FOOTPRINTS = Watched("", "v1", "pods", "Pod", index="pod_footprints_index")

# Everything a namespace snapshot is built from (besides Namespaces themselves).
NAMESPACED = (
    Watched("apps", "v1", "deployments", "Deployment"),
    Watched("apps", "v1", "statefulsets", "StatefulSet"),
    Watched("apps", "v1", "daemonsets", "DaemonSet"),
    Watched("batch", "v1", "jobs", "Job"),
    Watched("batch", "v1", "cronjobs", "CronJob"),
    PODS,
    Watched("", "v1", "services", "Service"),
    Watched("", "v1", "serviceaccounts", "ServiceAccount"),
    Watched("", "v1", "limitranges", "LimitRange"),
    Watched("", "v1", "resourcequotas", "ResourceQuota"),
    Watched("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    Watched("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
    Watched("networking.k8s.io", "v1", "ingresses", "Ingress"),
    Watched("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    Watched("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    # MULTI-01 looks for a namespace's own RoleBinding; without it every namespace would warn.
    Watched("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
)
CSINODES = Watched("storage.k8s.io", "v1", "csinodes", "CSINode", namespaced=False)
VOLUME_ATTACHMENTS = Watched(
    "storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", namespaced=False
)
CLUSTER_SCOPED = (
    NODES,
    Watched("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False),
    # STO-02 compares each node's disk attachments with what its CSI driver allows.
    CSINODES,
    VOLUME_ATTACHMENTS,
)
# The kinds checks/evidence.py reads from every namespace (EVIDENCE_KINDS, less the
# cluster-scoped ones above and the policies, which have views of their own).
EVIDENCE_NAMESPACED = frozenset(
    {"Deployment", "DaemonSet", "StatefulSet", "PersistentVolumeClaim", "Ingress"}
)


BASELINE = frozenset({"NetworkPolicy", "LimitRange", "ResourceQuota", "PodDisruptionBudget"})
# Kinds whose uids the full pass confirms against the API server (kube/lister.py CONFIRMED):
# Kopf's own index, which may keep ghosts after a re-list; the feeds drop theirs.
CONFIRMED = (POLICIES,)


def controlled(body: Mapping[str, Any]) -> bool:
    owners = body.get("metadata", {}).get("ownerReferences") or ()
    return any(owner.get("controller") for owner in owners)


# kubectl's copy of the whole object as last applied: often the largest field, never judged.
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True, slots=True)
class Packed:
    """One indexed object, pickled: what a pass reads is unpacked again for that pass.

    A slimmed object held as Python dicts, lists and strings costs about three
    times its pickled size (a dict alone is 200 bytes before its first key). A
    pass reads a namespace's objects once, and unpacking costs 15 µs each, so
    the indexes hold bytes. The uid stays outside: the ghost check reads every
    uid, and should not unpack everything for it.
    """

    uid: str
    data: bytes

    def unpack(self) -> dict[str, Any]:
        obj: dict[str, Any] = pickle.loads(self.data)  # noqa: S301  # our own bytes, from pack()
        return obj


def pack(obj: Mapping[str, Any]) -> Packed:
    uid = str(obj.get("metadata", {}).get("uid") or "")
    return Packed(uid, pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))


def slim(body: Mapping[str, Any], watched: Watched) -> dict[str, Any]:
    """What the checks read of an object; most status and managedFields dropped."""
    return _kept(body, watched)


def _kept(body: Mapping[str, Any], watched: Watched) -> dict[str, Any]:
    metadata = body.get("metadata", {})
    if watched is POD_FOOTPRINTS:
        return footprint(body)
    if watched is CSINODES:
        return csinode(body)
    if watched is VOLUME_ATTACHMENTS:
        return volume_attachment(body)
    kept: dict[str, Any] = {
        "apiVersion": body.get("apiVersion") or watched.api_version,
        "kind": body.get("kind") or watched.kind,
        "metadata": {
            key: metadata[key]
            for key in (
                "name",
                "namespace",
                "uid",
                "generation",
                "labels",
                "annotations",
                "ownerReferences",
                "deletionTimestamp",
            )
            if key in metadata
        },
    }
    managers = sorted(
        {str(e.get("manager") or "") for e in metadata.get("managedFields") or ()}
        - CONTROL_PLANE_MANAGERS  # their status writes would change the slim form, for nothing
    )
    if any(managers):  # OPS-13 reads only who wrote the object, not which fields
        kept["metadata"]["managedFields"] = [{"manager": m} for m in managers if m]
    annotations = kept["metadata"].get("annotations")
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        kept["metadata"]["annotations"] = {
            k: v for k, v in annotations.items() if k != LAST_APPLIED
        }
    # Kinds keep their desired state in spec, except these few top-level fields.
    for key in (
        "spec",
        "automountServiceAccountToken",
        "provisioner",
        "volumeBindingMode",
        "parameters",
        "allowVolumeExpansion",
    ):
        if key in body:
            kept[key] = body[key]
    if watched.kind in BASELINE and "resourceVersion" in metadata:
        # Updates and deletes of our objects carry the version that was judged.
        kept["metadata"]["resourceVersion"] = metadata["resourceVersion"]
    if watched.kind == "DaemonSet" and "status" in body:
        # CTR-03: a runtime agent must be ready on every node it is scheduled to.
        status = body["status"] or {}
        kept["status"] = {
            key: status[key] for key in ("desiredNumberScheduled", "numberReady") if key in status
        }
    if watched is NODES and "status" in body:
        kept["status"] = {"nodeInfo": body["status"].get("nodeInfo")}  # OS image, kubelet version
    if watched is REPORTS:
        # Reports are only compared with what we would write: a digest is enough,
        # and keeping every report's results in memory would cost more than the rest.
        status = body.get("status") or {}
        kept["statusDigest"] = status_digest(status)
        kept["statusKeys"] = sorted(status)
    return kept


def csinode(body: Mapping[str, Any]) -> dict[str, Any]:
    """A CSINode as STO-02 reads it: each driver's name and how many volumes it can attach."""
    metadata = body.get("metadata", {})
    drivers = [
        {"name": d.get("name"), "allocatable": {"count": (d.get("allocatable") or {}).get("count")}}
        for d in (body.get("spec") or {}).get("drivers") or ()
        if isinstance(d, Mapping)
    ]
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSINode",
        "metadata": {"name": metadata.get("name"), "uid": metadata.get("uid")},
        "spec": {"drivers": drivers},
    }


def volume_attachment(body: Mapping[str, Any]) -> dict[str, Any]:
    """A VolumeAttachment as STO-02 counts it: which driver attached a volume to which node."""
    metadata = body.get("metadata", {})
    spec = body.get("spec") or {}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "VolumeAttachment",
        "metadata": {"name": metadata.get("name"), "uid": metadata.get("uid")},
        "spec": {"attacher": spec.get("attacher"), "nodeName": spec.get("nodeName")},
    }


def footprint(body: Mapping[str, Any]) -> dict[str, Any]:
    """A Pod as preflight needs it: who owns it, its labels, its resources and whether it runs."""
    metadata = body.get("metadata", {})
    spec = body.get("spec") or {}
    phase = (body.get("status") or {}).get("phase")

    def containers(section: str) -> list[dict[str, Any]]:
        return [
            {"name": c.get("name"), "resources": c.get("resources") or {}}
            for c in spec.get(section) or ()
        ]

    owners = [
        {"kind": o.get("kind"), "name": o.get("name"), "controller": o.get("controller")}
        for o in metadata.get("ownerReferences") or ()
        if o.get("controller")
    ]
    return {
        "kind": "Pod",
        "metadata": {
            "name": metadata.get("name"),
            "uid": metadata.get("uid"),
            "labels": metadata.get("labels") or {},
            "ownerReferences": owners,
        },
        "spec": {
            "containers": containers("containers"),
            "initContainers": containers("initContainers"),
        },
        # Only whether it still counts against quotas: phase changes of running Pods are noise.
        "status": {"phase": phase} if phase in ("Succeeded", "Failed") else {},
    }
