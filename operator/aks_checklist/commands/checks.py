"""``aks-checklist checks``: the checklist items and the rules that check them.

People use it to find an item's ID (for waivers, attestations, ``checks.disabled``
and ``checks.require``), to see where an item's evidence comes from and how it is
judged (its verdict kind: strict Pass/Fail, advisory Pass/Warn, conflicting, or
attestation by a person), and to generate the coverage table of the README
(``--format markdown``), which is therefore always computed from the catalog and
the registered rules rather than maintained by hand. ``--format json`` states the
totals: how many items rules judge (strict or advisory) and how many only a
person can attest.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aks_checklist.catalog import AUTOMATIONS, CATEGORIES, Automation, Catalog, Item, load_catalog
from aks_checklist.checks.model import Rule
from aks_checklist.checks.registry import all_rules, rules_by_item

EXIT_OK = 0
EXIT_USAGE = 2  # the CLI's usage-error code (see aks_checklist.cli)

FORMATS = ("table", "json", "markdown")
# Rule scopes judged from Kubernetes objects or files, as opposed to the ARM document.
KUBERNETES_SCOPES = frozenset({"workload", "namespace", "object", "cluster", "dockerfile"})
AKS_SCOPES = frozenset({"aks"})

TABLE_WIDTH = 100
# One letter per evidence source in the table (the JSON spells them out).
EVIDENCE_LETTERS = {"kubernetes": "K", "cluster": "C", "azure": "A", "person": "P"}
EVIDENCE_LEGEND = (
    "Evidence: K Kubernetes objects or manifests, C the managed-cluster document,\n"
    "          A other Azure resources (aks collect), P a person's attestation."
)


class UsageError(ValueError):
    """A filter value the catalog does not know."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "checks",
        help="list checklist items, their automation and rules",
        description=(
            "List the AKS Checklist items with their severity, how they are checked "
            "(kubernetes, aks, both or manual) and the rules that implement them."
        ),
    )
    parser.add_argument(
        "--category",
        metavar="C",
        help="only this category: a prefix (APP) or a name (Application), case-insensitive",
    )
    parser.add_argument(
        "--automation",
        metavar="A",
        help=f"only items with this automation: {', '.join(AUTOMATIONS)}",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default), json, or markdown (the README coverage table)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    try:
        prefix = resolve_category(args.category) if args.category is not None else None
        automation = resolve_automation(args.automation) if args.automation is not None else None
    except UsageError as error:
        print(f"aks-checklist checks: {error}", file=sys.stderr)
        return EXIT_USAGE
    items = select(catalog, prefix=prefix, automation=automation)
    rules = rules_by_item(all_rules())
    if args.format == "json":
        document = {**items_json(items, rules), "totals": totals(items, rules)}
        text = json.dumps(document, indent=2, ensure_ascii=False)
    elif args.format == "markdown":
        text = render_markdown(coverage(items, rules))
    else:
        text = render_table(items, rules)
    print(text)
    return EXIT_OK


def resolve_category(value: str) -> str:
    """The prefix named by ``value``: a prefix or a category name, any case."""
    wanted = " ".join(value.split()).casefold()
    for prefix, (name, _) in CATEGORIES.items():
        if wanted in (prefix.casefold(), name.casefold()):
            return prefix
    raise UsageError(
        f"unknown category {value!r}; use a prefix ({', '.join(CATEGORIES)}) or a name "
        f"({', '.join(name for name, _ in CATEGORIES.values())})"
    )


def resolve_automation(value: str) -> Automation:
    wanted = value.strip().casefold()
    for automation in AUTOMATIONS:
        if wanted == automation:
            return automation
    raise UsageError(f"unknown automation {value!r}; use one of {', '.join(AUTOMATIONS)}")


def select(
    catalog: Catalog, *, prefix: str | None = None, automation: Automation | None = None
) -> tuple[Item, ...]:
    return tuple(
        item
        for item in catalog
        if (prefix is None or item.prefix == prefix)
        and (automation is None or item.automation == automation)
    )


def items_json(
    items: Sequence[Item], rules: Mapping[str, Sequence[Rule]]
) -> dict[str, list[dict[str, Any]]]:
    """The documented JSON shape; every key is always present (``null`` when unset)."""
    return {
        "items": [
            {
                "id": item.id,
                "category": item.category,
                "title": item.title,
                "severity": item.severity.value,
                "automation": item.automation,
                "rationale": item.rationale,
                "duplicateOf": item.duplicate_of,
                "coveredBy": list(item.covered_by),
                "verify": item.verify,
                "verdict": item.verdict,
                "evidence": list(item.evidence),
                "conflictsWith": list(item.conflicts_with),
                "attestable": item.attestable,
                "rules": [
                    {"id": rule.id, "title": rule.title, "severity": rule.severity.value}
                    for rule in rules.get(item.id, ())
                ],
            }
            for item in items
        ]
    }


def judged_kind(item: Item, rules: Mapping[str, Sequence[Rule]]) -> str:
    """How the item is judged today: strict, advisory (incl. conflicting) or attestable only.

    ``unjudged`` would be an automated item without any rule: a catalog/rule mismatch
    the unit tests refuse.
    """
    if item.verdict == "attestation":
        return "attestable"
    if not rules.get(item.id):
        return "unjudged"
    return "strict" if item.verdict == "strict" else "advisory"


