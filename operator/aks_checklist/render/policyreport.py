"""wgpolicyk8s.io/v1alpha2 PolicyReports from the scanner and from the operator.

Policy-report dashboards read one PolicyReport per namespace and one
ClusterPolicyReport for cluster-scoped objects. Result names follow that API:
Waived and NotApplicable are ``skip``.

The scanner (:func:`render`) prints a ``v1 List`` with one result per finding,
ready for ``kubectl apply``. Findings on a Namespace object itself (a missing
default-deny, say) go to that namespace's report. Errors (an input that could
not be read) have no resource to hang a result on, so they are listed as YAML
comments at the top.

The operator (:func:`namespace_policy_report`, :func:`cluster_policy_report`)
writes reports beside AksCompliance and bounds them the same way: one result
per (rule, result) naming at most ``MAX_RESOURCES`` resources, results cut
at a byte budget with a last result saying how many were left out, and no
timestamps, so an unchanged cluster builds an identical report and needs no
write.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from aks_checklist.checks.model import Finding, ObjectRef, Result, Severity
from aks_checklist.render.serialize import yaml_text
from aks_checklist.render.summary import ErrorLike, category_of, error_text, shown
from aks_checklist.report import MAX_MESSAGE, MAX_RESOURCES, RESULTS_BUDGET

API_VERSION = "wgpolicyk8s.io/v1alpha2"
REPORT_NAME = "aks-checklist"
SOURCE = "aks-checklist"
MANAGED_BY = {"app.kubernetes.io/managed-by": "aks-checklist-operator"}
POLICY_ANNOTATION = "akschecklist.io/policy"
# Object names are DNS subdomains: at most 253 characters.
MAX_NAME = 253

RESULTS = {
    Result.PASS: "pass",
    Result.FAIL: "fail",
    Result.WARN: "warn",
    Result.ERROR: "error",
    Result.WAIVED: "skip",
    Result.ATTESTED: "skip",
    Result.NOT_APPLICABLE: "skip",
}
SUMMARY_KEYS = ("pass", "fail", "warn", "error", "skip")


def _result(finding: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "source": SOURCE,
        "policy": finding.item,
        "rule": finding.rule,
        "category": category_of(finding.rule),
        "result": RESULTS[finding.result],
        "severity": str(finding.severity).lower(),
        "scored": True,
        "message": finding.message,
    }
    ref = finding.object
    if ref is not None:
        resource = {"apiVersion": ref.api_version, "kind": ref.kind, "name": ref.name}
        if ref.namespace:
            resource["namespace"] = ref.namespace
        entry["resources"] = [resource]
    properties = {"result": str(finding.result)}
    if finding.container:
        properties["container"] = finding.container
    if finding.file:
        properties["file"] = finding.file
    entry["properties"] = properties
    return entry


def _resource(ref: ObjectRef) -> dict[str, str]:
    """An ObjectReference; empty fields are left out (the schema's fields are all optional)."""
    resource = {"apiVersion": ref.api_version, "kind": ref.kind, "name": ref.name}
    if ref.namespace:
        resource["namespace"] = ref.namespace
    return {key: value for key, value in resource.items() if value}


def _report(
    namespace: str | None, findings: list[Finding], listed: list[Finding]
) -> dict[str, Any]:
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    for finding in findings:
        summary[RESULTS[finding.result]] += 1
    metadata: dict[str, Any] = {"name": REPORT_NAME}
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata["labels"] = dict(MANAGED_BY)
    return {
        "apiVersion": API_VERSION,
        "kind": "PolicyReport" if namespace is not None else "ClusterPolicyReport",
        "metadata": metadata,
        "summary": summary,
        "results": [_result(finding) for finding in listed],
    }


def _report_namespace(finding: Finding) -> str | None:
    """Where a finding is reported; a Namespace's own findings go to that namespace's report."""
    ref = finding.object
    if ref is None:
        return None
    if ref.kind == "Namespace" and not ref.namespace:
        return ref.name or None
    return ref.namespace


def reports(findings: Sequence[Finding], *, show_passed: bool) -> list[dict[str, Any]]:
    """One PolicyReport per namespace (sorted), then the ClusterPolicyReport if any."""
    by_namespace: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_namespace[_report_namespace(finding)].append(finding)
    namespaces = sorted(ns for ns in by_namespace if ns is not None)
    scopes: list[str | None] = [*namespaces, *([None] if None in by_namespace else [])]
    return [
        _report(scope, by_namespace[scope], shown(by_namespace[scope], show_passed))
        for scope in scopes
    ]


def render(findings: Sequence[Finding], errors: Sequence[ErrorLike], *, show_passed: bool) -> str:
    document = {
        "apiVersion": "v1",
        "kind": "List",
        "items": reports(findings, show_passed=show_passed),
    }
    header = "".join(f"# error: {' '.join(error_text(error).splitlines())}\n" for error in errors)
    return header + yaml_text(document)


# --- the operator's reports, bounded like AksCompliance ---------------------------------------

_RESULT_ORDER = {
    Result.FAIL: 0,
    Result.ERROR: 1,
    Result.WARN: 2,
    Result.WAIVED: 3,
    Result.NOT_APPLICABLE: 4,
    Result.PASS: 5,
}


def report_name(policy: str) -> str:
    """``aks-checklist-<policy>``: one report per policy, apart from other tools' reports.

    A name that would pass the 253-character limit is cut and given a hash of
    the policy's name, so two long policy names never share a report.
    """
    name = f"{REPORT_NAME}-{policy}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(policy.encode()).hexdigest()[:10]
    return f"{name[: MAX_NAME - len(digest) - 1].rstrip('-.')}-{digest}"


def namespace_policy_report(
    policy: str, namespace: str, findings: Iterable[Finding]
) -> dict[str, Any]:
    """The PolicyReport of one namespace under ``policy``, from the findings its AksCompliance has.

    Its scope is the Namespace; ``summary`` counts every finding (as
    AksCompliance's passed and failed do) even when results were cut.
    """
    body = _bounded(policy, list(findings), namespace=namespace)
    body["scope"] = {"apiVersion": "v1", "kind": "Namespace", "name": namespace}
    return body


def cluster_policy_report(policy: str, findings: Iterable[Finding]) -> dict[str, Any]:
    """The ClusterPolicyReport of ``policy``: cluster-scope and AKS-configuration findings."""
    return _bounded(policy, list(findings), namespace=None)


def _bounded(policy: str, findings: list[Finding], *, namespace: str | None) -> dict[str, Any]:
    counts = Counter(RESULTS[finding.result] for finding in findings)
    groups: dict[tuple[str, Result], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.rule, finding.result)].append(finding)

    def order(key: tuple[str, Result]) -> tuple[int, int, str]:
        rule, result = key
        return (_RESULT_ORDER[result], -Severity(groups[key][0].severity).rank, rule)

    results = [_group_result(groups[key]) for key in sorted(groups, key=order)]
    metadata: dict[str, Any] = {"name": report_name(policy)}
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata["labels"] = dict(MANAGED_BY)
    metadata["annotations"] = {POLICY_ANNOTATION: policy}
    return {
        "apiVersion": API_VERSION,
        "kind": "PolicyReport" if namespace is not None else "ClusterPolicyReport",
        "metadata": metadata,
        "summary": {key: counts[key] for key in SUMMARY_KEYS},
        "results": _within_budget(results, RESULTS_BUDGET),
    }


