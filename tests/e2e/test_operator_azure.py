"""The operator judges the AKS cluster a policy names in ``spec.azure``, read from ARM.

ARM is the local stand-in of ``fake_arm`` (the operator process gets its
endpoint, CA file and a static token); the operator reads it with the real
Azure SDK, on every full pass.
"""

from __future__ import annotations

import json
from typing import Any

from aks_checklist.checks import cluster as cluster_checks
from tests.e2e.cluster import Cluster, eventually
from tests.e2e.fake_arm import UNREACHABLE_RESOURCE_GROUP, FakeArm, azure_spec
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
