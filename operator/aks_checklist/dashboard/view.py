"""Reads policies and reports as the API server returns them, trusting no field.

The objects come from the cluster: a field can be missing, of another type
than the CRD says (an older operator wrote it, or a person patched it), or
new (a later operator added advisory and attestation counts). Everything is
read with a type check and a default, counters are taken from whatever
integer fields a row carries, and only what the page shows is kept: failing
results, never the passing ones, so a cluster with thousands of namespaces
fits in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Results a person has to look at; Pass and NotApplicable rows are dropped on reading.
SHOWN_RESULTS = ("Fail", "Error", "Warn", "Waived", "Attested")
MAX_RESOURCES = 20
MAX_TEXT = 1024


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One (rule, result) row of a report or of a policy's cluster results."""

    rule: str
    result: str
    severity: str
    count: int | None
    message: str
    resources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NamespaceView:
    namespace: str
    policy: str
    score: int | None
    passed: int | None
    failed: int | None
    waived: int | None
    workloads: int | None
    baseline: tuple[tuple[str, str], ...]
    results: tuple[ResultRow, ...]
    # Baseline objects preflight held back, as "Kind/name: why".
    blocked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    type: str
    status: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class PolicyView:
    name: str
    enforcement: str
    conditions: tuple[Condition, ...]
    summary: Mapping[str, int]
    # Item ID -> its counters (passed, failed, waived and any others the status carries).
    items: Mapping[str, Mapping[str, int]]
    # Category key (name or prefix, as the status spells it) -> flattened counters.
    categories: Mapping[str, Mapping[str, int]]
    cluster: tuple[ResultRow, ...]

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one page shows; ``errors`` are reads that failed, shown on the page."""

    policies: tuple[PolicyView, ...]
    namespaces: tuple[NamespaceView, ...]
    read_at: datetime
    errors: tuple[str, ...] = field(default=())


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    # bool is an int to Python but never a count.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any, default: str = "") -> str:
    if value is None or isinstance(value, (Mapping, list)):
        return default
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _counters(row: Mapping[str, Any], prefix: str = "") -> dict[str, int]:
    """Every integer field of ``row``, nested mappings flattened as ``outer.inner``."""
    found: dict[str, int] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        number = _int(value)
        if number is not None:
            found[name] = number
        elif isinstance(value, Mapping):
            found.update(_counters(value, prefix=f"{name}."))
    return found


def _result_row(raw: Any) -> ResultRow | None:
    row = _dict(raw)
    rule = _text(row.get("rule"))
    if not rule:
        return None
    resources = tuple(_text(r) for r in _list(row.get("resources"))[:MAX_RESOURCES] if _text(r))
    obj = _text(row.get("object"))
    if obj and not resources:
        resources = (obj,)
    return ResultRow(
        rule=rule,
        result=_text(row.get("result"), "Unknown"),
        severity=_text(row.get("severity")),
        count=_int(row.get("count")),
        message=_text(row.get("message")),
        resources=resources,
    )


def _shown(rows: Iterable[Any]) -> tuple[ResultRow, ...]:
    parsed = (_result_row(raw) for raw in rows)
    return tuple(row for row in parsed if row is not None and row.result in SHOWN_RESULTS)


def read_report(raw: Mapping[str, Any]) -> NamespaceView | None:
    """One AksCompliance object; None when it names no namespace."""
    metadata = _dict(raw.get("metadata"))
    namespace = _text(metadata.get("namespace"))
    if not namespace:
        return None
    status = _dict(raw.get("status"))
    blocked = tuple(
        f"{_text(b.get('kind'))}/{_text(b.get('name'))}: {_text(b.get('reason'))}"
        for b in (_dict(x) for x in _list(_dict(status.get("baseline")).get("blocked")))
        if _text(b.get("kind")) or _text(b.get("name"))
    )[:MAX_RESOURCES]
    baseline = tuple(
        (str(key), _text(value))
        for key, value in sorted(_dict(status.get("baseline")).items())
        if _text(value)
    )
    return NamespaceView(
        namespace=namespace,
        policy=_text(status.get("policy")) or _text(metadata.get("name")),
        score=_int(status.get("score")),
        passed=_int(status.get("passed")),
        failed=_int(status.get("failed")),
        waived=_int(status.get("waived")),
        workloads=_int(status.get("workloads")),
        baseline=baseline,
        results=_shown(_list(status.get("results"))),
        blocked=blocked,
    )


def read_policy(raw: Mapping[str, Any]) -> PolicyView | None:
    """One AksChecklistPolicy object; None when it has no name."""
    name = _text(_dict(raw.get("metadata")).get("name"))
    if not name:
        return None
    spec, status = _dict(raw.get("spec")), _dict(raw.get("status"))
    conditions = tuple(
        Condition(
            type=_text(c.get("type")),
            status=_text(c.get("status"), "Unknown"),
            reason=_text(c.get("reason")),
            message=_text(c.get("message")),
        )
        for c in (_dict(raw_c) for raw_c in _list(status.get("conditions")))
        if _text(c.get("type"))
    )
    items: dict[str, dict[str, int]] = {}
    for row in (_dict(r) for r in _list(status.get("items"))):
        item = _text(row.get("id"))
        if item:
            items[item] = _counters(row)
    categories: dict[str, dict[str, int]] = {}
    for row in (_dict(r) for r in _list(status.get("categories"))):
        key = next(
            (_text(row.get(k)) for k in ("category", "name", "prefix", "id") if _text(row.get(k))),
            "",
        )
        if key:
            categories[key] = _counters(row)
    cluster = tuple(
        row for row in (_result_row(r) for r in _list(status.get("cluster"))) if row is not None
    )
    return PolicyView(
        name=name,
        enforcement=_text(spec.get("enforcement"), "Audit"),
        conditions=conditions,
        summary=_counters(_dict(status.get("summary"))),
        items=items,
        categories=categories,
        cluster=cluster,
    )


def snapshot(
    policies: Iterable[Mapping[str, Any]],
    reports: Iterable[Mapping[str, Any] | NamespaceView],
    *,
    read_at: datetime,
    errors: Iterable[str] = (),
) -> Snapshot:
    """The page's model; reports may be raw objects or already read with :func:`read_report`."""
    views = (r if isinstance(r, NamespaceView) else read_report(r) for r in reports)
    read_policies = (read_policy(p) for p in policies)
    return Snapshot(
        policies=tuple(sorted((p for p in read_policies if p), key=lambda p: p.name)),
        namespaces=tuple(sorted((v for v in views if v), key=lambda v: (v.namespace, v.policy))),
        read_at=read_at,
        errors=tuple(errors),
    )
