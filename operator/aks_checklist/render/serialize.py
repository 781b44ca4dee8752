"""Readable JSON and YAML text for reports with tens of thousands of results, made fast.

``json.dumps(indent=2)`` falls back to the pure-Python encoder and PyYAML's
representer is pure Python too: on a 10,000-object scan either took longer
than the scan itself. Here the outer structure is indented by hand and each
leaf record (one result) is written on one line by the C JSON encoder. JSON
strings are valid YAML double-quoted scalars, which is what makes the YAML
writer this short.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Path = tuple[str | int, ...]

_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
compact = _compact  # what one inline value is written as: json_text's own encoder


class Encoded(list[str]):
    """A list whose items are JSON text already, each as :data:`compact` wrote it.

    ``json_text`` writes the items as they are, one per line (or on one line where
    ``inline`` says so), exactly where it would write the encoded values: a caller that
    encodes tens of thousands of records of one shape can do so faster than one
    encoder call each.
    """

    __slots__ = ()


def json_text(value: Any, *, inline: Callable[[Path], bool], indent: int = 2) -> str:
    """JSON with containers expanded, except where ``inline(path)`` says to keep one line."""
    out: list[str] = []
    _json(value, (), 0, indent, inline, out)
    out.append("\n")
    return "".join(out)


def _json(
    value: Any, path: Path, level: int, indent: int, inline: Callable[[Path], bool], out: list[str]
) -> None:
    if value.__class__ is Encoded:
        _encoded(value, path, level, indent, inline, out)
        return
    if not isinstance(value, dict | list) or not value or inline(path):
        out.append(_compact(value))
        return
    pad = " " * (indent * (level + 1))
    closing = " " * (indent * level)
    if isinstance(value, dict):
        out.append("{")
        for position, (key, item) in enumerate(value.items()):
            out.append(f"{',' if position else ''}\n{pad}{_compact(str(key))}: ")
            _json(item, (*path, str(key)), level + 1, indent, inline, out)
        out.append(f"\n{closing}}}")
    else:
        out.append("[")
        for position, item in enumerate(value):
            out.append(f"{',' if position else ''}\n{pad}")
            _json(item, (*path, position), level + 1, indent, inline, out)
        out.append(f"\n{closing}]")


def _encoded(
    items: Encoded,
    path: Path,
    level: int,
    indent: int,
    inline: Callable[[Path], bool],
    out: list[str],
) -> None:
    """An :class:`Encoded` list, laid out as ``_json`` lays out a list of the values."""
    if not items:
        out.append("[]")
    elif inline(path):
        out.append(f"[{', '.join(items)}]")
    else:
        pad = " " * (indent * (level + 1))
        out.append("[\n" + pad)
        out.append(f",\n{pad}".join(items))
        out.append(f"\n{' ' * (indent * level)}]")


# Strings that can stay unquoted: start with a letter, no YAML syntax, not a 1.1 boolean or null.
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_./-]*$")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
# Characters YAML does not allow raw in a stream, or reads as line breaks (NEL, LS, PS).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _RESERVED:
            return value
        return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", _compact(value))
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _compact(value)
    return _scalar(str(value))


def yaml_text(value: Any) -> str:
    """Block-style YAML for plain data (dicts, lists, strings, numbers, booleans, null)."""
    out: list[str] = []
    _yaml(value, 0, out)
    return "".join(out)


def _yaml(value: Any, level: int, out: list[str]) -> None:
    """Writes ``value`` as the body of a block at ``level``; the caller wrote the key or dash."""
    pad = "  " * level
    if isinstance(value, dict):
        first = True
        for key, item in value.items():
            # The first key of a list item goes on the dash's line.
            lead = "" if first and out and out[-1].endswith("- ") else pad
            first = False
            _entry(f"{lead}{_scalar(str(key))}:", item, level, out)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                out.append(f"{pad}- ")
                _yaml(item, level + 1, out)
            else:
                _entry(f"{pad}-", item, level, out)
    else:
        out.append(f"{pad}{_scalar(value)}\n")


def _entry(head: str, item: Any, level: int, out: list[str]) -> None:
    if isinstance(item, dict | list) and item:
        out.append(f"{head}\n")
        _yaml(item, level + 1, out)
    elif isinstance(item, dict | list):
        out.append(f"{head} {'{}' if isinstance(item, dict) else '[]'}\n")
    else:
        out.append(f"{head} {_scalar(item)}\n")
