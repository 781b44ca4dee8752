"""The operator's slimmed indexes keep what the evidence rules and OPS-13 read, and little else.

The operator keeps every watched object in memory, reduced by ``slim``; a rule
that reads a field the slim form drops would judge differently in the
operator than in the scanner. These tests judge live-shaped objects (with
managedFields, status and the fields nobody reads) both whole and slimmed, and
expect the same findings.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from kubernetes import client

from aks_checklist.checks.engine import evaluate
from aks_checklist.checks.evidence import ClusterEvidence, check_evidence
from aks_checklist.checks.model import Finding
from aks_checklist.checks.snapshot import Snapshot
from aks_checklist.controller.resources import (
    CLUSTER_SCOPED,
    CSINODES,
    NAMESPACED,
    POLICIES,
    VOLUME_ATTACHMENTS,
    Packed,
    Watched,
    pack,
    slim,
)
from aks_checklist.controller.view import ClusterView
from aks_checklist.kube.discovery import (
    Discovery,
    aggregated_names,
    preferred_versions,
    resource_names,
)
from aks_checklist.kube.policy_engines import PolicyEngines, verifying
from tests.unit.checks.builders import container, daemonset, deployment, node, statefulset

Obj = dict[str, Any]
BY_KIND: dict[str, Watched] = {w.kind: w for w in (*NAMESPACED, *CLUSTER_SCOPED, POLICIES)}


def live(obj: Obj, *managers: str) -> Obj:
    """``obj`` as the API server returns it: uid, managedFields, a status nobody judges."""
    metadata = obj.setdefault("metadata", {})
    metadata["uid"] = f"uid-{obj['kind']}-{metadata.get('namespace', '')}-{metadata['name']}"
    metadata["resourceVersion"] = "12345"
    metadata["managedFields"] = [
        {
            "manager": manager,
            "operation": "Update",
            "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {}}}},
        }
        for manager in managers
    ]
    obj.setdefault("status", {}).setdefault("observedGeneration", 3)
    return obj


def csinode(name: str, count: int) -> Obj:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSINode",
        "metadata": {"name": name},
        "spec": {
            "drivers": [
                {
                    "name": "disk.csi.azure.com",
                    "nodeID": name,
                    "topologyKeys": ["topology.disk.csi.azure.com/zone"],
                    "allocatable": {"count": count},
                }
            ]
        },
    }


def attachment(node_name: str, index: int) -> Obj:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "VolumeAttachment",
        "metadata": {"name": f"csi-{node_name}-{index}"},
        "spec": {
            "attacher": "disk.csi.azure.com",
            "nodeName": node_name,
            "source": {"persistentVolumeName": f"pv-{index}"},
        },
        "status": {"attached": True, "attachmentMetadata": {"LUN": str(index)}},
    }


def cluster_objects() -> list[Obj]:
    """A live-shaped cluster with something for every evidence rule to judge."""
    falco = daemonset("falco", namespace="falco")
    falco["status"] = {"desiredNumberScheduled": 3, "numberReady": 2, "numberAvailable": 2}
    gmsa = deployment(
        "iis",
        namespace="win",
        containers=[
            container(securityContext={"windowsOptions": {"gmsaCredentialSpecName": "web"}})
        ],
    )
    otel = deployment("api", namespace="shop")
    otel["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://collector:4317"}
    ]
    tracked = statefulset(
        "db", namespace="shop", labels={"kustomize.toolkit.fluxcd.io/name": "apps"}
    )
    return [
        live(falco, "helm"),
        live(gmsa, "kubectl-client-side-apply"),
        live(otel, "argocd-controller"),
        live(tracked, "kustomize-controller"),
        live(deployment("istiod", namespace="aks-istio-system"), "aks-addon"),
        live(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data", "namespace": "shop"},
                "spec": {"storageClassName": "managed-csi", "resources": {}},
            }
        ),
        live(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {
                    "name": "canary",
                    "namespace": "shop",
                    "annotations": {"nginx.ingress.kubernetes.io/canary": "true"},
                },
                "spec": {"rules": []},
            }
        ),
        live(node("aks-spot-1", labels={"kubernetes.azure.com/scalesetpriority": "spot"})),
        live(node("aks-arm-1", labels={"kubernetes.io/arch": "arm64"})),
        live(
            {
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {"name": "managed-csi"},
                "provisioner": "disk.csi.azure.com",
                "parameters": {"skuName": "StandardSSD_LRS"},
            }
        ),
        live(csinode("aks-spot-1", 4)),
        *(live(attachment("aks-spot-1", i)) for i in range(4)),
        live(
            {
                "apiVersion": "akschecklist.io/v1alpha1",
                "kind": "AksChecklistPolicy",
                "metadata": {"name": "baseline"},
                "spec": {"reevaluateEvery": "5m"},
            }
        ),
    ]


def indexes_of(objects: list[Obj]) -> dict[str, dict[str | None, list[Packed]]]:
    """The Kopf indexes the handlers would fill from ``objects``: slimmed, packed, by namespace."""
    indexes: dict[str, dict[str | None, list[Packed]]] = {
        w.index_id: defaultdict(list) for w in (*NAMESPACED, *CLUSTER_SCOPED, POLICIES)
    }
    for obj in objects:
        watched = BY_KIND[obj["kind"]]
        key = obj["metadata"].get("namespace") if watched.namespaced else None
        indexes[watched.index_id][key].append(pack(slim(obj, watched)))
    return {index: dict(values) for index, values in indexes.items()}


def judged(findings: list[Finding]) -> list[tuple[str, str, str, str]]:
    return sorted((f.rule, f.result.value, str(f.object), f.message) for f in findings)


def test_the_operators_view_judges_the_evidence_as_the_whole_objects_do() -> None:
    """Every evidence rule finds the same from the slimmed indexes as from the live objects."""
    objects = cluster_objects()
    crds = ("gmsacredentialspecs.windows.k8s.io",)
    whole = check_evidence(ClusterEvidence.of(objects, crds=crds, complete=True))
    view = ClusterView(indexes_of(objects))
    slimmed = check_evidence(
        ClusterEvidence.of(view.evidence_objects()(), crds=crds, complete=True)
    )
    assert judged(slimmed) == judged(whole)
    rules = {f.rule: f.result.value for f in slimmed}
    # The table would be vacuous if the objects judged nothing: these read the kept fields.
    assert rules["CTR-03/runtime-security-agent"] == "Fail"  # status: 2 of 3 ready
    assert rules["STO-02/disk-attach-headroom"] == "Fail"  # CSINode count and attachments
    assert rules["WIN-08/gmsa-credential-specs"] == "Pass"  # template securityContext
    assert rules["OPS-09/tracing-installed"] == "Pass"  # container env
    assert rules["OPS-06/continuous-checks"] == "Pass"  # the policy's spec
    assert rules["APP-23/progressive-delivery"] == "Pass"  # Ingress annotations


def test_ghosts_are_left_out_of_the_evidence() -> None:
    """An object the API server no longer has does not count as an installed tool."""
    objects = cluster_objects()
    falco = next(o for o in objects if o["metadata"]["name"] == "falco")
    view = ClusterView(indexes_of(objects), ghosts=lambda: frozenset({falco["metadata"]["uid"]}))
    kinds = {(o["kind"], o["metadata"]["name"]) for o in view.evidence_objects()()}
    assert ("DaemonSet", "falco") not in kinds
    assert ("Deployment", "istiod") in kinds


@pytest.mark.parametrize(
    ("watched", "obj", "kept"),
    [
        pytest.param(
            CSINODES,
            live(csinode("n1", 8)),
            {"drivers": [{"name": "disk.csi.azure.com", "allocatable": {"count": 8}}]},
            id="csinode-driver-limits",
        ),
        pytest.param(
            VOLUME_ATTACHMENTS,
            live(attachment("n1", 0)),
            {"attacher": "disk.csi.azure.com", "nodeName": "n1"},
            id="attachment-driver-and-node",
        ),
    ],
)
def test_storage_kinds_keep_only_what_disk_headroom_reads(
    watched: Watched, obj: Obj, kept: Obj
) -> None:
    slimmed = slim(obj, watched)
    assert slimmed["spec"] == kept
    assert "status" not in slimmed
    assert set(slimmed["metadata"]) == {"name", "uid"}


def test_workloads_keep_their_manager_names_and_nothing_else_of_managed_fields() -> None:
    """OPS-13 reads who applied a workload; the field sets (most of the weight) are dropped,
    and so are the control plane's status writers, whose first write would be a change."""
    obj = live(deployment("api"), "kubectl-client-side-apply", "kube-controller-manager", "helm")
    obj["metadata"]["managedFields"].append({"manager": "helm", "operation": "Apply"})
    slimmed = slim(obj, BY_KIND["Deployment"])
    assert slimmed["metadata"]["managedFields"] == [
        {"manager": "helm"},
        {"manager": "kubectl-client-side-apply"},
    ]


