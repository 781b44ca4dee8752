"""``aks-checklist checks``: the checklist items and the rules that check them.

People use it to find an item's ID (for waivers and ``checks.disabled``), to see
how an item is verified when no rule covers it, and to generate the coverage
table of the README (``--format markdown``), which is therefore always computed
from the catalog and the registered rules rather than maintained by hand.
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
        text = json.dumps(items_json(items, rules), indent=2, ensure_ascii=False)
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
                "rules": [
                    {"id": rule.id, "title": rule.title, "severity": rule.severity.value}
                    for rule in rules.get(item.id, ())
                ],
            }
            for item in items
        ]
    }


def render_table(items: Sequence[Item], rules: Mapping[str, Sequence[Rule]]) -> str:
    """One line per item, grouped by category; long titles wrap under the title column."""
    if not items:
        return "No checklist items match the filters."
    head = f"{'ID':<8}  {'SEVERITY':<8}  {'AUTOMATION':<10}  {'RULES':>5}  "
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
            lines.append(
                f"{item.id:<8}  {item.severity.value:<8}  {item.automation:<10}  {count:>5}  "
                + title[0]
            )
            lines += [" " * len(head) + more for more in title[1:]]
    rule_count = sum(len(rules.get(item.id, ())) for item in items)
    lines += ["", f"{len(items)} items, {rule_count} rules"]
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


def coverage(items: Sequence[Item], rules: Mapping[str, Sequence[Rule]]) -> tuple[Coverage, ...]:
    """Per category: items with Kubernetes rules only, AKS-config rules only, both, or none."""
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        row = counts.setdefault(
            item.category, dict.fromkeys(("kubernetes", "aks", "both", "manual"), 0)
        )
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
        Coverage(category=name, items=sum(row.values()), **row) for name, row in counts.items()
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
    )
    lines = [
        "| Category | Items | Kubernetes rules | AKS config rules | Both | Manual |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in (*rows, total):
        lines.append(
            f"| {row.category} | {row.items} | {row.kubernetes} | {row.aks} | {row.both} "
            f"| {row.manual} |"
        )
    lines += [
        "",
        "Kubernetes rules judge objects, manifests and Dockerfiles; AKS config rules judge",
        "`az aks show -o json`; Manual counts the items no rule checks yet.",
        "`aks-checklist checks --automation manual` shows how to verify guidance items by hand.",
    ]
    return "\n".join(lines)
