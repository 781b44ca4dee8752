"""AksCompliance reports, the policy aggregate, cluster-scope results and metrics."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.cluster import Cluster, eventually
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.policies import create_namespace, deployment, policy, policy_body

Report = dict[str, Any]


def report(cluster: Cluster, policy_name: str, namespace: str) -> Report | None:
    result = cluster.kubectl("get", "aksc", policy_name, "-n", namespace, "-o", "json", check=False)
    if result.returncode != 0:
        return None
    status: Report | None = json.loads(result.stdout).get("status")
    return status


def result_of(status: Report | None, rule: str) -> set[str]:
    return {r["result"] for r in (status or {}).get("results", []) if r["rule"] == rule}


def bad_deployment(name: str, namespace: str) -> dict[str, Any]:
    body = deployment(name, namespace, replicas=1)
    body["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:latest"
    return body


def good_deployment(name: str, namespace: str) -> dict[str, Any]:
    body = deployment(name, namespace, replicas=1)
    container = body["spec"]["template"]["spec"]["containers"][0]
    container.update(
        {
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
            "resources": {
                "requests": {"cpu": "100m", "memory": "64Mi"},
                "limits": {"cpu": "200m", "memory": "128Mi"},
            },
        }
    )
    return body


def test_report_appears_for_a_new_namespace(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(bad_deployment("web", ns))
        status = eventually(
            lambda: (s := report(crds, name, ns)) and s.get("workloads") == 1 and s,
            what="report with the workload",
        )
        assert status["policy"] == name
        assert status["failed"] > 0
        assert 0 <= status["score"] < 100
        assert status["baseline"]["networkPolicy"] == "Managed"
        assert "Fail" in result_of(status, "APP-01/liveness-probe")
        owner = crds.get_json("aksc", name, "-n", ns)["metadata"]["ownerReferences"][0]
        assert owner["kind"] == "AksChecklistPolicy"
        assert owner["name"] == name


def test_fixing_a_workload_raises_the_score(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(bad_deployment("web", ns))
        before = eventually(
            lambda: (
                (s := report(crds, name, ns))
                and s.get("workloads") == 1
                and result_of(s, "RES-05/resource-quota") == {"Pass"}
                and s
            ),
            what="a report that already counts the baseline",
        )
        assert "Fail" in result_of(before, "APP-01/liveness-probe")
        started = time.monotonic()
        crds.apply(good_deployment("web", ns))
        after = eventually(
            lambda: (
                (s := report(crds, name, ns))
                and "Fail" not in result_of(s, "APP-01/liveness-probe")
                and s
            ),
            timeout=15,
            what="the fixed workload to be judged",
        )
        assert time.monotonic() - started < 15
        assert after["score"] > before["score"]


def test_waiver_turns_fail_into_waived_and_its_expiry_turns_it_back(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    waiver = {
        "rule": "APP-01/liveness-probe",
        "name": "legacy-*",
        "reason": "vendor image",
        "expires": tomorrow,
    }
    with policy(crds, name, selector_label, waivers=[waiver]):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(bad_deployment("legacy-batch", ns))
        status = eventually(
            lambda: (s := report(crds, name, ns)) and s.get("workloads") and s, what="report"
        )
        assert result_of(status, "APP-01/liveness-probe") == {"Waived"}
        waived = next(r for r in status["results"] if r["rule"] == "APP-01/liveness-probe")
        assert "vendor image" in waived["message"]

        yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
        crds.apply(policy_body(name, selector_label, waivers=[{**waiver, "expires": yesterday}]))
        expired = eventually(
            lambda: (
                (s := report(crds, name, ns))
                and "Fail" in result_of(s, "APP-01/liveness-probe")
                and s
            ),
            what="the waiver to lapse",
        )
        entry = next(r for r in expired["results"] if r["rule"] == "APP-01/liveness-probe")
        assert "expired" in entry["message"]


# Rules the baseline objects themselves decide: quota and limits (RES-05/06, and
# APP-11 and RES-07 once the LimitRange defaults requests and limits), PDBs (RES-08) and
# network isolation (NET-07/08, and NET-11 once egress to the metadata endpoint is denied).
BASELINE_RULES = ("RES-05", "RES-06", "RES-07", "RES-08", "NET-07", "NET-08", "NET-11", "APP-11")


def test_audit_reports_what_enforce_reports_minus_the_baseline(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    audit_label, enforce_label = f"a{selector_label}", f"e{selector_label}"
    with (
        policy(crds, f"audit-{selector_label}", audit_label, enforcement="Audit"),
        policy(crds, f"enforce-{selector_label}", enforce_label),
    ):
        results = {}
        for label, name in (
            (audit_label, f"audit-{selector_label}"),
            (enforce_label, f"enforce-{selector_label}"),
        ):
            ns = create_namespace(crds, f"ns-{label}", label)
            crds.apply(bad_deployment("web", ns))
            # Settled: Audit sees no quota, Enforce sees the one it made.
            quota = "Fail" if label == audit_label else "Pass"
            status = eventually(
                lambda ns=ns, name=name, quota=quota: (
                    (s := report(crds, name, ns))
                    and s.get("workloads") == 1
                    and result_of(s, "RES-05/resource-quota") == {quota}
                    and s
                ),
                what=f"report in {ns}",
            )
            results[label] = {
                (r["rule"], r["result"], r["count"])
                for r in status["results"]
                if not r["rule"].startswith(BASELINE_RULES)
            }
        assert results[audit_label] == results[enforce_label]


def test_printer_columns_show_real_values(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(bad_deployment("web", ns))
        eventually(
            lambda: (
                (s := report(crds, name, ns))
                and s.get("workloads") == 1
                and result_of(s, "RES-05/resource-quota") == {"Pass"}
            ),
            what="a report that counts the baseline",
        )

        def table_matches_status() -> bool:
            table = crds.kubectl("get", "akscompliance", "-A").stdout.splitlines()
            row = next(line.split() for line in table if line.startswith(ns))
            status = report(crds, name, ns) or {}
            expected = [
                ns,
                name,
                name,
                str(status.get("score")),
                str(status.get("passed")),
                str(status.get("failed")),
                "3/3",
            ]
            return row[:7] == expected

        # Read twice in a row; a pass may land in between, so compare until they agree.
        eventually(table_matches_status, what="printer columns equal to the report status")

        def policy_columns() -> list[str] | None:
            # NAME ENFORCEMENT NAMESPACES SCORE FAILED READY AGE: the status columns stay
            # empty until the pass that wrote the report has ended and written the policy's.
            columns = crds.kubectl("get", "akspolicy", name).stdout.splitlines()[1].split()
            return columns if len(columns) == 7 else None

        columns = eventually(policy_columns, what="the policy's status in its printer columns")
        assert columns[1] == "Enforce"
        assert int(columns[2]) >= 1
        assert columns[5] == "True"


def test_three_thousand_deployments_keep_the_report_small(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    ns = create_namespace(crds, f"big-{selector_label}", selector_label)
    items = []
    for i in range(3000):
        body = bad_deployment(f"app-{i:04d}-with-a-rather-long-descriptive-name", ns)
        body["spec"]["replicas"] = 0
        items.append(body)
    crds.kubectl(
        "create",
        "-f",
        "-",
        stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
        timeout=600,
    )
    with policy(crds, name, selector_label):
        eventually(
            lambda: (s := report(crds, name, ns)) and s.get("workloads") == 3000,
            timeout=180,
            what="report over 3,000 workloads",
        )
        raw = crds.kubectl("get", "aksc", name, "-n", ns, "-o", "json").stdout
        size = len(json.dumps(json.loads(raw)["status"], separators=(",", ":")))
        assert size < 64 * 1024, size
        policy_status = crds.get_json("akspolicy", name)["status"]
        assert len(json.dumps(policy_status, separators=(",", ":"))) < 64 * 1024
    crds.kubectl("delete", "namespace", ns, "--wait=false")


def fake_node(
    name: str, labels: dict[str, str], taints: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/os": "linux", **labels}},
        "spec": {"taints": taints or []},
    }


def test_cluster_scope_results_appear_for_labelled_nodes(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    nodes = [
        fake_node(
            f"aks-system-{selector_label}",
            {
                "kubernetes.azure.com/mode": "system",
                "kubernetes.azure.com/agentpool": "system",
                "kubernetes.azure.com/os-sku": "Ubuntu",
                "topology.kubernetes.io/zone": "westeurope-1",
            },
        ),
        fake_node(
            f"aks-user-{selector_label}",
            {
                "kubernetes.azure.com/mode": "user",
                "kubernetes.azure.com/agentpool": "user",
                "kubernetes.azure.com/os-sku": "AzureLinux",
                "topology.kubernetes.io/zone": "westeurope-1",
            },
        ),
    ]
    for node in nodes:
        crds.apply(node)
    try:
        with policy(crds, name, selector_label):

            def cluster_rows() -> list[dict[str, str]] | None:
                rows = crds.get_json("akspolicy", name).get("status", {}).get("cluster", [])
                found = {r["rule"] for r in rows}
                if {"CSEC-12/system-nodes-dedicated", "BCDR-03/nodes-span-zones"} <= found:
                    return list(rows)
                return None

            rows = eventually(cluster_rows, what="cluster-scope results")
            by_rule = {(r["rule"], r.get("object", "")): r["result"] for r in rows}
            # The system pool has no CriticalAddonsOnly taint; both nodes sit in one zone.
            assert by_rule[("CSEC-12/system-nodes-dedicated", "Cluster/cluster")] == "Fail"
            assert by_rule[("BCDR-03/nodes-span-zones", "Cluster/cluster")] == "Fail"
            assert (
                by_rule[("CSEC-01/azure-linux-nodes", f"Node/aks-user-{selector_label}")] == "Pass"
            )
            assert (
                by_rule[("CSEC-01/azure-linux-nodes", f"Node/aks-system-{selector_label}")]
                == "Fail"
            )
    finally:
        for node in nodes:
            crds.kubectl("delete", "node", node["metadata"]["name"], check=False)


def test_metrics_expose_scores_writes_and_durations(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(bad_deployment("web", ns))
        eventually(lambda: (s := report(crds, name, ns)) and s.get("workloads") == 1, what="report")
        # The pass's duration is observed when it ends, a little after its reports are written.
        duration = f'aks_checklist_reconcile_duration_seconds_count{{policy="{name}"}}'

        def after_the_pass() -> str | None:
            text = operator.metrics()
            return text if duration in text else None

        text = eventually(after_the_pass, what="the reconcile duration of the pass")
        assert (
            f'aks_checklist_rule_failures{{policy="{name}",rule="APP-01/liveness-probe",'
            'severity="Medium"}' in text
        )
        assert f'aks_checklist_namespace_score{{namespace="{ns}",policy="{name}"}}' in text
        assert 'aks_checklist_api_writes_total{kind="NetworkPolicy",verb="create"}' in text
        assert (
            f'aks_checklist_baseline_objects{{kind="limitRange",policy="{name}",state="Managed"}}'
            in text
        )


def test_score_drop_posts_an_event(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(good_deployment("web", ns))
        eventually(
            lambda: (s := report(crds, name, ns)) and s.get("workloads") == 1, what="first report"
        )
        crds.apply(bad_deployment("worse", ns))

        def dropped() -> bool:
            events = crds.get_json("events", "-n", ns)["items"]
            return any(
                e.get("reason") == "ScoreDropped" and e["involvedObject"]["kind"] == "AksCompliance"
                for e in events
            )

        eventually(dropped, what="a ScoreDropped event")


def test_the_policy_status_counts_each_category_with_its_attestations(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    attestations = [
        {
            "item": "BCDR-01",
            "by": "sre@contoso.com",
            "evidence": "https://wiki/dr",
            "expires": "2099-06-01",
        }
    ]
    with policy(crds, name, selector_label, enforcement="Audit", attestations=attestations):
        create_namespace(crds, f"ns-{selector_label}", selector_label)

        def bcdr_row() -> dict[str, Any] | None:
            rows = crds.get_json("akspolicy", name).get("status", {}).get("categories") or []
            return next((r for r in rows if r["category"] == "Bc Dr"), None)

        row = eventually(bcdr_row, what="the Bc Dr row of status.categories")
        assert row["attested"] == 1
        assert row["unattested"] >= 1
        rows = crds.get_json("akspolicy", name)["status"]["categories"]
        assert len(rows) == 11
        # Audit on an empty namespace: no quota, no LimitRange, strict failures.
        resources = next(r for r in rows if r["category"] == "Resource Management")
        assert resources["strict"]["failed"] >= 1
