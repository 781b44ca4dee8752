"""What every output format agrees on: which findings are shown, in what order, and the counts.

Keeping this in one place is what makes ``--format table`` and
``--format json`` tell the same story about the same scan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol

from aks_checklist.checks.model import Finding, ObjectRef, Result, Severity
from aks_checklist.records import Frozen

# Results listed only with --show-passed: they need no action.
QUIET_RESULTS = frozenset({Result.PASS, Result.NOT_APPLICABLE})

CATEGORIES = {
    "APP": "Application",
    "BCDR": "Bc Dr",
    "MULTI": "Cluster Multi",
    "CSEC": "Cluster Security",
    "CTR": "Container",
    "IDN": "Identity",
    "NET": "Networking",
    "OPS": "Operations",
    "RES": "Resource Management",
    "STO": "Storage",
    "WIN": "Windows",
}


class ErrorLike(Protocol):
    """An input that could not be read, such as ``aks_checklist.scan.ScanError``."""

    @property
    def file(self) -> str: ...

    @property
    def document(self) -> int | None: ...

    @property
    def message(self) -> str: ...


def error_text(error: ErrorLike) -> str:
    where = error.file if error.document is None else f"{error.file} (document {error.document})"
    return f"{where}: {error.message}"


def category_of(rule_id: str) -> str:
    """The checklist category of a rule or item ID (``APP-01/x`` -> ``Application``)."""
    prefix = rule_id.split("/", 1)[0].rsplit("-", 1)[0]
    return CATEGORIES.get(prefix, prefix)


# Worst first inside an object's block.
_RESULT_ORDER = {
    Result.FAIL: 0,
    Result.ERROR: 1,
    Result.WARN: 2,
    Result.WAIVED: 3,
    Result.ATTESTED: 4,
    Result.PASS: 5,
    Result.NOT_APPLICABLE: 6,
}


def visible(finding: Finding, show_passed: bool) -> bool:
    return show_passed or finding.result not in QUIET_RESULTS


def object_key(ref: ObjectRef | None) -> tuple[str, str, str, str]:
    """Cluster-level findings (no object) first, then by namespace, kind and name."""
    if ref is None:
        return ("", "", "", "")
    return ("\x01" + (ref.namespace or ""), ref.kind, ref.name, ref.api_version)


def sort_key(finding: Finding) -> tuple[object, ...]:
    return (
        object_key(finding.object),
        finding.file or "",
        finding.source or "",
        finding.line or 0,
        _RESULT_ORDER.get(finding.result, 9),
        -finding.severity.rank,
        finding.rule,
        finding.container or "",
        finding.message,
    )


def shown(findings: Iterable[Finding], show_passed: bool) -> list[Finding]:
    """The findings a report lists, in the stable order every format uses."""
    return sorted((f for f in findings if visible(f, show_passed)), key=sort_key)


class Counts(Frozen):
    """The report's totals: objects judged, findings per result, failures per severity."""

    _fields = __slots__ = ("objects", "results", "failed", "errors")
    objects: int
    results: dict[Result, int]
    failed: dict[Severity, int]
    errors: int

    def __init__(
        self, objects: int, results: dict[Result, int], failed: dict[Severity, int], errors: int
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "objects", objects)
        set_field(self, "results", results)
        set_field(self, "failed", failed)
        set_field(self, "errors", errors)


def count(findings: Sequence[Finding], errors: int, objects: int | None = None) -> Counts:
    """Counts over *all* findings (shown or not); ``objects`` defaults to the objects judged."""
    by_result = Counter(finding.result for finding in findings)
    failed = Counter(finding.severity for finding in findings if finding.result == Result.FAIL)
    if objects is None:
        objects = len({finding.object for finding in findings if finding.object is not None})
    return Counts(
        objects=objects,
        results={result: by_result.get(result, 0) for result in Result},
        failed={severity: failed.get(severity, 0) for severity in Severity},
        errors=errors,
    )