@pytest.mark.parametrize(
    ("managers", "expected"),
    [
        pytest.param(("kubectl-client-side-apply",), "Warn", id="by-hand"),
        pytest.param(("helm", "kube-controller-manager"), "Pass", id="pipeline"),
        pytest.param((), None, id="no-managers-no-finding"),
        pytest.param(("kube-controller-manager",), None, id="only-the-control-plane-no-finding"),
    ],
)
def test_ops13_judges_the_slimmed_workload_as_the_whole_one(
    managers: tuple[str, ...], expected: str | None
) -> None:
    obj = live(deployment("api"), *managers)

    def ops13(workload: Obj) -> list[str]:
        snapshot = Snapshot(namespace="shop", objects=[workload], complete=True)
        return [f.result.value for f in evaluate([snapshot]) if f.item == "OPS-13"]

    assert ops13(slim(obj, BY_KIND["Deployment"])) == ops13(obj)
    assert ops13(obj) == ([] if expected is None else [expected])


def test_daemonsets_keep_only_the_readiness_counts_of_their_status() -> None:
    obj = live(daemonset("falco", namespace="falco"))
    obj["status"] = {"desiredNumberScheduled": 3, "numberReady": 3, "currentNumberScheduled": 3}
    assert slim(obj, BY_KIND["DaemonSet"])["status"] == {
        "desiredNumberScheduled": 3,
        "numberReady": 3,
    }
    assert "status" not in slim(live(deployment()), BY_KIND["Deployment"])


