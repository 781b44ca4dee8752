"""The scanner's fast YAML loader must return exactly what yaml.safe_load_all returns."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aks_checklist.sources.fastyaml import FastSafeLoader

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(
    path
    for path in FIXTURES.rglob("*")
    if path.suffix in {".yaml", ".yml"} and "templates" not in path.parts
)


def both(text: str) -> tuple[list[object], list[object]]:
    return list(yaml.load_all(text, Loader=FastSafeLoader)), list(yaml.safe_load_all(text))


@pytest.mark.parametrize("path", [pytest.param(p, id=str(p.relative_to(FIXTURES))) for p in FILES])
def test_every_fixture_loads_as_safe_load_loads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        expected = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            list(yaml.load_all(text, Loader=FastSafeLoader))
        return
    assert list(yaml.load_all(text, Loader=FastSafeLoader)) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: 1\nb: '1'\nc: 1.5\nd: 1e3\ne: .inf\n", id="numbers"),
        pytest.param(
            "a: 010\nb: 0x1f\nc: 0o17\nd: 1_000\ne: 1:30\nf: -3\ng: +4\n", id="yaml-1.1-ints"
        ),
        pytest.param("a: yes\nb: No\nc: on\nd: TRUE\ne: false\n", id="booleans"),
        pytest.param("a: ~\nb: null\nc:\nd: Null\n", id="nulls"),
        pytest.param("a: 2024-01-01\nb: 2024-01-01T10:00:00Z\n", id="timestamps"),
        pytest.param("base: &b {x: 1, y: 2}\nover: {<<: *b, y: 3}\n", id="merge-key"),
        pytest.param("a: &s [1, 2]\nb: *s\n", id="alias"),
        pytest.param("a: !!str 12\nb: !!int '7'\nc: !!binary aGVsbG8=\n", id="explicit-tags"),
        pytest.param("a: !!set {x, y}\n", id="set"),
        pytest.param("a: [1, [2, [3, {b: [4]}]]]\n", id="nesting"),
        pytest.param("'1': a\n2: b\ntrue: c\n", id="non-string-keys"),
        pytest.param("k: v\n---\n---\n- 1\n", id="several-documents"),
    ],
)
def test_tricky_values_match_safe_load(text: str) -> None:
    fast, safe = both(text)
    assert fast == safe
    assert [type(value) for value in fast] == [type(value) for value in safe]


def test_recursive_alias_falls_back_to_pyyaml() -> None:
    [value] = yaml.load_all("&a [*a]", Loader=FastSafeLoader)
    assert value[0] is value


def test_unhashable_key_is_pyyamls_error() -> None:
    with pytest.raises(yaml.constructor.ConstructorError, match="unhashable"):
        list(yaml.load_all("? [a]\n: 1\n", Loader=FastSafeLoader))
