"""STO-09: zonal disks are provisioned only once their pod is scheduled."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import storage
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result
from tests.unit.checks.builders import NAMESPACE, run, statefulset

Obj = dict[str, Any]
DISK = "disk.csi.azure.com"
WAIT = "WaitForFirstConsumer"


def storage_class(
    name: str = "managed-csi",
    *,
    provisioner: str = DISK,
    mode: str | None = WAIT,
    parameters: dict[str, str] | None = None,
    default: bool = False,
    created: str | None = None,
) -> Obj:
    obj: Obj = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": provisioner,
    }
    if mode is not None:
        obj["volumeBindingMode"] = mode
    if parameters is not None:
        obj["parameters"] = parameters
    if default:
        obj["metadata"]["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    if created is not None:
        obj["metadata"]["creationTimestamp"] = created
    return obj


def pvc(name: str = "data", *, class_name: str | None = None, legacy: str | None = None) -> Obj:
    spec: Obj = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "8Gi"}}}
    if class_name is not None:
        spec["storageClassName"] = class_name
    metadata: Obj = {"name": name, "namespace": NAMESPACE}
    if legacy is not None:
        metadata["annotations"] = {storage.LEGACY_CLASS_ANNOTATION: legacy}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": spec}


def cluster(*objs: Obj, settings: CheckSettings | None = None) -> list[Finding]:
    return list(storage.check_cluster_objects(objs, settings or CheckSettings()))


@pytest.mark.parametrize(
    ("sc", "result"),
    [
        pytest.param(storage_class(), Result.PASS, id="disk-wait"),
        pytest.param(storage_class(mode="Immediate"), Result.FAIL, id="disk-immediate"),
        pytest.param(storage_class(mode=None), Result.FAIL, id="disk-mode-unset-is-immediate"),
        pytest.param(
            storage_class(provisioner="kubernetes.io/azure-disk", mode="Immediate"),
            Result.FAIL,
            id="in-tree-disk-immediate",
        ),
        pytest.param(
            storage_class(provisioner="kubernetes.io/no-provisioner", mode=None),
            Result.FAIL,
            id="local-volumes-immediate",
        ),
        pytest.param(
            storage_class(mode="Immediate", parameters={"skuName": "Premium_ZRS"}),
            Result.PASS,
            id="zrs-disk-immediate",
        ),
        pytest.param(
            storage_class(mode="Immediate", parameters={"skuname": "StandardSSD_ZRS"}),
            Result.PASS,
            id="zrs-lowercase-parameter",
        ),
        pytest.param(
            storage_class(mode="Immediate", parameters={"skuName": "Premium_LRS"}),
            Result.FAIL,
            id="lrs-disk-immediate",
        ),
        pytest.param(
            storage_class(
                provisioner="kubernetes.io/azure-disk",
                mode="Immediate",
                parameters={"storageaccounttype": "Premium_ZRS"},
            ),
            Result.PASS,
            id="in-tree-zrs",
        ),
        pytest.param(
            storage_class("azurefile-csi", provisioner="file.csi.azure.com", mode="Immediate"),
            Result.PASS,
            id="azure-files-immediate",
        ),
        pytest.param(
            storage_class("blob", provisioner="blob.csi.azure.com", mode=None),
            Result.PASS,
            id="blob-immediate",
        ),
        pytest.param(
            storage_class("nfs", provisioner="example.com/nfs", mode="Immediate"),
            Result.NOT_APPLICABLE,
            id="unknown-provisioner",
        ),
        pytest.param(
            storage_class("nfs", provisioner="example.com/nfs"), Result.PASS, id="unknown-but-wait"
        ),
        pytest.param(storage_class(mode="Later"), Result.ERROR, id="unknown-mode"),
    ],
)
def test_storage_class_binding_mode(sc: Obj, result: Result) -> None:
    """Immediate binding fails only where volumes are tied to a zone."""
    found = cluster(sc)
    assert [f.result for f in found] == [result]
    assert found[0].rule == "STO-09/wait-for-first-consumer"
    assert found[0].object is not None
    assert found[0].object.namespace is None
    assert f"StorageClass/{sc['metadata']['name']}" in found[0].message


def test_cluster_objects_other_than_storage_classes_are_ignored() -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}
    assert cluster(node) == []


def test_cluster_findings_respect_disabled_rules() -> None:
    settings = CheckSettings(disabled=frozenset({"STO-09/wait-for-first-consumer"}))
    assert cluster(storage_class(mode="Immediate"), settings=settings) == []


def test_check_never_reports_storage_classes_themselves() -> None:
    """Each namespace snapshot carries the classes; reporting them there would repeat them."""
    found = run(storage.check, storage_class(mode="Immediate"), pvc(class_name="managed-csi"))
    assert {f.object.kind for f in found if f.object is not None} == {"PersistentVolumeClaim"}


IMMEDIATE_DISK = storage_class("disk-now", mode="Immediate")
WAITING_DISK = storage_class("disk-wait")


@pytest.mark.parametrize(
    ("objs", "result", "hint"),
    [
        pytest.param(
            [IMMEDIATE_DISK, pvc(class_name="disk-now")],
            Result.FAIL,
            "disk-now",
            id="named-immediate",
        ),
        pytest.param(
            [WAITING_DISK, pvc(class_name="disk-wait")], Result.PASS, "disk-wait", id="named-wait"
        ),
        pytest.param(
            [storage_class("disk-now", mode="Immediate", default=True), pvc()],
            Result.FAIL,
            "the default StorageClass/disk-now",
            id="default-class-immediate",
        ),
        pytest.param(
            [storage_class("disk-wait", default=True), IMMEDIATE_DISK, pvc()],
            Result.PASS,
            "the default StorageClass/disk-wait",
            id="default-class-wait",
        ),
        pytest.param(
            [
                storage_class(
                    "old", mode="Immediate", default=True, created="2023-01-01T00:00:00Z"
                ),
                storage_class("new", default=True, created="2025-01-01T00:00:00Z"),
                pvc(),
            ],
            Result.PASS,
            "StorageClass/new",
            id="newest-default-wins",
        ),
        pytest.param(
            [IMMEDIATE_DISK, WAITING_DISK, pvc(class_name="disk-wait", legacy="disk-now")],
            Result.FAIL,
            "disk-now",
            id="legacy-annotation-wins",
        ),
    ],
)
def test_pvc_binding_mode(objs: list[Obj], result: Result, hint: str) -> None:
    """A claim inherits the verdict of the StorageClass it (or the default) resolves to."""
    found = run(storage.check, *objs, rule="STO-09/pvc-wait-for-first-consumer")
    assert [f.result for f in found] == [result]
    assert hint in found[0].message
    assert "PersistentVolumeClaim/data" in found[0].message


@pytest.mark.parametrize(
    "objs",
    [
        pytest.param([IMMEDIATE_DISK, pvc(class_name="")], id="explicitly-no-class"),
        pytest.param([IMMEDIATE_DISK, pvc(class_name="elsewhere")], id="class-not-in-snapshot"),
        pytest.param([IMMEDIATE_DISK, pvc()], id="no-default-class"),
        pytest.param([pvc(class_name="disk-now")], id="no-classes-at-all"),
    ],
)
def test_pvc_without_a_known_class_is_not_judged(objs: list[Obj]) -> None:
    assert run(storage.check, *objs) == []


def test_statefulset_claim_templates_are_judged() -> None:
    template = {"metadata": {"name": "data"}, "spec": {"storageClassName": "disk-now"}}
    sts = statefulset("db", spec_extra={"volumeClaimTemplates": [template]})
    found = run(storage.check, IMMEDIATE_DISK, sts)
    assert [f.result for f in found] == [Result.FAIL]
    assert "StatefulSet/db volumeClaimTemplate data" in found[0].message
    assert found[0].object is not None
    assert found[0].object.kind == "StatefulSet"


def test_every_rule_is_declared() -> None:
    emitted = {f.rule for f in cluster(IMMEDIATE_DISK)}
    emitted |= {f.rule for f in run(storage.check, IMMEDIATE_DISK, pvc(class_name="disk-now"))}
    assert emitted == {rule.id for rule in storage.RULES}
