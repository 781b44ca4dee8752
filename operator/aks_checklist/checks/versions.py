"""Which Kubernetes minor versions AKS supports, judged from a dated table.

AKS supports the newest GA minor and the two before it (N-2); the long-term
support plan extends a minor by a year. The calendar changes every few months,
so it lives as data in ``aks_checklist/data/kubernetes_versions.yaml`` together
with the date it was written, and every judgement says which table it used and
whether that table has grown old. Both the ARM-document judge (CSEC-05) and the
in-cluster checks call :func:`is_supported`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from pathlib import Path

_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)(?:[.\-+].*)?\s*$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

Minor = tuple[int, int]


class VersionTableError(ValueError):
    """The version table file is missing or malformed."""


def parse_minor(version: str) -> Minor | None:
    """``1.34``, ``1.34.9``, ``v1.34.9+aks.1`` -> ``(1, 34)``; None when not a version."""
    match = _VERSION.match(version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def minor_label(minor: Minor) -> str:
    return f"{minor[0]}.{minor[1]}"


@dataclass(frozen=True, slots=True)
class MinorRelease:
    """One row of the table; None dates are unknown (or, for ``ga``, not GA yet)."""

    minor: Minor
    ga: date | None
    end_of_life: date | None
    lts_end_of_life: date | None

    @property
    def label(self) -> str:
        return minor_label(self.minor)


@dataclass(frozen=True, slots=True)
class VersionTable:
    written: date
    window: int
    stale_after_days: int
    minors: tuple[MinorRelease, ...]

    def find(self, minor: Minor) -> MinorRelease | None:
        return next((row for row in self.minors if row.minor == minor), None)

    def is_stale(self, today: date) -> bool:
        return today > self.written + timedelta(days=self.stale_after_days)


@dataclass(frozen=True, slots=True)
class SupportWindow:
    """The minors in community support on ``on``, oldest first."""

    minors: tuple[Minor, ...]
    on: date
    table_written: date
    stale: bool

    @property
    def newest(self) -> Minor | None:
        return self.minors[-1] if self.minors else None

    @property
    def oldest(self) -> Minor | None:
        return self.minors[0] if self.minors else None

    def __contains__(self, minor: object) -> bool:
        return minor in self.minors

    def __str__(self) -> str:
        if not self.minors:
            return "(none)"
        if len(self.minors) == 1:
            return minor_label(self.minors[0])
        return f"{minor_label(self.minors[0])}-{minor_label(self.minors[-1])}"


def _days_in_month(year: int, month: int) -> int:
    # The first of the next month minus a day: the calendar module (and locale) is not needed.
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - timedelta(days=1)).day


def _month_or_day(value: Any, field: str, *, end: bool) -> date | None:
    """``YYYY-MM`` -> first (or, with ``end``, last) day of that month; ``YYYY-MM-DD`` as is."""
    if value is None:
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    month = _MONTH.match(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12:
            raise VersionTableError(f"{field}: {text!r} is not a month")
        day = _days_in_month(year, number) if end else 1
        return date(year, number, day)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise VersionTableError(f"{field}: {text!r} is neither YYYY-MM nor YYYY-MM-DD") from None


def parse_version_table(data: Any) -> VersionTable:
    """Validates the YAML document of the version table."""
    if not isinstance(data, dict):
        raise VersionTableError("the version table must be a mapping")
    written = _month_or_day(data.get("written"), "written", end=False)
    if written is None:
        raise VersionTableError("written: the date the table was written is required")
    rows = data.get("minors")
    if not isinstance(rows, list) or not rows:
        raise VersionTableError("minors: a non-empty list is required")
    minors: list[MinorRelease] = []
    for index, row in enumerate(rows):
        where = f"minors[{index}]"
        if not isinstance(row, dict):
            raise VersionTableError(f"{where}: expected a mapping")
        minor = parse_minor(str(row.get("minor", "")))
        if minor is None:
            raise VersionTableError(f"{where}.minor: {row.get('minor')!r} is not 1.<minor>")
        minors.append(
            MinorRelease(
                minor=minor,
                ga=_month_or_day(row.get("ga"), f"{where}.ga", end=False),
                end_of_life=_month_or_day(row.get("end_of_life"), f"{where}.end_of_life", end=True),
                lts_end_of_life=_month_or_day(
                    row.get("lts_end_of_life"), f"{where}.lts_end_of_life", end=True
                ),
            )
        )
    window = data.get("window", 3)
    stale_after = data.get("stale_after_days", 120)
    if not isinstance(window, int) or window < 1:
        raise VersionTableError("window: a positive integer is required")
    if not isinstance(stale_after, int) or stale_after < 1:
        raise VersionTableError("stale_after_days: a positive integer is required")
    return VersionTable(
        written=written,
        window=window,
        stale_after_days=stale_after,
        minors=tuple(sorted(minors, key=lambda row: row.minor)),
    )


def load_version_table(path: Path | None = None) -> VersionTable:
    """The packaged table, or the one at ``path``."""
    if path is None:
        return _packaged_table()
    return _read(path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=1)
def _packaged_table() -> VersionTable:
    # Imported here: most scans judge no Node, and importlib.resources costs a small scan ~10 ms.
    from importlib import resources

    source = resources.files("aks_checklist").joinpath("data/kubernetes_versions.yaml")
    return _read(source.read_text(encoding="utf-8"), "data/kubernetes_versions.yaml")


def _read(text: str, name: str) -> VersionTable:
    try:
        return parse_version_table(yaml.safe_load(text))
    except yaml.YAMLError as error:
        raise VersionTableError(f"{name}: not valid YAML: {error}") from None
    except VersionTableError as error:
        raise VersionTableError(f"{name}: {error}") from None


def supported_window(today: date | None = None, table: VersionTable | None = None) -> SupportWindow:
    """The newest ``window`` GA minors on ``today``, minus those past their end of life."""
    table = table or load_version_table()
    today = today or date.today()
    released = [row for row in table.minors if row.ga is not None and row.ga <= today]
    newest = released[-table.window :]
    current = tuple(
        row.minor for row in newest if row.end_of_life is None or row.end_of_life >= today
    )
    return SupportWindow(
        minors=current, on=today, table_written=table.written, stale=table.is_stale(today)
    )


def is_supported(
    version: str,
    today: date | None = None,
    *,
    long_term_support: bool = False,
    table: VersionTable | None = None,
) -> tuple[bool, str]:
    """Whether ``version`` is in AKS support on ``today``, and a sentence saying why."""
    table = table or load_version_table()
    today = today or date.today()
    window = supported_window(today, table)
    supported, reason = _judge(version, today, window, table, long_term_support)
    if window.stale:
        reason += (
            f"; note: the version table was written {table.written.isoformat()}, more than "
            f"{table.stale_after_days} days ago, refresh data/kubernetes_versions.yaml"
        )
    return supported, reason


def _judge(
    version: str,
    today: date,
    window: SupportWindow,
    table: VersionTable,
    long_term_support: bool,
) -> tuple[bool, str]:
    minor = parse_minor(version)
    if minor is None:
        return False, f"{version!r} is not a Kubernetes version (expected 1.<minor>[.<patch>])"
    label = minor_label(minor)
    row = table.find(minor)
    in_table = f"supported window {window} (AKS version table of {table.written.isoformat()})"
    if minor in window:
        return True, f"{label} is within the {in_table}"
    if long_term_support and row is not None and row.lts_end_of_life is not None:
        end = row.lts_end_of_life.isoformat()
        if row.lts_end_of_life >= today:
            return (
                True,
                f"{label} is outside the {in_table} but covered by long-term support until {end}",
            )
        return False, f"{label} left long-term support on {end}"
    if window.newest is not None and minor > window.newest:
        return True, (
            f"{label} is newer than the newest GA minor {minor_label(window.newest)} in the "
            f"{in_table}; if it is still a preview version it carries no support"
        )
    why = f"{label} is outside the {in_table}"
    if row is not None and row.end_of_life is not None and row.end_of_life < today:
        why += f": its community support ended on {row.end_of_life.isoformat()}"
    if row is not None and row.lts_end_of_life is not None and row.lts_end_of_life >= today:
        until = row.lts_end_of_life.isoformat()
        why += f"; long-term support (Premium tier) would cover it until {until}"
    return False, why
