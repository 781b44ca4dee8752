"""Findings to status: the AksCompliance report of a namespace and the policy's aggregate.

Both are bounded whatever the cluster's size: a report has one entry per
(rule, result) with at most ``MAX_RESOURCES`` names, and the policy status one
row per checklist item. Nothing here carries a timestamp that changes from
pass to pass, so an unchanged cluster produces an identical status and the
controller can skip the write.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aks_checklist.catalog.loader import Catalog, load_catalog
from aks_checklist.checks.model import Finding, Result, Severity

MAX_RESOURCES = 20
MAX_MESSAGE = 512
# Byte budgets (JSON) that keep each status well under the 64 KiB the reports promise.
RESULTS_BUDGET = 56 * 1024
CLUSTER_BUDGET = 40 * 1024
_RESULT_ORDER = {
    Result.FAIL: 0,
    Result.ERROR: 1,
    Result.WARN: 2,
    Result.WAIVED: 3,
    Result.ATTESTED: 4,
    Result.NOT_APPLICABLE: 5,
    Result.PASS: 6,
}


def status_digest(status: Mapping[str, Any]) -> str:
    """A fingerprint of a status that does not depend on key order."""
    canonical = json.dumps(status, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def score(passed: int, failed: int) -> int:
    """Percentage of passed among judged results, rounded down; 100 when nothing was judged.

    Warn, Attested, Waived, NotApplicable and Error are neither: an open advisory
    (Warn) never lowers a score the way a Fail does.
    """
    judged = passed + failed
    return 100 if judged == 0 else (100 * passed) // judged


@dataclass(frozen=True)
class NamespaceReport:
    """One namespace's results, plus per-item counts the policy aggregate sums up."""

    namespace: str
    status: dict[str, Any]
    item_counts: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    # Item -> every result its findings reached (Warn and Attested included): what the
    # policy's per-category status needs, a few bytes per item, kept in compact reports.
    item_results: Mapping[str, frozenset[Result]] = field(default_factory=dict)
    # (rule, severity, failed count) of every failing rule, for metrics and events.
    failures: tuple[tuple[str, str, int], ...] = ()

    def compact(self) -> NamespaceReport:
        """The same report without its per-rule results: what a controller keeps in memory."""
        return dataclasses.replace(
            self, status={k: v for k, v in self.status.items() if k != "results"}
        )

    @property
    def failed(self) -> int:
        return int(self.status["failed"])

    @property
    def score(self) -> int:
        return int(self.status["score"])


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _resource_name(finding: Finding) -> str:
    name = str(finding.object) if finding.object else "-"
    return f"{name} ({finding.container})" if finding.container else name


def namespace_report(
    policy: str,
    namespace: str,
    findings: Sequence[Finding],
    *,
    workloads: int,
    baseline: Mapping[str, str] | None,
) -> NamespaceReport:
    counts = Counter(f.result for f in findings)
    groups: dict[tuple[str, Result], list[Finding]] = defaultdict(list)
    items: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for finding in findings:
        groups[(finding.rule, finding.result)].append(finding)
        row = items[finding.item]
        if finding.result is Result.PASS:
            row[0] += 1
        elif finding.result is Result.FAIL:
            row[1] += 1
        elif finding.result is Result.WAIVED:
            row[2] += 1

    def order(key: tuple[str, Result]) -> tuple[int, int, str]:
        rule, result = key
        severity = groups[key][0].severity
        return (_RESULT_ORDER[result], -Severity(severity).rank, rule)

    results = []
    for key in sorted(groups, key=order):
        rule, result = key
        group = groups[key]
        names = sorted({_resource_name(f) for f in group})
        entry: dict[str, Any] = {
            "rule": rule,
            "severity": group[0].severity.value,
            "result": result.value,
            "count": len(group),
        }
        if result is not Result.PASS:
            # Names of passing resources tell nobody anything and would dominate the size.
            entry["resources"] = names[:MAX_RESOURCES]
            entry["message"] = _truncate(min(group, key=_resource_name).message)
        results.append(entry)

    passed, failed = counts[Result.PASS], counts[Result.FAIL]
    status: dict[str, Any] = {
        "policy": policy,
        "score": score(passed, failed),
        "passed": passed,
        "failed": failed,
        "waived": counts[Result.WAIVED],
        "workloads": workloads,
        "results": _within_budget(results, RESULTS_BUDGET),
    }
    if baseline is not None:
        status["baseline"] = dict(baseline)
    return NamespaceReport(
        namespace=namespace,
        status=status,
        item_counts={sys.intern(item): _shared((r[0], r[1], r[2])) for item, r in items.items()},
        item_results=item_results(findings),
        failures=tuple(
            (rule, group[0].severity.value, len(group))
            for (rule, result), group in sorted(groups.items())
            if result is Result.FAIL
        ),
    )


