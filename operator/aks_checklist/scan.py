"""The offline scanner: manifests on disk or stdin -> snapshots -> the operator's engine.

This is the only place the scanner touches files. It has to cope with what
real repositories hold: Helm-rendered streams, ``kubectl get -o yaml`` Lists,
JSON, and files that are not Kubernetes manifests at all (``values.yaml``,
``Chart.yaml``, ``package.json``). Documents that are mappings without
``kind`` and without ``metadata`` are such files and are skipped quietly; a
document that cannot be parsed, is not a mapping, or has an envelope the API
server could not decode (a ``kind`` that is not a string...) is reported as
a :class:`ScanError` with its file and 0-based document index, and every
other document is still scanned. Missing fields are not errors: the checks
judge them as Kubernetes would default them.

Dockerfiles (``Dockerfile``, ``Containerfile``, ``*.Dockerfile``, ``Dockerfile.*``, see
:func:`aks_checklist.checks.dockerfile.is_dockerfile`) found in directories or named
explicitly are judged by the Dockerfile rules instead; their findings name the file as a
``Dockerfile`` object, so every output format, waiver and disabled rule treats them alike.
A Dockerfile no builder would accept is a :class:`ScanError` naming the file and line.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO

import yaml

from aks_checklist.checks import engine, storage
from aks_checklist.checks.dockerfile import DockerfileError, check_dockerfile, is_dockerfile
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef
from aks_checklist.checks.snapshot import CLUSTER_SCOPED_KINDS, split_by_namespace
from aks_checklist.policy import Waiver, apply_waivers

try:  # the libyaml binding is several times faster; pure Python is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

STDIN = "-"
STDIN_NAME = "<stdin>"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

_KINDS_OF_VALUE = {
    str: "a string",
    list: "a list",
    int: "a number",
    float: "a number",
    bool: "a boolean",
}

# A document marker: `---` at the start of a line, alone or followed by blanks/content.
_DOCUMENT_MARKER = re.compile(r"^---(?=[ \t\r]|$)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ScanError:
    """A file or document that could not be read; ``document`` is its 0-based index in the file.

    ``document`` is ``None`` when the problem is not one document's: a file
    that is missing or not UTF-8, or checks that failed on a whole namespace.
    """

    file: str
    document: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.document is None else f"{self.file} (document {self.document})"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadedObject:
    obj: dict[str, Any]
    file: str
    document: int


@dataclass(frozen=True, slots=True)
class ScanResult:
    findings: list[Finding]
    errors: list[ScanError]
    objects_count: int


# --- loading ---------------------------------------------------------------------------------


def manifest_files(path: str, *, dockerfiles: bool = False) -> Iterator[str]:
    """The manifest files (and with ``dockerfiles``, the Dockerfiles) under a directory, in a
    stable order; hidden files and dirs skipped."""
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.lower().endswith(MANIFEST_SUFFIXES) or (dockerfiles and is_dockerfile(name)):
                yield os.path.join(root, name)


def load_documents(
    paths: Sequence[str], *, stdin: TextIO | None = None, dockerfiles: list[str] | None = None
) -> tuple[list[LoadedObject], list[ScanError]]:
    """Reads every object from files, directories (recursively) and ``-`` (stdin).

    ``List`` kinds are expanded into their items, which keep the List's
    document index. When a ``dockerfiles`` list is given, the Dockerfiles among
    the paths and in the directories are appended to it instead of being read.
    """
    objects: list[LoadedObject] = []
    errors: list[ScanError] = []
    for path in paths:
        if path == STDIN:
            text = (stdin or sys.stdin).read()
            _load_text(text, STDIN_NAME, objects, errors, as_json=text.lstrip().startswith("{"))
        elif os.path.isdir(path):
            for file in manifest_files(path, dockerfiles=dockerfiles is not None):
                if dockerfiles is not None and is_dockerfile(file):
                    dockerfiles.append(file)
                else:
                    _load_file(file, objects, errors)
        elif os.path.exists(path):
            if dockerfiles is not None and is_dockerfile(path):
                dockerfiles.append(path)
            else:
                # A file named explicitly is read whatever its extension (rendered.txt, helm).
                _load_file(path, objects, errors)
        else:
            errors.append(ScanError(path, None, "no such file or directory"))
    return objects, errors


def _load_file(path: str, objects: list[LoadedObject], errors: list[ScanError]) -> None:
    text = _read_text(path, errors)
    if text is not None:
        _load_text(text, path, objects, errors, as_json=path.lower().endswith(".json"))


def _read_text(path: str, errors: list[ScanError]) -> str | None:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        errors.append(ScanError(path, None, f"cannot read: {exc.strerror or exc}"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(ScanError(path, None, "not UTF-8 text"))
        return None


def _load_text(
    text: str,
    file: str,
    objects: list[LoadedObject],
    errors: list[ScanError],
    *,
    as_json: bool,
) -> None:
    if as_json:
        try:
            documents: list[tuple[int, Any]] = [(0, json.loads(text))]
        except json.JSONDecodeError as exc:
            errors.append(
                ScanError(
                    file, 0, f"invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
                )
            )
            return
    else:
        documents = _yaml_documents(text, file, errors)
    for index, document in documents:
        _collect(document, file, index, objects, errors)


def _yaml_documents(text: str, file: str, errors: list[ScanError]) -> list[tuple[int, Any]]:
    try:
        # Fast path: one parser over the whole stream.
        return list(enumerate(yaml.load_all(text, Loader=_Loader)))
    except yaml.YAMLError:
        pass
    # A broken document stops the stream parser, so parse document by document to keep the rest.
    documents: list[tuple[int, Any]] = []
    index = 0
    for first_line, chunk in _split_documents(text):
        try:
            parsed = list(yaml.load_all(chunk, Loader=_Loader))
        except yaml.YAMLError as exc:
            errors.append(ScanError(file, index, _yaml_message(exc, first_line)))
            index += 1
            continue
        for document in parsed:
            documents.append((index, document))
            index += 1
    return documents


def _split_documents(text: str) -> list[tuple[int, str]]:
    """Cuts a YAML stream at its ``---`` markers: ``(first line number, text)`` per document.

    Text before the first marker only counts as a document when it holds
    more than comments and blank lines, which is how a YAML parser counts it.
    """
    starts = [match.start() for match in _DOCUMENT_MARKER.finditer(text)]
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


def _yaml_message(exc: yaml.YAMLError, first_line: int) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            where = f" at line {first_line + mark.line}, column {mark.column + 1}"
            return f"invalid YAML: {problem}{context}{where}"
        return f"invalid YAML: {problem}{context}"
    return f"invalid YAML: {exc}"


def _collect(
    document: Any,
    file: str,
    index: int,
    objects: list[LoadedObject],
    errors: list[ScanError],
) -> None:
    if document is None:
        return  # an empty document, e.g. a Helm template rendered to nothing
    if not isinstance(document, dict):
        what = _KINDS_OF_VALUE.get(type(document), f"a {type(document).__name__}")
        errors.append(ScanError(file, index, f"not a Kubernetes object but {what}"))
        return
    kind = document.get("kind")
    if not kind:
        if "metadata" in document:
            errors.append(ScanError(file, index, "object has metadata but no kind"))
        return  # values.yaml, Chart.yaml, package.json...: not Kubernetes objects
    if isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list):
        for position, item in enumerate(document["items"]):
            problem = _malformed(item) if isinstance(item, dict) and item.get("kind") else "is not"
            if problem:
                errors.append(
                    ScanError(file, index, f"{kind} item {position} {problem} a Kubernetes object")
                )
            else:
                objects.append(LoadedObject(item, file, index))
        return
    problem = _malformed(document)
    if problem:
        errors.append(ScanError(file, index, f"{problem} a Kubernetes object"))
        return
    objects.append(LoadedObject(document, file, index))


def _malformed(obj: dict[str, Any]) -> str | None:
    """Why the API server would refuse to even decode ``obj`` (wrong types in the envelope).

    Everything else, however incomplete, is left to the checks, which judge
    missing fields as Kubernetes would default them.
    """
    if not isinstance(obj.get("kind"), str):
        return "has a kind that is not a string, so is not"
    if not isinstance(obj.get("apiVersion", ""), str):
        return "has an apiVersion that is not a string, so is not"
    metadata = obj.get("metadata", {})
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return "has metadata that is not a mapping, so is not"
    for key in ("name", "namespace", "generateName"):
        if not isinstance(metadata.get(key, ""), str | None):
            return f"has a metadata.{key} that is not a string, so is not"
    for key in ("labels", "annotations"):
        value = metadata.get(key)
        if value is not None and not isinstance(value, dict):
            return f"has metadata.{key} that is not a mapping, so is not"
    return None


# --- scanning --------------------------------------------------------------------------------


def scan(
    paths: Sequence[str],
    *,
    namespace: str | None = None,
    settings: CheckSettings | None = None,
    waivers: Sequence[Waiver] = (),
    today: date | None = None,
    stdin: TextIO | None = None,
) -> ScanResult:
    """Loads manifests and Dockerfiles and judges them; findings carry the file they came from.

    ``objects_count`` counts the Kubernetes objects and the Dockerfiles judged.
    """
    dockerfiles: list[str] = []
    loaded, errors = load_documents(paths, stdin=stdin, dockerfiles=dockerfiles)
    findings, engine_errors = evaluate_objects(
        loaded, namespace=namespace, settings=settings, waivers=waivers, today=today
    )
    docker_findings, docker_errors, judged = evaluate_dockerfiles(
        dockerfiles, settings=settings, waivers=waivers, today=today
    )
    return ScanResult(
        findings=findings + docker_findings,
        errors=errors + engine_errors + docker_errors,
        objects_count=len(loaded) + judged,
    )


def evaluate_dockerfiles(
    paths: Iterable[str],
    *,
    settings: CheckSettings | None = None,
    waivers: Sequence[Waiver] = (),
    today: date | None = None,
) -> tuple[list[Finding], list[ScanError], int]:
    """Judges Dockerfiles: (findings, errors, how many files were judged).

    A file that cannot be read or parsed, or that breaks a check, is an error
    naming it, and the other files are still judged.
    """
    settings = settings or CheckSettings()
    findings: list[Finding] = []
    errors: list[ScanError] = []
    judged = 0
    for path in dict.fromkeys(paths):  # a file reached twice (a dir and its file) counts once
        text = _read_text(path, errors)
        if text is None:
            continue
        try:
            found = check_dockerfile(text, path)
        except DockerfileError as exc:
            errors.append(ScanError(path, None, f"invalid Dockerfile: {exc}"))
            continue
        except Exception as exc:  # any bug in a check must not end the scan
            errors.append(
                ScanError(
                    path,
                    None,
                    f"the Dockerfile checks failed on {path}, so its results are missing: "
                    f"{type(exc).__name__}: {exc}",
                )
            )
            continue
        judged += 1
        findings.extend(finding for finding in found if settings.enabled(finding.rule))
    return apply_waivers(findings, waivers, today or date.today()), errors, judged


def evaluate_objects(
    loaded: Iterable[LoadedObject],
    *,
    namespace: str | None = None,
    settings: CheckSettings | None = None,
    waivers: Sequence[Waiver] = (),
    today: date | None = None,
) -> tuple[list[Finding], list[ScanError]]:
    """Runs the engine over loaded objects, as a manifest set (snapshots are not ``complete``).

    A check that breaks on some odd object costs that namespace's findings
    and is reported as an error (exit code 2), rather than ending the scan.
    """
    settings = settings or CheckSettings()
    default_namespace = namespace or "default"
    loaded = list(loaded)
    files: dict[ObjectRef, str] = {}
    for entry in loaded:
        files.setdefault(_ref(entry.obj, default_namespace), entry.file)
    objects = [entry.obj for entry in loaded]
    snapshots = split_by_namespace(objects, default_namespace=default_namespace, complete=False)
    findings: list[Finding] = []
    errors: list[ScanError] = []
    for snapshot in snapshots:
        try:
            findings.extend(engine.evaluate([snapshot], settings))
        except Exception as exc:  # any bug in a check must not end the scan
            errors.append(
                _engine_error(f"namespace {snapshot.namespace}", snapshot.objects, loaded, exc)
            )
    cluster_objects = [obj for obj in objects if obj.get("kind") in CLUSTER_SCOPED_KINDS]
    try:
        findings.extend(_cluster_findings(cluster_objects, settings))
    except Exception as exc:  # same as above
        errors.append(_engine_error("cluster-scoped objects", cluster_objects, loaded, exc))
    findings = [
        dataclasses.replace(finding, file=files.get(finding.object))
        if finding.object is not None and finding.file is None and finding.object in files
        else finding
        for finding in findings
    ]
    return apply_waivers(findings, waivers, today or date.today()), errors


def _engine_error(
    where: str, objects: Sequence[dict[str, Any]], loaded: Sequence[LoadedObject], exc: Exception
) -> ScanError:
    involved = {id(obj) for obj in objects}
    sources = sorted({entry.file for entry in loaded if id(entry.obj) in involved})
    shown = ", ".join(sources[:3]) + (", ..." if len(sources) > 3 else "")
    return ScanError(
        sources[0] if sources else "",
        None,
        f"the checks failed on {where} ({shown or 'no file'}), so its results are missing: "
        f"{type(exc).__name__}: {exc}",
    )


def _cluster_findings(
    cluster_objects: Sequence[dict[str, Any]], settings: CheckSettings
) -> list[Finding]:
    """Findings on cluster-scoped objects (StorageClasses), judged once, not once per namespace."""
    if not cluster_objects:
        return []
    return [
        finding
        for finding in storage.check_cluster_objects(cluster_objects, settings)
        if settings.enabled(finding.rule)
    ]


def _ref(obj: dict[str, Any], default_namespace: str) -> ObjectRef:
    kind = str(obj.get("kind") or "")
    return ObjectRef.of(obj, None if kind in CLUSTER_SCOPED_KINDS else default_namespace)
