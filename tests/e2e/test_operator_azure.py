"""The operator judges the AKS cluster a policy names in ``spec.azure``, read from ARM.

ARM is the local stand-in of ``fake_arm`` (the operator process gets its
endpoint, CA file and a static token); the operator reads it with the real
Azure SDK, on every full pass.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from aks_checklist.azure.fetch import ArmSettings
from aks_checklist.azure.judgement import judge_with_resources, read_condition
from aks_checklist.checks import cluster as cluster_checks
from aks_checklist.checks.aks.bundle import PARTS
from aks_checklist.policy import AzureTarget
from tests.e2e.cluster import Cluster, eventually
from tests.e2e.fake_arm import (
    BUNDLES,
    FORBIDDEN_RESOURCE_GROUP,
    UNREACHABLE_RESOURCE_GROUP,
    FakeArm,
    azure_spec,
)
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.policies import condition, create_namespace, names, policy, wait_condition

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
CONDITION = "AzureConfigurationRead"


def cluster_rows(cluster: Cluster, policy_name: str) -> list[dict[str, Any]]:
    status = cluster.get_json("akspolicy", policy_name).get("status", {})
    rows: list[dict[str, Any]] = status.get("cluster", [])
    return rows


def result_of(rows: list[dict[str, Any]], rule: str) -> set[str]:
    return {row["result"] for row in rows if row["rule"] == rule}


def rows_with(cluster: Cluster, policy_name: str, rule: str) -> list[dict[str, Any]] | None:
    """The policy's cluster rows once they include ``rule``; ``None`` until then."""
    rows = cluster_rows(cluster, policy_name)
    return rows if result_of(rows, rule) else None


def test_policy_with_azure_reports_the_clusters_aks_configuration(
    crds: Cluster, operator: OperatorProcess, fake_arm: FakeArm, selector_label: str
) -> None:
    """The cluster's ARM configuration is judged into status.cluster; the read is a condition."""
    target = fake_arm.add_fixture("windows-and-spot")
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label, azure=target):
        read = wait_condition(crds, name, CONDITION, status="True")
        assert read["reason"] == "Read"
        assert target["clusterName"] in read["message"]

        rows = eventually(
            lambda: rows_with(crds, name, "IDN-07/local-accounts-disabled"),
            what="AKS rule rows in status.cluster",
        )
        # The fixture keeps local accounts enabled and runs on the Free tier: both rules fail.
        assert result_of(rows, "IDN-07/local-accounts-disabled") == {"Fail"}
        assert result_of(rows, "BCDR-07/uptime-sla") == {"Fail"}
        assert "Pass" in {row["result"] for row in rows if "/" in row["rule"]}
        idn07 = next(r for r in rows if r["rule"] == "IDN-07/local-accounts-disabled")
        assert idn07["object"] == f"ManagedCluster/{target['clusterName']}"
        assert not [r for r in rows if "set spec.azure" in r["message"]]

    requests = fake_arm.received(target["resourceGroup"])
    assert requests, "the operator never asked the fake ARM for the cluster"
    assert all(r.authorization == f"Bearer {fake_arm.token}" for r in requests)
    assert all("api-version=" in r.query for r in requests)


def test_hardened_cluster_passes_what_the_failing_one_fails(
    crds: Cluster, operator: OperatorProcess, fake_arm: FakeArm, selector_label: str
) -> None:
    """Results follow the cluster read: the hardened fixture passes the rules the other fails."""
    target = fake_arm.add_fixture("hardened-production")
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label, azure=target):
        wait_condition(crds, name, CONDITION, status="True")
        rows = eventually(
            lambda: rows_with(crds, name, "IDN-07/local-accounts-disabled"),
            what="AKS rule rows in status.cluster",
        )
        assert result_of(rows, "IDN-07/local-accounts-disabled") == {"Pass"}
        assert result_of(rows, "BCDR-07/uptime-sla") == {"Pass"}


def test_unreachable_arm_sets_the_condition_and_the_rest_still_reports(
    crds: Cluster, operator: OperatorProcess, fake_arm: FakeArm, selector_label: str
) -> None:
    """An ARM endpoint that hangs up fails only the Azure part, and the next good read recovers."""
    target = azure_spec(SUBSCRIPTION, UNREACHABLE_RESOURCE_GROUP, f"aks-{selector_label}")
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label, azure=target):
        namespace = create_namespace(crds, f"ns-{selector_label}", selector_label)
        failed = wait_condition(crds, name, CONDITION, status="False")
        assert failed["reason"] == "Unreachable"
        assert f"{UNREACHABLE_RESOURCE_GROUP}/aks-{selector_label}" in failed["message"]
        assert SUBSCRIPTION in failed["message"]
        assert "could not reach" in failed["message"]

        # Everything that does not need Azure is still judged and written.
        eventually(
            lambda: name in names(crds, "akscompliance", namespace),
            what=f"the AksCompliance report in {namespace}",
        )
        ready = wait_condition(crds, name, "Ready", status="True")
        assert ready["reason"] == "Reconciled"
        rows = cluster_rows(crds, name)
        assert not [r for r in rows if r["rule"].startswith("IDN-07")], json.dumps(rows)
        assert {r["rule"] for r in rows} & {rule.id for rule in cluster_checks.RULES}, (
            "the in-cluster cluster-scope rows are still reported"
        )
        assert operator.process is not None
        assert operator.process.poll() is None, "the operator exited"
        assert fake_arm.received(UNREACHABLE_RESOURCE_GROUP)

        # Pointing the policy at a reachable cluster recovers on the next pass.
        good = fake_arm.add_fixture("windows-and-spot")
        crds.kubectl(
            "patch", "akspolicy", name, "--type=merge", "-p", json.dumps({"spec": {"azure": good}})
        )
        recovered = wait_condition(crds, name, CONDITION, status="True")
        assert good["clusterName"] in recovered["message"]
        eventually(
            lambda: rows_with(crds, name, "IDN-07/local-accounts-disabled"),
            what="AKS rule rows after recovery",
        )


