"""``--format policyreport``: wgpolicyk8s.io/v1alpha2 reports, ready for ``kubectl apply``.

Policy-report dashboards read one PolicyReport per namespace and one
ClusterPolicyReport for cluster-scoped objects; the output is a ``v1 List``
holding them. Findings on a Namespace object itself (a missing default-deny,
say) go to that namespace's report. Result names follow that API: Waived and
NotApplicable are ``skip``. Errors (an input that could not be read) have no
resource to hang a result on, so they are listed as YAML comments at the top.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aks_checklist.checks.model import Finding, Result
from aks_checklist.render.serialize import yaml_text
from aks_checklist.render.summary import ErrorLike, category_of, error_text, shown

API_VERSION = "wgpolicyk8s.io/v1alpha2"
REPORT_NAME = "aks-checklist"
SOURCE = "aks-checklist"
MANAGED_BY = {"app.kubernetes.io/managed-by": "aks-checklist-operator"}

RESULTS = {
    Result.PASS: "pass",
    Result.FAIL: "fail",
    Result.WARN: "warn",
    Result.ERROR: "error",
    Result.WAIVED: "skip",
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
