"""The page's HTML: what it says, that cluster text cannot inject markup, and its bounds."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from aks_checklist.catalog import load_catalog
from aks_checklist.dashboard.page import STYLE, STYLE_HASH, render
from aks_checklist.dashboard.server import rule_titles
from aks_checklist.dashboard.view import snapshot
from tests.unit.dashboard_samples import policy, report

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CATALOG = load_catalog()
TITLES = rule_titles()


def page(policies: list[dict[str, Any]], reports: list[dict[str, Any]], **kwargs: Any) -> str:
    return render(snapshot(policies, reports, read_at=NOW), CATALOG, TITLES, **kwargs)


class Tags(HTMLParser):
    """Collects start tags and the text of table cells by their data-label."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_checklist_table_has_every_category_with_catalog_and_status_counts() -> None:
    html = page([policy()], [])
    table = html[
        html.index('class="stack categories"') : html.index("</table>", html.index("categories"))
    ]
    for category in CATALOG.categories():
        assert f"<strong>{category}</strong>" in table
    application = text(table.split("<tr>")[2])
    # Application: 24 items (20 automated, 4 manual), APP-01 and APP-12 judged: passed 12,
    # failed 5, waived 1, score 70.
    assert application.split()[:9] == ["Application", "24", "20", "4", "2", "12", "5", "1", "70"]


def test_new_counters_in_the_status_become_columns() -> None:
    html = page(
        [
            policy(
                items=[{"id": "BCDR-01", "passed": 0, "failed": 0, "attested": 1}],
                categories=[{"category": "Bc Dr", "advisory": {"met": 2, "open": 3}}],
            )
        ],
        [],
    )
    headers = [t for t, _ in tags(html)].count("th")
    assert headers > 0
    assert ">Attested</th>" in html
    assert ">Advisory met</th>" in html
    assert ">Advisory open</th>" in html


def test_a_failing_rule_shows_its_fix_from_the_rule_and_the_catalog() -> None:
    html = page([policy()], [report("shop")])
    finding = html[html.index('data-rule="APP-01/liveness-probe"') :]
    finding = finding[: finding.index("</article>")]
    assert "container app has no livenessProbe" in finding
    assert "Deployment/api (app), Deployment/web (app)" in finding
    assert "How to fix" in finding
    assert "Containers have a liveness probe" in finding, "the rule's target state"
    assert CATALOG["APP-01"].rationale in finding


def test_manual_items_say_how_to_verify() -> None:
    manual = next(item for item in CATALOG if item.verify)
    row = {"rule": f"{manual.id}/by-hand", "result": "Fail", "message": "not attested"}
    html = page([policy()], [report("shop", results=[row])])
    assert "Verify:" in html
    assert manual.verify is not None
    assert manual.verify.split()[0] in html


def test_waived_results_are_listed_without_a_fix() -> None:
    html = page([policy()], [report("shop")])
    waived = html[html.index('data-rule="APP-21/image-tag-pinned"') :]
    waived = waived[: waived.index("</article>")]
    assert "waived: vendor image" in waived
    assert "How to fix" not in waived


def test_namespaces_are_listed_worst_first_and_linked_to_their_findings() -> None:
    html = page([policy()], [report("good", 100, results=[]), report("bad", 40)])
    table = html[html.index('class="stack namespaces"') :]
    assert table.index(">bad<") < table.index(">good<")
    assert '<a href="#ns-baseline-bad">bad</a>' in table
    assert 'id="ns-baseline-bad"' in html
    assert 'id="ns-baseline-good"' not in html, "nothing to fix, no section"


def test_cluster_findings_list_failures_before_passes_with_a_fix() -> None:
    html = page([policy()], [])
    cluster = html[html.index('class="stack cluster"') :]
    assert cluster.index("CSEC-12/system-pool-tainted") < cluster.index("OPS-01/supported-version")
    assert "Node/aks-system-1" in cluster
    assert "System node pools carry the CriticalAddonsOnly taint" in cluster