def policy_aggregate(reports: Iterable[NamespaceReport]) -> dict[str, Any]:
    """``summary`` and ``items`` of the policy status, summed over namespace reports."""
    namespaces = compliant = workloads = passed = failed = waived = 0
    items: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for report in reports:
        namespaces += 1
        status = report.status
        compliant += status["failed"] == 0
        workloads += status["workloads"]
        passed += status["passed"]
        failed += status["failed"]
        waived += status["waived"]
        for item, (p, f, w) in report.item_counts.items():
            row = items[item]
            row[0] += p
            row[1] += f
            row[2] += w
    summary = {"compliant": compliant, "workloads": workloads, "passed": passed}
    summary |= {"failed": failed, "waived": waived}
    return aggregate_status(namespaces, summary, items)


def aggregate_status(
    namespaces: int, sums: Mapping[str, int], items: Mapping[str, Sequence[int]]
) -> dict[str, Any]:
    """The policy status' ``summary`` and ``items`` from sums over its namespaces' reports.

    ``sums`` has compliant, workloads, passed, failed and waived; ``items`` each
    item's passed, failed and waived counts.
    """
    return {
        "summary": {
            "namespaces": namespaces,
            "compliantNamespaces": sums["compliant"],
            "workloads": sums["workloads"],
            "passed": sums["passed"],
            "failed": sums["failed"],
            "waived": sums["waived"],
            "score": score(sums["passed"], sums["failed"]),
        },
        "items": [
            {"id": item, "passed": row[0], "failed": row[1], "waived": row[2]}
            for item, row in sorted(items.items(), key=lambda kv: item_key(kv[0]))
        ],
    }


def item_key(item: str) -> tuple[str, int]:
    prefix, _, number = item.partition("-")
    return (prefix, int(number) if number.isdigit() else 0)


def cluster_results(
    findings: Iterable[Finding], budget: int = CLUSTER_BUDGET
) -> list[dict[str, Any]]:
    """Cluster-scope and AKS-configuration findings as status rows, failures first.

    One row per (rule, result), naming the first object and counting the
    rest, so a 1,000-node cluster costs no more rows than a 3-node one; rows
    stop at ``budget`` bytes of JSON, with a last row saying how many were left out.
    """
    groups: dict[tuple[str, Result], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.rule, finding.result)].append(finding)
    rows: list[dict[str, Any]] = []
    for (rule, result), group in sorted(
        groups.items(), key=lambda kv: (_RESULT_ORDER[kv[0][1]], kv[0][0])
    ):
        first = min(group, key=lambda f: str(f.object) if f.object else "")
        rows.append(
            {
                "rule": rule,
                "result": result.value,
                "severity": first.severity.value,
                "object": str(first.object) if first.object else "",
                "count": len(group),
                "message": _truncate(first.message),
            }
        )
    return _within_budget(rows, budget)


