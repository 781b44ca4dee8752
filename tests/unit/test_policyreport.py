"""The operator's PolicyReports: one per namespace and policy, bounded like AksCompliance."""

from __future__ import annotations

import json
import random

import pytest

from aks_checklist.checks.model import Finding, ObjectRef, Result, Severity
from aks_checklist.render.policyreport import (
    cluster_policy_report,
    namespace_policy_report,
    report_name,
)
from aks_checklist.report import MAX_RESOURCES, RESULTS_BUDGET, namespace_report


def deployment(name: str, namespace: str = "shop") -> ObjectRef:
    return ObjectRef("apps/v1", "Deployment", namespace, name)


def finding(
    rule: str,
    result: Result,
    obj: ObjectRef | None,
    severity: Severity = Severity.MEDIUM,
    message: str = "why",
) -> Finding:
    return Finding(rule=rule, result=result, severity=severity, message=message, object=obj)


FINDINGS = [
    finding("APP-01/liveness-probe", Result.FAIL, deployment("web"), message="web has none"),
    finding("APP-01/liveness-probe", Result.FAIL, deployment("api"), message="api has none"),
    finding("APP-01/liveness-probe", Result.PASS, deployment("db")),
    finding("APP-12/privileged", Result.FAIL, deployment("web"), Severity.HIGH),
    finding("APP-21/image-tag-pinned", Result.WAIVED, deployment("legacy")),
    finding("RES-05/resource-quota", Result.PASS, ObjectRef("v1", "Namespace", None, "shop")),
]


def test_one_result_per_rule_and_outcome_naming_every_resource() -> None:
    report = namespace_policy_report("baseline", "shop", FINDINGS)
    liveness = next(
        r
        for r in report["results"]
        if r["rule"] == "APP-01/liveness-probe" and r["result"] == "fail"
    )
    assert liveness["policy"] == "APP-01"
    assert liveness["category"] == "Application"
    assert liveness["severity"] == "medium"
    assert liveness["properties"] == {"result": "Fail", "count": "2"}
    assert [r["name"] for r in liveness["resources"]] == ["api", "web"]
    assert liveness["resources"][0] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "api",
        "namespace": "shop",
    }
    assert liveness["message"] == "api has none", "the first resource's message, as in the status"


def test_failures_come_first_and_the_more_severe_before_the_less() -> None:
    report = namespace_policy_report("baseline", "shop", FINDINGS)
    order = [(r["rule"], r["result"]) for r in report["results"]]
    assert order == [
        ("APP-12/privileged", "fail"),
        ("APP-01/liveness-probe", "fail"),
        ("APP-21/image-tag-pinned", "skip"),
        ("APP-01/liveness-probe", "pass"),
        ("RES-05/resource-quota", "pass"),
    ]


def test_summary_counts_findings_as_the_aks_compliance_status_does() -> None:
    report = namespace_policy_report("baseline", "shop", FINDINGS)
    status = namespace_report("baseline", "shop", FINDINGS, workloads=4, baseline=None).status
    assert report["summary"] == {"pass": 2, "fail": 3, "warn": 0, "error": 0, "skip": 1}
    assert report["summary"]["pass"] == status["passed"]
    assert report["summary"]["fail"] == status["failed"]


def test_the_report_is_named_after_the_policy_scoped_to_the_namespace_and_marked_ours() -> None:
    report = namespace_policy_report("baseline", "shop", FINDINGS)
    assert report["apiVersion"] == "wgpolicyk8s.io/v1alpha2"
    assert report["kind"] == "PolicyReport"
    assert report["metadata"] == {
        "name": "aks-checklist-baseline",
        "namespace": "shop",
        "labels": {"app.kubernetes.io/managed-by": "aks-checklist-operator"},
        "annotations": {"akschecklist.io/policy": "baseline"},
    }
    assert report["scope"] == {"apiVersion": "v1", "kind": "Namespace", "name": "shop"}


