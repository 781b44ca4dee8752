"""A policy's gauges follow its reports: series that stop applying are removed."""

from __future__ import annotations

from prometheus_client import REGISTRY

from aks_checklist.controller.metrics import PolicyMetrics
from aks_checklist.report import NamespaceReport
from aks_checklist.report_book import ReportBook


def report(
    namespace: str, score: int, failures: tuple[tuple[str, str, int], ...] = ()
) -> NamespaceReport:
    status = {
        "score": score,
        "failed": sum(n for _, _, n in failures),
        "baseline": {"limitRange": "Managed"},
    }
    return NamespaceReport(namespace=namespace, status=status, failures=failures)


def book(reports: dict[str, NamespaceReport]) -> ReportBook:
    kept = ReportBook()
    kept.update(reports)
    return kept


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_series_of_a_gone_namespace_and_a_fixed_rule_are_removed() -> None:
    metrics = PolicyMetrics("series-test")
    metrics.export(
        book(
            {
                "shop": report("shop", 80, (("APP-01/liveness-probe", "Medium", 2),)),
                "legacy": report("legacy", 50),
            }
        )
    )
    score = "aks_checklist_namespace_score"
    failures = "aks_checklist_rule_failures"
    rule = {"policy": "series-test", "rule": "APP-01/liveness-probe", "severity": "Medium"}
    assert sample(score, policy="series-test", namespace="legacy") == 50
    assert sample(failures, **rule) == 2

    metrics.export(book({"shop": report("shop", 100)}))

    assert sample(score, policy="series-test", namespace="legacy") is None
    assert sample(failures, **rule) is None
    assert sample(score, policy="series-test", namespace="shop") == 100
    state = {"policy": "series-test", "kind": "limitRange", "state": "Managed"}
    assert sample("aks_checklist_baseline_objects", **state) == 1

    metrics.clear()
    assert sample(score, policy="series-test", namespace="shop") is None
    assert sample("aks_checklist_baseline_objects", **state) is None