def _within_budget(rows: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    used = 0
    for index, row in enumerate(rows):
        size = len(json.dumps(row, separators=(",", ":"))) + 1
        if used + size > budget:
            left = len(rows) - index
            kept.append(
                {
                    "rule": "-",
                    "result": "NotApplicable",
                    "severity": "Low",
                    "message": f"{left} more results left out to keep the status small",
                }
            )
            break
        kept.append(row)
        used += size
    return kept


def set_condition(
    conditions: Sequence[Mapping[str, Any]],
    *,
    type_: str,
    status: bool | None,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """Conditions with one updated per the API conventions (``None`` is ``Unknown``).

    ``lastTransitionTime`` only moves when ``status`` flips, so re-asserting an
    unchanged condition leaves the list identical (and needs no write).
    """
    value = "Unknown" if status is None else "True" if status else "False"
    # RFC 3339 in UTC, whatever zone ``now`` carries (a naive ``now`` is taken as UTC).
    stamp = (now.astimezone(UTC) if now.tzinfo else now).strftime("%Y-%m-%dT%H:%M:%SZ")
    updated: list[dict[str, Any]] = []
    found = False
    for condition in conditions:
        if condition.get("type") != type_:
            updated.append(dict(condition))
            continue
        found = True
        kept = condition.get("lastTransitionTime")
        # A condition written without a transition time gets one now, never the text "None".
        transition = str(kept) if condition.get("status") == value and kept else stamp
        updated.append(_condition(type_, value, reason, message, generation, transition))
    if not found:
        updated.append(_condition(type_, value, reason, message, generation, stamp))
    return updated


def remove_condition(conditions: Sequence[Mapping[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [dict(c) for c in conditions if c.get("type") != type_]


def _condition(
    type_: str, status: str, reason: str, message: str, generation: int | None, transition: str
) -> dict[str, Any]:
    condition: dict[str, Any] = {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": _truncate(message),
        "lastTransitionTime": transition,
    }
    if generation is not None:
        condition["observedGeneration"] = generation
    return condition


# --- per-category status: strict, advisory and attested items -----------------------------------


def item_results(findings: Iterable[Finding]) -> dict[str, frozenset[Result]]:
    """Item ID -> every result its findings reached, the input of :func:`category_status`."""
    seen: dict[str, set[Result]] = defaultdict(set)
    for finding in findings:
        seen[finding.item].add(finding.result)
    return {sys.intern(item): _shared(frozenset(results)) for item, results in seen.items()}


# A controller keeps a compact report per namespace, each with a row per checklist item:
# the same few count triples and sets of results, shared rather than held 5,000 times.
_SHARED: dict[Any, Any] = {}
_SHARED_MAX = 4096
_V = TypeVar("_V", tuple[int, int, int], frozenset[Result])


def _shared(value: _V) -> _V:
    found: _V | None = _SHARED.get(value)
    if found is not None:
        return found
    if len(_SHARED) < _SHARED_MAX:
        _SHARED[value] = value
    return value


def merge_item_results(
    reports: Iterable[NamespaceReport], *more: Iterable[Finding]
) -> dict[str, frozenset[Result]]:
    """Item results of every namespace report plus more findings (cluster, Azure, attestations)."""
    merged: dict[str, set[Result]] = defaultdict(set)
    for report in reports:
        for item, results in report.item_results.items():
            merged[item] |= results
    return with_findings(merged, *more)


def with_findings(
    results: Mapping[str, Collection[Result]], *more: Iterable[Finding]
) -> dict[str, frozenset[Result]]:
    """``results`` (item -> results reached) with what ``more`` findings reached added."""
    merged: dict[str, set[Result]] = defaultdict(set)
    for item, reached in results.items():
        merged[item] |= set(reached)
    for findings in more:
        for item, found in item_results(findings).items():
            merged[item] |= found
    return {item: frozenset(found) for item, found in merged.items()}


def item_state(verdict: str, results: Collection[Result]) -> str | None:
    """Where one item counts: passed/failed (strict), met/open (advisory), attested/unattested.

    ``None`` when it counts nowhere: a judged item whose findings were all
    NotApplicable or Error (or that had none). A Warn is an open advisory, never a
    failure, so it leaves the score alone; an advisory the policy requires fails like a
    strict item (its Warn became Fail) and counts as failed.
    """
    if verdict == "attestation":
        return "attested" if Result.ATTESTED in results else "unattested"
    if Result.FAIL in results:
        return "failed"
    if verdict == "strict":
        if Result.PASS in results or Result.WAIVED in results:
            return "passed"
        return None
    if Result.WARN in results:
        return "open"
    if Result.ATTESTED in results:
        return "attested"
    if Result.PASS in results or Result.WAIVED in results:
        return "met"
    return None


def category_status(
    results: Mapping[str, Collection[Result]], catalog: Catalog | None = None
) -> list[dict[str, Any]]:
    """One row per checklist category: strict passed/failed, advisories met/open, attestations.

    ``results`` is :func:`item_results` over every finding of the policy (namespaces,
    cluster, Azure and :func:`aks_checklist.policy.attestation_findings`). The rows
    are bounded by the 11 categories whatever the cluster's size.
    """
    catalog = catalog or load_catalog()
    rows: dict[str, dict[str, Any]] = {}
    for item in catalog:
        row = rows.setdefault(
            item.prefix,
            {
                "category": item.category,
                "strict": {"passed": 0, "failed": 0},
                "advisories": {"met": 0, "open": 0},
                "attested": 0,
                "unattested": 0,
            },
        )
        state = item_state(item.verdict, results.get(item.id, ()))
        if state in ("passed", "failed"):
            row["strict"][state] += 1
        elif state in ("met", "open"):
            row["advisories"][state] += 1
        elif state is not None:
            row[state] += 1
    return list(rows.values())
