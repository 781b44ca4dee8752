"""Findings to status: the AksCompliance report, the policy aggregate, conditions and scores.

The statuses end up in etcd and in ``kubectl get`` columns, so what matters
is that they stay small whatever the namespace holds, put failures first,
and do not change (no write) when nothing changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from aks_checklist.checks.engine import evaluate
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.report import (
    MAX_MESSAGE,
    MAX_RESOURCES,
    NamespaceReport,
    cluster_results,
    namespace_report,
    policy_aggregate,
    remove_condition,
    score,
    set_condition,
    status_digest,
)
from tests.unit.checks.builders import NAMESPACE, container, deployment, snapshot

LIVENESS = Rule("APP-01/liveness-probe", "Liveness probe", Severity.HIGH, "workload")
READINESS = Rule("APP-03/readiness-probe", "Readiness probe", Severity.MEDIUM, "workload")
LABELS = Rule("APP-06/recommended-labels", "Recommended labels", Severity.LOW, "workload")
CPU = Rule("APP-11/cpu-request", "CPU request", Severity.MEDIUM, "workload")
QUOTA = Rule("RES-05/resource-quota", "Resource quota", Severity.MEDIUM, "namespace")
SYSTEM_POOL = Rule("CSEC-12/system-pool-tainted", "System pool tainted", Severity.LOW, "aks")
UPGRADES = Rule("OPS-01/auto-upgrade", "Auto upgrade", Severity.HIGH, "aks")

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def ref(name: str, kind: str = "Deployment") -> ObjectRef:
    return ObjectRef("apps/v1", kind, NAMESPACE, name)


def found(
    rule: Rule,
    result: Result,
    name: str | None = "web",
    *,
    container: str | None = None,
    message: str | None = None,
) -> Finding:
    obj = ref(name) if name is not None else None
    text = message or f"{rule.id} {result.value.lower()} on {name or 'the namespace'}"
    return rule.finding(result, text, obj, container=container)


def report(findings: Iterable[Finding], **kwargs: Any) -> NamespaceReport:
    kwargs.setdefault("workloads", 1)
    kwargs.setdefault("baseline", None)
    return namespace_report("baseline", NAMESPACE, list(findings), **kwargs)


def entry(status: dict[str, Any], rule: Rule, result: Result) -> dict[str, Any]:
    rows: list[dict[str, Any]] = status["results"]
    [match] = [e for e in rows if (e["rule"], e["result"]) == (rule.id, result.value)]
    return match


# --- score ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("passed", "failed", "expected"),
    [
        pytest.param(0, 0, 100, id="nothing-judged"),
        pytest.param(5, 0, 100, id="all-passed"),
        pytest.param(0, 5, 0, id="all-failed"),
        pytest.param(3, 1, 75, id="exact"),
        pytest.param(2, 1, 66, id="two-thirds-rounds-down"),
        pytest.param(199, 1, 99, id="one-failure-is-never-100"),
        pytest.param(1, 199, 0, id="floor-near-zero"),
    ],
)
def test_score_is_the_passed_percentage_rounded_down(
    passed: int, failed: int, expected: int
) -> None:
    assert score(passed, failed) == expected


# --- namespace report ----------------------------------------------------------------------------


def test_report_counts_results_and_carries_policy_workloads_and_score() -> None:
    findings = [
        found(LIVENESS, Result.PASS, "web"),
        found(LIVENESS, Result.FAIL, "api"),
        found(READINESS, Result.PASS, "web"),
        found(READINESS, Result.PASS, "api"),
        found(CPU, Result.WAIVED, "batch"),
        found(LABELS, Result.WARN, "web"),
        found(QUOTA, Result.NOT_APPLICABLE, None),
    ]

    result = report(findings, workloads=3)

    status = result.status
    assert status["policy"] == "baseline"
    assert (status["passed"], status["failed"], status["waived"]) == (3, 1, 1)
    assert status["workloads"] == 3
    assert status["score"] == 75  # warnings, waivers and N/A are not judged
    assert (result.namespace, result.failed, result.score) == (NAMESPACE, 1, 75)
    assert "baseline" not in status


def test_report_includes_the_baseline_state_when_given() -> None:
    baseline = {"networkPolicy": "Managed", "limitRange": "External", "podDisruptionBudgets": "1/2"}

    status = report([], baseline=baseline).status

    assert status["baseline"] == baseline
    assert status["score"] == 100
    assert status["results"] == []


def test_results_put_failures_first_then_by_severity_then_rule() -> None:
    findings = [
        found(LABELS, Result.PASS),
        found(QUOTA, Result.NOT_APPLICABLE, None),
        found(CPU, Result.WAIVED),
        found(LABELS, Result.WARN),
        found(READINESS, Result.ERROR),
        found(LABELS, Result.FAIL),
        found(CPU, Result.FAIL),
        found(READINESS, Result.FAIL),
        found(LIVENESS, Result.FAIL),
    ]

    order = [(e["result"], e["rule"]) for e in report(findings).status["results"]]

    assert order == [
        ("Fail", LIVENESS.id),  # High
        ("Fail", READINESS.id),  # Medium, APP-03 before APP-11
        ("Fail", CPU.id),
        ("Fail", LABELS.id),  # Low
        ("Error", READINESS.id),
        ("Warn", LABELS.id),
        ("Waived", CPU.id),
        ("NotApplicable", QUOTA.id),
        ("Pass", LABELS.id),
    ]


def test_results_order_does_not_depend_on_finding_order() -> None:
    findings = [found(r, res, n) for r in (LIVENESS, CPU) for res in Result for n in ("a", "b")]

    assert report(findings).status == report(reversed(findings)).status


def test_a_passing_entry_carries_a_count_but_no_names_or_message() -> None:
    status = report(found(LIVENESS, Result.PASS, f"web-{i}") for i in range(30)).status

    assert status["results"] == [
        {"rule": LIVENESS.id, "severity": "High", "result": "Pass", "count": 30}
    ]


@pytest.mark.parametrize(
    "result", [Result.FAIL, Result.WARN, Result.WAIVED, Result.ERROR, Result.NOT_APPLICABLE]
)
def test_every_other_entry_names_its_resources_and_says_why(result: Result) -> None:
    findings = [found(LIVENESS, result, "web"), found(LIVENESS, result, "api")]

    [row] = report(findings).status["results"]

    assert row["count"] == 2
    assert row["resources"] == ["Deployment/api", "Deployment/web"]
    assert row["message"] == findings[1].message  # of the first resource by name


def test_resources_are_bounded_sorted_and_the_count_stays_exact() -> None:
    findings = [found(LIVENESS, Result.FAIL, f"web-{i:03d}") for i in range(250, 0, -1)]

    row = entry(report(findings).status, LIVENESS, Result.FAIL)

    assert row["count"] == 250
    assert len(row["resources"]) == MAX_RESOURCES == 20
    assert row["resources"] == [f"Deployment/web-{i:03d}" for i in range(1, 21)]
    assert row["message"] == "APP-01/liveness-probe fail on web-001"


def test_resource_names_show_the_container_and_a_dash_without_object() -> None:
    findings = [
        found(CPU, Result.FAIL, "web", container="app"),
        found(CPU, Result.FAIL, "web", container="sidecar"),
        found(QUOTA, Result.FAIL, None),
    ]

    status = report(findings).status

    assert entry(status, CPU, Result.FAIL)["resources"] == [
        "Deployment/web (app)",
        "Deployment/web (sidecar)",
    ]
    assert entry(status, QUOTA, Result.FAIL)["resources"] == ["-"]


def test_a_long_message_is_cut_to_the_limit() -> None:
    status = report([found(LIVENESS, Result.FAIL, message="x" * 5000)]).status

    message = entry(status, LIVENESS, Result.FAIL)["message"]
    assert len(message) == MAX_MESSAGE
    assert message.endswith("…")


def test_a_message_at_the_limit_is_kept_whole() -> None:
    status = report([found(LIVENESS, Result.FAIL, message="y" * MAX_MESSAGE)]).status

    assert entry(status, LIVENESS, Result.FAIL)["message"] == "y" * MAX_MESSAGE


def test_item_counts_sum_the_rules_of_each_item() -> None:
    second_rule = Rule("APP-01/liveness-differs", "Liveness differs", Severity.LOW, "workload")
    findings = [
        found(LIVENESS, Result.PASS, "a"),
        found(LIVENESS, Result.FAIL, "b"),
        found(second_rule, Result.FAIL, "a"),
        found(second_rule, Result.WAIVED, "b"),
        found(second_rule, Result.WARN, "c"),
        found(CPU, Result.PASS, "a"),
    ]

    counts = report(findings).item_counts

    assert counts == {"APP-01": (1, 2, 1), "APP-11": (1, 0, 0)}


def test_an_unchanged_namespace_gives_an_identical_status() -> None:
    """Nothing in the report depends on the time, so an idle pass costs no write."""
    findings = [found(LIVENESS, Result.FAIL, f"w{i}") for i in range(40)]

    assert report(findings).status == report(list(findings)).status


# --- size ----------------------------------------------------------------------------------------


def _status_bytes(status: dict[str, Any]) -> int:
    return len(json.dumps(status, ensure_ascii=False).encode())


def _failing_deployment(index: int) -> dict[str, Any]:
    """A deployment that breaks many rules at once (which ones varies with ``index``)."""
    bad = index % 2 == 0
    security = {
        "privileged": True,
        "allowPrivilegeEscalation": True,
        "capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN"]},
        "procMount": "Unmasked",
    }
    app = container(
        "app",
        image="docker.io/library/nginx:latest",
        securityContext=security if bad else {},
        env=[{"name": "DB_PASSWORD", "value": "not-a-real-one"}],
        ports=[{"containerPort": 80, "hostPort": 8080}] if bad else [],
    )
    extra = {
        "hostNetwork": True,
        "hostPID": True,
        "hostIPC": True,
        "volumes": [{"name": "sock", "hostPath": {"path": "/var/run"}}],
        "securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]},
    }
    return deployment(
        f"orders-service-{index:04d}",
        replicas=1 + index % 3,
        containers=[app, container("istio-proxy", image="docker.io/istio/proxyv2")],
        pod_spec_extra=extra if bad else None,
    )


def test_a_namespace_with_3000_failing_deployments_fits_in_64_kib() -> None:
    """The engine's own findings for a big, badly configured namespace stay small."""
    findings = evaluate([snapshot(*(_failing_deployment(i) for i in range(3000)), complete=True)])
    failing_rules = {f.rule for f in findings if f.result is Result.FAIL}

    status = report(findings, workloads=3000, baseline={"summary": "0/3 PDB 0/3"}).status

    assert len(failing_rules) >= 35
    assert status["failed"] > 100_000
    assert _status_bytes(status) < 64 * 1024
    assert all(len(e.get("resources", ())) <= MAX_RESOURCES for e in status["results"])


