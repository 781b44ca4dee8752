"""``--format sarif``: SARIF 2.1.0, the format code-scanning UIs ingest.

Mapping choices: a Fail's level follows its severity (High -> error,
Medium -> warning, Low -> note); a Warn is at most a warning; a Waived
finding is kept, with an accepted external suppression carrying the waiver's
reason, so the UI shows it as dismissed rather than losing it. Pass and
NotApplicable (with ``--show-passed``) use SARIF's own ``pass`` and
``notApplicable`` kinds, and Error (could not evaluate) is ``open``. Inputs
that could not be read become tool execution notifications.

Every result with a file carries ``region.startLine``, the line its object's
document starts on (for a rendered object, in the file that wrote it), so a
code-scanning annotation lands on the object and not on line 1; the document
index and the render go in the result's properties.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from aks_checklist import __version__
from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.render.serialize import Path, json_text
from aks_checklist.render.summary import ErrorLike, category_of, shown
from aks_checklist.render.table import object_title

SARIF_VERSION = "2.1.0"
TOOL_NAME = "aks-checklist"
STDIN_NAME = "<stdin>"

LEVELS = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# Numbers on the 0-10 scale some code-scanning UIs use to rank security alerts.
_SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.0", Severity.LOW: "2.0"}
_QUIET_KINDS = {Result.PASS: "pass", Result.NOT_APPLICABLE: "notApplicable", Result.ERROR: "open"}


def _level(finding: Finding) -> str:
    if finding.result == Result.WARN:
        return "note" if finding.severity == Severity.LOW else "warning"
    return LEVELS[finding.severity]


def _rule_descriptor(rule_id: str, severity: Severity, rule: Rule | None) -> dict[str, Any]:
    title = rule.title if rule else rule_id
    return {
        "id": rule_id,
        "shortDescription": {"text": title},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "severity": str(severity),
            "security-severity": _SECURITY_SEVERITY[severity],
            "item": rule_id.split("/", 1)[0],
            "tags": ["aks-checklist", category_of(rule_id)],
        },
    }


def _fingerprint(finding: Finding) -> str:
    import hashlib  # loading OpenSSL costs start-up time in the formats that do not need it

    ref = finding.object
    parts = [finding.rule, finding.container or ""]
    if ref is not None:
        parts += [ref.kind, ref.namespace or "", ref.name]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _location(finding: Finding) -> dict[str, Any] | None:
    location: dict[str, Any] = {}
    if finding.file and finding.file != STDIN_NAME:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.file)}}
        physical["region"] = {"startLine": finding.line or 1}
        location["physicalLocation"] = physical
    ref = finding.object
    if ref is not None:
        qualified = "/".join(p for p in (ref.namespace, ref.kind, ref.name) if p)
        location["logicalLocations"] = [
            {"name": ref.name, "fullyQualifiedName": qualified, "kind": "resource"}
        ]
    return location or None


def _uri(path: str) -> str:
    """A relative URI reference for a path as given (Windows separators become slashes)."""
    return quote(path.replace("\\", "/"), safe="/")


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    text = finding.message
    if finding.object is not None:
        text = f"{object_title(finding.object)}: {text}"
    result: dict[str, Any] = {"ruleId": finding.rule, "ruleIndex": rule_index}
    if finding.result in _QUIET_KINDS:
        result["kind"] = _QUIET_KINDS[finding.result]
        result["level"] = "none"
    else:
        result["kind"] = "fail"
        result["level"] = _level(finding)
    result["message"] = {"text": text}
    location = _location(finding)
    if location:
        result["locations"] = [location]
    result["partialFingerprints"] = {"aksChecklistFinding/v1": _fingerprint(finding)}
    if finding.result in (Result.WAIVED, Result.ATTESTED):
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.message}
        ]
    properties: dict[str, Any] = {"result": str(finding.result), "severity": str(finding.severity)}
    if finding.container:
        properties["container"] = finding.container
    if finding.document is not None:
        properties["document"] = finding.document
    if finding.source:
        properties["source"] = finding.source
    if finding.copies:
        properties["copies"] = list(finding.copies)
    result["properties"] = properties
    return result


def report(
    findings: Sequence[Finding],
    errors: Sequence[ErrorLike],
    *,
    show_passed: bool,
    rules: Iterable[Rule] = (),
) -> dict[str, Any]:
    known = {rule.id: rule for rule in rules}
    listed = shown(findings, show_passed)
    rule_ids = sorted({finding.rule for finding in listed})
    severities = {finding.rule: finding.severity for finding in listed}
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    descriptors = [
        _rule_descriptor(
            rule_id,
            known[rule_id].severity if rule_id in known else severities[rule_id],
            known.get(rule_id),
        )
        for rule_id in rule_ids
    ]
    notifications = []
    for error in errors:
        notification: dict[str, Any] = {"level": "error", "message": {"text": error.message}}
        if error.file != STDIN_NAME:
            physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(error.file)}}
            notification["locations"] = [{"physicalLocation": physical}]
        if error.document is not None:
            notification["properties"] = {"document": error.document}
        notifications.append(notification)
    return {
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": [_result(finding, index[finding.rule]) for finding in listed],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def _inline(path: Path) -> bool:
    """One line per result, per rule descriptor and per notification."""
    return (len(path) == 4 and path[2] == "results") or len(path) >= 6


def render(
    findings: Sequence[Finding],
    errors: Sequence[ErrorLike],
    *,
    show_passed: bool,
    rules: Iterable[Rule] = (),
) -> str:
    return json_text(report(findings, errors, show_passed=show_passed, rules=rules), inline=_inline)