# --- discovery ------------------------------------------------------------------------------


def test_aggregated_discovery_names_every_resource_by_plural_and_group() -> None:
    document = {
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {"name": "kustomize.toolkit.fluxcd.io"},
                "versions": [
                    {"version": "v1", "resources": [{"resource": "kustomizations"}]},
                    {"version": "v1beta2", "resources": [{"resource": "kustomizations"}]},
                ],
            },
            {
                "metadata": {"name": "apps"},
                "versions": [{"resources": [{"resource": "daemonsets"}]}],
            },
        ],
    }
    assert aggregated_names(document) == {
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "daemonsets.apps",
    }


def test_legacy_discovery_reads_preferred_versions_and_skips_subresources() -> None:
    groups = {
        "kind": "APIGroupList",
        "groups": [
            {"name": "velero.io", "preferredVersion": {"groupVersion": "velero.io/v1"}},
            {"name": "broken"},
        ],
    }
    assert preferred_versions(groups) == [("velero.io", "velero.io/v1")]
    resources = {"resources": [{"name": "backups"}, {"name": "backups/status"}]}
    assert resource_names("velero.io", resources) == {"backups.velero.io"}


# --- Kyverno policies -----------------------------------------------------------------------

KYVERNO = {
    "apiVersion": "kyverno.io/v1",
    "kind": "ClusterPolicy",
    "metadata": {"name": "verify-signatures", "uid": "u1", "managedFields": [{"manager": "helm"}]},
    "spec": {
        "validationFailureAction": "Enforce",
        "rules": [
            {"name": "labels", "validate": {"pattern": {"metadata": {"labels": {"app": "?*"}}}}},
            {"name": "signed", "verifyImages": [{"imageReferences": ["contoso.azurecr.io/*"]}]},
        ],
    },
}


def test_a_kyverno_policy_keeps_only_its_verify_images_rules_and_still_passes_csec06() -> None:
    slimmed = verifying(KYVERNO, "ClusterPolicy")
    assert slimmed is not None
    assert [rule["name"] for rule in slimmed["spec"]["rules"]] == ["signed"]
    assert set(slimmed["metadata"]) == {"name", "uid"}

    def gate(objects: list[Obj]) -> list[tuple[str, str, str, str]]:
        evidence = ClusterEvidence.of(objects, complete=True)
        return judged([f for f in check_evidence(evidence) if f.item == "CSEC-06"])

    assert gate([slimmed]) == gate([KYVERNO])
    assert gate([slimmed])[0][1] == "Pass"


def test_a_kyverno_policy_without_verify_images_is_not_kept() -> None:
    validating = {**KYVERNO, "spec": {"rules": [KYVERNO["spec"]["rules"][0]]}}
    assert verifying(validating, "ClusterPolicy") is None


def unreachable_api() -> client.ApiClient:
    """A real API client aimed at a port nothing listens on."""
    configuration = client.Configuration()
    configuration.host = "https://127.0.0.1:9"
    configuration.retries = 0
    return client.ApiClient(configuration)


def test_a_failed_discovery_keeps_the_last_answer() -> None:
    """An API server briefly unreachable must not make every installed tool vanish."""
    discovery = Discovery(unreachable_api())
    discovery.names = frozenset({"kustomizations.kustomize.toolkit.fluxcd.io"})
    assert discovery.poll() == {"kustomizations.kustomize.toolkit.fluxcd.io"}
    assert not discovery.polled


def test_a_failed_kyverno_list_keeps_the_last_answer() -> None:
    engines = PolicyEngines(unreachable_api())
    kept = verifying(KYVERNO, "ClusterPolicy")
    assert kept is not None
    engines.objects = (kept,)
    assert engines.poll({"clusterpolicies.kyverno.io"}) == (kept,)
    assert engines.poll(()) == (), "with Kyverno gone from discovery there is nothing to list"