def test_policy_without_azure_says_how_to_enable_the_aks_items(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """Without spec.azure, each AKS item is NotApplicable with how to enable it; no condition."""
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label):
        rows = eventually(
            lambda: rows_with(crds, name, "IDN-07"),
            what="not-evaluated rows in status.cluster",
        )
        idn07 = next(r for r in rows if r["rule"] == "IDN-07")
        assert idn07["result"] == "NotApplicable"
        assert "spec.azure" in idn07["message"]
        assert "Reader" in idn07["message"]
        assert result_of(rows, "BCDR-07") == {"NotApplicable"}
        assert not [r for r in rows if r["rule"].startswith("IDN-07/")]
        assert condition(crds, name, CONDITION) is None


# --- the operator: the Azure resources around the cluster, on every full pass -----------------

RESOURCES = "AzureResourcesRead"


def test_policy_with_azure_judges_the_resources_around_the_cluster(
    crds: Cluster, operator: OperatorProcess, fake_arm: FakeArm, selector_label: str
) -> None:
    """Diagnostic settings, registries and alerts are read beside the cluster and judged."""
    target = fake_arm.add_bundle("hardened", subscription="33333333-3333-3333-3333-333333333333")
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label, azure=target):
        read = wait_condition(crds, name, RESOURCES, status="True")
        assert read["reason"] == "Read"
        assert f"managed cluster {target['clusterName']} and its Azure resources" in read["message"]
        rows = eventually(
            lambda: rows_with(crds, name, "OPS-20/audit-logs-exported"),
            what="Azure resource rows in status.cluster",
        )
        assert result_of(rows, "OPS-20/audit-logs-exported") == {"Pass"}
        assert result_of(rows, "BCDR-09/registry-geo-replicated") == {"Pass"}
        assert result_of(rows, "CTR-05/registry-access-control") == {"Pass"}
        assert not [r for r in rows if r["result"] == "Error"], rows
    diagnostics = [
        r
        for r in fake_arm.requests
        if "diagnosticSettings" in r.path and target["clusterName"] in r.path
    ]
    assert diagnostics, "the operator never read the cluster's diagnostic settings"
    assert all(r.authorization == f"Bearer {fake_arm.token}" for r in diagnostics)


def test_a_forbidden_resource_read_is_named_and_only_its_items_are_error(
    crds: Cluster, operator: OperatorProcess, fake_arm: FakeArm, selector_label: str
) -> None:
    """A missing role on one part: condition False/Forbidden naming it, the rest still judged."""
    target = fake_arm.add_bundle(
        "hardened",
        subscription="44444444-4444-4444-4444-444444444444",
        forbid=("microsoft.insights/diagnosticsettings",),
    )
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label, azure=target):
        failed = wait_condition(crds, name, RESOURCES, status="False")
        assert failed["reason"] == "Forbidden"
        assert "diagnosticSettings (Forbidden)" in failed["message"]
        assert "Reader role" in failed["message"]
        cluster_read = wait_condition(crds, name, CONDITION, status="True")
        assert cluster_read["reason"] == "Read"
        rows = eventually(
            lambda: rows_with(crds, name, "OPS-20/audit-logs-exported"),
            what="Azure resource rows in status.cluster",
        )
        assert result_of(rows, "OPS-20/audit-logs-exported") == {"Error"}
        error = next(r for r in rows if r["rule"] == "OPS-20/audit-logs-exported")
        assert "diagnosticSettings" in error["message"]
        # The parts that could be read are judged as usual.
        assert result_of(rows, "OPS-28/metric-alerts") == {"Pass"}
        assert result_of(rows, "BCDR-09/registry-geo-replicated") == {"Pass"}
        ready = wait_condition(crds, name, "Ready", status="True")
        assert ready["reason"] == "Reconciled"
        assert operator.process is not None
        assert operator.process.poll() is None, "the operator exited"


# --- aks collect: the Azure resources around the cluster, read from the stand-in -------------


