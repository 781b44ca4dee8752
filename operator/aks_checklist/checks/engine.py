"""Runs every category module over a set of snapshots.

Each category module (``application``, ``networking``...) exposes ``RULES``
(the rules it can emit) and ``check(snapshot, settings)`` yielding findings.
The engine only dispatches and filters disabled rules; all judgement lives in
the category modules.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from types import ModuleType

from aks_checklist.checks.model import Finding, Rule
from aks_checklist.checks.snapshot import Snapshot
from aks_checklist.checks.verdicts import apply_requirements
from aks_checklist.records import Frozen

DEFAULT_ALLOWED_REGISTRIES = ("*.azurecr.io", "mcr.microsoft.com")


class CheckSettings(Frozen):
    """What a policy's ``spec.checks`` tunes. ``disabled`` holds item or rule IDs.

    ``required`` holds the advisory or conflicting items the policy makes strict
    (:mod:`aks_checklist.checks.verdicts`).
    """

    _fields = __slots__ = ("disabled", "allowed_registries", "required")
    disabled: frozenset[str]
    allowed_registries: tuple[str, ...]
    required: frozenset[str]

    def __init__(
        self,
        disabled: frozenset[str] = frozenset(),
        allowed_registries: tuple[str, ...] = DEFAULT_ALLOWED_REGISTRIES,
        required: frozenset[str] = frozenset(),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "disabled", disabled)
        set_field(self, "allowed_registries", allowed_registries)
        set_field(self, "required", required)

    def enabled(self, rule_id: str) -> bool:
        return rule_id not in self.disabled and rule_id.split("/", 1)[0] not in self.disabled

    def registry_allowed(self, registry: str) -> bool:
        return any(fnmatch.fnmatchcase(registry, pattern) for pattern in self.allowed_registries)


CheckFunction = Callable[[Snapshot, CheckSettings], Iterable[Finding]]


def _category_modules() -> tuple[ModuleType, ...]:
    # Imported lazily so a module under construction cannot break catalog loading.
    from aks_checklist.checks import (
        application,
        bcdr,
        container,
        networking,
        operations,
        practices,
        resources,
        storage,
        windows,
    )

    return (
        application,
        bcdr,
        container,
        networking,
        operations,
        resources,
        storage,
        windows,
        practices,
    )


def workload_rules() -> tuple[Rule, ...]:
    """Every rule the Kubernetes engine can emit, in catalog order of their modules."""
    rules: list[Rule] = []
    for module in _category_modules():
        rules.extend(module.RULES)
    return tuple(rules)


def evaluate(snapshots: Iterable[Snapshot], settings: CheckSettings | None = None) -> list[Finding]:
    """Judges every snapshot; findings of disabled rules are dropped."""
    settings = settings or CheckSettings()
    return apply_requirements(_evaluate(snapshots, settings), settings.required)


def _evaluate(snapshots: Iterable[Snapshot], settings: CheckSettings) -> list[Finding]:
    checks: list[CheckFunction] = [module.check for module in _category_modules()]
    found: list[Finding] = []
    if not settings.disabled:
        # Collected with list.extend rather than yielded on: one generator less per finding.
        for snapshot in snapshots:
            for check in checks:
                found.extend(check(snapshot, settings))
        return found
    enabled: dict[str, bool] = {}  # a few dozen rule IDs, asked about once per finding
    for snapshot in snapshots:
        for check in checks:
            for finding in check(snapshot, settings):
                allowed = enabled.get(finding.rule)
                if allowed is None:
                    allowed = enabled[finding.rule] = settings.enabled(finding.rule)
                if allowed:
                    found.append(finding)
    return found
