"""Output formats for findings: ``table``, ``json``, ``sarif`` and ``policyreport``.

Renderers are pure (findings in, text out) so ``aks-checklist scan`` and
``aks-checklist aks`` print the same formats, and the exit-code rule lives
here with them for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.render.summary import ErrorLike

DEFAULT_WIDTH = 80

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERRORS = 2

FORMATS = ("table", "json", "sarif", "policyreport")

__all__ = ["EXIT_ERRORS", "EXIT_FINDINGS", "EXIT_OK", "FORMATS", "ErrorLike", "exit_code", "render"]


def render(
    findings: Sequence[Finding],
    errors: Sequence[ErrorLike] = (),
    *,
    fmt: str,
    show_passed: bool = False,
    color: bool = False,
    objects: int | None = None,
    rules: Iterable[Rule] = (),
    width: int = DEFAULT_WIDTH,
    list_errors: bool = True,
) -> str:
    """Renders a report in ``fmt`` (one of :data:`FORMATS`).

    ``objects`` is how many objects were judged (defaults to those with
    findings); ``rules`` gives titles to SARIF rule descriptors; ``width`` and
    ``list_errors`` shape the table (see :func:`aks_checklist.render.table.render`).
    """
    # Each format is imported when chosen: a scan prints one, and start-up is most of a small one.
    if fmt == "table":
        from aks_checklist.render import table

        return table.render(
            findings,
            errors,
            show_passed=show_passed,
            color=color,
            objects=objects,
            width=width,
            list_errors=list_errors,
        )
    if fmt == "json":
        from aks_checklist.render import json_format

        return json_format.render(findings, errors, show_passed=show_passed, objects=objects)
    if fmt == "sarif":
        from aks_checklist.render import sarif

        return sarif.render(findings, errors, show_passed=show_passed, rules=rules)
    if fmt == "policyreport":
        from aks_checklist.render import policyreport

        return policyreport.render(findings, errors, show_passed=show_passed)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def exit_code(
    findings: Iterable[Finding], errors: Sequence[object], fail_on: Severity = Severity.HIGH
) -> int:
    """The process exit code of a scan.

    2 when some input could not be read, else 1 when a Fail is at or above
    ``fail_on``, else 0. Warn, Waived and Error results never fail a scan.
    """
    if errors:
        return EXIT_ERRORS
    threshold = Severity(fail_on).rank
    fail = Result.FAIL  # read once: on the enum class it costs ten times a global
    for finding in findings:
        if finding.result == fail and finding.severity.rank >= threshold:
            return EXIT_FINDINGS
    return EXIT_OK
