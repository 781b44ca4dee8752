"""``--format table``: the human report, one block per object, worst results first.

Colour is ANSI and only when asked for (the CLI decides from the TTY and
``NO_COLOR``); without it the text stays aligned and greppable, with the
result spelled out on every line. Messages wrap to ``width`` columns (the
CLI passes the terminal's, 80 when not a terminal) under their own column,
so a long message never pushes the next row off screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    Result.ATTESTED: "ATTESTED",
    Result.PASS: "PASS",
    Result.NOT_APPLICABLE: "N/A",
}
_RESULT_COLORS = {
    Result.FAIL: "31",
    Result.WARN: "33",
    Result.ERROR: "35",
    Result.WAIVED: "36",
    Result.ATTESTED: "36",
    Result.PASS: "32",
    Result.NOT_APPLICABLE: _DIM,
}
_RULE_WIDTH_CAP = 44
DEFAULT_WIDTH = 80  # the same as aks_checklist.render.DEFAULT_WIDTH
# Below this many columns for the message, it goes on its own lines under the row instead.
_MIN_MESSAGE_WIDTH = 30


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
    width: int = DEFAULT_WIDTH,
    list_errors: bool = True,
) -> str:
    """The report; with ``list_errors`` false, errors are only counted (the CLI prints them
    on stderr)."""

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}{_RESET}" if color else text

    listed = shown(findings, show_passed)
    lines: list[str] = []
    rule_width = min(_RULE_WIDTH_CAP, max((len(f.rule) for f in listed), default=0))
    # "  RESULT  SEVERE  RULE  " precedes each message.
    indent = 2 + 6 + 2 + 6 + 2 + rule_width + 2
    message_width = width - indent
    # The same few results, severities and rules make every row: each row is written once
    # (without its padding when the message goes on lines of its own).
    rows: dict[tuple[Result, Severity, str], str] = {}
    beside = message_width >= _MIN_MESSAGE_WIDTH
    # An object's findings come together: its key is worked out once for them.
    last: list[object] = [rows, None]  # the object before and its key; no finding is about rows

    def place(finding: Finding) -> tuple[object, ...]:
        ref = finding.object
        if ref is not last[0]:
            last[0], last[1] = ref, object_key(ref)
        return (last[1], finding.file, finding.source, finding.line)

    for _, group in groupby(listed, key=place):
        block = list(group)
        lines.extend(_title(block[0], width, paint))
        for finding in block:
            row_key = (finding.result, finding.severity, finding.rule)
            row = rows.get(row_key)
            if row is None:
                row = _row(finding, rule_width, paint)
                row = rows[row_key] = row if beside else row.rstrip()
            if beside:
                wrapped = wrap(finding.message, message_width) or [""]
                lines.append(f"{row}  {wrapped[0]}")
                lines.extend(" " * indent + part for part in wrapped[1:])
            else:
                lines.append(row)
                lines.extend(wrap(finding.message, max(width, _MIN_MESSAGE_WIDTH), "      "))
        lines.append("")
    if errors and list_errors:
        lines.append(paint("Errors", _BOLD))
        for error in errors:
            lines.append(f"  {paint('ERROR ', _RESULT_COLORS[Result.ERROR])}  {error_text(error)}")
        lines.append("")
    if not listed and not errors:
        lines.append("Nothing to report: no failures, warnings, waivers or errors.")
    lines.append(summary_line(count(findings, len(errors), objects)))
    return "\n".join(lines) + "\n"


def _row(finding: Finding, rule_width: int, paint: Callable[[str, str], str]) -> str:
    """``  RESULT  SEVERE  RULE``, padded to the columns, before a finding's message."""
    label = RESULT_LABELS.get(finding.result, str(finding.result))
    result = paint(f"{label:<6}", _RESULT_COLORS.get(finding.result, _BOLD))
    severity = f"{finding.severity!s:<6}"
    if finding.severity == Severity.HIGH and finding.result == Result.FAIL:
        severity = paint(severity, _BOLD)
    return f"  {result}  {severity}  {finding.rule:<{rule_width}}"


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)``.

    Splitting messages into chunks with textwrap's regular expression was most of
    rendering 10,000 objects' table. A plain text (printable, single spaces, none at
    either end) is wrapped here word by word, greedily as textwrap does; whenever
    textwrap could break differently (a word longer than a line, a hyphenated word
    at the end of a line, where textwrap may split it) it is left to textwrap.
    """
    if text and text.isprintable() and text == text.strip() and "  " not in text:
        if len(indent) + len(text) <= width:
            return [indent + text]
        lines = _greedy(text, width - len(indent), indent)
        if lines is not None:
            return lines
    import textwrap  # compiles its regular expressions at import: only for the odd message

    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)


def _greedy(text: str, room: int, indent: str) -> list[str] | None:
    """Words joined into lines of at most ``room`` characters, or None (see :func:`wrap`).

    Words are one space apart, so a line ends at the last space within ``room`` and the
    word after it reaches past ``room``: a hyphen of that word within ``room`` is where
    textwrap could break instead, and no space within ``room`` is a word too long.
    """
    lines: list[str] = []
    while len(text) > room:
        end = text.rfind(" ", 0, room + 1)
        if end <= 0 or text.find("-", end + 1, room + 1) >= 0:
            return None
        lines.append(indent + text[:end])
        text = text[end + 1 :]
    lines.append(indent + text)
    return lines


def _title(finding: Finding, width: int, paint: Callable[[str, str], str]) -> list[str]:
    """The object's name, then where it is written: ``file:line``, the render, any copies."""
    title = object_title(finding.object)
    place = finding.file or ""
    if finding.object is not None and place == finding.object.name:
        place = ""  # a Dockerfile is named by its path already
    if place and finding.line:
        place = f"{place}:{finding.line}"
    where = [part for part in (place, f"({finding.source})" if finding.source else "") if part]
    lines = [paint(title, _BOLD)]
    if where:
        joined = "  ".join(where)
        if len(title) + 2 + len(joined) <= width:
            lines[0] += "  " + paint(joined, _DIM)
        else:
            lines.extend(paint(f"  {part}", _DIM) for part in where)
    if finding.copies:
        import textwrap

        text = "also in " + ", ".join(finding.copies)
        lines.extend(
            paint(part, _DIM)
            for part in textwrap.wrap(
                text,
                max(width - 2, _MIN_MESSAGE_WIDTH),
                initial_indent="  ",
                subsequent_indent="    ",
            )
        )
    return lines


def summary_line(counts: Counts) -> str:
    results = counts.results
    failed = ", ".join(f"{severity} {n}" for severity, n in counts.failed.items())
    parts = [
        f"{results[Result.FAIL]} failed ({failed})",
        f"{results[Result.WARN]} warned",
        f"{results[Result.WAIVED]} waived",
        f"{results[Result.ATTESTED]} attested",
        f"{results[Result.PASS]} passed",
        f"{results[Result.NOT_APPLICABLE]} not applicable",
        f"{results[Result.ERROR]} not evaluable",
    ]
    objects = f"{counts.objects} object{'s' if counts.objects != 1 else ''}"
    line = f"{objects}: {', '.join(parts)}"
    if counts.errors:
        line += f"; {counts.errors} error{'s' if counts.errors != 1 else ''}"
    return line