def collect(
    fake_arm: FakeArm, target: dict[str, str], out: Path
) -> subprocess.CompletedProcess[str]:
    """Runs the real `aks-checklist aks collect` against the stand-in (its env points there)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "aks_checklist",
            "aks",
            "collect",
            "--subscription",
            target["subscriptionId"],
            "--resource-group",
            target["resourceGroup"],
            "--name",
            target["clusterName"],
            "-o",
            str(out),
        ],
        env={**os.environ, **fake_arm.env()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def judge(path: Path) -> tuple[int, dict[str, set[str]]]:
    done = subprocess.run(
        [sys.executable, "-m", "aks_checklist", "aks", str(path), "-o", "json", "--show-passed"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    results: dict[str, set[str]] = {}
    for row in json.loads(done.stdout)["results"]:
        results.setdefault(row["rule"], set()).add(row["result"])
    return done.returncode, results


def test_collect_reads_every_part_of_the_bundle_from_arm(fake_arm: FakeArm, tmp_path: Path) -> None:
    """Every part the collector reads round-trips from the stand-in into the bundle."""
    target = fake_arm.add_bundle("hardened")
    out = tmp_path / "bundle.json"
    done = collect(fake_arm, target, out)
    assert done.returncode == 0, done.stderr
    written = json.loads(out.read_text())
    expected = json.loads((BUNDLES / "hardened.json").read_text())
    assert "errors" not in written, written.get("errors")
    for part in PARTS:  # the collector may read a list in another order than the fixture's

        def canonical(entries: list[Any]) -> list[str]:
            return sorted(json.dumps(entry, sort_keys=True) for entry in entries)

        assert canonical(written[part]) == canonical(expected[part]), part
    assert written["cluster"]["id"] == expected["cluster"]["id"]

    code, results = judge(out)
    assert code == 0
    for rule in (
        "OPS-20/audit-logs-exported",
        "CSEC-15/defender-cspm",
        "BCDR-09/registry-geo-replicated",
        "CTR-05/registry-access-control",
        "RES-13/quota-headroom",
        "OPS-30/resource-health-alert",
        "STO-04/backup-configured",
        "NET-02/subnet-capacity",
    ):
        assert results[rule] <= {"Pass", "NotApplicable"}, (rule, results[rule])
    requests = [r for r in fake_arm.requests if "Microsoft.Insights/diagnosticSettings" in r.path]
    assert requests
    assert all(r.authorization == f"Bearer {fake_arm.token}" for r in requests)
    assert all("api-version=" in r.query for r in requests)


def test_collect_names_a_forbidden_part_and_still_writes_the_rest(
    fake_arm: FakeArm, tmp_path: Path
) -> None:
    """A missing role on one read is recorded per part; its items read Error, never Pass."""
    target = fake_arm.add_bundle(
        "hardened",
        subscription="11111111-1111-1111-1111-111111111111",
        forbid=("microsoft.security/pricings", "microsoft.insights/diagnosticsettings"),
    )
    out = tmp_path / "bundle.json"
    done = collect(fake_arm, target, out)
    assert done.returncode == 0, done.stderr
    assert "part defenderPricings not collected (Forbidden)" in done.stderr
    assert "Reader" in done.stderr
    written = json.loads(out.read_text())
    assert set(written["errors"]) == {"defenderPricings", "diagnosticSettings"}
    assert written["metricAlerts"]

    code, results = judge(out)
    assert code == 0
    assert results["CSEC-15/defender-cspm"] == {"Error"}
    assert results["OPS-20/audit-logs-exported"] == {"Error"}
    assert results["OPS-28/metric-alerts"] == {"Pass"}


def test_collect_exits_2_when_the_cluster_itself_is_forbidden(
    fake_arm: FakeArm, tmp_path: Path
) -> None:
    target = azure_spec(SUBSCRIPTION, FORBIDDEN_RESOURCE_GROUP, "aks-locked")
    out = tmp_path / "bundle.json"
    done = collect(fake_arm, target, out)
    assert done.returncode == 2
    assert "Forbidden" in done.stderr
    assert not out.exists()


def test_operator_side_read_judges_the_resources_and_names_forbidden_parts(
    fake_arm: FakeArm,
) -> None:
    """The operator's read of the same parts: findings, and one condition naming what failed."""
    target_spec = fake_arm.add_bundle(
        "hardened",
        subscription="22222222-2222-2222-2222-222222222222",
        forbid=("microsoft.advisor/recommendations",),
    )
    target = AzureTarget(
        subscription_id=target_spec["subscriptionId"],
        resource_group=target_spec["resourceGroup"],
        cluster_name=target_spec["clusterName"],
    )
    settings = ArmSettings(
        endpoint=fake_arm.endpoint, ca_bundle=str(fake_arm.ca_bundle), token=fake_arm.token
    )
    judged = asyncio.run(judge_with_resources(target, date(2026, 11, 29), settings=settings))
    results = {f.rule: f.result.value for f in judged.findings}
    assert results["OPS-20/audit-logs-exported"] == "Pass"
    assert results["OPS-22/advisor-recommendations"] == "Error"
    assert set(judged.read_errors) == {"advisorRecommendations"}
    status, reason, message = read_condition(target, judged.read_errors)
    assert (status, reason) == (False, "Forbidden")
    assert "advisorRecommendations (Forbidden)" in message
    assert "Reader" in message
