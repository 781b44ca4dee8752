"""``--format json``: the stable, documented machine-readable report.

The shape is a public contract (scripts and dashboards parse it), so every
key is always present, with ``null`` where a value does not apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aks_checklist.checks.model import Finding, ObjectRef
from aks_checklist.render.serialize import json_text
from aks_checklist.render.summary import ErrorLike, count, shown


def object_json(ref: ObjectRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {
        "apiVersion": ref.api_version,
        "kind": ref.kind,
        "namespace": ref.namespace,
        "name": ref.name,
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "item": finding.item,
        "result": str(finding.result),
        "severity": str(finding.severity),
        "object": object_json(finding.object),
        "container": finding.container,
        "file": finding.file,
        "line": finding.line,
        "document": finding.document,
        "source": finding.source,
        "copies": list(finding.copies),
        "message": finding.message,
    }


def report(
    findings: Sequence[Finding],
    errors: Sequence[ErrorLike],
    *,
    show_passed: bool,
    objects: int | None = None,
) -> dict[str, Any]:
    counts = count(findings, len(errors), objects)
    return {
        "summary": {
            "objects": counts.objects,
            "results": {str(result): n for result, n in counts.results.items()},
            "failed": {str(severity): n for severity, n in counts.failed.items()},
            "errors": counts.errors,
        },
        "results": [finding_json(finding) for finding in shown(findings, show_passed)],
        "errors": [
            {"file": error.file, "document": error.document, "message": error.message}
            for error in errors
        ],
    }


def render(
    findings: Sequence[Finding],
    errors: Sequence[ErrorLike],
    *,
    show_passed: bool,
    objects: int | None = None,
) -> str:
    document = report(findings, errors, show_passed=show_passed, objects=objects)
    # One result (and one count table) per line: readable, diffable and fast to write.
    return json_text(document, inline=lambda path: len(path) >= 2)
