"""Every rule the project can emit, from every source, in one place.

Rules live next to the code that evaluates them: the Kubernetes category
modules (gathered by :func:`engine.workload_rules`), the cluster-scope rules of
:mod:`aks_checklist.checks.cluster` (nodes, add-ons, API server version) and
the ARM-configuration rules of :mod:`aks_checklist.checks.aks`. Listings and coverage reports
(``aks-checklist checks``, the README table) need all of them at once and
must not miss a source, so this module is the single list of sources.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from aks_checklist.checks import engine
from aks_checklist.checks.model import Rule

# Modules outside the engine's category modules whose ``RULES`` tuple holds more rules.
EXTRA_RULE_MODULES: tuple[str, ...] = (
    "aks_checklist.checks.cluster",
    "aks_checklist.checks.evidence",
    "aks_checklist.checks.aks",
    "aks_checklist.checks.dockerfile",
)


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    """All known rules, each rule ID once: workload rules, then cluster, then ARM rules."""
    rules: list[Rule] = list(engine.workload_rules())
    for name in EXTRA_RULE_MODULES:
        module = importlib.import_module(name)
        rules.extend(module.RULES)
    return merge_rules(rules)


def merge_rules(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """Drops repeats of the same rule; two different rules under one ID are a bug."""
    seen: dict[str, Rule] = {}
    for rule in rules:
        known = seen.setdefault(rule.id, rule)
        if known != rule:
            raise ValueError(f"rule ID {rule.id} is defined twice: {known!r} and {rule!r}")
    return tuple(seen.values())


def rules_by_item(rules: Iterable[Rule] | None = None) -> Mapping[str, tuple[Rule, ...]]:
    """Item ID -> the rules that check it (default: :func:`all_rules`)."""
    groups: dict[str, list[Rule]] = {}
    for rule in all_rules() if rules is None else rules:
        groups.setdefault(rule.item, []).append(rule)
    return MappingProxyType({item: tuple(group) for item, group in groups.items()})
