"""Cluster-wide evidence rules: tools found by CRDs and workloads, nodes and storage."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import evidence as evidence_module
from aks_checklist.checks.addons import APP_LABELS, AddonSignature
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.evidence import ClusterEvidence, Tool, check_evidence
from aks_checklist.checks.model import Result
from tests.unit.checks.builders import daemonset, deployment, node, statefulset

Obj = dict[str, Any]


def crd(name: str) -> Obj:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
    }


def claim(name: str = "data", storage_class: str | None = None, namespace: str = "shop") -> Obj:
    spec: Obj = {} if storage_class is None else {"storageClassName": storage_class}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def storage_class(
    name: str, provisioner: str, sku: str | None = None, default: bool = False
) -> Obj:
    annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": annotations},
        "provisioner": provisioner,
        "parameters": {} if sku is None else {"skuName": sku},
    }


def zonal(name: str, zone: str) -> Obj:
    return node(name, labels={"topology.kubernetes.io/zone": zone})


def ready(ds: Obj, desired: int, ready_count: int) -> Obj:
    ds["status"] = {"desiredNumberScheduled": desired, "numberReady": ready_count}
    return ds


def result(rule: str, *objects: Obj, crds: tuple[str, ...] = (), complete: bool = True) -> Any:
    evidence = ClusterEvidence.of(objects, crds=crds, complete=complete)
    found = [f for f in check_evidence(evidence) if f.rule == rule]
    if not found:
        return None
    assert len(found) == 1, found
    return found[0].result


FLUX = deployment("kustomize-controller", namespace="flux-system")
TRACKED = deployment("api", labels={"kustomize.toolkit.fluxcd.io/name": "apps"})


@pytest.mark.parametrize(
    ("rule", "objects", "crds", "expected"),
    [
        pytest.param("OPS-12/gitops-agent", [FLUX], (), Result.PASS, id="ops12-flux-controller"),
        pytest.param(
            "OPS-12/gitops-agent",
            [],
            ("applications.argoproj.io",),
            Result.PASS,
            id="ops12-argo-crd",
        ),
        pytest.param("OPS-12/gitops-agent", [TRACKED], (), Result.PASS, id="ops12-tracked-label"),
        pytest.param("OPS-12/gitops-agent", [deployment()], (), Result.WARN, id="ops12-none"),
        pytest.param(
            "APP-23/progressive-delivery",
            [],
            ("rollouts.argoproj.io",),
            Result.PASS,
            id="app23-argo-rollouts",
        ),
        pytest.param(
            "APP-23/progressive-delivery",
            [
                {
                    "kind": "Ingress",
                    "metadata": {
                        "name": "canary",
                        "namespace": "shop",
                        "annotations": {"nginx.ingress.kubernetes.io/canary": "true"},
                    },
                }
            ],
            (),
            Result.PASS,
            id="app23-nginx-canary",
        ),
        pytest.param("APP-23/progressive-delivery", [], (), Result.WARN, id="app23-none"),
        pytest.param("APP-24/dapr", [], ("components.dapr.io",), Result.PASS, id="app24-dapr-crd"),
        pytest.param(
            "APP-24/dapr",
            [deployment(pod_annotations={"dapr.io/enabled": "true"})],
            (),
            Result.PASS,
            id="app24-annotated-pod",
        ),
        pytest.param("APP-24/dapr", [], (), Result.WARN, id="app24-none"),
        pytest.param(
            "NET-22/service-mesh-installed",
            [deployment("istiod", namespace="aks-istio-system")],
            (),
            Result.PASS,
            id="net22-istiod",
        ),
        pytest.param(
            "NET-22/service-mesh-installed",
            [],
            ("servers.policy.linkerd.io",),
            Result.PASS,
            id="net22-linkerd-crd",
        ),
        pytest.param("NET-22/service-mesh-installed", [], (), Result.WARN, id="net22-none"),
        pytest.param(
            "OPS-09/tracing-installed",
            [],
            ("instrumentations.opentelemetry.io",),
            Result.PASS,
            id="ops09-otel-operator",
        ),
        pytest.param(
            "OPS-09/tracing-installed",
            [
                deployment(
                    containers=[
                        {
                            "name": "app",
                            "image": "x.azurecr.io/a:1",
                            "env": [{"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://c"}],
                        }
                    ]
                )
            ],
            (),
            Result.PASS,
            id="ops09-otlp-env",
        ),
        pytest.param("OPS-09/tracing-installed", [], (), Result.WARN, id="ops09-none"),
        pytest.param(
            "RES-10/cost-allocation-tool",
            [deployment("opencost", namespace="opencost")],
            (),
            Result.PASS,
            id="res10-opencost",
        ),
        pytest.param("RES-10/cost-allocation-tool", [], (), Result.WARN, id="res10-none"),
        pytest.param(
            "CTR-01/image-scanner-in-cluster",
            [],
            ("vulnerabilityreports.aquasecurity.github.io",),
            Result.PASS,
            id="ctr01-trivy",
        ),
        pytest.param("CTR-01/image-scanner-in-cluster", [], (), Result.WARN, id="ctr01-none"),
        pytest.param(
            "CSEC-06/image-admission-gate",
            [],
            ("verifiers.config.ratify.deislabs.io",),
            Result.PASS,
            id="csec06-ratify",
        ),
        pytest.param(
            "CSEC-06/image-admission-gate",
            [
                {
                    "apiVersion": "kyverno.io/v1",
                    "kind": "ClusterPolicy",
                    "metadata": {"name": "signed-images"},
                    "spec": {
                        "rules": [{"name": "check", "verifyImages": [{"imageReferences": ["*"]}]}]
                    },
                }
            ],
            (),
            Result.PASS,
            id="csec06-kyverno-verify-images",
        ),
        pytest.param(
            "CSEC-06/image-admission-gate",
            [
                {
                    "apiVersion": "kyverno.io/v1",
                    "kind": "ClusterPolicy",
                    "metadata": {"name": "labels"},
                    "spec": {"rules": [{"name": "check", "validate": {}}]},
                }
            ],
            (),
            Result.FAIL,
            id="csec06-kyverno-without-verify",
        ),
        pytest.param("CTR-04/vulnerable-images-held-back", [], (), Result.WARN, id="ctr04-none"),
        pytest.param(
            "CTR-03/runtime-security-agent",
            [ready(daemonset("microsoft-defender-collector-ds", namespace="kube-system"), 3, 3)],
            (),
            Result.PASS,
            id="ctr03-defender-everywhere",
        ),
        pytest.param(
            "CTR-03/runtime-security-agent",
            [ready(daemonset("falco", namespace="falco"), 3, 2)],
            (),
            Result.FAIL,
            id="ctr03-falco-not-ready",
        ),
        pytest.param("CTR-03/runtime-security-agent", [], (), Result.FAIL, id="ctr03-none"),
        pytest.param(
            "OPS-06/continuous-checks",
            [{"kind": "AksChecklistPolicy", "metadata": {"name": "baseline"}, "spec": {}}],
            (),
            Result.PASS,
            id="ops06-policy",
        ),
        pytest.param("OPS-06/continuous-checks", [], (), Result.WARN, id="ops06-none"),
        pytest.param(
            "RES-04/arm64-nodes",
            [node("a", labels={"kubernetes.io/arch": "arm64"})],
            (),
            Result.PASS,
            id="res04-arm64",
        ),
        pytest.param(
            "RES-04/arm64-nodes",
            [node("a", labels={"kubernetes.io/arch": "amd64"})],
            (),
            Result.WARN,
            id="res04-amd64-only",
        ),
        pytest.param(
            "OPS-26/virtual-node-present",
            [node("virtual-node-aci-linux", labels={"type": "virtual-kubelet"})],
            (),
            Result.PASS,
            id="ops26-virtual-node",
        ),
        pytest.param("RES-01/virtual-node-present", [node("a")], (), Result.WARN, id="res01-none"),
        pytest.param(
            "OPS-27/spot-nodes",
            [node("s", labels={"kubernetes.azure.com/scalesetpriority": "spot"})],
            (),
            Result.PASS,
            id="ops27-spot-node",
        ),
        pytest.param(
            "RES-03/spot-nodes",
            [
                node("s", labels={"kubernetes.azure.com/scalesetpriority": "spot"}),
                statefulset(
                    pod_spec_extra={
                        "tolerations": [
                            {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Exists"}
                        ]
                    }
                ),
            ],
            (),
            Result.WARN,
            id="res03-statefulset-on-spot",
        ),
        pytest.param("OPS-27/spot-nodes", [node("a")], (), Result.WARN, id="ops27-none"),
    ],
)
def test_tool_and_node_evidence(
    rule: str, objects: list[Obj], crds: tuple[str, ...], expected: Result
) -> None:
    assert result(rule, *objects, crds=crds) is expected


def test_manifests_only_pass_on_what_they_show() -> None:
    """From manifests a missing tool proves nothing: no finding, while a found one passes."""
    assert result("OPS-12/gitops-agent", deployment(), complete=False) is None
    assert result("OPS-12/gitops-agent", FLUX, complete=False) is Result.PASS
    assert result("CTR-03/runtime-security-agent", complete=False) is None


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param(
            [
                claim(storage_class="managed-csi"),
                storage_class("managed-csi", "disk.csi.azure.com"),
            ],
            Result.PASS,
            id="csi",
        ),
        pytest.param(
            [claim(), storage_class("default", "kubernetes.io/azure-disk", default=True)],
            Result.WARN,
            id="in-tree-default",
        ),
    ],
)
def test_claims_use_csi_classes(objects: list[Obj], expected: Result) -> None:
    assert result("STO-01/csi-storage-classes", *objects) is expected


LRS = storage_class("managed-csi", "disk.csi.azure.com", "Premium_LRS", default=True)
ZRS = storage_class("managed-csi", "disk.csi.azure.com", "Premium_ZRS", default=True)
TWO_ZONES = [zonal("a", "westeurope-1"), zonal("b", "westeurope-2")]


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param([claim(), ZRS, *TWO_ZONES], Result.PASS, id="zrs"),
        pytest.param([claim(), LRS, *TWO_ZONES], Result.WARN, id="lrs-across-zones"),
        pytest.param([claim(), LRS, zonal("a", "westeurope-1")], None, id="single-zone"),
    ],
)
def test_disks_are_zone_redundant_across_zones(objects: list[Obj], expected: Result | None) -> None:
    assert result("STO-05/zone-redundant-disks", *objects) is expected


def csinode(name: str, count: int) -> Obj:
    return {
        "kind": "CSINode",
        "metadata": {"name": name},
        "spec": {"drivers": [{"name": "disk.csi.azure.com", "allocatable": {"count": count}}]},
    }


def attachment(node_name: str, index: int) -> Obj:
    return {
        "kind": "VolumeAttachment",
        "metadata": {"name": f"csi-{node_name}-{index}"},
        "spec": {"attacher": "disk.csi.azure.com", "nodeName": node_name},
    }


@pytest.mark.parametrize(
    ("attached", "expected"),
    [
        pytest.param(1, Result.PASS, id="room"),
        pytest.param(4, Result.WARN, id="over-80-percent"),
        pytest.param(4 + 1, Result.FAIL, id="at-the-limit"),
    ],
)
def test_disk_attach_headroom(attached: int, expected: Result) -> None:
    objects = [csinode("n1", 5), *(attachment("n1", i) for i in range(attached))]
    assert result("STO-02/disk-attach-headroom", *objects) is expected


@pytest.mark.parametrize(
    ("objects", "crds", "expected"),
    [
        pytest.param([claim()], ("schedules.velero.io",), Result.PASS, id="velero"),
        pytest.param(
            [
                claim(),
                deployment(
                    "dataprotection-microsoft-kubernetes-agent",
                    namespace="dataprotection-microsoft",
                ),
            ],
            (),
            Result.PASS,
            id="azure-backup",
        ),
        pytest.param([claim()], (), Result.FAIL, id="unprotected"),
        pytest.param([], (), Result.NOT_APPLICABLE, id="stateless"),
    ],
)
def test_volume_backups(objects: list[Obj], crds: tuple[str, ...], expected: Result) -> None:
    assert result("STO-04/volume-backups", *objects, crds=crds) is expected


GMSA_POD = deployment(
    pod_spec_extra={
        "nodeSelector": {"kubernetes.io/os": "windows"},
        "securityContext": {"windowsOptions": {"gmsaCredentialSpecName": "webapp1"}},
    }
)


@pytest.mark.parametrize(
    ("objects", "crds", "expected"),
    [
        pytest.param([GMSA_POD], ("gmsacredentialspecs.windows.k8s.io",), Result.PASS, id="crd"),
        pytest.param([GMSA_POD], (), Result.FAIL, id="no-crd"),
        pytest.param([deployment()], (), None, id="no-gmsa-pods"),
    ],
)
def test_gmsa_pods_need_the_credential_spec_crd(
    objects: list[Obj], crds: tuple[str, ...], expected: Result | None
) -> None:
    assert result("WIN-08/gmsa-credential-specs", *objects, crds=crds) is expected


def test_require_makes_an_evidence_advisory_strict() -> None:
    evidence = ClusterEvidence.of([], complete=True)
    settings = CheckSettings(required=frozenset({"OPS-12"}))
    (finding,) = [f for f in check_evidence(evidence, settings) if f.item == "OPS-12"]
    assert finding.result is Result.FAIL


def test_disabled_evidence_rules_are_not_judged() -> None:
    evidence = ClusterEvidence.of([], complete=True)
    settings = CheckSettings(disabled=frozenset({"OPS-12", "STO-04/volume-backups"}))
    items = {f.item for f in check_evidence(evidence, settings)}
    assert "OPS-12" not in items
    assert "STO-04" not in items


def _tools() -> list[Tool]:
    return [value for value in vars(evidence_module).values() if isinstance(value, Tool)]


def _candidates(signature: AddonSignature) -> list[tuple[str, dict[str, str]]]:
    """Workloads (name, labels) near each way the signature recognises one, and far from it."""
    words = [*sorted(signature.names | signature.apps), "web", "api", ""]
    words += [*(f"{prefix}x" for prefix in signature.prefixes), *signature.prefixes]
    words += [f"a-{fragment}-b" for fragment in signature.fragments]
    found = [(word, {}) for word in words]
    found += [("web", {key: word}) for word in words for key in APP_LABELS]
    found += [("web", {"other": word}) for word in words]
    return found


@pytest.mark.parametrize("tool", [pytest.param(t, id=t.what) for t in _tools() if t.workloads])
def test_a_tool_is_ruled_out_only_when_no_workload_could_match_it(tool: Tool) -> None:
    """may_match is the shortcut of Tool.found: it must be true whenever a workload matches."""
    signature = tool.workloads
    assert signature is not None
    for name, labels in _candidates(signature):
        apps = {labels[key] for key in APP_LABELS if key in labels}
        if signature.matches_named(name, labels):
            assert signature.may_match({name}, apps), (name, labels)
    if not (signature.prefixes or signature.fragments):
        # Recognised by exact names only: unrelated workloads rule it out without a look.
        assert not signature.may_match({"web", "api"}, {"web"})


def test_a_tool_is_found_by_an_app_label_among_many_unrelated_workloads() -> None:
    workloads = [deployment(f"app-{n}") for n in range(50)]
    flux = deployment("gitops", labels={"app": "helm-controller"})
    evidence = ClusterEvidence.of([*workloads, flux], complete=False)
    assert evidence_module.FLUX.found(evidence) == ["Deployment shop/gitops"]
    assert evidence_module.ARGO_CD.found(ClusterEvidence.of(workloads)) == []
