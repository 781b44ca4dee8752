"""What each path on the command line is: manifests, Dockerfiles, kustomizations, Helm charts.

A directory holding a ``kustomization.yaml`` is what ``kustomize build``
reads, not a pile of manifests: its files are patches and bases whose meaning
only the render has, so it is rendered as one unit and never walked (reading
its files as they are is what made an overlay pass clean without a single
workload judged). A directory with ``Chart.yaml`` and ``templates/`` is a Helm
chart, likewise. Anything else is walked: manifest files in sorted order,
hidden files and directories skipped.
"""

from __future__ import annotations

import os

from aks_checklist.records import Mutable
from aks_checklist.sources.documents import STDIN, ScanError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
KUSTOMIZE_MODES = ("auto", "always", "never")


class Inputs(Mutable):
    """The scan's inputs, sorted by how each is read, in command-line then walk order."""

    _fields = __slots__ = (
        "manifests",
        "dockerfiles",
        "kustomizations",
        "charts",
        "stdin",
        "errors",
        "warnings",
    )
    manifests: list[str]
    dockerfiles: list[str]
    kustomizations: list[str]
    charts: list[str]
    stdin: bool
    errors: list[ScanError]
    warnings: list[str]

    def __init__(self) -> None:
        self.manifests = []
        self.dockerfiles = []
        self.kustomizations = []
        self.charts = []
        self.stdin = False
        self.errors = []
        self.warnings = []


def is_dockerfile(path: str) -> bool:
    """A Dockerfile by its name; a manifest suffix settles it without importing the checks."""
    if path.lower().endswith(MANIFEST_SUFFIXES):
        return False
    # The Dockerfile rules cost a tenth of a small scan's start-up: imported only when needed.
    from aks_checklist.checks.dockerfile import is_dockerfile as named_like_one

    return named_like_one(path)


def kustomization_file(directory: str) -> str | None:
    for name in KUSTOMIZATION_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def is_chart(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "Chart.yaml")) and os.path.isdir(
        os.path.join(directory, "templates")
    )


def is_component(kustomization: str) -> bool:
    """A kustomize Component only means something inside an overlay that lists it."""
    try:
        with open(kustomization, encoding="utf-8", errors="replace") as handle:
            return any(line.split("#", 1)[0].split() == ["kind:", "Component"] for line in handle)
    except OSError:
        return False


def discover(paths: list[str], *, kustomize: str = "auto", dockerfiles: bool = True) -> Inputs:
    """Classifies every path (recursively for directories).

    ``kustomize``: ``auto`` renders the directories that hold a kustomization,
    ``always`` also requires every directory named on the command line to hold
    one, ``never`` reads kustomization directories as plain manifests (with a
    warning, as that is rarely what a repository means).
    """
    if kustomize not in KUSTOMIZE_MODES:
        raise ValueError(f"kustomize mode {kustomize!r} is not one of {', '.join(KUSTOMIZE_MODES)}")
    inputs = Inputs()
    for path in paths:
        if path == STDIN:
            inputs.stdin = True
        elif os.path.isdir(path):
            if kustomize == "always" and kustomization_file(path) is None:
                inputs.errors.append(
                    ScanError(
                        path,
                        None,
                        "has no kustomization.yaml, and --kustomize=always renders every "
                        "directory named; name its files or use --kustomize=auto",
                    )
                )
                continue
            found = _count(inputs)
            _walk(path, inputs, kustomize=kustomize, dockerfiles=dockerfiles, top=True)
            if _count(inputs) == found and not any(e.file.startswith(path) for e in inputs.errors):
                # A CI gate must not pass a directory it found nothing to judge in.
                inputs.errors.append(
                    ScanError(
                        path,
                        None,
                        "holds no manifest (.yaml, .yml, .json), kustomization, Helm chart "
                        "or Dockerfile, so nothing in it was judged",
                    )
                )
        elif os.path.exists(path):
            if dockerfiles and is_dockerfile(path):
                inputs.dockerfiles.append(path)
            else:
                # A file named explicitly is read whatever its extension (rendered.txt, helm).
                inputs.manifests.append(path)
        else:
            inputs.errors.append(ScanError(path, None, "no such file or directory"))
    return inputs


def _count(inputs: Inputs) -> int:
    return (
        len(inputs.manifests)
        + len(inputs.dockerfiles)
        + len(inputs.kustomizations)
        + len(inputs.charts)
    )


def _walk(directory: str, inputs: Inputs, *, kustomize: str, dockerfiles: bool, top: bool) -> None:
    if is_chart(directory):
        inputs.charts.append(directory)
        return
    kustomization = kustomization_file(directory)
    if kustomization is not None and kustomize != "never":
        if not is_component(kustomization):
            inputs.kustomizations.append(directory)
        elif top:
            inputs.errors.append(
                ScanError(
                    kustomization,
                    None,
                    "is a kustomize Component, which only renders inside an overlay; "
                    "scan an overlay that lists it under components",
                )
            )
        return
    if kustomization is not None:
        inputs.warnings.append(
            f"{directory}: read as plain manifests, not rendered (--kustomize=never); "
            "patches and bases in it are judged as written"
        )
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as exc:
        inputs.errors.append(ScanError(directory, None, f"cannot read: {exc.strerror or exc}"))
        return
    subdirectories = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            subdirectories.append(entry.path)
        elif entry.path == kustomization:
            continue  # kustomize's own configuration, not an object to judge
        elif entry.name.lower().endswith(MANIFEST_SUFFIXES):
            inputs.manifests.append(entry.path)
        elif dockerfiles and is_dockerfile(entry.name):
            inputs.dockerfiles.append(entry.path)
    for subdirectory in subdirectories:
        _walk(subdirectory, inputs, kustomize=kustomize, dockerfiles=dockerfiles, top=False)
