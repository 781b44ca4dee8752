"""The book's running sums equal the sums taken afresh over its reports, however it got there."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from aks_checklist.baseline.kinds import SINGLETONS
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.report import (
    NamespaceReport,
    merge_item_results,
    namespace_report,
    policy_aggregate,
)
from aks_checklist.report_book import ReportBook

RULES = [
    Rule("APP-01/liveness-probe", "Liveness probe", Severity.HIGH, "workload"),
    Rule("APP-03/readiness-probe", "Readiness probe", Severity.MEDIUM, "workload"),
    Rule("APP-06/recommended-labels", "Recommended labels", Severity.LOW, "workload"),
    Rule("RES-05/resource-quota", "Resource quota", Severity.MEDIUM, "namespace"),
    Rule("OPS-01/auto-upgrade", "Auto upgrade", Severity.HIGH, "aks"),
]
STATES = ["Managed", "Missing", "Existing", "Blocked"]


def random_report(rng: random.Random, namespace: str) -> NamespaceReport:
    findings = [
        rng.choice(RULES).finding(
            rng.choice(list(Result)),
            "judged",
            ObjectRef("apps/v1", "Deployment", namespace, f"w{i}"),
        )
        for i in range(rng.randint(0, 12))
    ]
    baseline = {k.status_key: rng.choice(STATES) for k in SINGLETONS if rng.random() < 0.8}
    report = namespace_report(
        "p", namespace, findings, workloads=rng.randint(0, 5), baseline=baseline
    )
    return report.compact() if rng.random() < 0.5 else report


def fresh_failures(reports: list[NamespaceReport]) -> dict[tuple[str, str], int]:
    counted: Counter[tuple[str, str]] = Counter()
    for report in reports:
        for rule, severity, count in report.failures:
            counted[(rule, severity)] += count
    return dict(counted)


def fresh_states(reports: list[NamespaceReport]) -> dict[tuple[str, str], int]:
    counted: Counter[tuple[str, str]] = Counter()
    for report in reports:
        baseline = report.status.get("baseline", {})
        for kind in SINGLETONS:
            counted[(kind.status_key, baseline.get(kind.status_key, "Missing"))] += 1
    return dict(counted)


@pytest.mark.parametrize("seed", [pytest.param(seed, id=f"seed-{seed}") for seed in range(20)])
def test_sums_kept_through_puts_replacements_and_removals_equal_fresh_sums(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  # reproducible test data, not secrets
    book = ReportBook()
    more: list[Finding] = [RULES[4].finding(Result.FAIL, "cluster", None)]
    for _ in range(300):
        namespace = f"ns-{rng.randint(0, 15)}"
        if namespace in book and rng.random() < 0.3:
            del book[namespace]
        elif rng.random() < 0.05:
            book.pop(namespace, None)
        else:
            book[namespace] = random_report(rng, namespace)

        reports = list(book.values())
        assert book.aggregate() == policy_aggregate(reports)
        assert book.item_results(more) == merge_item_results(reports, more)
        assert book.failures() == fresh_failures(reports)
        assert book.baseline_states() == (fresh_states(reports) if reports else {})


def test_an_emptied_book_sums_to_nothing() -> None:
    rng = random.Random(7)  # noqa: S311  # reproducible test data, not secrets
    book = ReportBook()
    for index in range(10):
        book[f"ns-{index}"] = random_report(rng, f"ns-{index}")
    for index in range(10):
        del book[f"ns-{index}"]

    assert book.aggregate() == policy_aggregate([])
    assert book.item_results() == {}
    assert book.failures() == {}
    assert book.baseline_states() == {}
