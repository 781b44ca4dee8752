"""How an item's verdict kind shapes its findings: advisory, conflicting and required items.

Rules say what they found: Pass, Fail, or Warn for a "consider X" whose evidence
is missing. The catalog says what kind of item that is (``verdict``), and the
policy says which advisories it wants enforced (``spec.checks.require``). This
module reconciles the two, once, for every source of findings:

- an item the policy requires turns its Warn into Fail: the policy made the
  advice a requirement, so missing evidence now counts against the score;
- a ``conflicting`` item (NET-09 egress through a firewall vs NET-16 a NAT
  gateway) cannot be strict on its own, because passing it means failing the
  other: unless required, its Fail reads as Warn and says how to choose a side.

How Warn counts: a Warn is neither a pass nor a failure. Scores are
``passed / (passed + failed)``, so a Warn never lowers a score; the policy status
counts it as an open advisory (see :func:`aks_checklist.report.category_status`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from operator import attrgetter
from types import MappingProxyType
from typing import TYPE_CHECKING

from aks_checklist.catalog.kinds import CONFLICTS, VERDICTS
from aks_checklist.checks.model import Finding, Result

if TYPE_CHECKING:
    from aks_checklist.catalog.loader import Verdict


# Looked up on the enum class, a member costs ten times a global: this loop sees every finding.
_WARN, _FAIL = Result.WARN, Result.FAIL


@functools.cache
def verdicts() -> Mapping[str, Verdict]:
    """Item ID -> its verdict kind, from the packaged catalog.

    Read from :mod:`aks_checklist.catalog.kinds`, the catalog's verdict kinds written
    out as Python (a test keeps it equal to ``items.yaml``), so judging findings never
    parses the catalog.
    """
    return MappingProxyType(VERDICTS)


@functools.cache
def _conflicts() -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType(CONFLICTS)


@functools.cache
def _conflicting() -> frozenset[str]:
    return frozenset(item for item, kind in VERDICTS.items() if kind == "conflicting")


_rule_of = attrgetter("rule")


def apply_requirements(findings: Iterable[Finding], required: frozenset[str]) -> list[Finding]:
    """Findings with the verdict kind of their item and the policy's requirements applied."""
    findings = list(findings)
    # Only an item that is required or conflicting can change: most scans judge none, and
    # a glance at the few rules the findings name spares a look at each finding.
    affected = required | _conflicting()
    if not any(rule.split("/", 1)[0] in affected for rule in set(map(_rule_of, findings))):
        return findings
    kinds = verdicts()
    out: list[Finding] = []
    append = out.append
    for finding in findings:
        result = finding.result
        if result is not _WARN and result is not _FAIL:
            append(finding)  # most findings pass: nothing below can change them
            continue
        item = finding.item
        if item in required and result is _WARN:
            finding = finding.replace(
                result=Result.FAIL,
                message=f"{finding.message}; required by the policy (spec.checks.require)",
            )
        elif result is _FAIL and item not in required and kinds.get(item) == "conflicting":
            others = ", ".join(_conflicts().get(item, ()))
            finding = finding.replace(
                result=Result.WARN,
                message=(
                    f"{finding.message}; advisory because it conflicts with {others}: name one "
                    "side in spec.checks.require to make it strict"
                ),
            )
        append(finding)
    return out
