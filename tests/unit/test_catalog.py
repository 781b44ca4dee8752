"""The packaged catalog mirrors the checklist, and the loader refuses broken data."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from aks_checklist.catalog import (
    AUTOMATIONS,
    CATEGORIES,
    Catalog,
    CatalogError,
    Item,
    load_catalog,
    parse_catalog,
)
from aks_checklist.catalog.compact import KINDS_MODULE, kinds_source
from aks_checklist.checks.model import Severity
from aks_checklist.checks.registry import all_rules

# What the tests compare against: the checklist's top list (ID, category, title in
# checklist order) and digests of its eight-word runs, written by
# hack/checklist_fixture.py so that the repository needs nothing beside it.
CHECKLIST = Path(__file__).resolve().parent / "fixtures" / "checklist"
WORD_RUN = 8

EXPECTED_COUNTS = {
    "APP": 24,
    "BCDR": 9,
    "MULTI": 3,
    "CSEC": 18,
    "CTR": 8,
    "IDN": 9,
    "NET": 24,
    "OPS": 31,
    "RES": 13,
    "STO": 9,
    "WIN": 10,
}


def checklist_items() -> list[tuple[str, str, str]]:
    """(ID, category, title) for every line of the checklist's top list, in order."""
    rows = (CHECKLIST / "items.tsv").read_text(encoding="utf-8").splitlines()
    return [(row.split("\t")[0], row.split("\t")[1], row.split("\t")[2]) for row in rows]


def word_run_digest(words: tuple[str, ...]) -> str:
    """The digest hack/checklist_fixture.py stores for one run of words."""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=6).hexdigest()


def checklist_word_runs() -> set[str]:
    """Digests of every run of eight consecutive words in the checklist's text."""
    return set((CHECKLIST / "word-runs.txt").read_text(encoding="utf-8").split())


def test_checklist_fixture_holds_every_item() -> None:
    """The comparison with the checklist must run on the whole list, never on a stub."""
    items = checklist_items()
    assert len(items) == 158
    assert len({item_id for item_id, _, _ in items}) == 158
    assert len(checklist_word_runs()) > 5000


def test_catalog_matches_the_checklist_line_by_line() -> None:
    """IDs, categories and titles equal the checklist's top list, in its order."""
    expected = checklist_items()
    actual = [(item.id, item.category, item.title) for item in load_catalog()]
    assert actual == expected


@pytest.mark.parametrize(
    ("prefix", "count"), [pytest.param(p, c, id=p) for p, c in EXPECTED_COUNTS.items()]
)
def test_category_has_the_checklist_count(prefix: str, count: int) -> None:
    items = [item for item in load_catalog() if item.prefix == prefix]
    assert len(items) == count
    assert CATEGORIES[prefix][1] == count


def test_catalog_holds_158_items_in_11_categories() -> None:
    catalog = load_catalog()
    assert len(catalog) == 158
    assert list(CATEGORIES) == list(EXPECTED_COUNTS)
    assert catalog.categories() == tuple(name for name, _ in CATEGORIES.values())


def test_ids_are_contiguous_within_each_category() -> None:
    for name, items in load_catalog().by_category().items():
        prefix = items[0].prefix
        assert [item.id for item in items] == [
            f"{prefix}-{n:02d}" for n in range(1, len(items) + 1)
        ], name
        assert [item.index for item in items] == list(range(1, len(items) + 1))


def test_manual_items_say_how_to_verify_them() -> None:
    manual = [item for item in load_catalog() if item.automation == "manual"]
    assert manual, "the checklist has process items; none marked manual is suspicious"
    assert all(item.verify and item.verify.strip() for item in manual)


def test_every_repeated_checklist_line_names_its_first_occurrence() -> None:
    """Later twins carry duplicateOf pointing at the first; first occurrences carry none."""
    catalog = load_catalog()
    first_by_title: dict[str, Item] = {}
    expected: dict[str, str] = {}
    for item in catalog:
        key = item.title.casefold()
        if key in first_by_title:
            expected[item.id] = first_by_title[key].id
        else:
            first_by_title[key] = item
    assert expected, "the checklist repeats lines (HTTP proxy, spot node pools)"
    assert {item.id: item.duplicate_of for item in catalog if item.duplicate_of} == expected


def test_duplicate_twins_have_equal_titles() -> None:
    catalog = load_catalog()
    for item in catalog:
        if item.duplicate_of:
            assert catalog[item.duplicate_of].title == item.title