def test_report_size_does_not_grow_with_the_number_of_failing_objects() -> None:
    """40 rules failing on every deployment: 300 or 3,000 deployments, same size bound."""
    severities = list(Severity)
    rules = [
        Rule(f"APP-{n:02d}/rule-number-{n}", "t", severities[n % 3], "workload") for n in range(40)
    ]

    def status_for(count: int) -> dict[str, Any]:
        findings = [
            rule.finding(
                Result.FAIL,
                f"container app of Deployment/checkout-frontend-{i:04d} breaks {rule.id}: "
                "set the field in the pod template so new pods get it",
                ref(f"checkout-frontend-{i:04d}"),
                container="app",
            )
            for rule in rules
            for i in range(count)
        ]
        return report(findings, workloads=count).status

    small, large = status_for(300), status_for(3000)

    assert len(large["results"]) == 40
    assert large["failed"] == 40 * 3000
    assert _status_bytes(large) < 64 * 1024
    # Only the counters' digits differ.
    assert _status_bytes(large) - _status_bytes(small) <= 40 * 2 + 10


# --- policy aggregate ----------------------------------------------------------------------------


def test_aggregate_sums_namespaces_and_counts_compliant_ones() -> None:
    clean = report([found(LIVENESS, Result.PASS), found(LABELS, Result.WARN)], workloads=2)
    waived = report([found(LIVENESS, Result.WAIVED), found(CPU, Result.PASS)], workloads=1)
    failing = report(
        [found(LIVENESS, Result.FAIL), found(LIVENESS, Result.PASS, "b"), found(CPU, Result.FAIL)],
        workloads=4,
    )

    summary = policy_aggregate([clean, waived, failing])["summary"]

    assert summary == {
        "namespaces": 3,
        "compliantNamespaces": 2,  # a warning or a waiver is not a failure
        "workloads": 7,
        "passed": 3,
        "failed": 2,
        "waived": 1,
        "score": 60,  # of all judged results, not the mean of namespace scores
    }


