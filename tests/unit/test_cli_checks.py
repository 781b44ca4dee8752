"""`aks-checklist checks`: listing, filters, JSON shape and the README coverage table."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from aks_checklist.catalog import AUTOMATIONS, CATEGORIES, load_catalog, parse_catalog
from aks_checklist.checks.model import Rule, Severity
from aks_checklist.checks.registry import all_rules, merge_rules, rules_by_item
from aks_checklist.cli import main
from aks_checklist.commands.checks import (
    KUBERNETES_SCOPES,
    coverage,
    render_markdown,
    render_table,
)

ITEM_KEYS = {
    "id",
    "category",
    "title",
    "severity",
    "automation",
    "rationale",
    "duplicateOf",
    "coveredBy",
    "verify",
    "verdict",
    "evidence",
    "conflictsWith",
    "attestable",
    "rules",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["checks", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "--format", "json", *args)
    assert code == 0, err
    document = json.loads(out)
    assert list(document) == ["items", "totals"]
    items: list[dict[str, Any]] = document["items"]
    return items


def markdown_rows(text: str) -> dict[str, list[int]]:
    """Category -> [items, strict, advisory, attestable, kubernetes, aks, both] from Markdown."""
    rows: dict[str, list[int]] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 8 and all(cell.isdigit() for cell in cells[1:]):
            rows[cells[0]] = [int(cell) for cell in cells[1:]]
    return rows


# --- json ------------------------------------------------------------------------------------


def test_json_lists_every_item_in_catalog_order_with_the_documented_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = run_json(capsys)
    assert [entry["id"] for entry in items] == [item.id for item in load_catalog()]
    for entry in items:
        assert set(entry) == ITEM_KEYS
        assert isinstance(entry["coveredBy"], list)
        for rule in entry["rules"]:
            assert set(rule) == {"id", "title", "severity"}


def test_json_values_come_from_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    catalog = load_catalog()
    for entry in run_json(capsys):
        item = catalog[entry["id"]]
        assert entry["category"] == item.category
        assert entry["title"] == item.title
        assert entry["severity"] == item.severity.value
        assert entry["automation"] == item.automation
        assert entry["rationale"] == item.rationale
        assert entry["duplicateOf"] == item.duplicate_of
        assert entry["coveredBy"] == list(item.covered_by)
        assert entry["verify"] == item.verify


def test_json_uses_null_for_unset_optional_fields(capsys: pytest.CaptureFixture[str]) -> None:
    entries = {entry["id"]: entry for entry in run_json(capsys)}
    without_twin = next(
        e for e in entries.values() if e["automation"] != "manual" and not e["verify"]
    )
    assert without_twin["verify"] is None
    assert without_twin["duplicateOf"] is None
    assert entries["NET-21"]["duplicateOf"] == "NET-20"


def test_json_lists_each_items_registered_rules(capsys: pytest.CaptureFixture[str]) -> None:
    grouped = rules_by_item(all_rules())
    for entry in run_json(capsys):
        expected = [
            {"id": r.id, "title": r.title, "severity": r.severity.value}
            for r in grouped.get(entry["id"], ())
        ]
        assert entry["rules"] == expected


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "prefix"),
    [
        pytest.param("APP", "APP", id="prefix"),
        pytest.param("app", "APP", id="prefix-lowercase"),
        pytest.param("Application", "APP", id="name"),
        pytest.param("resource management", "RES", id="name-lowercase-with-space"),
        pytest.param("Bc Dr", "BCDR", id="name-with-space"),
        pytest.param("bcdr", "BCDR", id="prefix-of-spaced-name"),
    ],
)
def test_category_filter_accepts_prefix_or_name(
    capsys: pytest.CaptureFixture[str], value: str, prefix: str
) -> None:
    items = run_json(capsys, "--category", value)
    assert {entry["id"].split("-")[0] for entry in items} == {prefix}
    assert len(items) == CATEGORIES[prefix][1]


@pytest.mark.parametrize("automation", [pytest.param(a, id=a) for a in AUTOMATIONS])
def test_automation_filter_keeps_only_matching_items(
    capsys: pytest.CaptureFixture[str], automation: str
) -> None:
    items = run_json(capsys, "--automation", automation.upper())
    expected = [item.id for item in load_catalog() if item.automation == automation]
    assert [entry["id"] for entry in items] == expected


def test_filters_combine(capsys: pytest.CaptureFixture[str]) -> None:
    items = run_json(capsys, "--category", "NET", "--automation", "aks")
    expected = [i.id for i in load_catalog() if i.prefix == "NET" and i.automation == "aks"]
    assert expected
    assert [entry["id"] for entry in items] == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("--category", "Security"), "unknown category 'Security'", id="category"),
        pytest.param(("--category", "APP-01"), "unknown category 'APP-01'", id="item-id"),
        pytest.param(("--automation", "arm"), "unknown automation 'arm'", id="automation"),
    ],
)
def test_unknown_filter_value_exits_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert message in err


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["checks", "--format", "yaml"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# --- table -----------------------------------------------------------------------------------


def test_table_shows_every_item_grouped_by_category_within_100_columns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    catalog = load_catalog()
    rows = [line for line in lines if re.match(r"^[A-Z]+-\d\d ", line)]
    assert [row.split()[0] for row in rows] == [item.id for item in catalog]
    for prefix, (name, count) in CATEGORIES.items():
        assert f"{name} ({prefix}): {count} items" in lines


def test_table_row_shows_severity_automation_and_rule_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "--category", "CSEC")
    grouped = rules_by_item(all_rules())
    for item in load_catalog():
        if item.prefix != "CSEC":
            continue
        row = next(line for line in out.splitlines() if line.startswith(item.id + " "))
        assert row.split()[1:4] == [
            item.severity.value,
            item.automation,
            str(len(grouped.get(item.id, ()))),
        ]


def test_table_wraps_long_titles_instead_of_cutting_them() -> None:
    catalog = parse_catalog(
        {
            "items": [
                {
                    "id": "BCDR-01",
                    "category": "Bc Dr",
                    "title": " ".join(["word"] * 40),
                    "severity": "Low",
                    "automation": "manual",
                    "rationale": "Explains why.",
                    "verify": "Check by hand.",
                }
            ]
        }
    )
    text = render_table(catalog.items, {})
    assert all(len(line) <= 100 for line in text.splitlines())
    assert text.count("word") == 40


def test_table_says_so_when_nothing_matches(capsys: pytest.CaptureFixture[str]) -> None:
    catalog = load_catalog()
    empty = next(
        (prefix, automation)
        for prefix in CATEGORIES
        for automation in AUTOMATIONS
        if not any(i.prefix == prefix and i.automation == automation for i in catalog)
    )
    code, out, _ = run(capsys, "--category", empty[0], "--automation", empty[1])
    assert code == 0
    assert out.strip() == "No checklist items match the filters."


# --- markdown coverage -----------------------------------------------------------------------


def test_markdown_totals_sum_to_the_whole_checklist(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "markdown")
    assert code == 0
    rows = markdown_rows(out)
    total = rows.pop("**Total**")
    assert total[0] == 158
    assert list(rows) == [name for name, _ in CATEGORIES.values()]
    for name, counts in rows.items():
        assert counts[0] == sum(counts[1:4]), name
    for column in range(7):
        assert total[column] == sum(counts[column] for counts in rows.values())
    assert {name: counts[0] for name, counts in rows.items()} == dict(CATEGORIES.values())


def test_markdown_counts_items_by_the_scopes_of_their_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "--format", "markdown")
    total = markdown_rows(out)["**Total**"]
    grouped = rules_by_item(all_rules())
    with_kubernetes = {
        i for i, rules in grouped.items() if any(r.scope in KUBERNETES_SCOPES for r in rules)
    }
    with_aks = {i for i, rules in grouped.items() if any(r.scope == "aks" for r in rules)}
    assert total[4] + total[6] == len(with_kubernetes)
    assert total[5] + total[6] == len(with_aks)
    assert total[6] == len(with_kubernetes & with_aks)


def test_markdown_respects_the_category_filter(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "markdown", "--category", "windows")
    rows = markdown_rows(out)
    assert list(rows) == ["Windows", "**Total**"]
    assert rows["Windows"] == rows["**Total**"]
    assert rows["Windows"][0] == 10


def rule(rule_id: str, scope: Any) -> Rule:
    return Rule(id=rule_id, title=rule_id, severity=Severity.LOW, scope=scope)


@pytest.mark.parametrize(
    ("scopes", "column"),
    [
        pytest.param(("workload",), "kubernetes", id="workload-only"),
        pytest.param(("namespace", "cluster"), "kubernetes", id="namespace-and-cluster"),
        pytest.param(("dockerfile",), "kubernetes", id="dockerfile"),
        pytest.param(("object",), "kubernetes", id="object"),
        pytest.param(("aks",), "aks", id="aks-only"),
        pytest.param(("aks", "workload"), "both", id="aks-and-workload"),
        pytest.param((), "manual", id="no-rules"),
    ],
)
def test_coverage_classifies_an_item_by_its_rule_scopes(
    scopes: tuple[str, ...], column: str
) -> None:
    item = load_catalog()["APP-01"]
    rules = {"APP-01": [rule(f"APP-01/r{n}", scope) for n, scope in enumerate(scopes)]}
    (row,) = coverage([item], rules)
    counts = {"kubernetes": row.kubernetes, "aks": row.aks, "both": row.both, "manual": row.manual}
    assert counts == {name: int(name == column) for name in counts}
    assert row.items == 1
    assert row.category == "Application"


def test_render_markdown_adds_a_total_row() -> None:
    items = [load_catalog()["APP-01"], load_catalog()["APP-02"], load_catalog()["NET-12"]]
    rules = {"APP-01": [rule("APP-01/a", "workload")], "NET-12": [rule("NET-12/b", "aks")]}
    rows = markdown_rows(render_markdown(coverage(items, rules)))
    # APP-01 strict with a rule, APP-02 strict without one (counted nowhere), NET-12 strict.
    assert rows == {
        "Application": [2, 1, 0, 0, 1, 0, 0],
        "Networking": [1, 1, 0, 0, 0, 1, 0],
        "**Total**": [3, 2, 0, 0, 1, 1, 0],
    }


# --- totals: judged vs attestable -------------------------------------------------------------


def test_json_totals_meet_the_coverage_target(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json")
    assert code == 0
    totals = json.loads(out)["totals"]
    assert totals["items"] == 158
    assert totals["judged"] == totals["strict"] + totals["advisory"]
    assert totals["judged"] >= 130
    assert totals["judged"] + totals["attestableOnly"] == 158
    assert totals["unjudged"] == []


def test_json_items_state_verdict_and_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    items = {item["id"]: item for item in run_json(capsys)}
    assert items["NET-09"]["verdict"] == "conflicting"
    assert items["NET-09"]["conflictsWith"] == ["NET-16"]
    assert items["OPS-20"]["evidence"] == ["azure"]
    assert items["BCDR-01"]["verdict"] == "attestation"
    assert items["BCDR-01"]["attestable"] is True
    assert items["APP-01"]["attestable"] is False


def test_table_shows_verdict_and_evidence_letters(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--category", "OPS")
    row = next(line for line in out.splitlines() if line.startswith("OPS-12 "))
    assert row.split()[4:6] == ["advisory", "KA"]
    assert "attestable only" in out


# --- registry --------------------------------------------------------------------------------


def test_registry_rule_ids_are_unique() -> None:
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))


def test_merge_rules_drops_repeats_and_rejects_conflicts() -> None:
    first = rule("APP-01/x", "workload")
    assert merge_rules([first, rule("APP-01/x", "workload"), rule("APP-02/y", "aks")]) == (
        first,
        rule("APP-02/y", "aks"),
    )
    with pytest.raises(ValueError, match="APP-01/x is defined twice"):
        merge_rules([first, rule("APP-01/x", "aks")])
