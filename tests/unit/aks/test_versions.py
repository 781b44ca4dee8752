"""The Kubernetes version table: loading, the N-2 window on a given day, long-term support."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from aks_checklist.checks.versions import (
    VersionTableError,
    is_supported,
    load_version_table,
    parse_minor,
    parse_version_table,
    supported_window,
)


def table(**overrides: Any) -> Any:
    """A small table: 1.30 to 1.33, written 2026-01-15."""
    data: dict[str, Any] = {
        "written": "2026-01-15",
        "window": 3,
        "stale_after_days": 120,
        "minors": [
            {
                "minor": "1.30",
                "ga": "2025-01",
                "end_of_life": "2025-12",
                "lts_end_of_life": "2026-12",
            },
            {"minor": "1.31", "ga": "2025-04", "end_of_life": "2026-03", "lts_end_of_life": None},
            {"minor": "1.32", "ga": "2025-08", "end_of_life": "2026-07"},
            {"minor": "1.33", "ga": "2025-12", "end_of_life": "2026-11"},
            {"minor": "1.34", "ga": None, "end_of_life": "2027-03"},
        ],
    }
    data.update(overrides)
    return parse_version_table(data)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        pytest.param("1.34", (1, 34), id="minor"),
        pytest.param("1.34.9", (1, 34), id="patch"),
        pytest.param("v1.34.9+aks.1", (1, 34), id="git-version"),
        pytest.param("1.29.0-hotfix.20240101", (1, 29), id="hotfix"),
        pytest.param("latest", None, id="word"),
        pytest.param("1", None, id="major-only"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_minor(version: str, expected: tuple[int, int] | None) -> None:
    assert parse_minor(version) == expected


def test_window_is_the_three_newest_ga_minors() -> None:
    window = supported_window(date(2026, 1, 20), table())
    assert window.minors == ((1, 31), (1, 32), (1, 33))
    assert str(window) == "1.31-1.33"
    assert not window.stale


def test_a_minor_counts_from_its_ga_month_on() -> None:
    assert supported_window(date(2025, 11, 30), table()).newest == (1, 32)
    assert supported_window(date(2025, 12, 1), table()).newest == (1, 33)


def test_a_minor_past_its_end_of_life_leaves_the_window_even_if_the_table_is_old() -> None:
    soon = supported_window(date(2026, 4, 1), table())
    assert soon.minors == ((1, 32), (1, 33))
    assert not soon.stale
    late = supported_window(date(2026, 8, 1), table())
    assert late.minors == ((1, 33),)
    assert late.stale


@pytest.mark.parametrize(
    ("version", "today", "lts", "supported", "fragment"),
    [
        pytest.param(
            "1.33.2",
            date(2026, 1, 20),
            False,
            True,
            "within the supported window 1.31-1.33",
            id="newest",
        ),
        pytest.param("1.31.9", date(2026, 1, 20), False, True, "within", id="oldest-in-window"),
        pytest.param(
            "1.30.14",
            date(2026, 1, 20),
            False,
            False,
            "community support ended on 2025-12-31",
            id="past-eol",
        ),
        pytest.param(
            "1.30.14",
            date(2026, 1, 20),
            True,
            True,
            "long-term support until 2026-12-31",
            id="lts-covers",
        ),
        pytest.param(
            "1.30.14",
            date(2027, 1, 1),
            True,
            False,
            "left long-term support on 2026-12-31",
            id="lts-over",
        ),
        pytest.param("1.31.9", date(2026, 4, 2), True, False, "outside", id="no-lts-date"),
        pytest.param(
            "1.34.0",
            date(2026, 1, 20),
            False,
            True,
            "newer than the newest GA minor 1.33",
            id="preview-or-newer",
        ),
        pytest.param(
            "1.20.1", date(2026, 1, 20), False, False, "outside the supported window", id="ancient"
        ),
        pytest.param(
            "banana", date(2026, 1, 20), False, False, "not a Kubernetes version", id="garbage"
        ),
    ],
)
def test_is_supported(version: str, today: date, lts: bool, supported: bool, fragment: str) -> None:
    verdict, reason = is_supported(version, today, long_term_support=lts, table=table())
    assert verdict is supported
    assert fragment in reason


def test_lts_offer_is_mentioned_for_a_minor_that_lts_would_still_cover() -> None:
    _, reason = is_supported("1.30.1", date(2026, 1, 20), table=table())
    assert "long-term support (Premium tier) would cover it until 2026-12-31" in reason


def test_an_old_table_says_it_should_be_refreshed() -> None:
    _, fresh = is_supported("1.33.1", date(2026, 1, 20), table=table())
    _, old = is_supported("1.33.1", date(2026, 6, 1), table=table())
    assert "refresh" not in fresh
    assert "written 2026-01-15, more than 120 days ago" in old


def test_packaged_table_is_valid_and_knows_a_window_on_the_day_it_was_written() -> None:
    packaged = load_version_table()
    window = supported_window(packaged.written, packaged)
    assert len(window.minors) == packaged.window
    assert [row.minor for row in packaged.minors] == sorted(row.minor for row in packaged.minors)


def test_packaged_table_window_when_written() -> None:
    """Written 2026-11-29: 1.36 is the newest GA minor, 1.37 was not confirmed GA."""
    window = supported_window(date(2026, 11, 29))
    assert str(window) == "1.34-1.36"


def test_table_file_can_be_given_by_path(tmp_path: Path) -> None:
    path = tmp_path / "versions.yaml"
    path.write_text(
        'written: "2026-01-01"\nminors:\n  - {minor: "1.40", ga: "2025-12", end_of_life: null}\n',
        encoding="utf-8",
    )
    loaded = load_version_table(path)
    assert supported_window(date(2026, 1, 2), loaded).minors == ((1, 40),)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        pytest.param([], "must be a mapping", id="not-mapping"),
        pytest.param({"minors": [{"minor": "1.1"}]}, "written", id="no-date"),
        pytest.param({"written": "2026-01-01"}, "minors", id="no-minors"),
        pytest.param(
            {"written": "2026-01-01", "minors": ["1.2"]},
            "minors[0]: expected a mapping",
            id="row-not-mapping",
        ),
        pytest.param(
            {"written": "2026-01-01", "minors": [{"minor": "one"}]},
            "minors[0].minor",
            id="bad-minor",
        ),
        pytest.param(
            {"written": "2026-01-01", "minors": [{"minor": "1.1", "ga": "2026-13"}]},
            "not a month",
            id="bad-month",
        ),
        pytest.param(
            {"written": "2026-01-01", "minors": [{"minor": "1.1", "ga": "soon"}]},
            "neither YYYY-MM nor YYYY-MM-DD",
            id="bad-date",
        ),
        pytest.param(
            {"written": "2026-01-01", "window": 0, "minors": [{"minor": "1.1"}]},
            "window",
            id="bad-window",
        ),
    ],
)
def test_malformed_tables_are_refused_naming_the_field(data: Any, fragment: str) -> None:
    with pytest.raises(VersionTableError) as raised:
        parse_version_table(data)
    assert fragment in str(raised.value)


def test_invalid_yaml_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("written: [unclosed\n", encoding="utf-8")
    with pytest.raises(VersionTableError) as raised:
        load_version_table(path)
    assert str(path) in str(raised.value)
