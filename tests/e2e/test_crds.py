"""The CRDs install, default, print and validate as the contract in ARCHITECTURE.md says."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.e2e.cluster import Cluster
from tests.e2e.conftest import CRD_NAMES


def policy(spec: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "akschecklist.io/v1alpha1",
        "kind": "AksChecklistPolicy",
        "metadata": {"name": name or f"p-{uuid.uuid4().hex[:8]}"},
        "spec": spec,
    }


def test_both_crds_are_established(crds: Cluster) -> None:
    for name in CRD_NAMES:
        crd = crds.get_json("crd", name)
        conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conditions.get("Established") == "True", name
        assert conditions.get("NamesAccepted") == "True", name


def test_short_names_and_category_resolve(crds: Cluster) -> None:
    """`akspolicy`, `aksc`, `akscompliance` and the category `akschecklist` all resolve."""
    resources = crds.kubectl("api-resources", "--api-group=akschecklist.io", "-o", "wide").stdout
    assert "akspolicy" in resources
    assert "aksc" in resources
    assert "akschecklist" in resources
    for name in ("akspolicy", "aksc", "akscompliance", "akschecklist"):
        crds.kubectl("get", name, "-A")


def test_empty_policy_gets_every_default(crds: Cluster) -> None:
    """An empty spec is filled with the documented defaults by the API server itself."""
    body = policy({}, name="defaults")
    crds.apply(body)
    try:
        spec = crds.get_json("akspolicy", "defaults")["spec"]
    finally:
        crds.kubectl("delete", "akspolicy", "defaults")
    assert spec["enforcement"] == "Audit"
    assert spec["namespaceSelector"] == {}
    assert spec["excludedNamespaces"] == []  # the system namespaces are excluded in the code
    baseline = spec["baseline"]
    assert baseline["networkPolicy"] == {"enabled": True, "allowDNS": True}
    assert baseline["limitRange"]["defaultRequest"] == {"cpu": "100m", "memory": "128Mi"}
    assert baseline["limitRange"]["default"] == {"cpu": "500m", "memory": "512Mi"}
    assert baseline["resourceQuota"]["hard"]["requests.cpu"] == "8"
    assert baseline["podDisruptionBudget"] == {
        "enabled": True,
        "minReplicas": 2,
        "maxUnavailable": 1,
    }
    assert spec["checks"]["allowedRegistries"] == ["*.azurecr.io", "mcr.microsoft.com"]
    assert spec["waivers"] == []
    assert spec["reevaluateEvery"] == "10m"


def test_printer_columns_of_policies(crds: Cluster) -> None:
    crds.apply(policy({"enforcement": "Enforce"}, name="columns"))
    try:
        table = crds.kubectl("get", "akspolicy", "columns").stdout.splitlines()
    finally:
        crds.kubectl("delete", "akspolicy", "columns")
    assert table[0].split() == [
        "NAME",
        "ENFORCEMENT",
        "NAMESPACES",
        "SCORE",
        "FAILED",
        "READY",
        "AGE",
    ]
    assert table[1].split()[:2] == ["columns", "Enforce"]


def test_printer_columns_of_compliance_reports(crds: Cluster, namespace: str) -> None:
    crds.apply(
        {
            "apiVersion": "akschecklist.io/v1alpha1",
            "kind": "AksCompliance",
            "metadata": {"name": "baseline", "namespace": namespace},
        }
    )
    status = {
        "status": {
            "policy": "baseline",
            "score": 88,
            "passed": 52,
            "failed": 7,
            "baseline": {"summary": "3/3"},
        }
    }
    crds.kubectl(
        "patch",
        "aksc",
        "baseline",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps(status),
    )
    table = crds.kubectl("get", "akscompliance", "-A").stdout.splitlines()
    assert table[0].split() == [
        "NAMESPACE",
        "NAME",
        "POLICY",
        "SCORE",
        "PASSED",
        "FAILED",
        "BASELINE",
        "AGE",
    ]
    row = next(line.split() for line in table[1:] if line.startswith(namespace))
    assert row[1:7] == ["baseline", "baseline", "88", "52", "7", "3/3"]


def test_explain_describes_the_baseline(crds: Cluster) -> None:
    """Descriptions on every field make `kubectl explain` useful."""
    explained = crds.kubectl("explain", "akspolicy.spec.baseline.podDisruptionBudget").stdout
    assert "maxUnavailable" in explained
    assert "Zero is refused" in explained


def _walk_schema(schema: dict[str, Any], path: str) -> list[str]:
    missing = [] if schema.get("description") or path.endswith(("metadata",)) else [path]
    for name, child in schema.get("properties", {}).items():
        missing += _walk_schema(child, f"{path}.{name}")
    if "items" in schema and schema["items"].get("type") == "object":
        # Lists of scalars are described on the list field itself, as kubectl explain shows.
        missing += _walk_schema(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        missing += _walk_schema(schema["additionalProperties"], f"{path}{{}}")
    return missing


@pytest.mark.parametrize("crd", CRD_NAMES)
def test_every_schema_field_has_a_description(crds: Cluster, crd: str) -> None:
    schema = crds.get_json("crd", crd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    undocumented = [
        path
        for path in _walk_schema(schema, "")
        if not path.endswith("{}")  # map values
    ]
    assert undocumented == []


INVALID_POLICIES = [
    pytest.param(
        {"baseline": {"resourceQuota": {"hard": {"pods": "2500m"}}}},
        "spec.baseline.resourceQuota.hard",
        id="quota-count-not-whole",
    ),
    pytest.param({"enforcement": "Block"}, "spec.enforcement", id="enforcement-not-in-enum"),
    pytest.param(
        {"namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "Like"}]}},
        "spec.namespaceSelector.matchExpressions[0].operator",
        id="selector-operator-unknown",
    ),
    pytest.param(
        {"namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "In"}]}},
        "spec.namespaceSelector.matchExpressions[0].values",
        id="selector-in-without-values",
    ),
    pytest.param(
        {"excludedNamespaces": ["Kube_System"]},
        "spec.excludedNamespaces[0]",
        id="excluded-namespace-not-a-name",
    ),
    pytest.param(
        {"baseline": {"limitRange": {"defaultRequest": {"cpu": "lots"}}}},
        "spec.baseline.limitRange.defaultRequest.cpu",
        id="limitrange-cpu-not-a-quantity",
    ),
    pytest.param(
        {
            "baseline": {
                "limitRange": {
                    "defaultRequest": {"cpu": "1", "memory": "1Gi"},
                    "default": {"cpu": "500m", "memory": "2Gi"},
                }
            }
        },
        "spec.baseline.limitRange.default.cpu",
        id="limitrange-default-below-request",
    ),
    pytest.param(
        {"baseline": {"resourceQuota": {"hard": {"pods": "many"}}}},
        "spec.baseline.resourceQuota.hard[pods]",
        id="quota-value-not-a-quantity",
    ),
    pytest.param(
        {"baseline": {"resourceQuota": {"hard": {"cpus": "4"}}}},
        "spec.baseline.resourceQuota.hard",
        id="quota-key-not-a-resource",
    ),
    pytest.param(
        {"baseline": {"podDisruptionBudget": {"minReplicas": 1}}},
        "spec.baseline.podDisruptionBudget.minReplicas",
        id="pdb-min-replicas-below-two",
    ),
    pytest.param(
        {"baseline": {"podDisruptionBudget": {"maxUnavailable": 0}}},
        "spec.baseline.podDisruptionBudget.maxUnavailable",
        id="pdb-blocks-every-eviction",
    ),
    pytest.param(
        {"baseline": {"podDisruptionBudget": {"maxUnavailable": "50"}}},
        "spec.baseline.podDisruptionBudget.maxUnavailable",
        id="pdb-max-unavailable-string-not-percent",
    ),
    pytest.param(
        {"baseline": {"podDisruptionBudget": {"maxUnavailable": "150%"}}},
        "spec.baseline.podDisruptionBudget.maxUnavailable",
        id="pdb-max-unavailable-over-100-percent",
    ),
    pytest.param(
        {"checks": {"disabled": ["app-01"]}},
        "spec.checks.disabled[0]",
        id="disabled-rule-id-malformed",
    ),
    pytest.param(
        {"waivers": [{"rule": "APP-01/Liveness", "reason": "legacy"}]},
        "spec.waivers[0].rule",
        id="waiver-rule-id-malformed",
    ),
    pytest.param(
        {"waivers": [{"rule": "APP-01"}]},
        "spec.waivers[0].reason",
        id="waiver-without-reason",
    ),
    pytest.param(
        {"waivers": [{"rule": "APP-01", "reason": "legacy", "expires": "next week"}]},
        "spec.waivers[0].expires",
        id="waiver-expiry-not-a-date",
    ),
    pytest.param({"reevaluateEvery": "soon"}, "spec.reevaluateEvery", id="period-not-a-duration"),
    pytest.param({"reevaluateEvery": "5s"}, "spec.reevaluateEvery", id="period-too-short"),
    pytest.param(
        {"azure": {"subscriptionId": "not-a-guid", "resourceGroup": "rg", "clusterName": "aks"}},
        "spec.azure.subscriptionId",
        id="azure-subscription-not-a-guid",
    ),
]


@pytest.mark.parametrize(("spec", "field"), INVALID_POLICIES)
def test_invalid_policy_is_rejected_naming_the_field(
    crds: Cluster, spec: dict[str, Any], field: str
) -> None:
    body = policy(spec)
    result = crds.kubectl("apply", "-f", "-", stdin=json.dumps(body), check=False)
    assert result.returncode != 0, f"accepted: {spec}"
    assert field in result.stderr, result.stderr
    gone = crds.kubectl("get", "akspolicy", body["metadata"]["name"], check=False)
    assert gone.returncode != 0