@pytest.mark.parametrize(
    ("result", "expected", "scored"),
    [
        pytest.param(Result.PASS, "pass", True, id="pass"),
        pytest.param(Result.FAIL, "fail", True, id="fail"),
        pytest.param(Result.WARN, "warn", False, id="warn-is-advice-not-scored"),
        pytest.param(Result.ERROR, "error", True, id="error"),
        pytest.param(Result.WAIVED, "skip", True, id="waived-is-skip"),
        pytest.param(Result.NOT_APPLICABLE, "skip", True, id="not-applicable-is-skip"),
    ],
)
def test_results_use_the_policy_report_vocabulary(
    result: Result, expected: str, scored: bool
) -> None:
    report = namespace_policy_report("p", "shop", [finding("APP-01/x", result, deployment("a"))])
    (entry,) = report["results"]
    assert entry["result"] == expected
    assert entry["scored"] is scored
    assert entry["properties"]["result"] == result.value


def test_a_result_names_at_most_the_bounded_number_of_resources() -> None:
    many = [
        finding("APP-01/liveness-probe", Result.FAIL, deployment(f"app-{i:03d}"))
        for i in range(MAX_RESOURCES + 7)
    ]
    (entry,) = namespace_policy_report("p", "shop", many)["results"]
    assert len(entry["resources"]) == MAX_RESOURCES
    assert entry["properties"]["count"] == str(MAX_RESOURCES + 7)
    assert entry["properties"]["resourcesLeftOut"] == "7"


def test_results_stop_at_the_byte_budget_and_say_how_many_were_left_out() -> None:
    long = "x" * 400
    findings = [
        finding(
            f"APP-{i % 90 + 10:02d}/rule-{i}", Result.FAIL, deployment(f"app-{i}-{j}"), message=long
        )
        for i in range(400)
        for j in range(3)
    ]
    report = namespace_policy_report("p", "shop", findings)
    results = report["results"]
    assert len(json.dumps(results, separators=(",", ":"))) < RESULTS_BUDGET + 1024
    last = results[-1]
    assert last["rule"] == "results-left-out"
    assert last["result"] == "skip"
    left = int(last["properties"]["count"])
    assert left == 400 - (len(results) - 1)
    assert left > 0
    assert report["summary"]["fail"] == 1200, "the summary still counts every finding"


def test_the_same_findings_in_any_order_build_the_same_report() -> None:
    shuffled = list(FINDINGS)
    random.Random(7).shuffle(shuffled)  # noqa: S311  # a fixed order, not a secret
    assert namespace_policy_report("p", "shop", shuffled) == namespace_policy_report(
        "p", "shop", FINDINGS
    )


def test_no_result_carries_a_timestamp_so_an_unchanged_cluster_needs_no_write() -> None:
    report = namespace_policy_report("p", "shop", FINDINGS)
    assert all("timestamp" not in r for r in report["results"])


def test_the_cluster_report_is_cluster_scoped_and_holds_cluster_findings() -> None:
    node = ObjectRef("v1", "Node", None, "aks-system-1")
    arm = ObjectRef("", "ManagedCluster", None, "prod")
    report = cluster_policy_report(
        "baseline",
        [
            finding("CSEC-12/system-pool-tainted", Result.FAIL, node),
            finding("OPS-01/auto-upgrade", Result.WARN, arm),
        ],
    )
    assert report["kind"] == "ClusterPolicyReport"
    assert "namespace" not in report["metadata"]
    assert "scope" not in report
    assert report["metadata"]["name"] == "aks-checklist-baseline"
    assert report["results"][0]["resources"] == [
        {"apiVersion": "v1", "kind": "Node", "name": "aks-system-1"}
    ]
    assert report["results"][1]["resources"] == [{"kind": "ManagedCluster", "name": "prod"}]
    assert report["summary"]["warn"] == 1


def test_a_result_without_an_object_names_no_resource() -> None:
    report = cluster_policy_report("p", [finding("OPS-01/x", Result.ERROR, None)])
    assert "resources" not in report["results"][0]


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param("a" * 240, id="just-fits"),
        pytest.param("a" * 253, id="longest-policy-name"),
    ],
)
def test_report_names_stay_valid_and_distinct_for_long_policy_names(policy: str) -> None:
    name = report_name(policy)
    other = report_name(policy[:-1] + "b")
    assert len(name) <= 253
    assert name != other
    assert name.startswith("aks-checklist-")
    assert not name.endswith(("-", "."))
