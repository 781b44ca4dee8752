"""The PolicyReports the operator builds are accepted, unchanged, by the upstream report schema.

The schema is the wgpolicyk8s.io/v1alpha2 fixture (written from the API's
documented fields). Reading each report back and comparing it with what was
sent proves more than acceptance: the API server prunes fields a structural
schema does not know, so a field the schema lacks would silently vanish.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aks_checklist.checks.aks import evaluate_managed_cluster
from aks_checklist.render.policyreport import cluster_policy_report, namespace_policy_report
from aks_checklist.scan import scan
from tests.e2e.cluster import REPO, Cluster, KubectlError, eventually
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.policies import LABEL, create_namespace, deployment, policy, wait_condition

FIXTURE = REPO / "tests" / "e2e" / "fixtures" / "wgpolicyk8s-crds.yaml"
AKS_DOCUMENT = REPO / "tests" / "unit" / "fixtures" / "aks" / "default-az-aks-create.json"
CRDS = ("policyreports.wgpolicyk8s.io", "clusterpolicyreports.wgpolicyk8s.io")
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {namespace}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: app
          image: nginx:latest
          securityContext: {{privileged: true}}
"""


@pytest.fixture(scope="module")
def report_crds(cluster: Cluster) -> Cluster:
    cluster.kubectl("apply", "--server-side", "-f", str(FIXTURE))
    cluster.kubectl(
        "wait", "--for=condition=Established", "--timeout=60s", *(f"crd/{c}" for c in CRDS)
    )
    return cluster


def server_side_create(cluster: Cluster, body: dict[str, Any]) -> None:
    cluster.kubectl(
        "apply",
        "--server-side",
        "--field-manager=aks-checklist-operator",
        "-f",
        "-",
        stdin=json.dumps(body),
    )


def stored(cluster: Cluster, body: dict[str, Any]) -> dict[str, Any]:
    meta = body["metadata"]
    where = ["-n", meta["namespace"]] if "namespace" in meta else []
    return cluster.get_json(body["kind"].lower(), meta["name"], *where)


def same_content(sent: dict[str, Any], got: dict[str, Any]) -> None:
    for key in ("summary", "results", "scope"):
        assert got.get(key) == sent.get(key), key
    for key in ("labels", "annotations"):
        assert sent["metadata"][key].items() <= got["metadata"].get(key, {}).items(), key


@pytest.fixture
def cluster_report(report_crds: Cluster) -> Iterator[dict[str, Any]]:
    findings = evaluate_managed_cluster(json.loads(AKS_DOCUMENT.read_text()))
    body = cluster_policy_report("e2e-policyreport", findings)
    yield body
    report_crds.kubectl("delete", "clusterpolicyreport", body["metadata"]["name"], check=False)


def test_a_namespace_report_built_from_real_findings_is_stored_unchanged(
    report_crds: Cluster, namespace: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(MANIFEST.format(namespace=namespace))
    findings = scan([str(manifest)]).findings
    body = namespace_policy_report("baseline", namespace, findings)
    assert body["summary"]["fail"] > 0, "the manifest is meant to fail some rules"

    server_side_create(report_crds, body)

    got = stored(report_crds, body)
    same_content(body, got)
    table = report_crds.kubectl("get", "polr", "-n", namespace).stdout.split()
    assert {"PASS", "FAIL", str(body["summary"]["fail"])} <= set(table)


def test_the_cluster_report_of_an_aks_document_is_stored_unchanged(
    report_crds: Cluster, cluster_report: dict[str, Any]
) -> None:
    assert cluster_report["results"], "a default cluster has findings"
    server_side_create(report_crds, cluster_report)
    same_content(cluster_report, stored(report_crds, cluster_report))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("result", "Fail", id="result-outside-the-enum"),
        pytest.param("severity", "High", id="severity-outside-the-enum"),
    ],
)
def test_the_schema_refuses_what_the_api_does_not_allow(
    report_crds: Cluster, namespace: str, field: str, value: str
) -> None:
    """The fixture really validates, so its acceptance of our reports means something."""
    body: dict[str, Any] = {
        "apiVersion": "wgpolicyk8s.io/v1alpha2",
        "kind": "PolicyReport",
        "metadata": {"name": "refused", "namespace": namespace},
        "results": [{"policy": "APP-01", "result": "fail", "severity": "high", field: value}],
    }
    with pytest.raises(KubectlError, match="Unsupported value"):
        server_side_create(report_crds, body)


def test_the_operator_writes_policy_reports_when_a_policy_asks_for_them(
    report_crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    cluster = report_crds
    name = f"p-{selector_label}"
    reports = {"policyReport": True}
    with policy(cluster, name, selector_label, enforcement="Audit", reports=reports):
        ns = create_namespace(cluster, f"pr-{selector_label}", selector_label)
        cluster.apply(deployment("web", ns, replicas=1))

        def namespace_report() -> dict[str, Any] | None:
            found = cluster.kubectl(
                "get", "policyreport", f"aks-checklist-{name}", "-n", ns, "-o", "json", check=False
            )
            if found.returncode != 0:
                return None
            body: dict[str, Any] = json.loads(found.stdout)
            judged = any(r["policy"] == "APP-01" for r in body.get("results", []))
            return body if judged else None  # the Deployment has been judged too

        report = eventually(
            namespace_report, what="the PolicyReport with the Deployment's failures"
        )
        assert report["scope"] == {"apiVersion": "v1", "kind": "Namespace", "name": ns}
        assert report["metadata"]["ownerReferences"][0]["kind"] == "AksChecklistPolicy"
        compliance = cluster.get_json("akscompliance", name, "-n", ns)["status"]
        assert report["summary"]["fail"] == compliance["failed"]
        assert compliance["workloads"] == 1

        def written_cluster_report() -> dict[str, Any] | None:
            # Written after the pass's namespaces, so it may lag the namespace report a little.
            found = cluster.kubectl(
                "get", "clusterpolicyreport", f"aks-checklist-{name}", "-o", "json", check=False
            )
            return json.loads(found.stdout) if found.returncode == 0 else None

        cluster_report = eventually(written_cluster_report, what="the ClusterPolicyReport")
        assert cluster_report["results"]
        # Cluster-wide evidence is there too: this policy itself re-checks the cluster (OPS-06).
        continuous = [r for r in cluster_report["results"] if r["policy"] == "OPS-06"]
        assert [r["result"] for r in continuous] == ["pass"], continuous
        written = wait_condition(cluster, name, "PolicyReportsWritten", status="True")
        assert written["reason"] == "Written"

        cluster.kubectl("label", "namespace", ns, f"{LABEL}-")
        eventually(
            lambda: (
                cluster.kubectl(
                    "get", "policyreport", f"aks-checklist-{name}", "-n", ns, check=False
                ).returncode
                != 0
            ),
            what="the PolicyReport removed with the namespace leaving the selector",
        )
