"""The dashboard as one self-contained HTML page: no script, one inline style sheet.

Every piece of text on the page may come from the cluster (names, messages,
condition reasons), so everything goes through :func:`_e` (HTML escaping,
quotes included) and nothing is ever placed in a URL or a script. The page
works without JavaScript; ``server`` sends a Content-Security-Policy that
forbids scripts outright and allows only this style sheet (by its hash).

Wide tables turn into stacked cards below 720 px (each cell labelled from
``data-label``), and long names wrap anywhere, so a phone never scrolls
sideways.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence

from aks_checklist.catalog import Catalog, Item
from aks_checklist.catalog.loader import CATEGORIES
from aks_checklist.dashboard.view import NamespaceView, PolicyView, ResultRow, Snapshot

# Namespaces whose findings are spelled out; the rest are rows in the table only.
MAX_DETAILED = 200
# Counters shown first, in this order; others follow alphabetically.
KNOWN_COUNTERS = ("passed", "failed", "waived", "warned", "attested")
NEEDS_FIX = frozenset({"Fail", "Error", "Warn"})
DASH = "\N{EN DASH}"  # an unknown number
# Conditions that are good when True; the others (BaselineConflict, BaselineBlocked) are bad then.
QUIET_RESULTS = frozenset({"Pass", "NotApplicable"})
# Namespaces whose findings are unfolded when the page opens (the worst ones).
MAX_OPEN = 20
POSITIVE_CONDITIONS = frozenset(
    {"Ready", "AzureConfigurationRead", "AzureResourcesRead", "PolicyReportsWritten"}
)

STYLE = """
:root { --fg: #1d2330; --muted: #5b6475; --line: #d9dde5; --bg: #f6f7f9; --card: #fff;
  --fail: #b42318; --warn: #a15c00; --pass: #1a7f37; --error: #6941c6; --skip: #5b6475;
  --attest: #175cd3; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); }
header.top { background: #0f3d6e; color: #fff; padding: 1rem 1.25rem; }
header.top h1 { margin: 0; font-size: 1.4rem; }
header.top p { margin: .25rem 0 0; opacity: .85; }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin-top: .5rem; }
nav a { color: #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
section { margin-bottom: 2rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
code, .wrap { overflow-wrap: anywhere; word-break: break-word; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(7rem, 1fr)); gap: .6rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .75rem; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.5rem; font-weight: 600; }
table { width: 100%; border-collapse: collapse; background: var(--card);
  border: 1px solid var(--line); border-radius: 8px; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line);
  vertical-align: top; overflow-wrap: break-word; }
th { background: #eef1f5; font-weight: 600; font-size: .9rem; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td .score { min-width: 7rem; }
table.namespaces td:first-child { min-width: 12rem; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem;
  font-weight: 600; color: #fff; background: var(--skip); white-space: nowrap; }
.badge.Fail { background: var(--fail); } .badge.Warn { background: var(--warn); }
.badge.Pass { background: var(--pass); } .badge.Error { background: var(--error); }
.badge.Attested { background: var(--attest); }
.badge.ready-True { background: var(--pass); } .badge.ready-False { background: var(--fail); }
.score { display: flex; align-items: center; gap: .5rem; }
.score meter { flex: 1; min-width: 3rem; height: .8rem; }
.alert { border: 1px solid var(--fail); background: #fef3f2; padding: .75rem; border-radius: 8px; }
.muted { color: var(--muted); }
details.namespace { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  margin: .5rem 0; padding: .25rem .75rem; }
details.namespace > summary { cursor: pointer; padding: .4rem 0; font-weight: 600; }
details.quiet { margin-top: .6rem; }
details.quiet > summary { cursor: pointer; color: var(--muted); padding: .3rem 0; }
article.finding { border-top: 1px solid var(--line); padding: .6rem 0; }
article.finding header { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
article.finding p { margin: .3rem 0; }
.fix { background: #f0f7ff; border-left: 3px solid var(--attest); padding: .4rem .6rem;
  margin-top: .4rem; }
.fix h4 { margin: 0 0 .2rem; font-size: .9rem; }
@media (max-width: 720px) {
  main { padding: .75rem; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack { border: 0; background: none; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap; }
  table.stack tr { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr));
    column-gap: .75rem; background: var(--card); border: 1px solid var(--line);
    border-radius: 8px; margin-bottom: .6rem; padding: .35rem .75rem; }
  table.stack td { display: flex; justify-content: space-between; gap: .5rem; border: 0;
    text-align: right; padding: .15rem 0; min-width: 0; }
  table.stack td:first-child, table.stack td.wide { grid-column: 1 / -1; }
  table.stack td:first-child { font-size: 1.05rem; justify-content: flex-start;
    text-align: left; }
  table.stack td.wide { display: block; text-align: left; }
  table.stack td::before { content: attr(data-label); font-weight: 600; color: var(--muted);
    text-align: left; flex: 0 0 auto; }
  table.stack td:first-child::before { content: none; }
  table.stack td.wide::before { display: block; }
  table.stack td > * { min-width: 0; }
  .score { justify-content: flex-end; }
}
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _anchor(*parts: str) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in parts)


def _num(value: int | None) -> str:
    return DASH if value is None else str(value)


def _humanize(key: str) -> str:
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key).replace(".", " ").replace("_", " ")
    return words[:1].upper() + words[1:].lower()


def _score_cell(score: int | None) -> str:
    """The score and a meter (colored by the browser from low/high/optimum: no inline style)."""
    if score is None:
        return DASH
    value = max(0, min(100, score))
    return (
        f'<div class="score"><strong>{score}</strong>'
        f'<meter min="0" max="100" low="60" high="90" optimum="100" value="{value}" '
        f'aria-hidden="true"></meter></div>'
    )


NUM = ' class="num"'
# Columns of free text: on a phone they take a whole line under their label.
WIDE = frozenset({"Why", "Check", "Baseline", "Object"})


def _table(
    headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]], *, cls: str = ""
) -> str:
    """A table whose cells are labelled for the stacked phone layout; cells are already HTML.

    A header is (title, numeric); titles in ``WIDE`` take a whole line on a phone.
    """

    def attrs(title: str, numeric: bool) -> str:
        return NUM if numeric else ' class="wide"' if title in WIDE else ""

    head = "".join(
        f'<th scope="col"{attrs(title, numeric)}>{_e(title)}</th>' for title, numeric in headers
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td data-label="{_e(title)}"{attrs(title, numeric)}>{cell}</td>'
            for (title, numeric), cell in zip(headers, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<table class="stack {cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _counter_keys(rows: Iterable[Mapping[str, int]]) -> list[str]:
    keys = {key for row in rows for key in row}
    known = [key for key in KNOWN_COUNTERS if key in keys]
    return known + sorted(keys - set(known))


def _category_section(policy: PolicyView, catalog: Catalog) -> str:
    groups = catalog.by_category()
    prefixes = {name: prefix for prefix, (name, _) in CATEGORIES.items()}
    sums: dict[str, dict[str, int]] = {}
    judged: dict[str, int] = {}
    for name, items in groups.items():
        total: dict[str, int] = {}
        for item in items:
            for key, value in policy.items.get(item.id, {}).items():
                total[key] = total.get(key, 0) + value
        sums[name] = total
        judged[name] = sum(1 for item in items if item.id in policy.items)
    item_keys = _counter_keys(sums.values())

    def category_counters(name: str) -> Mapping[str, int]:
        return policy.categories.get(name) or policy.categories.get(prefixes.get(name, ""), {})

    extra_keys = _counter_keys(category_counters(name) for name in groups)
    headers: list[tuple[str, bool]] = [
        ("Category", False),
        ("Items", True),
        ("Automated", True),
        ("Manual", True),
        ("Judged", True),
        *((_humanize(key), True) for key in item_keys),
        *((_humanize(key), True) for key in extra_keys if key not in item_keys),
        ("Score", False),
    ]
    rows = []
    for name, items in groups.items():
        counters, extra = sums[name], category_counters(name)
        manual = sum(1 for item in items if item.automation == "manual")
        passed, failed = counters.get("passed"), counters.get("failed")
        score = None
        if passed is not None and failed is not None:
            score = 100 if passed + failed == 0 else (100 * passed) // (passed + failed)
        rows.append(
            [
                f"<strong>{_e(name)}</strong>",
                str(len(items)),
                str(len(items) - manual),
                str(manual),
                str(judged[name]),
                *(_num(counters.get(key)) for key in item_keys),
                *(_num(extra.get(key)) for key in extra_keys if key not in item_keys),
                _score_cell(score),
            ]
        )
    return _table(headers, rows, cls="categories")


def _fix(rule: str, catalog: Catalog, rule_titles: Mapping[str, str]) -> str:
    """How to fix a rule: its target state, the catalog's remediation or rationale, and verify."""
    item = catalog.get(rule.split("/", 1)[0])
    parts = []
    title = rule_titles.get(rule)
    if title:
        parts.append(f"<p><strong>Make it true:</strong> {_e(title)}.</p>")
    if item is not None:
        remediation = _item_text(item, "remediation")
        if remediation:
            parts.append(f"<p>{_e(remediation)}</p>")
        else:
            parts.append(f'<p class="muted">Why: {_e(item.rationale)}</p>')
        if item.verify:
            parts.append(f"<p><strong>Verify:</strong> {_e(item.verify)}</p>")
    if not parts:
        return ""
    return f'<div class="fix"><h4>How to fix</h4>{"".join(parts)}</div>'


def _item_text(item: Item, name: str) -> str | None:
    """An optional catalog field, read whether or not this catalog version has it."""
    value = getattr(item, name, None)
    return value if isinstance(value, str) and value.strip() else None


def _title_of(rule: str, catalog: Catalog, rule_titles: Mapping[str, str]) -> str:
    if rule in rule_titles:
        return rule_titles[rule]
    item = catalog.get(rule.split("/", 1)[0])
    return item.title if item is not None else ""


def _finding(row: ResultRow, catalog: Catalog, rule_titles: Mapping[str, str]) -> str:
    count = (
        ""
        if row.count is None
        else f'<span class="muted">\N{MULTIPLICATION SIGN} {row.count}</span>'
    )
    severity = f'<span class="muted">{_e(row.severity)}</span>' if row.severity else ""
    title = _title_of(row.rule, catalog, rule_titles)
    resources = ""
    if row.resources:
        more = "" if row.count is None or row.count <= len(row.resources) else " …"
        resources = (
            f'<p class="wrap"><span class="muted">Resources:</span> '
            f"{_e(', '.join(row.resources))}{more}</p>"
        )
    fix = _fix(row.rule, catalog, rule_titles) if row.result in NEEDS_FIX else ""
    title_html = f"<p><strong>{_e(title)}</strong></p>" if title else ""
    message = f'<p class="wrap">{_e(row.message)}</p>' if row.message else ""
    return (
        f'<article class="finding" data-rule="{_e(row.rule)}">'
        f'<header><span class="badge {_e(row.result)}">{_e(row.result)}</span> '
        f"<code>{_e(row.rule)}</code> {severity} {count}</header>"
        f"{title_html}{message}{resources}{fix}</article>"
    )


def _policy_section(policy: PolicyView, catalog: Catalog, rule_titles: Mapping[str, str]) -> str:
    ready = policy.condition("Ready")
    ready_badge = (
        f'<span class="badge ready-{_e(ready.status)}" title="{_e(ready.message)}">'
        f"Ready: {_e(ready.status)}</span>"
        if ready
        else '<span class="badge">Not reconciled yet</span>'
    )
    summary = policy.summary
    cards = [
        ("Score", _num(summary.get("score"))),
        ("Namespaces", _num(summary.get("namespaces"))),
        ("Compliant", _num(summary.get("compliantNamespaces"))),
        ("Workloads", _num(summary.get("workloads"))),
        ("Passed", _num(summary.get("passed"))),
        ("Failed", _num(summary.get("failed"))),
        ("Waived", _num(summary.get("waived"))),
    ]
    shown = {"score", "namespaces", "compliantNamespaces", "workloads", "passed", "failed"}
    cards += [
        (_humanize(key), str(value))
        for key, value in summary.items()
        if key not in shown | {"waived"}
    ]
    card_html = "".join(
        f'<div class="card"><div class="label">{_e(label)}</div>'
        f'<div class="value">{_e(value)}</div></div>'
        for label, value in cards
    )
    problem_html = "".join(
        f'<p class="alert"><strong>{_e(c.type)}</strong> ({_e(c.reason)}): {_e(c.message)}</p>'
        for c in policy.conditions
        if (c.status == "False") == (c.type in POSITIVE_CONDITIONS)
    )
    anchor = _anchor("policy", policy.name)
    return (
        f'<section class="policy" id="{anchor}">'
        f'<h2>Policy <code>{_e(policy.name)}</code> <span class="badge">'
        f"{_e(policy.enforcement)}</span> {ready_badge}</h2>"
        f'<div class="cards">{card_html}</div>{problem_html}'
        f'<h3 id="{anchor}-checklist">Checklist by category</h3>'
        f"{_category_section(policy, catalog)}"
        f'<h3 id="{anchor}-cluster">Cluster and Azure findings</h3>'
        f"{_cluster_table(policy.cluster, catalog, rule_titles)}</section>"
    )


def _cluster_table(
    rows: Sequence[ResultRow], catalog: Catalog, rule_titles: Mapping[str, str]
) -> str:
    """Results to act on in a table; passing and not-applicable ones folded away below it."""
    if not rows:
        return '<p class="muted">No cluster-scope results in the policy status yet.</p>'
    order = {"Fail": 0, "Error": 1, "Warn": 2, "Waived": 3, "Attested": 4, "NotApplicable": 5}
    ordered = sorted(rows, key=lambda r: (order.get(r.result, 6), r.rule))
    attention = [row for row in ordered if row.result not in QUIET_RESULTS]
    quiet = [row for row in ordered if row.result in QUIET_RESULTS]
    parts = [
        _cluster_rows(attention, catalog, rule_titles)
        if attention
        else '<p class="muted">Nothing to act on in the cluster and Azure results.</p>'
    ]
    if quiet:
        parts.append(
            f'<details class="quiet"><summary>{len(quiet)} passing or not applicable '
            f"cluster and Azure results</summary>{_cluster_rows(quiet, catalog, rule_titles)}"
            "</details>"
        )
    return "".join(parts)


def _cluster_rows(
    rows: Sequence[ResultRow], catalog: Catalog, rule_titles: Mapping[str, str]
) -> str:
    headers = [
        ("Rule", False),
        ("Check", False),
        ("Object", False),
        ("Count", True),
        ("Why", False),
    ]
    body = []
    for row in rows:
        fix = _fix(row.rule, catalog, rule_titles) if row.result in NEEDS_FIX else ""
        body.append(
            [
                f'<span class="badge {_e(row.result)}">{_e(row.result)}</span> '
                f"<code>{_e(row.rule)}</code>",
                _e(_title_of(row.rule, catalog, rule_titles)),
                f'<span class="wrap">{_e(", ".join(row.resources))}</span>',
                _num(row.count),
                f'<div class="wrap">{_e(row.message)}</div>{fix}',
            ]
        )
    return _table(headers, body, cls="cluster")


def _baseline_text(view: NamespaceView) -> str:
    """The operator's own one-line summary when the report has one, else every state."""
    states = dict(view.baseline)
    if "summary" in states:
        return states["summary"]
    return ", ".join(f"{key}: {value}" for key, value in view.baseline)


def _namespace_sections(
    namespaces: Sequence[NamespaceView],
    catalog: Catalog,
    rule_titles: Mapping[str, str],
    max_detailed: int,
) -> str:
    if not namespaces:
        return '<p class="muted">No AksCompliance reports yet.</p>'
    worst_first = sorted(
        namespaces, key=lambda v: (101 if v.score is None else v.score, v.namespace, v.policy)
    )
    headers = [
        ("Namespace", False),
        ("Policy", False),
        ("Score", False),
        ("Passed", True),
        ("Failed", True),
        ("Waived", True),
        ("Workloads", True),
        ("Baseline", False),
    ]
    detailed = [v for v in worst_first if v.results or v.blocked][:max_detailed]
    linked = {(v.namespace, v.policy) for v in detailed}
    rows = []
    for view in worst_first:
        name = _e(view.namespace)
        if (view.namespace, view.policy) in linked:
            name = f'<a href="#{_anchor("ns", view.policy, view.namespace)}">{name}</a>'
        baseline = _e(_baseline_text(view))
        if view.blocked:
            baseline += f' <span class="badge Fail">{len(view.blocked)} blocked</span>'
        rows.append(
            [
                f"<strong>{name}</strong>",
                _e(view.policy),
                _score_cell(view.score),
                _num(view.passed),
                _num(view.failed),
                _num(view.waived),
                _num(view.workloads),
                f'<span class="wrap">{baseline}</span>',
            ]
        )
    parts = [_table(headers, rows, cls="namespaces"), "<h3>Failing rules and how to fix them</h3>"]
    for position, view in enumerate(detailed):
        failing = sum(1 for r in view.results if r.result in NEEDS_FIX)
        findings = "".join(
            f'<p class="alert"><strong>Baseline object not written</strong> {_e(text)}</p>'
            for text in view.blocked
        ) + "".join(_finding(row, catalog, rule_titles) for row in view.results)
        parts.append(
            f'<details class="namespace" id="{_anchor("ns", view.policy, view.namespace)}"'
            f"{' open' if position < MAX_OPEN else ''}>"
            f"<summary>{_e(view.namespace)} · score {_num(view.score)} · "
            f'{failing} rules to fix <span class="muted">(policy {_e(view.policy)})</span>'
            f"</summary>{findings}</details>"
        )
    left = sum(1 for v in worst_first if v.results or v.blocked) - len(detailed)
    if left > 0:
        parts.append(
            f'<p class="muted">{left} more namespaces have findings; '
            "<code>kubectl get akscompliance -A</code> lists them all.</p>"
        )
    return "".join(parts)


def render(
    snapshot: Snapshot,
    catalog: Catalog,
    rule_titles: Mapping[str, str] | None = None,
    *,
    max_detailed: int = MAX_DETAILED,
) -> str:
    """The whole page for ``snapshot``; ``rule_titles`` maps rule IDs to what they check."""
    titles = rule_titles or {}
    errors = "".join(f'<p class="alert">{_e(error)}</p>' for error in snapshot.errors)
    nav = "".join(
        f'<a href="#{_anchor("policy", p.name)}">Policy {_e(p.name)}</a>' for p in snapshot.policies
    )
    policies = "".join(_policy_section(p, catalog, titles) for p in snapshot.policies)
    if not snapshot.policies:
        policies = '<p class="muted">No AksChecklistPolicy found.</p>'
    read_at = snapshot.read_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>AKS Checklist compliance</title>"
        f"<style>{STYLE}</style></head><body>"
        '<header class="top"><h1>AKS Checklist compliance</h1>'
        f"<p>{len(snapshot.policies)} policies · {len(snapshot.namespaces)} namespace reports · "
        f"read {_e(read_at)}</p>"
        f'<nav>{nav}<a href="#namespaces">Namespaces</a></nav></header>'
        f"<main>{errors}{policies}"
        '<section id="namespaces"><h2>Namespaces</h2>'
        f"{_namespace_sections(snapshot.namespaces, catalog, titles, max_detailed)}</section>"
        "</main></body></html>\n"
    )
