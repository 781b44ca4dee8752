"""``--format table``: the human report, one block per object, worst results first.

Colour is ANSI and only when asked for (the CLI decides from the TTY and
``NO_COLOR``); without it the text stays aligned and greppable, with the
result spelled out on every line.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from aks_checklist.checks.model import Finding, ObjectRef, Result, Severity
from aks_checklist.render.summary import Counts, ErrorLike, count, error_text, object_key, shown

_RESET = "\033[0m"
_BOLD = "1"
_DIM = "2"
RESULT_LABELS = {
    Result.FAIL: "FAIL",
    Result.WARN: "WARN",
    Result.ERROR: "ERROR",
    Result.WAIVED: "WAIVED",
    Result.PASS: "PASS",
    Result.NOT_APPLICABLE: "N/A",
}
_RESULT_COLORS = {
    Result.FAIL: "31",
    Result.WARN: "33",
    Result.ERROR: "35",
    Result.WAIVED: "36",
    Result.PASS: "32",
    Result.NOT_APPLICABLE: _DIM,
}
_RULE_WIDTH_CAP = 44


def object_title(ref: ObjectRef | None) -> str:
    if ref is None:
        return "Cluster"
    name = ref.name or "<unnamed>"
    return f"{ref.kind} {ref.namespace}/{name}" if ref.namespace else f"{ref.kind} {name}"


def render(
    findings: Sequence[Finding],
    errors: Sequence[ErrorLike],
    *,
    show_passed: bool,
    color: bool,
    objects: int | None = None,
) -> str:
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}{_RESET}" if color else text

    listed = shown(findings, show_passed)
    lines: list[str] = []
    rule_width = min(_RULE_WIDTH_CAP, max((len(f.rule) for f in listed), default=0))
    for (_, file), group in groupby(listed, key=lambda f: (object_key(f.object), f.file)):
        block = list(group)
        title = paint(object_title(block[0].object), _BOLD)
        lines.append(f"{title}  {paint(file, _DIM)}" if file else title)
        for finding in block:
            label = RESULT_LABELS.get(finding.result, str(finding.result))
            result = paint(f"{label:<6}", _RESULT_COLORS.get(finding.result, _BOLD))
            severity = f"{finding.severity!s:<6}"
            if finding.severity == Severity.HIGH and finding.result == Result.FAIL:
                severity = paint(severity, _BOLD)
            lines.append(f"  {result}  {severity}  {finding.rule:<{rule_width}}  {finding.message}")
        lines.append("")
    if errors:
        lines.append(paint("Errors", _BOLD))
        for error in errors:
            lines.append(f"  {paint('ERROR ', _RESULT_COLORS[Result.ERROR])}  {error_text(error)}")
        lines.append("")
    if not listed and not errors:
        lines.append("Nothing to report: no failures, warnings, waivers or errors.")
    lines.append(summary_line(count(findings, len(errors), objects)))
    return "\n".join(lines) + "\n"


def summary_line(counts: Counts) -> str:
    results = counts.results
    failed = ", ".join(f"{severity} {n}" for severity, n in counts.failed.items())
    parts = [
        f"{results[Result.FAIL]} failed ({failed})",
        f"{results[Result.WARN]} warned",
        f"{results[Result.WAIVED]} waived",
        f"{results[Result.PASS]} passed",
        f"{results[Result.NOT_APPLICABLE]} not applicable",
        f"{results[Result.ERROR]} not evaluable",
    ]
    objects = f"{counts.objects} object{'s' if counts.objects != 1 else ''}"
    line = f"{objects}: {', '.join(parts)}"
    if counts.errors:
        line += f"; {counts.errors} error{'s' if counts.errors != 1 else ''}"
    return line
