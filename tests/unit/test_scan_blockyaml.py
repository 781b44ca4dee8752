"""The scanner's own block-YAML reader returns exactly what yaml.safe_load_all returns, or declines.

Declining is always safe (the scanner then reads the text with PyYAML), so every
test here checks the one thing that is not: a value the reader returns is
PyYAML's value, with the same types (``True`` is not ``1``), the same key order
and the same shared objects for aliases.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from aks_checklist.sources.blockyaml import Unsupported, load_documents, plain, read_documents
from aks_checklist.sources.documents import _content_line, split_documents

ROOT = Path(__file__).parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
# Every YAML file of the repository's fixtures, manifests and charts, Helm templates aside.
FILES = sorted(
    path
    for folder in (FIXTURES, ROOT / "tests" / "e2e", ROOT / "manifests", ROOT / "charts")
    for path in folder.rglob("*")
    if path.suffix in {".yaml", ".yml"} and "templates" not in path.parts
)


def same(mine: Any, theirs: Any) -> bool:
    """Equal with equal types all the way down (``==`` alone takes ``True`` for ``1``)."""
    if type(mine) is not type(theirs):
        return False
    if isinstance(mine, dict):
        return (
            [(type(key), key) for key in mine] == [(type(key), key) for key in theirs]
            and all(same(mine[key], theirs[key]) for key in mine)
        )  # fmt: skip
    if isinstance(mine, list):
        return len(mine) == len(theirs) and all(map(same, mine, theirs))
    if isinstance(mine, float) and math.isnan(mine):
        return math.isnan(theirs)
    return bool(mine == theirs)


def read(text: str) -> list[Any] | None:
    """The reader's documents, or None when it declines."""
    try:
        return load_documents(split_documents(text))
    except Unsupported:
        return None


def assert_read_as_pyyaml_reads(text: str) -> bool:
    """True when the reader read ``text`` (identically to PyYAML), False when it declined."""
    mine = read(text)
    if mine is None:
        return False
    theirs = list(yaml.safe_load_all(text))  # an error here: the reader took broken YAML
    assert same(mine, theirs), (mine, theirs)
    return True


@pytest.mark.parametrize("path", [pytest.param(p, id=str(p.relative_to(ROOT))) for p in FILES])
def test_every_yaml_file_of_the_repository_is_read_as_pyyaml_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    try:
        list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        assert read(text) is None, "broken YAML must be left to PyYAML and its messages"
        return
    assert_read_as_pyyaml_reads(text)