def test_rationale_explains_rather_than_repeats_the_title() -> None:
    for item in load_catalog():
        assert item.rationale.strip(), item.id
        assert item.rationale.casefold() != item.title.casefold(), item.id
        assert len(item.rationale.split()) >= 12, f"{item.id}: rationale too short to explain"


def test_word_run_digests_recognise_the_checklist_text() -> None:
    """A run taken from the checklist's top list is found, so a copy could not slip by."""
    titles = " ".join(title for _, _, title in checklist_items()[:2])
    words = tuple(re.findall(r"[a-z0-9']+", titles.casefold())[:WORD_RUN])
    assert len(words) == WORD_RUN
    assert word_run_digest(words) in checklist_word_runs()
    assert word_run_digest(
        ("our", "own", "words", "about", "probes", "and", "their", "use")
    ) not in (checklist_word_runs())


def test_rationale_and_verify_are_written_in_our_own_words() -> None:
    """No eight-word run of the checklist's own explanations appears in our texts."""
    checklist_runs = checklist_word_runs()
    for item in load_catalog():
        for text in (item.rationale, item.verify or ""):
            words = re.findall(r"[a-z0-9']+", text.casefold())
            runs = [tuple(words[i : i + WORD_RUN]) for i in range(len(words) - WORD_RUN + 1)]
            overlap = [" ".join(run) for run in runs if word_run_digest(run) in checklist_runs]
            assert not overlap, f"{item.id} copies the checklist: {overlap[0]!r}"


def test_covered_by_points_at_other_existing_items() -> None:
    catalog = load_catalog()
    for item in catalog:
        for ref in item.covered_by:
            assert ref != item.id
            assert ref in catalog


def test_lookups_by_id_and_category() -> None:
    catalog = load_catalog()
    liveness = catalog.get("APP-01")
    assert liveness is not None
    assert liveness.title == "Implement a proper Liveness probe"
    assert catalog.get("APP-99") is None
    assert "RES-06" in catalog
    assert catalog["RES-06"].title == "Namespaces should have LimitRange"
    groups = catalog.by_category()
    assert list(groups) == list(catalog.categories())
    assert sum(len(items) for items in groups.values()) == len(catalog)
    assert all(item.category == name for name, items in groups.items() for item in items)


def test_load_catalog_is_cached() -> None:
    assert load_catalog() is load_catalog()


def test_enum_fields_are_typed() -> None:
    for item in load_catalog():
        assert isinstance(item.severity, Severity)
        assert item.automation in AUTOMATIONS


def test_every_rule_belongs_to_a_catalog_item() -> None:
    catalog = load_catalog()
    for rule in all_rules():
        assert re.fullmatch(r"[A-Z]+-[0-9]{2}/[a-z0-9]+(-[a-z0-9]+)*", rule.id), rule.id
        assert rule.item in catalog, f"{rule.id} names no catalog item"


def test_rules_agree_with_the_items_automation() -> None:
    """Kubernetes-scoped rules only on kubernetes/both items, ARM rules only on aks/both."""
    catalog = load_catalog()
    for rule in all_rules():
        automation = catalog[rule.item].automation
        if rule.scope == "aks":
            assert automation in ("aks", "both"), f"{rule.id} checks a {automation} item"
        else:
            assert automation in ("kubernetes", "both"), f"{rule.id} checks a {automation} item"


# --- parse_catalog on raw data -------------------------------------------------------------


def raw_item(item_id: str, **fields: Any) -> dict[str, Any]:
    prefix = item_id.split("-")[0]
    data: dict[str, Any] = {
        "id": item_id,
        "category": CATEGORIES[prefix][0] if prefix in CATEGORIES else "Application",
        "title": f"Title of {item_id}",
        "severity": "Medium",
        "automation": "kubernetes",
        "rationale": "Why this matters, in a sentence or two.",
    }
    data.update(fields)
    return data


def valid_data() -> dict[str, Any]:
    return {
        "items": [
            raw_item("APP-01"),
            raw_item("APP-02", automation="manual", verify="Run kubectl get pods."),
            raw_item(
                "APP-03",
                title="Title of APP-02",
                duplicateOf="APP-02",
                coveredBy=["APP-01"],
                automation="manual",
                verify="As APP-02.",
            ),
            raw_item("NET-01", severity="High", automation="aks"),
        ]
    }


