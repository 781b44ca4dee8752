"""Text -> Kubernetes objects, each with its file, 0-based document index and 1-based line.

It has to cope with what real repositories hold: Helm-rendered streams,
``kubectl get -o yaml`` Lists, JSON, and files that are not Kubernetes
manifests at all (``values.yaml``, ``Chart.yaml``, ``package.json``).
Documents that are mappings without ``kind`` and without ``metadata`` are such
files and are skipped quietly; a document that cannot be parsed, is not a
mapping, or has an envelope the API server could not decode (a ``kind`` that
is not a string...) is a :class:`ScanError` with its file and document index,
and every other document is still read. Missing fields are not errors: the
checks judge them as Kubernetes would default them.

Line numbers come from the document markers, not from a line-tracking parser:
the C parser that makes large scans fast keeps no marks on the values it
builds, and a ``---`` in column 0 can only be a marker (block scalars are
indented), so counting markers is both exact and cheap.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from aks_checklist.records import Frozen, slot_setters
from aks_checklist.sources import blockyaml

if TYPE_CHECKING:
    import yaml

STDIN = "-"
STDIN_NAME = "<stdin>"

_KINDS_OF_VALUE = {
    str: "a string",
    list: "a list",
    int: "a number",
    float: "a number",
    bool: "a boolean",
}

# A document marker is `---` at the start of a line, alone or followed by a blank (then
# maybe content): what follows the three dashes is one of these, or the end of the text.
_AFTER_MARKER = frozenset(" \t\r\n")
_HELM_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$", re.MULTILINE)


_set = object.__setattr__


class ScanError(Frozen):
    """A file or document that could not be read; ``document`` is its 0-based index in the file.

    ``document`` is ``None`` when the problem is not one document's: a file
    that is missing or not UTF-8, a directory that could not be rendered, or
    checks that failed on a whole namespace.
    """

    _fields = __slots__ = ("file", "document", "message")
    file: str
    document: int | None
    message: str

    def __init__(self, file: str, document: int | None, message: str) -> None:
        _set(self, "file", file)
        _set(self, "document", document)
        _set(self, "message", message)

    def __str__(self) -> str:
        where = self.file if self.document is None else f"{self.file} (document {self.document})"
        return f"{where}: {self.message}"


class LoadedObject(Frozen):
    """One object and where it was written.

    ``file`` and ``line`` name the file a person edits (for a rendered object,
    the kustomize resource or Helm template it came from); ``source`` names the
    render that produced it (``kustomize build overlays/dev``), ``None`` for an
    object read as it is.
    """

    _fields = __slots__ = ("obj", "file", "document", "line", "source")
    obj: dict[str, Any]
    file: str
    document: int
    line: int | None
    source: str | None

    def __init__(
        self,
        obj: dict[str, Any],
        file: str,
        document: int,
        line: int | None = None,
        source: str | None = None,
    ) -> None:
        _object_obj(self, obj)
        _object_file(self, file)
        _object_document(self, document)
        _object_line(self, line)
        _object_source(self, source)


class Document(Frozen):
    """A parsed document of a stream: its index, first line, value and Helm ``# Source``."""

    _fields = __slots__ = ("index", "line", "value", "helm_source", "item_lines")
    index: int
    line: int
    value: Any
    helm_source: str | None
    item_lines: tuple[int, ...]  # a List's items, when they could be found

    def __init__(
        self,
        index: int,
        line: int,
        value: Any,
        helm_source: str | None = None,
        item_lines: tuple[int, ...] = (),
    ) -> None:
        _document_index(self, index)
        _document_line(self, line)
        _document_value(self, value)
        _document_helm_source(self, helm_source)
        _document_item_lines(self, item_lines)


# Loaded objects and documents are made by the ten thousand: their slots' own setters.
_object_obj, _object_file, _object_document, _object_line, _object_source = slot_setters(
    LoadedObject, LoadedObject._fields
)
(
    _document_index,
    _document_line,
    _document_value,
    _document_helm_source,
    _document_item_lines,
) = slot_setters(Document, Document._fields)