def test_most_fixture_manifests_are_read_without_pyyaml() -> None:
    """The reader would be dead weight if it declined what manifests usually hold."""
    manifests = [p for p in FILES if "fixtures" in p.parts]
    read_ones = [p for p in manifests if read(p.read_text(encoding="utf-8-sig")) is not None]
    assert len(read_ones) >= 0.9 * len(manifests)
    assert FIXTURES / "manifests" / "good" / "checkout.yaml" in read_ones


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: 1\nb: -2\nc: +3\nd: 0\ne: 010\nf: 0x1f\ng: 0b101\nh: 1_000\n", id="ints"),
        pytest.param("a: 1:30\nb: -1:00:01\nc: 08\nd: 0o17\ne: 1e3\n", id="odd-ints"),
        pytest.param("a: 1.5\nb: .5\nc: 1.\nd: 1.0e+3\ne: -.inf\nf: 1:30.5\n", id="floats"),
        pytest.param("a: yes\nb: No\nc: on\nd: OFF\ne: True\nf: y\ng: tRUE\n", id="booleans"),
        pytest.param("a: ~\nb: null\nc:\nd: Null\ne: nULL\nf: nil\n", id="nulls"),
        pytest.param("a: 100m\nb: 128Mi\nc: 1Gi\nd: 10.0.0.0/8\ne: 00-11\nf: v1.2\n", id="strings"),
        pytest.param("on: push\n80: http\ntrue: 1\n~: x\n1.5: y\n", id="non-string-keys"),
        pytest.param(
            "a: 'it''s'\nb: \"tab\\there \\\"q\\\" \\\\ \\/\"\nc: ''\nd: \"\"\n", id="quoted"
        ),
        pytest.param("'k 1': a\n\"k: 2\": b\n", id="quoted-keys"),
        pytest.param("a: {x: 1, 'y': [2, \"3\"], z: {}}\nb: []\nc: [a b, -c, {d: e}]\n", id="flow"),
        pytest.param("a: |\n  one\n   two\n\n  three\n\n\nb: x\n", id="literal"),
        pytest.param("a: |-\n  one\n  two\nb: |+\n  kept\n\n\nc: 1\n", id="literal-chomping"),
        pytest.param(
            "a: >\n  one\n  two\n\n  three\n    deep\n  four\nb: >-\n  x\n  y\n", id="folded"
        ),
        pytest.param("a: |\n  last line without a break", id="literal-at-the-end"),
        pytest.param("a: &x\n  k: v\nb: *x\nc: &s 5\nd: [1]\ne: *s\n", id="anchors"),
        pytest.param("- a\n- - b\n  - c\n- k: v\n  l: w\n-\n- # c\n  x: 1\n", id="sequences"),
        pytest.param("k:\n- a\n- b\nl: 1\n", id="indentless-sequence"),
        pytest.param("# c\n---\na: 1 # c\n--- # c\n---\n- 1\n", id="documents"),
        pytest.param("---\n# only a comment\n", id="empty-document"),
        pytest.param("a: 1\na: 2\n", id="duplicate-keys"),
        pytest.param("a:    spaced   \nb: x#y\nc: x # y\nd: a:b\ne: -x\nf: ?y\n", id="plain-edges"),
        pytest.param("a: -\n", id="dash-alone"),
        pytest.param("  a: 1\n  b: 2\n", id="indented-top-level"),
        pytest.param("a: 1\n  b: 2\n", id="bad-indent"),
        pytest.param("a: b: c\n", id="nested-colon"),
        pytest.param("a: [1, 2\n", id="unclosed-flow"),
        pytest.param("a: 'open\n  b'\n", id="multi-line-quoted"),
        pytest.param("a: one\n  two\n", id="multi-line-plain"),
        pytest.param("a: 2024-01-01\n", id="timestamp"),
        pytest.param("a: .nan\n", id="nan"),
        pytest.param("a: &x {k: 1}\nb: {<<: *x}\n<<: *x\n", id="merge"),
        pytest.param("a: !!str 12\n", id="tag"),
        pytest.param("? complex\n: key\n", id="complex-key"),
        pytest.param("a:\tb\n", id="tab"),
        pytest.param("a: b\r\nc: d\r\n", id="crlf"),
        pytest.param("a: café\n", id="non-ascii"),
        pytest.param("%YAML 1.1\n---\na: 1\n", id="directive"),
        pytest.param("a: *nowhere\n", id="unknown-alias"),
        pytest.param("a: [b, c,]\n", id="trailing-comma"),
        pytest.param("a: {b: c?d}\n", id="question-mark-in-flow"),
        pytest.param("a: 1\n...  b: 2\n", id="document-end"),
        pytest.param("a: |\n\n  \n  x\n   \n", id="literal-blank-lines"),
        pytest.param("a: |\n\n   \n  x\n", id="literal-leading-blank-line-too-long"),
        pytest.param("a: |2\n   x\n", id="indentation-indicator"),
        pytest.param('a: "\\x41"\n', id="hex-escape"),
        pytest.param("just a scalar\n", id="scalar-document"),
    ],
)
def test_snippets_are_read_as_pyyaml_reads_them_or_declined(text: str) -> None:
    try:
        list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        assert read(text) is None
        return
    assert_read_as_pyyaml_reads(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: 1\nb: [x, {y: z}]\nc: |\n  t\n", id="block-flow-literal"),
        pytest.param("a: &x\n  k: v\nb: *x\n", id="anchors"),
        pytest.param(
            "a: 0x1f\nb: 1:30\nc: 1.5\nd: 00000000-0000-0000-0000-000000000000\n", id="numbers"
        ),
    ],
)
def test_what_manifests_hold_is_read_not_declined(text: str) -> None:
    assert assert_read_as_pyyaml_reads(text)