def test_parse_catalog_builds_typed_items() -> None:
    catalog = parse_catalog(valid_data())
    assert isinstance(catalog, Catalog)
    assert [item.id for item in catalog] == ["APP-01", "APP-02", "APP-03", "NET-01"]
    twin = catalog["APP-03"]
    assert twin == Item(
        id="APP-03",
        category="Application",
        prefix="APP",
        index=3,
        title="Title of APP-02",
        severity=Severity.MEDIUM,
        automation="manual",
        rationale="Why this matters, in a sentence or two.",
        duplicate_of="APP-02",
        covered_by=("APP-01",),
        verify="As APP-02.",
        verdict="attestation",
        evidence=("person",),
    )
    assert catalog["NET-01"].evidence == ("cluster",)
    assert catalog["NET-01"].severity is Severity.HIGH
    assert catalog.categories() == ("Application", "Networking")


def test_conflicting_items_must_name_each_other() -> None:
    data = valid_data()
    data["items"][0].update(verdict="conflicting", conflictsWith=["NET-01"])
    with pytest.raises(CatalogError, match="must name APP-01"):
        parse_catalog(data)
    data["items"][3].update(verdict="conflicting", conflictsWith=["APP-01"])
    catalog = parse_catalog(data)
    assert catalog["APP-01"].conflicts_with == ("NET-01",)
    assert catalog["APP-01"].attestable
    assert catalog["NET-01"].judged


def test_packaged_catalog_pairs_the_egress_conflict() -> None:
    catalog = load_catalog()
    assert catalog["NET-09"].conflicts_with == ("NET-16",)
    assert catalog["NET-16"].conflicts_with == ("NET-09",)
    assert all(item.verdict == "attestation" for item in catalog if item.automation == "manual")


def test_parse_catalog_strips_surrounding_whitespace() -> None:
    data = {"items": [raw_item("APP-01", title="  Padded title \n", rationale="Explains it.\n")]}
    item = parse_catalog(data)["APP-01"]
    assert item.title == "Padded title"
    assert item.rationale == "Explains it."


def broken(mutate: Any) -> dict[str, Any]:
    data = copy.deepcopy(valid_data())
    mutate(data)
    return data


def set_field(index: int, key: str, value: Any) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        data["items"][index][key] = value

    return mutate