@pytest.mark.parametrize(
    ("condition", "shown"),
    [
        pytest.param({"type": "BaselineConflict", "status": "True"}, True, id="conflict"),
        pytest.param({"type": "BaselineConflict", "status": "False"}, False, id="no-conflict"),
        pytest.param(
            {"type": "AzureConfigurationRead", "status": "False"}, True, id="azure-failed"
        ),
        pytest.param({"type": "AzureConfigurationRead", "status": "True"}, False, id="azure-read"),
        pytest.param(
            {"type": "AzureResourcesRead", "status": "False"}, True, id="azure-resources-failed"
        ),
        pytest.param(
            {"type": "AzureResourcesRead", "status": "True"}, False, id="azure-resources-read"
        ),
        pytest.param(
            {"type": "PolicyReportsWritten", "status": "True"}, False, id="policy-reports-written"
        ),
        pytest.param({"type": "Ready", "status": "False"}, True, id="not-ready"),
    ],
)
def test_problem_conditions_are_called_out(condition: dict[str, str], shown: bool) -> None:
    full = {**condition, "reason": "Because", "message": "the message"}
    html = page([policy(conditions=[full])], [])
    assert ('class="alert"' in html) is shown


def test_text_from_the_cluster_cannot_inject_markup() -> None:
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    row = {"rule": "APP-01/liveness-probe", "result": "Fail", "message": evil, "resources": [evil]}
    html = page(
        [
            policy(
                conditions=[{"type": "Ready", "status": "False", "reason": evil, "message": evil}]
            )
        ],
        [report("shop", results=[row], baseline={"networkPolicy": evil})],
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not any(name.startswith("on") for _, attrs in tags(html) for name in attrs)


def test_attribute_values_from_the_cluster_are_quoted() -> None:
    row = {"rule": 'APP-01/x" onmouseover="alert(1)', "result": "Fail"}
    html = page([policy()], [report("shop", results=[row])])
    assert 'data-rule="APP-01/x&quot; onmouseover=&quot;alert(1)"' in html
    assert not any("onmouseover" in attrs for _, attrs in tags(html))


def test_only_the_worst_namespaces_are_spelled_out() -> None:
    reports = [report(f"ns-{i:03d}", score=i) for i in range(30)]
    html = page([policy()], reports, max_detailed=5)
    assert html.count('<details class="namespace"') == 5
    assert 'id="ns-baseline-ns-000"' in html
    assert 'id="ns-baseline-ns-005"' not in html
    assert "25 more namespaces have findings" in html


def test_an_empty_cluster_says_so() -> None:
    html = page([], [])
    assert "No AksChecklistPolicy found." in html
    assert "No AksCompliance reports yet." in html


def test_read_errors_are_shown() -> None:
    snap = snapshot([], [], read_at=NOW, errors=["Failed to list AksCompliance: 403 Forbidden"])
    assert "Failed to list AksCompliance: 403 Forbidden" in render(snap, CATALOG, TITLES)


def test_the_page_has_no_script_and_a_viewport_for_phones() -> None:
    html = page([policy()], [report("shop")])
    names = [tag for tag, _ in tags(html)]
    assert "script" not in names
    assert not any("style" in attrs for _, attrs in tags(html)), "the CSP blocks style attributes"
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in tags(
        html
    )
    assert f"<style>{STYLE}</style>" in html, "the style sheet the CSP hash was computed for"
    assert STYLE_HASH.startswith("sha256-")


def test_passing_cluster_results_are_folded_away_below_those_to_act_on() -> None:
    html = page([policy()], [])
    folded = html.index('<details class="quiet"><summary>1 passing or not applicable')
    assert html.index("CSEC-12/system-pool-tainted") < folded < html.index("OPS-01/supported")


def test_only_the_worst_namespaces_open_unfolded() -> None:
    html = page([policy()], [report(f"ns-{i:03d}", score=i) for i in range(30)])
    assert html.count('<details class="namespace"') == 30
    assert html.count('<details class="namespace" id="ns-baseline-ns-000" open>') == 1
    assert html.count("open>") == 20


def test_blocked_baseline_objects_are_named_and_the_summary_stands_for_the_states() -> None:
    baseline = {
        "summary": "2/3 PDB 1/2",
        "networkPolicy": "Managed",
        "blocked": [{"kind": "PodDisruptionBudget", "name": "web", "reason": "overlaps api"}],
    }
    html = page([policy()], [report("shop", results=[], baseline=baseline)])
    row = html[html.index('class="stack namespaces"') :]
    assert "2/3 PDB 1/2" in row
    assert "networkPolicy: Managed" not in row
    assert "1 blocked" in row
    assert "PodDisruptionBudget/web: overlaps api" in html
    assert 'id="ns-baseline-shop"' in html, "a blocked object is something to look at"
