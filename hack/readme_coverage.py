"""Writes `aks-checklist checks --format markdown` between the README's coverage markers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
MARKERS = re.compile(r"(<!-- coverage:start -->\n).*?(<!-- coverage:end -->)", re.DOTALL)


def coverage_table() -> str:
    return subprocess.run(
        [sys.executable, "-m", "aks_checklist", "checks", "--format", "markdown"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main() -> None:
    table = coverage_table()
    README.write_text(MARKERS.sub(lambda m: m.group(1) + table + m.group(2), README.read_text()))


if __name__ == "__main__":
    main()