def drop_field(index: int, key: str) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        del data["items"][index][key]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "item", "field", "problem"),
    [
        pytest.param(
            set_field(0, "owner", "me"), "APP-01", "owner", "unknown keys", id="unknown-key"
        ),
        pytest.param(
            set_field(0, "severity", "Critical"),
            "APP-01",
            "severity",
            "Critical",
            id="bad-severity",
        ),
        pytest.param(
            set_field(0, "severity", "high"),
            "APP-01",
            "severity",
            "high",
            id="severity-is-case-sensitive",
        ),
        pytest.param(
            set_field(0, "automation", "azure"),
            "APP-01",
            "automation",
            "azure",
            id="bad-automation",
        ),
        pytest.param(set_field(0, "id", "APP-1"), "APP-1", "id", "PREFIX-NN", id="one-digit-index"),
        pytest.param(set_field(0, "id", "app-01"), "app-01", "id", "PREFIX-NN", id="lowercase-id"),
        pytest.param(
            set_field(3, "id", "XYZ-01"), "XYZ-01", "id", "unknown prefix", id="unknown-prefix"
        ),
        pytest.param(
            set_field(0, "category", "Networking"),
            "APP-01",
            "category",
            "belongs to",
            id="category-does-not-match-prefix",
        ),
        pytest.param(
            set_field(1, "id", "APP-01"), "APP-01", "id", "duplicate ID", id="duplicate-id"
        ),
        pytest.param(
            set_field(1, "id", "APP-04"), "APP-04", "id", "expected APP-02", id="gap-in-ids"
        ),
        pytest.param(
            set_field(0, "id", "APP-02"),
            "APP-02",
            "id",
            "expected APP-01",
            id="category-not-starting-at-01",
        ),
        pytest.param(
            lambda d: d["items"].insert(0, raw_item("NET-01")),
            "APP-01",
            "id",
            "must come before",
            id="categories-out-of-order",
        ),
        pytest.param(
            set_field(2, "duplicateOf", "APP-42"),
            "APP-03",
            "duplicateOf",
            "not another item",
            id="duplicate-of-unknown",
        ),
        pytest.param(
            set_field(2, "duplicateOf", "APP-03"),
            "APP-03",
            "duplicateOf",
            "not another item",
            id="duplicate-of-itself",
        ),
        pytest.param(
            set_field(1, "duplicateOf", "APP-03"),
            "APP-02",
            "duplicateOf",
            "comes later",
            id="duplicate-of-a-later-item",
        ),
        pytest.param(
            set_field(0, "coveredBy", ["NET-09"]),
            "APP-01",
            "coveredBy",
            "not another item",
            id="covered-by-unknown",
        ),
        pytest.param(
            set_field(0, "coveredBy", "APP-02"),
            "APP-01",
            "coveredBy",
            "list",
            id="covered-by-not-a-list",
        ),
        pytest.param(
            set_field(0, "coveredBy", ["APP-02", "APP-02"]),
            "APP-01",
            "coveredBy",
            "more than once",
            id="covered-by-repeats",
        ),
        pytest.param(
            drop_field(1, "verify"),
            "APP-02",
            "verify",
            "verify them by hand",
            id="manual-without-verify",
        ),
        pytest.param(
            set_field(1, "verify", "  "),
            "APP-02",
            "verify",
            "non-empty",
            id="manual-with-blank-verify",
        ),
        pytest.param(
            set_field(0, "rationale", "Title of APP-01"),
            "APP-01",
            "rationale",
            "repeat its title",
            id="rationale-repeats-title",
        ),
        pytest.param(
            drop_field(0, "rationale"), "APP-01", "rationale", "non-empty", id="missing-rationale"
        ),
        pytest.param(
            set_field(0, "verdict", "maybe"), "APP-01", "verdict", "not one of", id="bad-verdict"
        ),
        pytest.param(
            set_field(0, "verdict", "attestation"),
            "APP-01",
            "verdict",
            "manual items",
            id="attestation-on-an-automated-item",
        ),
        pytest.param(
            set_field(1, "verdict", "advisory"),
            "APP-02",
            "verdict",
            "manual items",
            id="manual-item-not-attestation",
        ),
        pytest.param(
            set_field(0, "evidence", ["kubernetes", "guesswork"]),
            "APP-01",
            "evidence",
            "distinct sources",
            id="unknown-evidence",
        ),
        pytest.param(
            set_field(0, "evidence", []), "APP-01", "evidence", "non-empty", id="no-evidence"
        ),
        pytest.param(
            set_field(0, "verdict", "conflicting"),
            "APP-01",
            "conflictsWith",
            "name the items",
            id="conflicting-without-other-side",
        ),
        pytest.param(
            set_field(0, "conflictsWith", ["NET-01"]),
            "APP-01",
            "conflictsWith",
            "name the items",
            id="conflicts-on-a-strict-item",
        ),
        pytest.param(
            set_field(0, "title", 42), "APP-01", "title", "non-empty", id="title-not-a-string"
        ),
    ],
)
def test_parse_catalog_names_the_item_and_field_of_an_error(
    mutate: Any, item: str, field: str, problem: str
) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(broken(mutate))
    assert caught.value.item == item
    assert caught.value.field == field
    assert problem in str(caught.value)
    assert item in str(caught.value)
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param([], "mapping", id="not-a-mapping"),
        pytest.param({"items": []}, "non-empty list", id="no-items"),
        pytest.param({"items": {"APP-01": {}}}, "non-empty list", id="items-not-a-list"),
        pytest.param(
            {"items": [raw_item("APP-01")], "version": 2},
            "unknown top-level",
            id="unknown-top-level-key",
        ),
        pytest.param({"items": ["APP-01"]}, "must be a mapping", id="item-not-a-mapping"),
        pytest.param({"items": [{"title": "no id"}]}, "no string 'id'", id="item-without-id"),
    ],
)
def test_parse_catalog_rejects_malformed_documents(data: Any, problem: str) -> None:
    with pytest.raises(CatalogError, match=re.escape(problem)):
        parse_catalog(data)


def test_verdict_kinds_module_says_what_items_yaml_says() -> None:
    """catalog/kinds.py, which scans read instead of parsing the catalog, is generated from it.

    After an edit of items.yaml, ``python -m aks_checklist.catalog.compact`` rewrites it.
    """
    assert KINDS_MODULE.read_text(encoding="utf-8") == kinds_source(load_catalog())


def test_verdict_kinds_module_text_follows_a_changed_verdict() -> None:
    """The comparison above can fail: another verdict kind gives other text."""
    catalog = load_catalog()
    changed = Catalog(
        tuple(
            dataclasses.replace(item, verdict="advisory") if item.id == "APP-01" else item
            for item in catalog
        )
    )
    assert kinds_source(changed) != kinds_source(catalog)
    assert '"APP-01": "advisory",' in kinds_source(changed)
