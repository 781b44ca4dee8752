"""Writes :mod:`aks_checklist.catalog.kinds`, the verdict kinds of ``items.yaml`` as Python.

Every scan needs to know which items are advisory or conflicting, and nothing
else of the catalog; parsing and validating the 1,800-line ``items.yaml`` for
that was a fifth of a small file's scan. So the two small tables it needs are
written out as a module (loaded from its cached bytecode in microseconds).
``tests/unit/test_catalog.py`` regenerates the text and compares it with the
file, so the table can never drift from the catalog:

    python -m aks_checklist.catalog.compact   # after editing items.yaml
"""

from __future__ import annotations

import json
from pathlib import Path

from aks_checklist.catalog.loader import Catalog, load_catalog

KINDS_MODULE = Path(__file__).with_name("kinds.py")

_HEADER = '''\
"""Item ID -> verdict kind, and the items each conflicting item conflicts with.

Generated from items.yaml by ``python -m aks_checklist.catalog.compact``; do not edit
(a unit test fails when this file and the catalog disagree). Read by
:mod:`aks_checklist.checks.verdicts`, so a scan never parses the catalog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aks_checklist.catalog.loader import Verdict
'''


def kinds_source(catalog: Catalog) -> str:
    """The text of ``kinds.py`` for ``catalog``."""
    verdicts = "".join(f"    {_quoted(item.id)}: {_quoted(item.verdict)},\n" for item in catalog)
    conflicts = "".join(
        f"    {_quoted(item.id)}: {_tuple(item.conflicts_with)},\n"
        for item in catalog
        if item.conflicts_with
    )
    return (
        f"{_HEADER}\n"
        f"VERDICTS: dict[str, Verdict] = {{\n{verdicts}}}\n\n"
        f"CONFLICTS: dict[str, tuple[str, ...]] = {{\n{conflicts}}}\n"
    )


def _quoted(text: str) -> str:
    """A string literal as ruff format writes it (IDs and kinds are plain ASCII)."""
    return json.dumps(text)


def _tuple(texts: tuple[str, ...]) -> str:
    inner = ", ".join(_quoted(text) for text in texts)
    return f"({inner},)" if len(texts) == 1 else f"({inner})"


def main() -> None:
    KINDS_MODULE.write_text(kinds_source(load_catalog()), encoding="utf-8")


if __name__ == "__main__":
    main()