def test_aggregate_of_no_namespaces_is_empty_and_scores_100() -> None:
    assert policy_aggregate([]) == {
        "summary": {
            "namespaces": 0,
            "compliantNamespaces": 0,
            "workloads": 0,
            "passed": 0,
            "failed": 0,
            "waived": 0,
            "score": 100,
        },
        "items": [],
    }


def test_aggregate_items_sum_over_namespaces_and_sort_by_id_numerically() -> None:
    def rule(rule_id: str) -> Rule:
        return Rule(rule_id, "t", Severity.LOW, "workload")

    first = report(
        [
            found(rule("APP-10/x"), Result.FAIL),
            found(rule("APP-9/x"), Result.PASS),
            found(rule("RES-05/x"), Result.PASS),
        ]
    )
    second = report(
        [
            found(rule("APP-10/x"), Result.PASS),
            found(rule("APP-10/y"), Result.WAIVED),
            found(rule("BCDR-08/x"), Result.FAIL),
            found(rule("APP-02/x"), Result.FAIL),
        ]
    )

    items = policy_aggregate([first, second])["items"]

    assert [row["id"] for row in items] == ["APP-02", "APP-9", "APP-10", "BCDR-08", "RES-05"]
    assert items[2] == {"id": "APP-10", "passed": 1, "failed": 1, "waived": 1}
    assert items[0] == {"id": "APP-02", "passed": 0, "failed": 1, "waived": 0}


