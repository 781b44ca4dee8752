"""The AKS Checklist as data.

``items.yaml`` holds the 158 items; :func:`load_catalog` returns them validated
and typed. Everything else (checks, reports, the CLI) refers to items by ID.

The names below come from :mod:`aks_checklist.catalog.loader` when first used:
a scan imports this package only for :mod:`aks_checklist.catalog.kinds`, and
the loader's item classes are start-up it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aks_checklist.catalog.loader import (
        AUTOMATIONS,
        CATEGORIES,
        EVIDENCE,
        VERDICTS,
        Automation,
        Catalog,
        CatalogError,
        Evidence,
        Item,
        Verdict,
        load_catalog,
        parse_catalog,
    )

__all__ = [
    "AUTOMATIONS",
    "CATEGORIES",
    "EVIDENCE",
    "VERDICTS",
    "Automation",
    "Catalog",
    "CatalogError",
    "Evidence",
    "Item",
    "Verdict",
    "load_catalog",
    "parse_catalog",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("aks_checklist.catalog.loader"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
