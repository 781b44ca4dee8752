"""Loads and validates the checklist catalog (``items.yaml``).

The catalog is data so that wording, severities and automation levels can be
reviewed without reading code; this module turns it into frozen, typed objects
and refuses a malformed file loudly (naming the item and the field) instead of
letting a typo surface later as a missing rule or an empty report row.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal, cast, get_args

from aks_checklist.checks.model import Severity

Automation = Literal["kubernetes", "aks", "both", "manual"]
AUTOMATIONS: Final[tuple[Automation, ...]] = get_args(Automation)

# How an item's results read. strict: Pass or Fail. advisory: a "consider X" item, Pass when
# the evidence is found and Warn when not; never a Fail unless the policy requires it
# (spec.checks.require). conflicting: two items advise opposite things (conflictsWith names
# the other side), so both are advisory until the policy requires one. attestation: only a
# person can know (an SLA, a DR test): judged by an attestation in the policy, never by a rule.
Verdict = Literal["strict", "advisory", "conflicting", "attestation"]
VERDICTS: Final[tuple[Verdict, ...]] = get_args(Verdict)
# Where the evidence comes from. kubernetes: objects of the API server or manifests;
# cluster: the managed-cluster document (az aks show); azure: other Azure resources a Reader
# can read (diagnostic settings, registries, alerts...), gathered by `aks-checklist aks collect`;
# person: someone who knows attests it.
Evidence = Literal["kubernetes", "cluster", "azure", "person"]
EVIDENCE: Final[tuple[Evidence, ...]] = get_args(Evidence)
_DEFAULT_EVIDENCE: Final[Mapping[str, tuple[Evidence, ...]]] = MappingProxyType(
    {
        "kubernetes": ("kubernetes",),
        "aks": ("cluster",),
        "both": ("kubernetes", "cluster"),
        "manual": ("person",),
    }
)

# Prefix -> (category name as the checklist spells it, number of items), in checklist order.
CATEGORIES: Final[Mapping[str, tuple[str, int]]] = MappingProxyType(
    {
        "APP": ("Application", 24),
        "BCDR": ("Bc Dr", 9),
        "MULTI": ("Cluster Multi", 3),
        "CSEC": ("Cluster Security", 18),
        "CTR": ("Container", 8),
        "IDN": ("Identity", 9),
        "NET": ("Networking", 24),
        "OPS": ("Operations", 31),
        "RES": ("Resource Management", 13),
        "STO": ("Storage", 9),
        "WIN": ("Windows", 10),
    }
)

ID_PATTERN: Final = re.compile(r"^([A-Z]+)-([0-9]{2})$")

_RESOURCE = "items.yaml"
_REQUIRED = ("id", "category", "title", "severity", "automation", "rationale")
_OPTIONAL = ("duplicateOf", "coveredBy", "verify", "verdict", "evidence", "conflictsWith")
_CATEGORY_ORDER = {prefix: position for position, prefix in enumerate(CATEGORIES)}


class CatalogError(ValueError):
    """The catalog data is malformed; ``item`` and ``field`` say where."""

    def __init__(self, problem: str, *, item: str | None = None, field: str | None = None):
        where = " ".join(
            part
            for part in (f"item {item}" if item else "", f"field {field}" if field else "")
            if part
        )
        super().__init__(f"catalog {where}: {problem}" if where else f"catalog: {problem}")
        self.item = item
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the checklist."""

    id: str
    category: str
    prefix: str
    index: int
    title: str
    severity: Severity
    automation: Automation
    rationale: str
    duplicate_of: str | None = None
    covered_by: tuple[str, ...] = ()
    verify: str | None = None
    verdict: Verdict = "strict"
    evidence: tuple[Evidence, ...] = ()
    conflicts_with: tuple[str, ...] = ()

    @property
    def attestable(self) -> bool:
        """Whether a person may vouch for it (``spec.attestations``): never for strict items."""
        return self.verdict != "strict"

    @property
    def judged(self) -> bool:
        """Whether rules judge it from evidence (strict, advisory or conflicting)."""
        return self.verdict != "attestation"