def test_an_alias_is_the_anchored_object_itself_as_in_pyyaml() -> None:
    [document] = load_documents(split_documents("a: &x\n  k: [1]\nb: *x\n"))
    assert document["a"] is document["b"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: 2024-01-01", id="timestamp"),
        pytest.param("a: <<", id="merge"),
        pytest.param("a: =", id="value"),
        pytest.param("a: .NaN", id="nan"),
    ],
)
def test_scalars_pyyaml_builds_specially_are_declined(text: str) -> None:
    assert read(text) is None


def _candidates() -> list[str]:
    """Plain scalars near every YAML 1.1 form: all short strings of number-ish characters."""
    rng = random.Random(13)  # noqa: S311  # reproducible test data, not secrets
    alphabet = "0123456789_:.+-eExXbBoOaAfFiInN tTzZ"
    words = ["yes", "Yes", "YES", "yEs", "no", "NO", "on", "On", "oN", "off", "true", "False"]
    words += ["null", "Null", "NULL", "nULL", "~", ".inf", "-.Inf", "+.INF", ".nan", "nan"]
    words += ["y", "n", "Y", "N", "0", "-0", "+0", "00", "0.", "._", "1__", "1:", ":1", "1:60"]
    generated = {
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))).strip() for _ in range(6000)
    }
    return words + sorted(text for text in generated if text and ": " not in text)


def test_plain_scalars_resolve_as_pyyaml_resolves_them() -> None:
    checked = 0
    for text in _candidates():
        try:
            [theirs] = yaml.safe_load_all(f"k: {text}\n")
        except (yaml.YAMLError, ValueError):
            continue
        try:
            mine = plain(text)
        except Unsupported:
            continue
        assert same({"k": mine}, theirs), text
        checked += 1
    assert checked > 3000


def _mutations(seed: int, count: int) -> list[str]:
    """Fixture files with a few random edits each: a stream of near-valid and broken YAML."""
    rng = random.Random(seed)  # noqa: S311  # reproducible test data, not secrets
    texts = [path.read_text(encoding="utf-8-sig") for path in FILES if path.stat().st_size < 6000]
    pieces = [" ", "  ", "- ", ":", ": ", "#", " #", "'", '"', "[", "]", "{", "}", ",", "?"]
    pieces += ["|", ">", "|-", ">+", "\n", "0", "01", "1.5", "yes", "~", "<<", "&a", "*a", "!"]
    pieces += ["...", "---", "%", "@", "\\", "\\n", "''", "x: y", "{a: b}", "[a, b]", "- - "]
    out = []
    for _ in range(count):
        lines = rng.choice(texts).split("\n")
        for _ in range(rng.randint(1, 3)):
            index = rng.randrange(len(lines))
            line = lines[index]
            cut = rng.randint(0, len(line))
            choice = rng.random()
            if choice < 0.5:
                lines[index] = line[:cut] + rng.choice(pieces) + line[cut:]
            elif choice < 0.7:
                lines[index] = line[:cut] + line[cut + rng.randint(1, 3) :]
            elif choice < 0.85:
                lines[index] = " " * rng.randint(0, 6) + line.lstrip(" ")
            else:
                lines.insert(index, rng.choice(lines))
        out.append("\n".join(lines))
    return out


def test_randomly_edited_fixtures_are_read_as_pyyaml_reads_them_or_declined() -> None:
    """Whatever the reader accepts, PyYAML accepts too, with the same values."""
    read_ones = 0
    for text in _mutations(seed=7, count=400):
        mine = read(text)
        if mine is None:
            continue
        theirs = list(yaml.safe_load_all(text))
        assert same(mine, theirs), text
        read_ones += 1
    assert read_ones > 50


def test_where_content_starts_is_where_the_document_splitter_finds_it() -> None:
    """read_documents' content lines stand in for _content_line's: they must agree."""
    texts = [path.read_text(encoding="utf-8-sig") for path in FILES]
    texts += _mutations(seed=3, count=300)
    texts += ["---\n# c\n\n  a: 1\n", "# c\n---\n---\n\n", "--- # c\n- 1\n", "\n\n"]
    read_ones = 0
    for text in texts:
        chunks = split_documents(text)
        try:
            read = read_documents(chunks)
        except Unsupported:
            continue
        read_ones += 1
        for (line, chunk), (_, start) in zip(chunks, read, strict=True):
            assert line + start == _content_line(line, chunk), text
    assert read_ones > 100
