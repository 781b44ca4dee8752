"""The README's coverage table is the command's output, not a hand-edited copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aks_checklist.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def test_coverage_table_matches_the_checks_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--format", "markdown"]) == 0
    generated = capsys.readouterr().out
    match = re.search(
        r"<!-- coverage:start -->\n(.*?)<!-- coverage:end -->", README.read_text(), re.DOTALL
    )
    assert match, "README.md lost its coverage markers"
    assert match.group(1) == generated, "run `make readme` to regenerate the table"