def test_aggregate_size_does_not_grow_with_the_number_of_namespaces() -> None:
    one = report([found(LIVENESS, Result.FAIL), found(CPU, Result.PASS)])

    few, many = policy_aggregate([one] * 3), policy_aggregate([one] * 3000)

    assert len(many["items"]) == len(few["items"]) == 2
    assert many["summary"]["namespaces"] == 3000
    assert many["summary"]["compliantNamespaces"] == 0


# --- cluster results -----------------------------------------------------------------------------


def test_cluster_results_group_by_rule_and_result_failures_first() -> None:
    """One row per (rule, result), naming the first object and counting all of them."""
    node = ObjectRef("v1", "Node", None, "aks-system-0")
    findings = [
        SYSTEM_POOL.finding(Result.PASS, "system pool is tainted"),
        UPGRADES.finding(Result.WARN, "auto-upgrade channel is patch"),
        SYSTEM_POOL.finding(
            Result.FAIL,
            "node aks-system-1 is untainted",
            ObjectRef("v1", "Node", None, "aks-system-1"),
        ),
        SYSTEM_POOL.finding(Result.FAIL, "node aks-system-0 is untainted", node),
        UPGRADES.finding(Result.FAIL, "auto-upgrade is off"),
    ]

    rows = cluster_results(findings)

    assert [(r["result"], r["rule"], r["object"], r["count"]) for r in rows] == [
        ("Fail", SYSTEM_POOL.id, "Node/aks-system-0", 2),
        ("Fail", UPGRADES.id, "", 1),
        ("Warn", UPGRADES.id, "", 1),
        ("Pass", SYSTEM_POOL.id, "", 1),
    ]
    assert rows[0]["message"] == "node aks-system-0 is untainted"
    assert rows[1] == {
        "rule": UPGRADES.id,
        "result": "Fail",
        "severity": "High",
        "object": "",
        "count": 1,
        "message": "auto-upgrade is off",
    }


def test_cluster_results_do_not_grow_with_the_number_of_nodes() -> None:
    def rows_for(nodes: int) -> list[dict[str, object]]:
        return cluster_results(
            SYSTEM_POOL.finding(Result.FAIL, "untainted", ObjectRef("v1", "Node", None, f"n{i}"))
            for i in range(nodes)
        )

    assert len(rows_for(3)) == len(rows_for(3000)) == 1
    assert rows_for(3000)[0]["count"] == 3000


def test_cluster_results_stop_at_the_byte_budget_keeping_the_failures() -> None:
    rules = [Rule(f"CSEC-{i:02d}/rule-{i}", "t", Severity.HIGH, "cluster") for i in range(1, 99)]
    findings = [rule.finding(Result.PASS, "ok " * 100) for rule in rules]
    findings += [rule.finding(Result.FAIL, "x" * 2000) for rule in rules]

    rows = cluster_results(findings, budget=8 * 1024)

    assert len(json.dumps(rows)) < 9 * 1024
    assert rows[0]["result"] == "Fail"
    assert all(len(str(r["message"])) <= MAX_MESSAGE for r in rows)
    assert "more results left out" in str(rows[-1]["message"])


# --- conditions ----------------------------------------------------------------------------------


def ready(
    conditions: list[dict[str, Any]],
    status: bool,
    *,
    now: datetime = NOW,
    reason: str = "Reconciled",
    message: str = "all namespaces evaluated",
    generation: int | None = 3,
) -> list[dict[str, Any]]:
    return set_condition(
        conditions,
        type_="Ready",
        status=status,
        reason=reason,
        message=message,
        generation=generation,
        now=now,
    )


