"""Reads the plain block YAML most manifests are written in, without importing PyYAML.

Importing PyYAML (its C binding, and the reader's and resolver's regular
expressions compiled at import) is a third of scanning one small file, and
building its node tree costs more than reading the lines: manifests are block
mappings and sequences of one-line scalars. This reader takes exactly that
subset: block mappings and sequences, plain and quoted scalars on one line,
flow collections on one line (``{cpu: 100m}``, ``[ALL]``), literal and folded
block scalars, anchors and aliases (an alias is the anchored object itself, as
in PyYAML), comments and ``---`` markers. Scalars resolve as YAML 1.1 does in
PyYAML (``yes`` is true, ``010`` is 8, ``1e3`` is a string). Lines repeat
within and across files, so how each plain line read is remembered (bounded).

Anything else (tags, multi-line plain or quoted scalars, timestamps, ``.nan``,
merge keys, complex keys, directives, ``...``, tabs, carriage returns, non-ASCII
text, and every error) raises :class:`Unsupported`, and the caller reads the
stream with PyYAML instead. So a value it returns is always the one
``yaml.safe_load_all`` returns, and PyYAML still writes every error message.
"""

from __future__ import annotations

import functools
import re
from operator import sub

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Unsupported(Exception):  # noqa: N818  # a signal to the caller, not an error to report
    """The text holds something this reader leaves to PyYAML."""


# The bytes this reader reads: line feeds and printable ASCII. PyYAML refuses the other
# controls, and tabs and carriage returns are left to it (in indentation they are errors).
_READ = bytes([0x0A, *range(0x20, 0x7F)])

_BOOLS = {
    word: value
    for words, value in (("yes true on", True), ("no false off", False))
    for lower in words.split()
    for word in (lower, lower.capitalize(), lower.upper())
}
_NULLS = frozenset({"~", "null", "Null", "NULL"})
# First characters for which YAML 1.1 resolves a plain scalar to something else than a
# string: booleans and nulls (letters and ~), numbers and timestamps, merge (<<), value (=).
_WORD_START = frozenset("yYnNtTfFoO~")
_NUMBER_START = frozenset("-+.0123456789")
# Every character an int, float or timestamp can be written with; a plain scalar holding
# any other one (``100m``, ``128Mi``) is a string.
_NUMBER_CHARS = frozenset("0123456789_+-.:xXbBabcdefABCDEFiInNtTzZ ")
# A plain scalar cannot start with these (the ones PyYAML reads otherwise are declined too).
_NOT_PLAIN_START = frozenset(",[]{}#&*!|>'\"%@`")
_FLOW_STOP = frozenset(",?[]{}:#")  # PyYAML ends a flow plain scalar at ? too
_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
}
_MAX_DEPTH = 200
_ANCHOR_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_MISSING = object()
_NESTED = object()  # a `key:` line, whose value is on the lines below
# Plain keys and values repeat across lines and files (``name``, ``true``, ``80``): how each
# resolved is remembered, up to a bound, so the common line is read without a call.
_KEYS: dict[str, Any] = {}
_VALUES: dict[str, Any] = {}
_LINES: dict[str, tuple[Any, Any]] = {}  # whole `key: value` and `key:` lines
_MAX_REMEMBERED = 100_000
_MAX_REMEMBERED_LENGTH = 64


def _remember(table: dict[str, Any], text: str, value: Any) -> None:
    if len(text) <= _MAX_REMEMBERED_LENGTH and len(table) < _MAX_REMEMBERED:
        table[text] = value


@functools.cache
def _number_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """YAML 1.1's int, float and timestamp forms, compiled the first time a scalar needs them."""
    integer = re.compile(
        r"[-+]?0b[01_]+"
        r"|[-+]?0[0-7_]+"
        r"|[-+]?(?:0|[1-9][0-9_]*)"
        r"|[-+]?0x[0-9a-fA-F_]+"
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
    )
    real = re.compile(
        r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?"
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
        r"|[-+]?\.(?:inf|Inf|INF)"
        r"|\.(?:nan|NaN|NAN)"
    )
    timestamp = re.compile(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
        r"(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?"
    )
    return integer, real, timestamp


