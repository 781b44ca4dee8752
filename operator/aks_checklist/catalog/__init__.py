"""The AKS Checklist as data.

``items.yaml`` holds the 158 items; :func:`load_catalog` returns them validated
and typed. Everything else (checks, reports, the CLI) refers to items by ID.
"""

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
