"""The Grafana dashboard and the alerts ask only for metrics and labels the operator exports.

The exported names come from the operator's Prometheus registry itself
(``aks_checklist.observability`` registers into the default registry), so a
renamed metric or label breaks this test rather than a dashboard nobody opens.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

from aks_checklist import observability

MONITORING = Path(__file__).resolve().parents[2] / "manifests" / "monitoring"
DASHBOARD = MONITORING / "grafana-dashboard.json"
RULES = MONITORING / "prometheusrule.yaml"
RUNBOOK = MONITORING / "RUNBOOK.md"

# Sample names Prometheus stores for each metric type (the text format's suffixes).
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
}
# Labels Prometheus adds to every scraped series (the ServiceMonitor keeps the metrics' own
# `namespace` with honorLabels).
TARGET_LABELS = frozenset({"job", "instance", "pod", "service", "endpoint", "container"})
PROMQL_WORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
    | {"and", "or", "unless", "inf", "nan"}
)


def exported() -> dict[str, frozenset[str]]:
    """Every sample name the operator exports -> the labels it carries."""
    labels: dict[str, frozenset[str]] = {}
    for value in vars(observability).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                labels[family.name] = frozenset(value._labelnames)  # the metric's declared labels
    names: dict[str, frozenset[str]] = {}
    for family in REGISTRY.collect():
        own = labels.get(family.name, frozenset())
        for suffix in SUFFIXES[family.type]:
            extra = {"le"} if suffix == "_bucket" else set()
            names[family.name + suffix] = own | extra
    return names


EXPORTED = exported()


def _blank_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def selectors(expr: str) -> Iterator[tuple[str, set[str]]]:
    """(metric name, label names in its matchers) for every selector of ``expr``."""
    expr = _blank_strings(re.sub(r"\$\{?\w+\}?", "1m", expr))
    for match in re.finditer(r"(?<![\w.:])[a-zA-Z_:][\w:]*", expr):
        name, rest = match.group(0), expr[match.end() :]
        if name in PROMQL_WORDS or re.match(r"\s*(\(|(by|without)\s*\()", rest):
            continue  # a keyword, a function or an aggregation (sum by (...) (...))
        if _is_grouping_label(expr, match.start()) or _inside_braces_or_range(expr, match.start()):
            continue
        matchers = re.match(r"\s*(\{[^}]*\})?", rest)
        braces = matchers.group(1) if matchers and matchers.group(1) else ""
        yield name, set(re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", braces))


def _is_grouping_label(expr: str, position: int) -> bool:
    """Whether ``position`` is inside the parentheses of by(...), without(...) and friends."""
    before = expr[:position]
    opened = before.rfind("(")
    if opened < 0 or ")" in before[opened:]:
        return False
    keyword = re.search(r"(\w+)\s*$", before[:opened])
    return bool(keyword and keyword.group(1) in PROMQL_WORDS)


def _inside_braces_or_range(expr: str, position: int) -> bool:
    before = expr[:position]
    return before.rfind("[") > before.rfind("]") or before.rfind("{") > before.rfind("}")


def grouping_labels(expr: str) -> set[str]:
    found: set[str] = set()
    for group in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr):
        found |= {label.strip() for label in group.split(",") if label.strip()}
    return found


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return data


def dashboard_queries() -> list[pytest.ParameterSet]:
    queries = [
        pytest.param(target["expr"], id=f"panel-{panel['id']}-{target['refId']}")
        for panel in dashboard()["panels"]
        for target in panel.get("targets", [])
    ]
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            # label_values(<selector>, <label>) is Grafana's; its selector is PromQL.
            inner = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", variable["definition"])
            assert inner, variable["definition"]
            queries.append(pytest.param(inner.group(1), id=f"variable-{variable['name']}"))
    return queries


def prometheus_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["spec"]["groups"] for rule in group["rules"]]


def rule_queries() -> list[pytest.ParameterSet]:
    return [pytest.param(rule["expr"], id=rule["alert"]) for rule in prometheus_rules()]


def test_the_registry_holds_the_operators_metrics() -> None:
    """Guards the tests below against an empty list of exported names."""
    assert "aks_checklist_namespace_score" in EXPORTED
    assert "aks_checklist_api_writes_total" in EXPORTED
    assert "aks_checklist_reconcile_duration_seconds_bucket" in EXPORTED
    assert EXPORTED["aks_checklist_rule_failures"] == {"policy", "rule", "severity"}


@pytest.mark.parametrize("expr", [*dashboard_queries(), *rule_queries()])
def test_every_query_names_only_exported_metrics_and_their_labels(expr: str) -> None:
    found = list(selectors(expr))
    assert found, f"no metric found in {expr!r}"
    known_labels: set[str] = set(TARGET_LABELS)
    for name, labels in found:
        assert name in EXPORTED, f"{name} is not exported by the operator ({expr!r})"
        assert labels <= EXPORTED[name] | TARGET_LABELS, f"{name} has no label {labels}"
        known_labels |= EXPORTED[name]
    assert grouping_labels(expr) <= known_labels, expr


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        pytest.param("sum by (policy) (rate(x_total[5m]))", ["x_total"], id="grouping-and-range"),
        pytest.param('a{b="c d"} / on (e) group_left f', ["a", "f"], id="matchers-and-joins"),
        pytest.param('histogram_quantile(0.99, x_bucket{p=~"$v"})', ["x_bucket"], id="functions"),
        pytest.param("min(x) < 80 or vector(0)", ["x"], id="keywords-and-numbers"),
        pytest.param("sum without (a) (x) > bool 1e3", ["x"], id="aggregation-clause-first"),
    ],
)
def test_the_query_reader_finds_the_metric_names(expr: str, names: list[str]) -> None:
    assert [name for name, _ in selectors(expr)] == names


def test_the_dashboard_reads_from_a_chosen_prometheus() -> None:
    board = dashboard()
    assert board["uid"] == "aks-checklist"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]


def test_dashboard_panels_do_not_overlap() -> None:
    cells: set[tuple[int, int]] = set()
    for panel in dashboard()["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(pos["x"], pos["x"] + pos["w"])
            for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not cells & mine, panel["title"]
        cells |= mine


def test_the_rules_follow_kube_prometheus_stack_conventions() -> None:
    document = yaml.safe_load(RULES.read_text())
    assert document["apiVersion"] == "monitoring.coreos.com/v1"
    assert document["kind"] == "PrometheusRule"
    assert "release" in document["metadata"]["labels"], "Prometheus' ruleSelector matches on it"
    groups = [group["name"] for group in document["spec"]["groups"]]
    assert len(groups) == len(set(groups))


@pytest.mark.parametrize("rule", [pytest.param(r, id=r["alert"]) for r in prometheus_rules()])
def test_every_alert_waits_has_a_severity_and_says_what_to_do(rule: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d+[smh]", rule["for"]), "a pending period keeps one bad scrape quiet"
    assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    annotations = rule["annotations"]
    assert annotations["summary"].strip()
    assert annotations["description"].strip()
    page, _, anchor = annotations["runbook_url"].partition("#")
    assert page == RUNBOOK.name
    headings = {
        line.removeprefix("## ").strip().lower()
        for line in RUNBOOK.read_text().splitlines()
        if line.startswith("## ")
    }
    assert anchor == rule["alert"].lower()
    assert anchor in headings, f"RUNBOOK.md has no section {rule['alert']}"


def test_the_kustomization_ships_every_monitoring_file() -> None:
    kustomization = yaml.safe_load((MONITORING / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    generated = kustomization["configMapGenerator"][0]
    assert generated["options"]["labels"]["grafana_dashboard"] == "1"
    assert generated["files"] == [f"aks-checklist.json={DASHBOARD.name}"]
    manifests = {p.name for p in MONITORING.glob("*.yaml") if p.name != "kustomization.yaml"}
    assert listed == manifests