def _sexagesimal(parts: list[str], convert: type[int] | type[float]) -> Any:
    """``1:30`` is 90: summed from the last part up, in that order (it decides float rounding)."""
    value = convert(0)
    base = 1
    for part in reversed(parts):
        value += convert(part) * base
        base *= 60
    return value


def _integer(text: str) -> int:
    value = text.replace("_", "")
    sign = -1 if value[0] == "-" else 1
    if value[0] in "+-":
        value = value[1:]
    if value == "0":
        return 0
    if value.startswith("0b"):
        return sign * int(value[2:], 2)
    if value.startswith("0x"):
        return sign * int(value[2:], 16)
    if value[0] == "0":
        return sign * int(value, 8)
    if ":" in value:
        return sign * int(_sexagesimal(value.split(":"), int))
    return sign * int(value)


def _real(text: str) -> float:
    value = text.replace("_", "").lower()
    sign = -1.0 if value[0] == "-" else 1.0
    if value[0] in "+-":
        value = value[1:]
    if value == ".inf":
        return sign * float("inf")
    if value == ".nan":
        raise Unsupported("PyYAML's NaN")  # its sign bit is PyYAML's own; leave it to PyYAML
    if ":" in value:
        return sign * float(_sexagesimal(value.split(":"), float))
    return sign * float(value)


def _number(text: str) -> Any:
    """A plain scalar that starts like a number: a float, an int, or a string."""
    integer, real, timestamp = _number_patterns()
    first = text[0]
    if real.fullmatch(text):
        return _real(text)
    if integer.fullmatch(text):
        return _integer(text)
    if first not in "-+." and timestamp.fullmatch(text):
        raise Unsupported("a timestamp")
    return text


def plain(text: str) -> Any:
    """The value of a plain scalar as YAML 1.1 resolves it (``text`` is stripped, non-empty)."""
    first = text[0]
    if first in _NUMBER_START:
        if text.isdigit() and (first != "0" or text == "0"):
            return int(text)
        if _NUMBER_CHARS.issuperset(text):
            return _number(text)
        return text
    if first in _WORD_START:
        value = _BOOLS.get(text)
        if value is not None:
            return value
        return None if text in _NULLS else text
    if text == "<<" or text == "=":
        raise Unsupported("a merge key or a value key")
    return text


def quoted(text: str, start: int) -> tuple[str, int]:
    """The quoted scalar at ``text[start]`` and the index after it; one line only."""
    quote = text[start]
    parts: list[str] = []
    position = start + 1
    if quote == "'":
        while True:
            end = text.find("'", position)
            if end < 0:
                raise Unsupported("a quoted scalar over several lines")
            if text.startswith("'", end + 1):
                parts.append(text[position : end + 1])
                position = end + 2
                continue
            parts.append(text[position:end])
            return "".join(parts), end + 1
    while True:
        end = text.find('"', position)
        if end < 0:
            raise Unsupported("a quoted scalar over several lines")
        escape = text.find("\\", position, end)
        if escape < 0:
            parts.append(text[position:end])
            return "".join(parts), end + 1
        parts.append(text[position:escape])
        code = text[escape + 1 : escape + 2]
        replacement = _ESCAPES.get(code)
        if replacement is None:
            raise Unsupported("an escape this reader does not decode")
        parts.append(replacement)
        position = escape + 2


def _rest_is_comment(text: str, position: int) -> bool:
    """Whether only blanks, or blanks and a comment, follow ``position``."""
    rest = text[position:]
    stripped = rest.lstrip(" ")
    return not stripped or (stripped[0] == "#" and len(stripped) < len(rest))


