"""``--format json``: the stable, documented machine-readable report.

The shape is a public contract (scripts and dashboards parse it), so every
key is always present, with ``null`` where a value does not apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any

from aks_checklist.checks.model import Finding, ObjectRef
from aks_checklist.render.serialize import Encoded, compact, json_text
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


def _value(value: object) -> str:
    """``compact(value)``, with the common strings, numbers and nulls written without it."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)
    if type(value) is int:
        return str(value)
    return compact(value)


def results_json(findings: Sequence[Finding]) -> Encoded:
    """``compact(finding_json(finding))`` for each finding, written without building the dicts.

    A 10,000-object scan lists tens of thousands of results, and one encoder call on a
    fresh dict each was most of rendering them. The same rules, files, containers and
    objects recur from row to row, so each is encoded once.
    """
    heads: dict[tuple[str, str, str], str] = {}  # the same few rules, results and severities
    texts: dict[str, str] = {}  # files, containers and renders recur too
    # By identity: a workload's findings share one ref, and its hash is a Python call.
    objects: dict[int, str] = {}
    rows = Encoded()
    append = rows.append

    def text_of(value: object) -> str:
        if type(value) is not str:  # only strings are remembered: 1 and True are one key
            return _value(value)
        text = texts.get(value)
        if text is None:
            text = texts[value] = encode_basestring(value)
        return text

    # A workload's findings come one after the other, in one file at one line: the part of
    # the row from "file" to "copies" is the one before's, unless one of them is another.
    place: tuple[object, ...] = (rows,) * 5  # nothing a finding holds
    middle = ""
    for finding in findings:
        key = (finding.rule, finding.result, finding.severity)
        head = heads.get(key)
        if head is None:
            head = heads[key] = (
                f'{{"rule": {_value(finding.rule)}, "item": {_value(finding.item)}, '
                f'"result": {_value(str(finding.result))}, '
                f'"severity": {_value(str(finding.severity))}, "object": '
            )
        ref = finding.object
        obj = objects.get(id(ref))
        if obj is None:
            obj = objects[id(ref)] = compact(object_json(ref))
        file, line, document, source, copies = (
            finding.file,
            finding.line,
            finding.document,
            finding.source,
            finding.copies,
        )
        # By identity, so 1 and True (or two equal lists) are never taken for one another.
        if (
            file is not place[0]
            or line is not place[1]
            or document is not place[2]
            or source is not place[3]
            or copies is not place[4]
        ):
            place = (file, line, document, source, copies)
            middle = (
                f'"file": {text_of(file)}, "line": {_value(line)}, '
                f'"document": {_value(document)}, "source": {text_of(source)}, '
                f'"copies": {compact(list(copies)) if copies else "[]"}'
            )
        append(
            f'{head}{obj}, "container": {text_of(finding.container)}, {middle}, '
            f'"message": {_value(finding.message)}}}'
        )
    return rows


def report(
    findings: Sequence[Finding],
    errors: Sequence[ErrorLike],
    *,
    show_passed: bool,
    objects: int | None = None,
) -> dict[str, Any]:
    """The report as plain data; :func:`render` writes it (its ``results`` encoded already)."""
    return _document(findings, errors, show_passed, objects, finding_rows=False)


def _document(
    findings: Sequence[Finding],
    errors: Sequence[ErrorLike],
    show_passed: bool,
    objects: int | None,
    *,
    finding_rows: bool,
) -> dict[str, Any]:
    counts = count(findings, len(errors), objects)
    listed = shown(findings, show_passed)
    return {
        "summary": {
            "objects": counts.objects,
            "results": {str(result): n for result, n in counts.results.items()},
            "failed": {str(severity): n for severity, n in counts.failed.items()},
            "errors": counts.errors,
        },
        "results": results_json(listed) if finding_rows else [finding_json(f) for f in listed],
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
    document = _document(findings, errors, show_passed, objects, finding_rows=True)
    # One result (and one count table) per line: readable, diffable and fast to write.
    return json_text(document, inline=_inline)


def _inline(path: tuple[str | int, ...]) -> bool:
    return len(path) >= 2
