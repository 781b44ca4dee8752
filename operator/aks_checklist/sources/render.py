"""Renders kustomizations and Helm charts with the real tools, and traces objects to their files.

The scanner never imitates a renderer: a kustomization is built by
``kustomize build`` (or ``kubectl kustomize``), a chart by ``helm template``,
whichever is on ``PATH``. When none is, the directory is an input error that
says how to render it, because judging its raw files would report a clean
pass on objects nobody deploys.

Tracing: kustomize is asked for its ``config.kubernetes.io/origin``
annotation by building a throw-away kustomization that lists the directory
with ``buildMetadata: [originAnnotations]``, so the user's files are never
touched; the annotation names the resource file an object came from (through
any number of bases) and is removed again before the checks see the object.
Helm writes ``# Source: <chart>/templates/<file>`` above each document. The
line is then found in that file: the document whose kind and name match (a
``namePrefix`` may have changed the name) for kustomize, the template's n-th
document for Helm.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from aks_checklist.sources.documents import (
    Document,
    LoadedObject,
    ScanError,
    collect,
    parse_documents,
    read_text,
    split_documents,
)

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
RENDER_TIMEOUT_SECONDS = 300
_GENERATOR_KEYS = ("configMapGenerator", "secretGenerator", "helmCharts")


@dataclass(frozen=True, slots=True)
class Rendered:
    objects: list[LoadedObject]
    errors: list[ScanError]


def kustomize_command() -> list[str] | None:
    """``kustomize build``, else ``kubectl kustomize``, from ``PATH``; ``None`` when neither."""
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build"]
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    return None


def helm_command() -> list[str] | None:
    helm = shutil.which("helm")
    return [helm, "template"] if helm else None


def render_kustomization(directory: str) -> Rendered:
    command = kustomize_command()
    if command is None:
        return Rendered(
            [],
            [
                ScanError(
                    directory,
                    None,
                    "holds a kustomization but neither kustomize nor kubectl is on PATH, so it "
                    "was not judged; install one, or render it yourself: "
                    f"kustomize build {directory} | aks-checklist scan -",
                )
            ],
        )
    with tempfile.TemporaryDirectory(prefix="aks-checklist-kustomize-") as wrapper:
        target = os.path.relpath(os.path.abspath(directory), wrapper)
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump({"resources": [target], "buildMetadata": ["originAnnotations"]}, handle)
        # The wrapper sits outside the directory, which the default load restrictor forbids.
        output = _run(
            [*command, "--load-restrictor", "LoadRestrictionsNone", wrapper],
            directory,
            "kustomize build",
        )
        if isinstance(output, ScanError):
            return Rendered([], [output])
        return _trace_kustomize(output, directory, wrapper)


def _trace_kustomize(output: str, directory: str, wrapper: str) -> Rendered:
    label = f"kustomize build {directory}"
    errors: list[ScanError] = []
    objects: list[LoadedObject] = []
    lines = _LineFinder(relative=not os.path.isabs(directory))
    for document in parse_documents(output, label, errors, as_json=False):
        value = document.value
        origin = _pop_origin(value) if isinstance(value, dict) else {}
        file, line, index = label, document.line, document.index
        if origin.get("repo"):
            file = f"{origin['repo']}//{origin.get('path', '')}"
            line = 1
        elif origin.get("path") or origin.get("configuredIn"):
            generated = not origin.get("path")
            written = os.path.normpath(
                os.path.join(wrapper, origin.get("path") or origin["configuredIn"])
            )
            file = lines.display(written)
            found = lines.generator(written) if generated else lines.find(written, value)
            index, line = found
        collect(Document(index, line, value), file, objects, errors, source=label)
    return Rendered(objects, errors)


def _pop_origin(obj: dict[str, Any]) -> dict[str, str]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return {}
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict) or ORIGIN_ANNOTATION not in annotations:
        return {}
    raw = annotations.pop(ORIGIN_ANNOTATION)
    if not annotations:
        del metadata["annotations"]
    try:
        origin = yaml.safe_load(str(raw))
    except yaml.YAMLError:
        return {}
    return {str(k): str(v) for k, v in origin.items()} if isinstance(origin, dict) else {}


def render_chart(
    directory: str, *, values: Sequence[str] = (), namespace: str | None = None
) -> Rendered:
    command = helm_command()
    if command is None:
        return Rendered(
            [],
            [
                ScanError(
                    directory,
                    None,
                    "is a Helm chart but helm is not on PATH, so it was not judged; install helm, "
                    f"or render it yourself: helm template {directory} | aks-checklist scan -",
                )
            ],
        )
    arguments = [*command, directory]
    if namespace:
        arguments += ["--namespace", namespace]
    for path in values:
        arguments += ["--values", path]
    output = _run(arguments, directory, "helm template")
    if isinstance(output, ScanError):
        return Rendered([], [output])
    label = f"helm template {directory}"
    errors: list[ScanError] = []
    objects: list[LoadedObject] = []
    seen: Counter[tuple[str, str]] = Counter()
    for document in parse_documents(output, label, errors, as_json=False):
        file, index, line = label, document.index, document.line
        if document.helm_source:
            # "<chart name>/templates/x.yaml": the chart's name need not be its directory's.
            inside = document.helm_source.split("/", 1)[-1]
            file = os.path.join(directory, inside)
            kind = _kind_and_name(document.value)[0]
            index, line = _template_line(file, document.value, seen[file, kind])
            seen[file, kind] += 1
        collect(Document(index, line, document.value), file, objects, errors, source=label)
    return Rendered(objects, errors)


def _template_line(path: str, obj: Any, nth: int) -> tuple[int, int]:
    """``(document index, line)`` of the template document that wrote ``obj``.

    Helm sorts its output by kind, so the n-th document rendered from a
    template is not its n-th document: the one whose ``kind:`` (and, when
    written literally, ``name:``) match is, and otherwise the ``nth`` of that
    kind (a loop renders one document many times).
    """
    ignored: list[ScanError] = []
    text = read_text(path, ignored) if os.path.isfile(path) else None
    if not text:
        return 0, 1
    kind, name = _kind_and_name(obj)
    documents = []
    for first_line, chunk in split_documents(text):
        lines = chunk.splitlines()
        content = [
            (first_line + offset, line.strip())
            for offset, line in enumerate(lines)
            if _is_content(line)
        ]
        if content:
            documents.append((content[0][0], [line for _, line in content]))
    same_kind = [
        (index, start, body)
        for index, (start, body) in enumerate(documents)
        if f"kind: {kind}" in body
    ]
    named = [entry for entry in same_kind if f"name: {name}" in entry[2]]
    chosen = named or same_kind
    if not chosen:
        return 0, documents[0][0] if documents else 1
    index, start, _ = chosen[min(nth, len(chosen) - 1)] if not named else chosen[0]
    return index, start


def _is_content(line: str) -> bool:
    """A line that writes YAML: not blank, a comment, a marker or a bare template action."""
    stripped = line.strip()
    if not stripped or stripped.startswith(("#", "---")):
        return False
    return not (stripped.startswith("{{") and stripped.endswith("}}"))


def _run(arguments: list[str], directory: str, what: str) -> str | ScanError:
    try:
        completed = subprocess.run(  # the renderer from PATH, arguments are ours
            arguments,
            capture_output=True,
            text=True,
            timeout=RENDER_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ScanError(directory, None, f"{what} could not run, so it was not judged: {exc}")
    if completed.returncode != 0:
        detail = " ".join(completed.stderr.split()) or f"exit code {completed.returncode}"
        return ScanError(directory, None, f"{what} failed, so it was not judged: {detail}")
    return completed.stdout


class _LineFinder:
    """Finds where an object is written in a resource file; each file is parsed once."""

    def __init__(self, *, relative: bool) -> None:
        self._relative = relative
        self._documents: dict[str, list[Document]] = {}

    def display(self, path: str) -> str:
        """The path as the user would write it: relative when they named a relative directory."""
        return os.path.relpath(path) if self._relative else path

    def _parsed(self, path: str) -> list[Document]:
        if path not in self._documents:
            ignored: list[ScanError] = []
            text = read_text(path, ignored)
            self._documents[path] = (
                parse_documents(text, path, ignored, as_json=path.lower().endswith(".json"))
                if text is not None
                else []
            )
        return self._documents[path]

    def find(self, path: str, obj: Any) -> tuple[int, int]:
        """``(document index, line)`` of ``obj`` in ``path``: same kind and the name it had."""
        kind, name = _kind_and_name(obj)
        candidates = [doc for doc in self._parsed(path) if _kind_and_name(doc.value)[0] == kind]
        for doc in candidates:
            if _kind_and_name(doc.value)[1] == name:
                return doc.index, doc.line
        # namePrefix / nameSuffix: the written name is inside the rendered one.
        inside = [doc for doc in candidates if _kind_and_name(doc.value)[1] in name]
        best = max(
            inside or candidates, key=lambda doc: len(_kind_and_name(doc.value)[1]), default=None
        )
        return (best.index, best.line) if best else (0, 1)

    def generator(self, path: str) -> tuple[int, int]:
        """A generated ConfigMap or Secret: the line of the generator in the kustomization."""
        ignored: list[ScanError] = []
        text = read_text(path, ignored) or ""
        for number, line in enumerate(text.splitlines(), start=1):
            if line.split(":", 1)[0].strip() in _GENERATOR_KEYS:
                return 0, number
        return 0, 1


def _kind_and_name(obj: Any) -> tuple[str, str]:
    if not isinstance(obj, dict):
        return "", ""
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return str(obj.get("kind") or ""), str(name or "")
