"""What every output format agrees on: which findings are shown, in what order, and the counts.

Keeping this in one place is what makes ``--format table`` and
``--format json`` tell the same story about the same scan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from operator import attrgetter
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


_NOWHERE = object()


def shown(findings: Iterable[Finding], show_passed: bool) -> list[Finding]:
    """The findings a report lists, in the stable order every format uses.

    The order is ``sorted(..., key=sort_key)``'s, reached faster for the tens of
    thousands of findings of a large scan: findings are put in buckets by where they
    are (the first four parts of the key, alike for an object's findings), the buckets
    are sorted, and each bucket is sorted stably by the rest of the key.
    """
    buckets: dict[tuple[tuple[str, str, str, str], str, str, int], list[Finding]] = {}
    bucket: list[Finding] = []
    # The finding before's object, file, render and line: most findings share its bucket.
    last: tuple[object, ...] = (_NOWHERE,) * 4
    for finding in findings:
        if not show_passed and finding.result in QUIET_RESULTS:
            continue
        ref, file, source, line = finding.object, finding.file, finding.source, finding.line
        if ref is not last[0] or file is not last[1] or source is not last[2] or line != last[3]:
            last = (ref, file, source, line)
            place = (object_key(ref), file or "", source or "", line or 0)
            found = buckets.get(place)
            if found is None:
                found = buckets[place] = []
            bucket = found
        bucket.append(finding)
    listed: list[Finding] = []
    for where in sorted(buckets):
        bucket = buckets[where]
        if len(bucket) > 1:
            bucket.sort(key=_rest_of_key)
        listed.extend(bucket)
    return listed


_NEGATIVE_RANKS = {severity: -severity.rank for severity in Severity}


def _rest_of_key(finding: Finding) -> tuple[object, ...]:
    """``sort_key(finding)`` after its first four parts."""
    return (
        _RESULT_ORDER.get(finding.result, 9),
        _NEGATIVE_RANKS[finding.severity],  # -finding.severity.rank, without the call
        finding.rule,
        finding.container or "",
        finding.message,
    )


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


_result_of = attrgetter("result")


def count(findings: Sequence[Finding], errors: int, objects: int | None = None) -> Counts:
    """Counts over *all* findings (shown or not); ``objects`` defaults to the objects judged."""
    by_result = Counter(map(_result_of, findings))
    fail = Result.FAIL  # read once, not looked up on the enum class for every finding
    failed = Counter(finding.severity for finding in findings if finding.result == fail)
    if objects is None:
        objects = len({finding.object for finding in findings if finding.object is not None})
    return Counts(
        objects=objects,
        results={result: by_result.get(result, 0) for result in Result},
        failed={severity: failed.get(severity, 0) for severity in Severity},
        errors=errors,
    )