def test_a_new_condition_is_added_with_the_time_of_now() -> None:
    other = {"type": "Degraded", "status": "False", "reason": "Fine", "message": ""}

    conditions = ready([other], True)

    assert conditions == [
        other,
        {
            "type": "Ready",
            "status": "True",
            "reason": "Reconciled",
            "message": "all namespaces evaluated",
            "observedGeneration": 3,
            "lastTransitionTime": "2026-03-01T12:00:00Z",
        },
    ]


def test_an_unchanged_status_keeps_its_transition_time_and_updates_the_rest() -> None:
    first = ready([], True, generation=3)

    second = ready(first, True, now=LATER, message="12 namespaces evaluated", generation=4)

    [condition] = second
    assert condition["lastTransitionTime"] == "2026-03-01T12:00:00Z"
    assert condition["message"] == "12 namespaces evaluated"
    assert condition["observedGeneration"] == 4


def test_reasserting_the_same_condition_later_changes_nothing() -> None:
    first = ready([], False, reason="ApplyFailed", message="quota rejected")

    assert ready(first, False, now=LATER, reason="ApplyFailed", message="quota rejected") == first


@pytest.mark.parametrize(
    ("before", "after"),
    [pytest.param(True, False, id="true-to-false"), pytest.param(False, True, id="false-to-true")],
)
def test_a_flipped_status_moves_the_transition_time(before: bool, after: bool) -> None:
    first = ready([], before)

    [condition] = ready(first, after, now=LATER)

    assert condition["status"] == str(after)
    assert condition["lastTransitionTime"] == "2026-03-01T14:00:00Z"


def test_a_kept_condition_without_a_transition_time_gets_one() -> None:
    """A condition written by hand or by an older version may lack the field."""
    legacy = [{"type": "Ready", "status": "True", "reason": "Reconciled", "message": ""}]

    [condition] = ready(legacy, True)

    assert condition["lastTransitionTime"] == "2026-03-01T12:00:00Z"


def test_the_transition_time_is_written_in_utc() -> None:
    cet = timezone(timedelta(hours=1))

    [condition] = ready([], True, now=datetime(2026, 3, 1, 13, 0, 0, tzinfo=cet))

    assert condition["lastTransitionTime"] == "2026-03-01T12:00:00Z"


def test_without_a_generation_there_is_no_observed_generation() -> None:
    [condition] = ready([], True, generation=None)

    assert "observedGeneration" not in condition


def test_other_conditions_are_left_as_they_are() -> None:
    degraded = {
        "type": "Degraded",
        "status": "True",
        "reason": "Partial",
        "message": "3 namespaces failed",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }

    conditions = ready([degraded], True)

    assert conditions[0] == degraded
    assert conditions[0] is not degraded


def test_a_long_condition_message_is_cut() -> None:
    [condition] = ready([], False, message="e" * 4000)

    assert len(condition["message"]) == MAX_MESSAGE


def test_remove_condition_drops_only_that_type() -> None:
    conditions = ready([{"type": "Degraded", "status": "False"}], True)

    assert remove_condition(conditions, "Ready") == [{"type": "Degraded", "status": "False"}]
    assert remove_condition(conditions, "Missing") == conditions


def test_compact_report_keeps_counts_and_failures_but_not_results() -> None:
    """What the controller keeps per namespace is small but enough for metrics and events."""
    findings = [
        LIVENESS.finding(Result.FAIL, "no probe", ObjectRef("apps/v1", "Deployment", "ns", "a")),
        LIVENESS.finding(Result.FAIL, "no probe", ObjectRef("apps/v1", "Deployment", "ns", "b")),
        LIVENESS.finding(Result.PASS, "probe", ObjectRef("apps/v1", "Deployment", "ns", "c")),
    ]
    full = namespace_report("p", "ns", findings, workloads=3, baseline=None)
    compact = full.compact()
    assert "results" not in compact.status
    assert compact.status["failed"] == 2
    assert compact.score == full.score
    assert compact.failures == ((LIVENESS.id, LIVENESS.severity.value, 2),)
    assert policy_aggregate([compact]) == policy_aggregate([full])


def test_status_digest_ignores_key_order_but_not_values() -> None:
    assert status_digest({"a": 1, "b": [1, 2]}) == status_digest({"b": [1, 2], "a": 1})
    assert status_digest({"a": 1}) != status_digest({"a": 2})
