"""One policy's Prometheus series, removed again when they stop applying.

A gauge set once stays until it is removed: a namespace that was deleted or
left the selector, a rule that stopped failing, a baseline state that no
namespace is in any more would keep their last value, and alerts on them
would never resolve. Each export therefore removes the series it exported
last time and does not export now.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Gauge

from aks_checklist.observability import BASELINE_OBJECTS, NAMESPACE_SCORE, RULE_FAILURES
from aks_checklist.report import NamespaceReport
from aks_checklist.report_book import ReportBook


class PolicyMetrics:
    def __init__(self, policy: str) -> None:
        self.policy = policy
        self._exported: dict[Gauge, set[tuple[str, ...]]] = {}
        self._scores: dict[str, float] = {}  # the namespace scores exported, by namespace

    def export(self, reports: ReportBook) -> None:
        self._export_scores(reports)
        values: dict[Gauge, dict[tuple[str, ...], float]] = {
            RULE_FAILURES: {},
            BASELINE_OBJECTS: {},
        }
        for (rule, severity), count in reports.failures().items():
            values[RULE_FAILURES][(self.policy, rule, severity)] = count
        for (kind_key, state), count in reports.baseline_states().items():
            values[BASELINE_OBJECTS][(self.policy, kind_key, state)] = count
        for gauge, series in values.items():
            for labels, value in series.items():
                gauge.labels(*labels).set(value)
            for stale in self._exported.get(gauge, set()) - set(series):
                gauge.remove(*stale)
            self._exported[gauge] = set(series)

    def _export_scores(self, reports: Mapping[str, NamespaceReport]) -> None:
        """One series per namespace: only the changed ones are set, the gone ones removed."""
        for namespace in set(self._scores) - set(reports):
            NAMESPACE_SCORE.remove(self.policy, namespace)
            del self._scores[namespace]
        for namespace, report in reports.items():
            if self._scores.get(namespace) != report.score:
                NAMESPACE_SCORE.labels(self.policy, namespace).set(report.score)
                self._scores[namespace] = report.score

    def clear(self) -> None:
        """Removes every series of this policy (its worker stopped)."""
        for gauge, series in self._exported.items():
            for labels in series:
                gauge.remove(*labels)
        self._exported.clear()
        for namespace in self._scores:
            NAMESPACE_SCORE.remove(self.policy, namespace)
        self._scores.clear()
