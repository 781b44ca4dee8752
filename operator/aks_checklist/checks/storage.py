"""Storage rules: zonal disks must be provisioned where their pod is scheduled.

An Azure managed disk (LRS) lives in one availability zone and can only be
attached to a node of that zone. With ``volumeBindingMode: Immediate`` (the
default when the field is absent) the disk is created as soon as the claim
exists, in a zone picked without looking at the pod; the pod can then be
stuck Pending because no node in that zone fits it. ``WaitForFirstConsumer``
delays provisioning until the pod is scheduled. Zone-redundant disks (ZRS
SKUs) and network storage (Azure Files, Blob) attach from any zone, so
``Immediate`` is harmless for them.

StorageClasses are cluster-scoped and every namespace snapshot carries the
same copies, so their findings come from :func:`check_cluster_objects`,
which the engine must call once per evaluation, not from :func:`check`.
:func:`check` judges the namespaced side: each claim (PVC or StatefulSet
``volumeClaimTemplates``) whose StorageClass is known, so a namespace's
report shows the claims that are at risk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.snapshot import Obj, Snapshot, annotations_of, as_dict, as_list, meta

# A member looked up on the enum class costs ten times a global, and these are read for
# every object judged.
P, F, NA = Result.PASS, Result.FAIL, Result.NOT_APPLICABLE

WAIT_FOR_FIRST_CONSUMER = Rule(
    "STO-09/wait-for-first-consumer",
    "StorageClasses for zonal disks bind volumes only once the pod is scheduled",
    Severity.MEDIUM,
    "object",
)
PVC_WAIT_FOR_FIRST_CONSUMER = Rule(
    "STO-09/pvc-wait-for-first-consumer",
    "Claims for zonal disks use a StorageClass that waits for the first consumer",
    Severity.LOW,
    "object",
)

RULES: tuple[Rule, ...] = (WAIT_FOR_FIRST_CONSUMER, PVC_WAIT_FOR_FIRST_CONSUMER)

WAIT = "WaitForFirstConsumer"
IMMEDIATE = "Immediate"
# Provisioners whose volumes are tied to one zone (or one node, for local volumes).
ZONAL_PROVISIONERS = frozenset(
    {"disk.csi.azure.com", "kubernetes.io/azure-disk", "kubernetes.io/no-provisioner"}
)
# Network storage: reachable from every zone.
NETWORK_PROVISIONERS = frozenset(
    {"file.csi.azure.com", "kubernetes.io/azure-file", "blob.csi.azure.com"}
)
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
# Before spec.storageClassName existed a claim named its class in this annotation;
# the API server still lets it win over the field.
LEGACY_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


def check_cluster_objects(
    cluster_objects: Iterable[Obj], settings: CheckSettings
) -> Iterator[Finding]:
    """Findings on cluster-scoped objects; call it once per evaluation, not per namespace."""
    if not settings.enabled(WAIT_FOR_FIRST_CONSUMER.id):
        return
    for obj in cluster_objects:
        if obj.get("kind") == "StorageClass":
            ref = ObjectRef.of(obj)
            result, why = binding_judgement(obj)
            yield WAIT_FOR_FIRST_CONSUMER.finding(result, f"{ref} {why}", ref)


def check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    if not settings.enabled(PVC_WAIT_FOR_FIRST_CONSUMER.id):
        return
    classes = snapshot.of_kind("StorageClass")
    if not classes:
        return
    by_name = {str(meta(sc).get("name") or ""): sc for sc in classes}
    default = default_class(classes)
    for pvc in snapshot.of_kind("PersistentVolumeClaim"):
        ref = snapshot.ref(pvc)
        finding = _claim(pvc, by_name, default, f"{ref}", ref)
        if finding is not None:
            yield finding
    for statefulset in snapshot.of_kind("StatefulSet"):
        ref = snapshot.ref(statefulset)
        templates = as_list(as_dict(statefulset.get("spec")).get("volumeClaimTemplates"))
        for template in templates:
            template = as_dict(template)
            what = f"{ref} volumeClaimTemplate {meta(template).get('name') or '(unnamed)'}"
            finding = _claim(template, by_name, default, what, ref)
            if finding is not None:
                yield finding


def binding_mode(storage_class: Obj) -> str:
    return str(storage_class.get("volumeBindingMode") or IMMEDIATE)


def is_zone_redundant(storage_class: Obj) -> bool:
    # Driver parameters are matched case-insensitively; the in-tree driver used another name.
    for key, value in as_dict(storage_class.get("parameters")).items():
        if str(key).lower() in {"skuname", "storageaccounttype"}:
            return str(value).upper().endswith("_ZRS")
    return False


def binding_judgement(storage_class: Obj) -> tuple[Result, str]:
    """The result for a StorageClass and why, worded to follow its name."""
    mode = binding_mode(storage_class)
    provisioner = str(storage_class.get("provisioner") or "")
    if mode == WAIT:
        return P, f"binds volumes with {WAIT}"
    if mode != IMMEDIATE:
        return Result.ERROR, f"has unknown volumeBindingMode {mode!r}"
    if provisioner in ZONAL_PROVISIONERS:
        if is_zone_redundant(storage_class):
            return P, "binds Immediate, which is fine for zone-redundant (ZRS) disks"
        return F, (
            f"binds {provisioner} volumes Immediate: each disk is created in a zone before its "
            f"pod is scheduled and may leave the pod unschedulable; set volumeBindingMode {WAIT}"
        )
    if provisioner in NETWORK_PROVISIONERS:
        return P, f"binds Immediate, which is fine for {provisioner} network storage"
    return NA, (
        f"binds Immediate with provisioner {provisioner or '(none)'}, "
        "which is not known to be zonal or zone-independent"
    )


def default_class(classes: Iterable[Obj]) -> Obj | None:
    """The default StorageClass; with several, the newest wins, as in the API server."""
    defaults = [
        sc
        for sc in classes
        if any(annotations_of(sc).get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS)
    ]
    if not defaults:
        return None
    return max(defaults, key=lambda sc: str(meta(sc).get("creationTimestamp") or ""))


def _claim(
    claim: dict[str, Any],
    by_name: dict[str, Obj],
    default: Obj | None,
    what: str,
    ref: ObjectRef,
) -> Finding | None:
    """A claim's finding, or ``None`` when it names no class or one outside the snapshot."""
    annotations = annotations_of(claim)
    spec = as_dict(claim.get("spec"))
    if LEGACY_CLASS_ANNOTATION in annotations:
        name: Any = annotations[LEGACY_CLASS_ANNOTATION]
    else:
        name = spec.get("storageClassName")
    if name == "":
        return None  # explicitly no class: binds to a pre-created volume
    storage_class = default if name is None else by_name.get(str(name))
    if storage_class is None:
        return None
    class_name = str(meta(storage_class).get("name") or "")
    result, why = binding_judgement(storage_class)
    how = "the default " if name is None else ""
    return PVC_WAIT_FOR_FIRST_CONSUMER.finding(
        result, f"{what} uses {how}StorageClass/{class_name}, which {why}", ref
    )