def read_text(path: str, errors: list[ScanError]) -> str | None:
    try:
        raw = _read_bytes(path)
    except OSError as exc:
        errors.append(ScanError(path, None, f"cannot read: {exc.strerror or exc}"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(ScanError(path, None, "not UTF-8 text"))
        return None


def _read_bytes(path: str) -> bytes:
    """The file's bytes, read with the system calls themselves.

    ``open()`` wraps the descriptor in a buffered file object (and asks the system
    whether it is a terminal, and where it is positioned) before reading: for the
    thousands of small files of a large scan that was half the cost of reading them.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        pieces: list[bytes] = []
        while piece := os.read(descriptor, _READ_SIZE):
            pieces.append(piece)
    finally:
        os.close(descriptor)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


_READ_SIZE = 1 << 16  # below the size for which malloc maps fresh memory for each read


def load_file(path: str, objects: list[LoadedObject], errors: list[ScanError]) -> None:
    text = read_text(path, errors)
    if text is not None:
        load_text(text, path, objects, errors, as_json=path.lower().endswith(".json"))


def load_text(
    text: str,
    file: str,
    objects: list[LoadedObject],
    errors: list[ScanError],
    *,
    as_json: bool,
) -> None:
    for document in parse_documents(text, file, errors, as_json=as_json):
        collect(document, file, objects, errors)


def parse_documents(
    text: str, file: str, errors: list[ScanError], *, as_json: bool
) -> list[Document]:
    """The documents of a YAML stream or a JSON file; unparsable ones become errors."""
    if as_json:
        import json  # most scans read YAML only

        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(
                ScanError(
                    file, 0, f"invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
                )
            )
            return []
        return [Document(0, text.count("\n", 0, len(text) - len(text.lstrip())) + 1, value)]
    return _yaml_documents(text, file, errors)


def _yaml_documents(text: str, file: str, errors: list[ScanError]) -> list[Document]:
    chunks = split_documents(text)
    try:
        # Plain block YAML, most manifests: read without PyYAML (see blockyaml).
        read = blockyaml.read_documents(chunks)
    except blockyaml.Unsupported:
        return _pyyaml_documents(text, chunks, file, errors)
    # The reader found where each document's content starts, as _content_line would.
    return [
        Document(index, line + start, value, _helm_source(chunk), _item_lines(line, chunk, value))
        for index, ((line, chunk), (value, start)) in enumerate(zip(chunks, read, strict=True))
    ]


def _documents(chunks: list[tuple[int, str]], values: list[Any]) -> list[Document]:
    return [
        Document(
            index,
            _content_line(line, chunk),
            value,
            _helm_source(chunk),
            _item_lines(line, chunk, value),
        )
        for index, ((line, chunk), value) in enumerate(zip(chunks, values, strict=True))
    ]


def _pyyaml_documents(
    text: str, chunks: list[tuple[int, str]], file: str, errors: list[ScanError]
) -> list[Document]:
    """The documents as PyYAML reads them, with its error messages for broken ones."""
    import yaml

    from aks_checklist.sources.fastyaml import FastSafeLoader as _Loader

    try:
        # Fast path: one parser over the whole stream.
        values = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError:
        pass
    else:
        if len(values) == len(chunks):
            return _documents(chunks, values)
        # A stream the marker count does not explain (`...` end markers): no better line than 1.
        return [Document(index, 1, value) for index, value in enumerate(values)]
    # A broken document stops the stream parser, so parse document by document to keep the rest.
    documents: list[Document] = []
    index = 0
    for first_line, chunk in chunks:
        try:
            parsed = list(yaml.load_all(chunk, Loader=_Loader))
        except yaml.YAMLError as exc:
            errors.append(ScanError(file, index, _yaml_message(exc, first_line)))
            index += 1
            continue
        line, source = _content_line(first_line, chunk), _helm_source(chunk)
        for value in parsed:
            items = _item_lines(first_line, chunk, value)
            documents.append(Document(index, line, value, source, items))
            index += 1
    return documents


def split_documents(text: str) -> list[tuple[int, str]]:
    """Cuts a YAML stream at its ``---`` markers: ``(first line number, text)`` per document.

    Text before the first marker only counts as a document when it holds
    more than comments and blank lines, which is how a YAML parser counts it.
    """
    starts = _marker_starts(text)
    if not starts or starts[0] != 0:
        head = text[: starts[0]] if starts else text
        if not any(
            line.strip() and not line.lstrip().startswith("#") for line in head.splitlines()
        ):
            starts = starts or [len(text)]
        else:
            starts = [0, *starts]
    chunks = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(text)
        if start < len(text):
            chunks.append((text.count("\n", 0, start) + 1, text[start:end]))
    return chunks


def _marker_starts(text: str) -> list[int]:
    """Where each ``---`` marker starts (found with str.find: a regex scan was slower)."""
    starts = []
    end = len(text)
    position = 0 if text.startswith("---") else text.find("\n---")
    while position >= 0:
        start = position if position == 0 and text.startswith("---") else position + 1
        after = start + 3
        if after == end or text[after] in _AFTER_MARKER:
            starts.append(start)
        position = text.find("\n---", start)
    return starts


def _content_line(first_line: int, chunk: str) -> int:
    """The line where a document's content starts: past its marker, comments and blank lines."""
    # Read line by line from the top rather than splitting the whole document: the content
    # starts on its first or second line almost always. A line that is not printable ASCII
    # may hold a break splitlines() counts (\r, \v, \x85, \u2028...): that document is
    # counted the long way.
    start = 0
    offset = 0
    while True:
        end = chunk.find("\n", start)
        line = chunk[start:] if end < 0 else chunk[start:end]
        if not (line.isascii() and line.isprintable()):
            return _content_line_of_lines(first_line, chunk)
        stripped = line.strip()
        if offset == 0 and stripped.startswith("---"):
            stripped = stripped[3:].strip()
        if stripped and not stripped.startswith("#"):
            return first_line + offset
        if end < 0:
            return first_line
        start = end + 1
        offset += 1


def _content_line_of_lines(first_line: int, chunk: str) -> int:
    for offset, line in enumerate(chunk.splitlines()):
        stripped = line.strip()
        if offset == 0 and stripped.startswith("---"):
            stripped = stripped[3:].strip()
        if stripped and not stripped.startswith("#"):
            return first_line + offset
    return first_line


_ITEMS_KEY = re.compile(r"^items:[ \t]*(?:#.*)?$", re.MULTILINE)
_SEQUENCE_ENTRY = re.compile(r"^([ ]*)- ")


def _item_lines(first_line: int, chunk: str, value: Any) -> tuple[int, ...]:
    """Where each item of a block-style ``items:`` list starts (``kubectl get -o yaml``)."""
    if not isinstance(value, dict) or not isinstance(value.get("items"), list):
        return ()
    match = _ITEMS_KEY.search(chunk)
    if match is None:
        return ()
    start = chunk.count("\n", 0, match.start()) + 1
    lines = chunk.splitlines()
    found: list[int] = []
    indent: str | None = None
    for offset in range(start, len(lines)):
        line = lines[offset]
        entry = _SEQUENCE_ENTRY.match(line)
        if entry and (indent is None or entry.group(1) == indent):
            indent = entry.group(1)
            found.append(first_line + offset)
        elif line and not line[0].isspace() and not line.startswith(("-", "#")):
            break  # the next top-level key: the list is over
    return tuple(found) if len(found) == len(value["items"]) else ()


def _helm_source(chunk: str) -> str | None:
    """The template ``helm template`` names in the comment it writes above each document."""
    if "# Source: " not in chunk:
        return None
    match = _HELM_SOURCE.search(chunk)
    return match.group(1) if match else None


def _yaml_message(exc: yaml.YAMLError, first_line: int) -> str:
    import yaml  # loaded already: only PyYAML raises these

    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            where = f" at line {first_line + mark.line}, column {mark.column + 1}"
            return f"invalid YAML: {problem}{context}{where}"
        return f"invalid YAML: {problem}{context}"
    return f"invalid YAML: {exc}"


def collect(
    document: Document,
    file: str,
    objects: list[LoadedObject],
    errors: list[ScanError],
    *,
    source: str | None = None,
) -> None:
    """Adds the object(s) of one parsed document, or the error that says why it is not one."""
    value, index, line = document.value, document.index, document.line
    if value is None:
        return  # an empty document, e.g. a Helm template rendered to nothing
    if not isinstance(value, dict):
        what = _KINDS_OF_VALUE.get(type(value), f"a {type(value).__name__}")
        errors.append(ScanError(file, index, f"not a Kubernetes object but {what}"))
        return
    kind = value.get("kind")
    if not kind:
        if "metadata" in value:
            errors.append(ScanError(file, index, "object has metadata but no kind"))
        return  # values.yaml, Chart.yaml, package.json...: not Kubernetes objects
    if isinstance(kind, str) and kind.endswith("List") and isinstance(value.get("items"), list):
        items: list[Any] = value["items"]
        item_lines = document.item_lines
        for position, item in enumerate(items):
            problem = _malformed(item) if isinstance(item, dict) and item.get("kind") else "is not"
            if problem:
                errors.append(
                    ScanError(file, index, f"{kind} item {position} {problem} a Kubernetes object")
                )
            else:
                at = item_lines[position] if item_lines else line
                objects.append(LoadedObject(item, file, index, at, source))
        return
    problem = _malformed(value)
    if problem:
        errors.append(ScanError(file, index, f"{problem} a Kubernetes object"))
        return
    objects.append(LoadedObject(value, file, index, line, source))


_NO_METADATA: dict[str, Any] = {}  # only read
_STRING_OR_NULL = (str, type(None))


def _malformed(obj: dict[str, Any]) -> str | None:
    """Why the API server would refuse to even decode ``obj`` (wrong types in the envelope).

    Everything else, however incomplete, is left to the checks, which judge
    missing fields as Kubernetes would default them.
    """
    if not isinstance(obj.get("kind"), str):
        return "has a kind that is not a string, so is not"
    if not isinstance(obj.get("apiVersion", ""), str):
        return "has an apiVersion that is not a string, so is not"
    metadata = obj.get("metadata", _NO_METADATA)
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return "has metadata that is not a mapping, so is not"
    for key in ("name", "namespace", "generateName"):
        # A tuple, not `str | None`: that builds a union for each of 30,000 checks.
        if not isinstance(metadata.get(key, ""), _STRING_OR_NULL):
            return f"has a metadata.{key} that is not a string, so is not"
    for key in ("labels", "annotations"):
        value = metadata.get(key)
        if value is not None and not isinstance(value, dict):
            return f"has metadata.{key} that is not a mapping, so is not"
    return None