def totals(items: Sequence[Item], rules: Mapping[str, Sequence[Rule]]) -> dict[str, Any]:
    """The headline of ``--format json``: items judged by rules vs attestable only."""
    kinds = [judged_kind(item, rules) for item in items]
    return {
        "items": len(items),
        "judged": kinds.count("strict") + kinds.count("advisory"),
        "strict": kinds.count("strict"),
        "advisory": kinds.count("advisory"),
        "attestableOnly": kinds.count("attestable"),
        "unjudged": [
            item.id for item, kind in zip(items, kinds, strict=True) if kind == "unjudged"
        ],
        "rules": sum(len(rules.get(item.id, ())) for item in items),
    }


def render_table(items: Sequence[Item], rules: Mapping[str, Sequence[Rule]]) -> str:
    """One line per item, grouped by category; long titles wrap under the title column."""
    if not items:
        return "No checklist items match the filters."
    head = (
        f"{'ID':<8}  {'SEVERITY':<8}  {'AUTOMATION':<10}  {'RULES':>5}  {'VERDICT':<11}  "
        f"{'EVIDENCE':<8}  "
    )
    title_width = TABLE_WIDTH - len(head)
    lines = [head + "TITLE"]
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.prefix, []).append(item)
    for prefix, group in groups.items():
        name = CATEGORIES[prefix][0]
        noun = "item" if len(group) == 1 else "items"
        lines += ["", f"{name} ({prefix}): {len(group)} {noun}"]
        for item in group:
            title = textwrap.wrap(item.title, width=title_width) or [""]
            count = len(rules.get(item.id, ()))
            evidence = "".join(EVIDENCE_LETTERS[source] for source in item.evidence)
            lines.append(
                f"{item.id:<8}  {item.severity.value:<8}  {item.automation:<10}  {count:>5}  "
                f"{item.verdict:<11}  {evidence:<8}  " + title[0]
            )
            lines += [" " * len(head) + more for more in title[1:]]
    summary = totals(items, rules)
    lines += [
        "",
        f"{summary['items']} items, {summary['rules']} rules: {summary['judged']} judged "
        f"({summary['strict']} strict, {summary['advisory']} advisory), "
        f"{summary['attestableOnly']} attestable only",
        EVIDENCE_LEGEND,
    ]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Coverage:
    """How one category's items are checked, judged from the rules that exist."""

    category: str
    items: int = 0
    kubernetes: int = 0
    aks: int = 0
    both: int = 0
    manual: int = 0
    strict: int = 0
    advisory: int = 0
    attestable: int = 0


def coverage(items: Sequence[Item], rules: Mapping[str, Sequence[Rule]]) -> tuple[Coverage, ...]:
    """Per category: how items are judged (strict, advisory, attestable only) and from where
    (Kubernetes rules only, AKS/Azure rules only, both, or no rule)."""
    counts: dict[str, dict[str, int]] = {}
    kinds: dict[str, dict[str, int]] = {}
    for item in items:
        row = counts.setdefault(
            item.category, dict.fromkeys(("kubernetes", "aks", "both", "manual"), 0)
        )
        kind = kinds.setdefault(
            item.category, dict.fromkeys(("strict", "advisory", "attestable"), 0)
        )
        judged = judged_kind(item, rules)
        if judged in kind:
            kind[judged] += 1
        scopes = {rule.scope for rule in rules.get(item.id, ())}
        by_kubernetes = bool(scopes & KUBERNETES_SCOPES)
        by_aks = bool(scopes & AKS_SCOPES)
        if by_kubernetes and by_aks:
            row["both"] += 1
        elif by_kubernetes:
            row["kubernetes"] += 1
        elif by_aks:
            row["aks"] += 1
        else:
            row["manual"] += 1
    return tuple(
        Coverage(category=name, items=sum(row.values()), **row, **kinds[name])
        for name, row in counts.items()
    )


def render_markdown(rows: Sequence[Coverage]) -> str:
    """A GitHub-flavoured Markdown table with a total row, ready for the README."""
    total = Coverage(
        category="**Total**",
        items=sum(r.items for r in rows),
        kubernetes=sum(r.kubernetes for r in rows),
        aks=sum(r.aks for r in rows),
        both=sum(r.both for r in rows),
        manual=sum(r.manual for r in rows),
        strict=sum(r.strict for r in rows),
        advisory=sum(r.advisory for r in rows),
        attestable=sum(r.attestable for r in rows),
    )
    lines = [
        "| Category | Items | Strict | Advisory | Attestable only | Kubernetes rules "
        "| Azure rules | Both |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in (*rows, total):
        lines.append(
            f"| {row.category} | {row.items} | {row.strict} | {row.advisory} | {row.attestable} "
            f"| {row.kubernetes} | {row.aks} | {row.both} |"
        )
    lines += [
        "",
        'Strict items pass or fail; advisory items ("consider X") pass when the evidence is',
        "found and warn when not, and a Warn never lowers the score (`spec.checks.require`",
        "makes one strict); attestable-only items are vouched for by a person in",
        "`spec.attestations`. Kubernetes rules judge objects, manifests and Dockerfiles; Azure",
        "rules judge `az aks show -o json` or a bundle of `aks-checklist aks collect`.",
        "`aks-checklist checks` shows each item's verdict kind and evidence sources.",
    ]
    return "\n".join(lines)
