"""The output flags `scan` and `aks` share, so both commands behave the same way."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aks_checklist.checks.model import Severity
from aks_checklist.render import FORMATS

if TYPE_CHECKING:
    import argparse


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--format, --fail-on, --show-passed and --no-color."""
    parser.add_argument(
        "--format", "-o", dest="format", choices=FORMATS, default="table", help="output format"
    )
    parser.add_argument(
        "--fail-on",
        type=severity,
        default=Severity.HIGH,
        metavar="{High,Medium,Low}",
        help="exit 1 when a check fails at or above this severity (default: High)",
    )
    parser.add_argument(
        "--show-passed", action="store_true", help="also list passing and not-applicable checks"
    )
    parser.add_argument("--no-color", action="store_true", help="never colour the table output")


def severity(text: str) -> Severity:
    """Parses a severity name in any letter case (argparse's ``type``)."""
    import argparse  # imported already by the parser that calls this

    chosen = severity_named(text)
    if chosen is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not High, Medium or Low")
    return chosen


def severity_named(text: str) -> Severity | None:
    """The severity ``text`` names in any letter case, or None."""
    for candidate in Severity:
        if candidate.value.lower() == text.strip().lower():
            return candidate
    return None


def use_color(no_color: bool, stream: Any) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (no-color.org)."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