@dataclass(frozen=True, slots=True)
class Catalog:
    """All items in checklist order, with lookups by ID and by category."""

    items: tuple[Item, ...]
    _by_id: Mapping[str, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({i.id: i for i in self.items}))

    def get(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def __getitem__(self, item_id: str) -> Item:
        return self._by_id[item_id]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def categories(self) -> tuple[str, ...]:
        """Category names in checklist order (only those that have items)."""
        return tuple(dict.fromkeys(item.category for item in self.items))

    def by_category(self) -> Mapping[str, tuple[Item, ...]]:
        """Category name -> its items, both in checklist order."""
        groups: dict[str, list[Item]] = {}
        for item in self.items:
            groups.setdefault(item.category, []).append(item)
        return MappingProxyType({name: tuple(items) for name, items in groups.items()})


@functools.cache
def load_catalog() -> Catalog:
    """The packaged catalog, validated and complete (every item of every category)."""
    # Imported here: a scan imports this package for its verdict kinds (catalog.kinds) only,
    # and importlib.resources alone (zipfile, pathlib, tempfile) was a tenth of its start-up.
    import importlib.resources

    import yaml

    try:
        from yaml import CSafeLoader as YamlLoader
    except ImportError:  # PyYAML built without libyaml: the pure-Python loader reads the same.
        from yaml import SafeLoader as YamlLoader  # type: ignore[assignment]

    text = importlib.resources.files(__package__).joinpath(_RESOURCE).read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=YamlLoader)  # YamlLoader is a safe loader
    except yaml.YAMLError as error:
        raise CatalogError(f"{_RESOURCE} is not valid YAML: {error}") from error
    catalog = parse_catalog(data)
    _check_complete(catalog)
    return catalog


def parse_catalog(data: Any) -> Catalog:
    """Validates raw catalog data (as loaded from YAML) and builds the :class:`Catalog`.

    Checks every field's type and value, that IDs are unique, in checklist order and
    contiguous within their category, and that cross references point at real items.
    """
    if not isinstance(data, Mapping):
        raise CatalogError("the document must be a mapping with an 'items' list")
    unknown = sorted(str(key) for key in data if key != "items")
    if unknown:
        raise CatalogError(f"unknown top-level keys {unknown}; only 'items' is allowed")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise CatalogError("'items' must be a non-empty list")

    items: list[Item] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(raw_items, start=1):
        item = _parse_item(raw, position)
        if item.id in seen:
            raise CatalogError(
                f"duplicate ID (also entry #{seen[item.id]})", item=item.id, field="id"
            )
        seen[item.id] = position
        _check_order(item, items[-1] if items else None)
        items.append(item)

    by_id = {item.id: item for item in items}
    for item in items:
        _check_references(item, by_id)
    return Catalog(tuple(items))


def _parse_item(raw: Any, position: int) -> Item:
    if not isinstance(raw, Mapping):
        raise CatalogError(f"entry #{position} must be a mapping, got {type(raw).__name__}")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise CatalogError(f"entry #{position} has no string 'id'", field="id")
    match = ID_PATTERN.match(item_id)
    if match is None:
        raise CatalogError(
            f"ID must look like PREFIX-NN (pattern {ID_PATTERN.pattern})", item=item_id, field="id"
        )
    prefix, index = match.group(1), int(match.group(2))
    if prefix not in CATEGORIES:
        raise CatalogError(
            f"unknown prefix {prefix!r}; known: {', '.join(CATEGORIES)}", item=item_id, field="id"
        )

    unknown = sorted(str(key) for key in raw if key not in _REQUIRED and key not in _OPTIONAL)
    if unknown:
        raise CatalogError(f"unknown keys {unknown}", item=item_id, field=unknown[0])

    def text(key: str, *, required: bool = True) -> str | None:
        value = raw.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise CatalogError("must be a non-empty string", item=item_id, field=key)
        return value.strip()

    category = cast(str, text("category"))
    expected_category = CATEGORIES[prefix][0]
    if category != expected_category:
        raise CatalogError(
            f"is {category!r} but prefix {prefix} belongs to {expected_category!r}",
            item=item_id,
            field="category",
        )
    title = cast(str, text("title"))
    rationale = cast(str, text("rationale"))
    if rationale.casefold() == title.casefold():
        raise CatalogError(
            "must explain the item, not repeat its title", item=item_id, field="rationale"
        )

    severity_value = raw.get("severity")
    if severity_value not in {s.value for s in Severity}:
        raise CatalogError(
            f"{severity_value!r} is not one of {', '.join(s.value for s in Severity)}",
            item=item_id,
            field="severity",
        )
    automation = raw.get("automation")
    if automation not in AUTOMATIONS:
        raise CatalogError(
            f"{automation!r} is not one of {', '.join(AUTOMATIONS)}",
            item=item_id,
            field="automation",
        )

    verify = text("verify", required=False)
    if automation == "manual" and verify is None:
        raise CatalogError(
            "manual items must say how to verify them by hand", item=item_id, field="verify"
        )
    verdict = raw.get("verdict", "attestation" if automation == "manual" else "strict")
    if verdict not in VERDICTS:
        raise CatalogError(
            f"{verdict!r} is not one of {', '.join(VERDICTS)}", item=item_id, field="verdict"
        )
    if (verdict == "attestation") != (automation == "manual"):
        raise CatalogError(
            "attestation is the verdict of manual items, and of them only",
            item=item_id,
            field="verdict",
        )
    evidence_raw = raw.get("evidence", list(_DEFAULT_EVIDENCE[automation]))
    if (
        not isinstance(evidence_raw, list)
        or not evidence_raw
        or not all(source in EVIDENCE for source in evidence_raw)
        or len(set(evidence_raw)) != len(evidence_raw)
    ):
        raise CatalogError(
            f"must be a non-empty list of distinct sources out of {', '.join(EVIDENCE)}",
            item=item_id,
            field="evidence",
        )
    conflicts_raw = raw.get("conflictsWith", [])
    if not isinstance(conflicts_raw, list) or not all(isinstance(r, str) for r in conflicts_raw):
        raise CatalogError("must be a list of item IDs", item=item_id, field="conflictsWith")
    if (verdict == "conflicting") != bool(conflicts_raw):
        raise CatalogError(
            "conflicting items, and only they, name the items they conflict with",
            item=item_id,
            field="conflictsWith",
        )

    duplicate_of = text("duplicateOf", required=False)
    covered_by_raw = raw.get("coveredBy", [])
    if not isinstance(covered_by_raw, list) or not all(
        isinstance(ref, str) for ref in covered_by_raw
    ):
        raise CatalogError("must be a list of item IDs", item=item_id, field="coveredBy")
    covered_by = tuple(covered_by_raw)
    if len(set(covered_by)) != len(covered_by):
        raise CatalogError("lists an item more than once", item=item_id, field="coveredBy")

    return Item(
        id=item_id,
        category=category,
        prefix=prefix,
        index=index,
        title=title,
        severity=Severity(severity_value),
        automation=cast(Automation, automation),
        rationale=rationale,
        duplicate_of=duplicate_of,
        covered_by=covered_by,
        verify=verify,
        verdict=cast(Verdict, verdict),
        evidence=tuple(cast(list[Evidence], evidence_raw)),
        conflicts_with=tuple(conflicts_raw),
    )