def _group_result(group: list[Finding]) -> dict[str, Any]:
    """One result for every finding of one rule with one outcome."""
    first = min(group, key=_sort_key)
    refs = sorted({f.object for f in group if f.object is not None}, key=_ref_key)
    entry: dict[str, Any] = {
        "source": SOURCE,
        "policy": first.item,
        "rule": first.rule,
        "category": category_of(first.rule),
        "result": RESULTS[first.result],
        "severity": str(first.severity).lower(),
        # Warn marks advice, not a requirement: it must not weigh on a score.
        "scored": first.result is not Result.WARN,
        "message": _truncate(first.message),
    }
    if refs:
        entry["resources"] = [_resource(ref) for ref in refs[:MAX_RESOURCES]]
    properties = {"result": str(first.result), "count": str(len(group))}
    if len(refs) > MAX_RESOURCES:
        properties["resourcesLeftOut"] = str(len(refs) - MAX_RESOURCES)
    entry["properties"] = properties
    return entry


def _sort_key(finding: Finding) -> tuple[str, str]:
    return (str(finding.object) if finding.object else "", finding.container or "")


def _ref_key(ref: ObjectRef) -> tuple[str, str, str, str]:
    return (ref.kind, ref.namespace or "", ref.name, ref.api_version)


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _within_budget(results: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    used = 0
    for index, result in enumerate(results):
        size = len(json.dumps(result, separators=(",", ":"))) + 1
        if used + size > budget:
            left = len(results) - index
            kept.append(
                {
                    "source": SOURCE,
                    "policy": REPORT_NAME,
                    "rule": "results-left-out",
                    "result": "skip",
                    "scored": False,
                    "message": f"{left} more results left out to keep the report small",
                    "properties": {"count": str(left)},
                }
            )
            break
        kept.append(result)
        used += size
    return kept