def _plain_block(text: str) -> Any:
    """A plain scalar after ``key: `` or ``- ``, with any comment cut off."""
    cut = text.find(" #")
    if cut >= 0:
        text = text[:cut]
    text = text.rstrip(" ")
    first = text[0]
    if (
        first in _NOT_PLAIN_START
        or (first in "-?:" and (len(text) == 1 or text[1] == " "))
        or ": " in text
        or text[-1] == ":"
    ):
        raise Unsupported("not a plain scalar this reader reads")
    return plain(text)


class _Flow:
    """A flow collection on one line: ``[a, "b"]``, ``{cpu: 100m, memory: 1Gi}``."""

    __slots__ = ("position", "text")

    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position

    def _blanks(self) -> str:
        text, position = self.text, self.position
        while text[position] == " ":
            position += 1
        self.position = position
        return text[position]

    def node(self, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise Unsupported("nested too deep")
        text = self.text
        first = self._blanks()
        if first == "[":
            return self._sequence(depth)
        if first == "{":
            return self._mapping(depth)
        if first in "'\"":
            value, self.position = quoted(text, self.position)
            return value
        return plain(self._plain())

    def _plain(self) -> str:
        text, start = self.text, self.position
        position = start
        stop = _FLOW_STOP
        while text[position] not in stop:
            position += 1
        value = text[start:position].rstrip(" ")
        if (
            not value
            or value[0] in _NOT_PLAIN_START
            or (value[0] in "-?" and (len(value) == 1 or value[1] == " "))
            or text[position] == "#"
        ):
            raise Unsupported("not a flow scalar this reader reads")
        self.position = position
        return value

    def _sequence(self, depth: int) -> list[Any]:
        items: list[Any] = []
        self.position += 1
        if self._blanks() == "]":
            self.position += 1
            return items
        while True:
            items.append(self.node(depth + 1))
            following = self._blanks()
            self.position += 1
            if following == "]":
                return items
            if following != "," or self._blanks() == "]":
                raise Unsupported("not a flow sequence this reader reads")

    def _mapping(self, depth: int) -> dict[Any, Any]:
        built: dict[Any, Any] = {}
        text = self.text
        self.position += 1
        if self._blanks() == "}":
            self.position += 1
            return built
        while True:
            first = self._blanks()
            if first in "'\"":
                key: Any
                key, self.position = quoted(text, self.position)
            elif first in "[{":
                raise Unsupported("a collection as a key")
            else:
                key = plain(self._plain())
            if text[self.position] != ":" or text[self.position + 1] != " ":
                raise Unsupported("not a flow mapping entry this reader reads")
            self.position += 2
            built[key] = self.node(depth + 1)
            following = self._blanks()
            self.position += 1
            if following == "}":
                return built
            if following != "," or self._blanks() == "}":
                raise Unsupported("not a flow mapping this reader reads")


class _Block:
    """One document's lines, read from the top; ``index`` is the line being read."""

    __slots__ = ("anchors", "contents", "indents", "index", "lines")

    def __init__(self, text: str) -> None:
        self.anchors: dict[str, Any] = {}
        self.lines = lines = text.split("\n")
        # Spaces are the only blanks left to strip: tabs, carriage returns, the other
        # ASCII controls and non-ASCII text made load_documents decline already.
        self.contents = contents = list(map(str.lstrip, lines))
        self.indents: list[int] = list(map(sub, map(len, lines), map(len, contents)))
        # One line past the last, indented less than any: every block ends on it, so the
        # loops below need no bounds checks. ``lines`` has no such line.
        contents.append("<end>")
        self.indents.append(-1)
        self.index = 0

    def next_line(self) -> int:
        """Moves past blank and comment lines; the indent of the line reached, -1 at the end."""
        contents = self.contents
        index = self.index
        while True:  # the end line stops it
            content = contents[index]
            if content and content[0] != "#":
                self.index = index
                return self.indents[index]
            index += 1

    def document(self) -> tuple[Any, int]:
        """The document's value, and the 0-based line its content starts on (0 if none)."""
        first = self.contents[0]
        if self.indents[0] == 0 and first.startswith("---"):
            if not _rest_is_comment(first, 3) or first[3:4] not in ("", " "):
                raise Unsupported("content on the --- line")
            self.index = 1
        indent = self.next_line()
        if indent < 0:
            return None, 0
        start = self.index
        value = self.node(indent, 0)
        if self.next_line() >= 0:
            raise Unsupported("lines after the document's top-level node")
        return value, start

    def node(self, indent: int, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise Unsupported("nested too deep")
        content = self.contents[self.index]
        if content == "-" or content.startswith("- "):
            return self.sequence(indent, depth)
        return self.mapping(indent, depth)

    def sequence(self, indent: int, depth: int) -> list[Any]:
        items: list[Any] = []
        contents = self.contents
        while True:
            content = contents[self.index]
            rest = content[1:].lstrip(" ")
            anchor = None
            if rest[:1] == "&":
                anchor, rest = _anchor(rest)
                if rest and (rest == "-" or rest.startswith("- ") or _is_key(rest)):
                    raise Unsupported("an anchor before a compact collection")
            if not rest or rest[0] == "#":
                self.index += 1
                following = self.next_line()
                items.append(self.node(following, depth + 1) if following > indent else None)
            else:
                column = indent + len(content) - len(rest)
                if rest == "-" or rest.startswith("- ") or _is_key(rest):
                    # `- name: x` or `- - x`: the rest of the line is read as if it started
                    # a line of its own at its column, as YAML's compact forms mean.
                    contents[self.index] = rest
                    self.indents[self.index] = column
                    items.append(self.node(column, depth + 1))
                else:
                    items.append(self.inline(rest, indent, depth))
            if anchor is not None:
                self.anchors[anchor] = items[-1]
            following = self.next_line()
            if following != indent:
                if following > indent:
                    raise Unsupported("a line indented more than its sequence")
                return items
            content = contents[self.index]
            if not (content == "-" or content.startswith("- ")):
                return items  # the next key of a mapping this sequence is the value of

    def mapping(self, indent: int, depth: int) -> dict[Any, Any]:
        if depth > _MAX_DEPTH:
            raise Unsupported("nested too deep")
        built: dict[Any, Any] = {}
        contents, indents = self.contents, self.indents
        keys, values, known = _KEYS, _VALUES, _LINES
        index = self.index
        while True:
            content = contents[index]
            pair = known.get(content)
            if pair is not None:
                key, value = pair
            else:
                separator = content.find(": ")
                if separator > 0:
                    key = keys.get(content[:separator], _MISSING)
                    value = values.get(content[separator + 2 :], _MISSING)
                else:
                    key = keys.get(content[:-1], _MISSING) if content[-1] == ":" else _MISSING
                    value = _NESTED
                if key is not _MISSING and value is not _MISSING:
                    _remember(known, content, (key, value))
            if key is not _MISSING and value is not _MISSING:
                # Most lines are `key: value` or `key:` with a key and a plain value read
                # before: this loop reads them without a call, but to read what is nested.
                index += 1
                if value is _NESTED:
                    while not contents[index] or contents[index][0] == "#":
                        index += 1
                    following = indents[index]
                    if following > indent or (
                        following == indent
                        and (contents[index] == "-" or contents[index].startswith("- "))
                    ):
                        self.index = index
                        nested = contents[index]
                        if nested == "-" or nested.startswith("- "):
                            built[key] = self.sequence(following, depth + 1)
                        else:
                            built[key] = self.mapping(following, depth + 1)
                        index = self.index
                        following = indents[index]
                    else:
                        built[key] = None
                else:
                    following = indents[index]
                    after = contents[index]
                    if not after or after[0] == "#":
                        # A more indented line next would continue the scalar: PyYAML's.
                        while not contents[index]:
                            index += 1
                        if indents[index] > indent:
                            raise Unsupported("a scalar continued on the next line")
                        while not contents[index] or contents[index][0] == "#":
                            index += 1
                        following = indents[index]
                    elif following > indent:
                        raise Unsupported("a scalar continued on the next line")
                    built[key] = value
            else:
                self.index = index
                if separator < 0 and content[-1] == ":":
                    key = keys.get(content[:-1], _MISSING)
                    rest = ""
                if key is _MISSING:
                    key, rest = _split_key(content)
                elif separator > 0:
                    rest = content[separator + 2 :].lstrip(" ")
                    if rest[:1] == "#":
                        rest = ""
                self.entry(built, key, rest, indent, depth)
                following = self.next_line()
                index = self.index
            if following != indent:
                self.index = index
                if following > indent:
                    raise Unsupported("a line indented more than its mapping")
                return built

    def entry(self, built: dict[Any, Any], key: Any, rest: str, indent: int, depth: int) -> None:
        """Reads the value of ``key``: on its line (``rest``), or on the lines below."""
        anchor = None
        if rest[:1] == "&":
            anchor, rest = _anchor(rest)
        if rest:
            built[key] = value = self.inline(rest, indent, depth)
            if rest[0] not in _NOT_PLAIN_START and rest[-1] != " " and " #" not in rest:
                _remember(_VALUES, rest, value)
        else:
            self.index += 1
            following = self.next_line()
            contents = self.contents
            if following > indent:
                built[key] = self.node(following, depth + 1)
            elif following == indent and (
                contents[self.index] == "-" or contents[self.index].startswith("- ")
            ):
                built[key] = self.sequence(indent, depth + 1)
            else:
                built[key] = None
        if anchor is not None:
            self.anchors[anchor] = built[key]

    def inline(self, text: str, parent: int, depth: int) -> Any:
        """The value written on the line after ``key: `` or ``- `` (``parent``: their indent)."""
        first = text[0]
        if first == "|" or first == ">":
            return self.block_scalar(text, parent)
        if first == '"' or first == "'":
            value, end = quoted(text, 0)
            if not _rest_is_comment(text, end):
                raise Unsupported("text after a quoted scalar")
        elif first == "*":
            name, rest = _anchor(text)
            if rest:
                raise Unsupported("text after an alias")
            value = self.anchors.get(name, _MISSING)
            if value is _MISSING:
                raise Unsupported("an alias of an anchor not (yet) complete")
        elif first == "[" or first == "{":
            flow = _Flow(text, 0)
            try:
                value = flow.node(depth)
            except IndexError:
                raise Unsupported("a flow collection over several lines") from None
            if not _rest_is_comment(text, flow.position):
                raise Unsupported("text after a flow collection")
        else:
            value = _plain_block(text)
        # A more indented line next would continue the scalar: PyYAML's to read.
        self.index += 1
        lines, indents = self.lines, self.indents
        index, end = self.index, len(lines)
        while index < end and not self.contents[index]:
            index += 1
        if index < end and indents[index] > parent:
            raise Unsupported("a scalar continued on the next line")
        return value

    def block_scalar(self, header: str, parent: int) -> str:
        """A ``|`` or ``>`` scalar, read line by line as PyYAML's scanner reads it."""
        folded = header[0] == ">"
        keep: bool | None = None  # clip
        position = 1
        if header[1:2] in ("-", "+"):
            keep = header[1] == "+"
            position = 2
        if not _rest_is_comment(header, position) or header[position : position + 1] not in (
            "",
            " ",
        ):
            raise Unsupported("a block scalar header this reader does not read")
        lines, contents, indents = self.lines, self.contents, self.indents
        last = len(lines) - 1  # the text after the last line break: a line without a break
        start = self.index + 1
        index = start
        widest = 0
        while index < last and not contents[index]:
            widest = max(widest, len(lines[index]))
            index += 1
        indent = indents[index]
        if not contents[index] or indent <= parent or widest > indent:
            raise Unsupported("an empty or oddly indented block scalar")
        chunks: list[str] = []
        breaks = ["\n"] * (index - start)
        while True:
            chunks.extend(breaks)
            text = lines[index][indent:]
            chunks.append(text)
            line_break = "\n" if index < last else ""
            index += 1
            breaks = []
            if not line_break:
                break
            while index < last and len(lines[index]) <= indent and not contents[index]:
                breaks.append("\n")
                index += 1
            if index <= last and len(lines[index]) > indent and indents[index] >= indent:
                if folded and text[0] != " " and lines[index][indent] != " ":
                    if not breaks:
                        chunks.append(" ")
                else:
                    chunks.append(line_break)
                continue
            break
        if keep is not False:
            chunks.append(line_break)
        if keep:
            chunks.extend(breaks)
        self.index = index
        return "".join(chunks)


def _anchor(text: str) -> tuple[str, str]:
    """``&name rest`` or ``*name rest`` -> (name, rest without a comment, maybe empty)."""
    end = 1
    while end < len(text) and text[end] in _ANCHOR_CHARS:
        end += 1
    if end == 1 or (end < len(text) and text[end] != " "):
        raise Unsupported("not an anchor or alias this reader reads")
    rest = text[end:].lstrip(" ")
    return text[1:end], "" if rest[:1] == "#" else rest


def _is_key(text: str) -> bool:
    """Whether a line's content is ``key: ...`` (quoted keys included)."""
    if text[0] == "[" or text[0] == "{":
        return False
    if text[0] == '"' or text[0] == "'":
        try:
            _, end = quoted(text, 0)
        except Unsupported:
            return False
        return text[end : end + 1] == ":"
    return ": " in text or text[-1] == ":"


def _split_key(content: str) -> tuple[Any, str]:
    """``key: rest`` -> (the key's value, the rest without a comment, maybe empty)."""
    first = content[0]
    if first == '"' or first == "'":
        key: Any
        key, end = quoted(content, 0)
        if content[end : end + 1] != ":":
            raise Unsupported("not a mapping entry")
        separator = end
    else:
        separator = content.find(": ")
        if separator < 0:
            if content[-1] != ":":
                raise Unsupported("not a mapping entry")
            separator = len(content) - 1
        text = content[:separator].rstrip(" ")
        if (
            not text
            or first in _NOT_PLAIN_START
            or first in "-?:"
            or ":" in text
            or " #" in text
            or separator > 1000
        ):
            raise Unsupported("not a key this reader reads")
        key = plain(text)
        _remember(_KEYS, content[:separator], key)
    rest = content[separator + 1 :].lstrip(" ")
    if rest and rest[0] == "#":
        if separator + 1 < len(content) and content[separator + 1] != " ":
            raise Unsupported("a comment right after the colon")
        return key, ""
    if rest and content[separator + 1] != " ":
        raise Unsupported("no blank after the colon")
    return key, rest


def load_documents(chunks: list[tuple[int, str]]) -> list[Any]:
    """The value of each document of a stream cut at its ``---`` markers.

    Raises :class:`Unsupported` when any document holds more than this reader reads.
    """
    return [value for value, _ in read_documents(chunks)]


def read_documents(chunks: list[tuple[int, str]]) -> list[tuple[Any, int]]:
    """:func:`load_documents`, with the 0-based line of each document where its content
    starts: past its marker, blank lines and comments (0 when it has no content).

    The reader has found that line already; the caller need not look for it again.
    """
    values: list[tuple[Any, int]] = []
    for _, chunk in chunks:
        if not chunk.isascii() or chunk.encode("ascii").translate(None, _READ):
            raise Unsupported("non-ASCII text, a tab, a carriage return or a control character")
        if chunk.startswith("...") or "\n..." in chunk:
            raise Unsupported("a document end marker, or a line that could be one")
        try:
            values.append(_Block(chunk).document())
        except (IndexError, ValueError, RecursionError):
            raise Unsupported("text this reader does not read") from None
    return values