def _check_order(item: Item, previous: Item | None) -> None:
    """Items follow the checklist: categories in order, indexes 01, 02, ... without gaps."""
    if previous is None or previous.prefix != item.prefix:
        if previous is not None and _CATEGORY_ORDER[item.prefix] < _CATEGORY_ORDER[previous.prefix]:
            raise CatalogError(
                f"category {item.prefix} must come before {previous.prefix}",
                item=item.id,
                field="id",
            )
        expected = 1
    else:
        expected = previous.index + 1
    if item.index != expected:
        raise CatalogError(
            f"expected {item.prefix}-{expected:02d} at this position (IDs are contiguous)",
            item=item.id,
            field="id",
        )


def _check_references(item: Item, by_id: Mapping[str, Item]) -> None:
    if item.duplicate_of is not None:
        target = by_id.get(item.duplicate_of)
        if target is None or target is item:
            raise CatalogError(
                f"{item.duplicate_of!r} is not another item", item=item.id, field="duplicateOf"
            )
        if (_CATEGORY_ORDER[target.prefix], target.index) > (
            _CATEGORY_ORDER[item.prefix],
            item.index,
        ):
            raise CatalogError(
                f"must name the first occurrence, but {target.id} comes later",
                item=item.id,
                field="duplicateOf",
            )
        if target.duplicate_of is not None:
            raise CatalogError(
                f"{target.id} is itself a duplicate of {target.duplicate_of}; point there",
                item=item.id,
                field="duplicateOf",
            )
    for ref in item.covered_by:
        if ref == item.id or ref not in by_id:
            raise CatalogError(f"{ref!r} is not another item", item=item.id, field="coveredBy")
    for ref in item.conflicts_with:
        other = by_id.get(ref)
        if other is None or other is item:
            raise CatalogError(f"{ref!r} is not another item", item=item.id, field="conflictsWith")
        if item.id not in other.conflicts_with:
            raise CatalogError(
                f"{ref} must name {item.id} in its conflictsWith too",
                item=item.id,
                field="conflictsWith",
            )


def _check_complete(catalog: Catalog) -> None:
    for prefix, (name, expected) in CATEGORIES.items():
        count = sum(1 for item in catalog if item.prefix == prefix)
        if count != expected:
            raise CatalogError(f"category {name} ({prefix}) has {count} items, expected {expected}")
