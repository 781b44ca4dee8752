"""Reading policies and reports for the page: what is there is shown, what is odd is skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from aks_checklist.dashboard.view import read_policy, read_report, snapshot
from tests.unit.dashboard_samples import policy, report

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_report_keeps_scores_baseline_and_only_results_to_look_at() -> None:
    view = read_report(report("shop"))
    assert view is not None
    assert (view.namespace, view.policy, view.score, view.failed) == ("shop", "baseline", 71, 8)
    assert view.baseline == (("limitRange", "External"), ("networkPolicy", "Managed"))
    assert [(r.rule, r.result) for r in view.results] == [
        ("APP-01/liveness-probe", "Fail"),
        ("APP-21/image-tag-pinned", "Waived"),
    ], "Pass rows are dropped"
    assert view.results[0].resources == ("Deployment/api (app)", "Deployment/web (app)")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param({"score": "88"}, None, id="score-as-text"),
        pytest.param({"score": True}, None, id="score-as-bool"),
        pytest.param({"score": 42}, 42, id="score-as-int"),
    ],
)
def test_counts_of_the_wrong_type_read_as_unknown(
    status: dict[str, Any], expected: int | None
) -> None:
    view = read_report(report("shop", **status))
    assert view is not None
    assert view.score == expected


@pytest.mark.parametrize(
    "status",
    [
        pytest.param({"results": "oops"}, id="results-not-a-list"),
        pytest.param({"results": [None, 3, {"result": "Fail"}]}, id="rows-without-rule"),
        pytest.param({"baseline": ["x"]}, id="baseline-not-a-map"),
    ],
)
def test_a_malformed_status_still_reads(status: dict[str, Any]) -> None:
    view = read_report(report("shop", **status))
    assert view is not None
    assert view.namespace == "shop"


def test_a_report_without_status_or_namespace() -> None:
    bare = read_report({"metadata": {"name": "baseline", "namespace": "new"}})
    assert bare is not None
    assert (bare.policy, bare.score, bare.results) == ("baseline", None, ())
    assert read_report({"metadata": {"name": "x"}}) is None


def test_resources_are_bounded_and_an_object_stands_in_for_missing_resources() -> None:
    rows = [
        {"rule": "A-01/x", "result": "Fail", "resources": [f"Pod/p{i}" for i in range(50)]},
    ]
    view = read_report(report("shop", results=rows))
    assert view is not None
    assert len(view.results[0].resources) == 20
    cluster = read_policy(policy())
    assert cluster is not None
    assert cluster.cluster[0].resources == ("Node/aks-system-1",)


def test_policy_counters_include_fields_a_later_operator_adds() -> None:
    raw = policy(
        items=[{"id": "BCDR-01", "passed": 0, "failed": 0, "attested": 1, "warned": 2}],
        categories=[{"category": "Bc Dr", "strict": {"passed": 1, "failed": 0}, "attested": 1}],
        summary={"score": 90, "advisoriesOpen": 4},
    )
    view = read_policy(raw)
    assert view is not None
    assert view.items["BCDR-01"] == {"passed": 0, "failed": 0, "attested": 1, "warned": 2}
    assert view.categories["Bc Dr"] == {"strict.passed": 1, "strict.failed": 0, "attested": 1}
    assert view.summary == {"score": 90, "advisoriesOpen": 4}


def test_policy_conditions_and_enforcement() -> None:
    view = read_policy(policy())
    assert view is not None
    assert view.enforcement == "Enforce"
    ready = view.condition("Ready")
    assert ready is not None
    assert ready.status == "True"
    assert view.condition("BaselineConflict") is None


def test_a_policy_never_reconciled_defaults_to_audit_and_no_counts() -> None:
    view = read_policy({"metadata": {"name": "fresh"}})
    assert view is not None
    assert (view.enforcement, view.items, view.cluster, view.conditions) == ("Audit", {}, (), ())


def test_the_snapshot_sorts_and_drops_unnamed_objects() -> None:
    snap = snapshot(
        [policy("zeta"), policy("alpha"), {"metadata": {}}],
        [report("web"), report("api"), {"metadata": {"name": "x"}}],
        read_at=NOW,
        errors=["Failed to list AksCompliance: 403 Forbidden"],
    )
    assert [p.name for p in snap.policies] == ["alpha", "zeta"]
    assert [n.namespace for n in snap.namespaces] == ["api", "web"]
    assert snap.errors == ("Failed to list AksCompliance: 403 Forbidden",)
