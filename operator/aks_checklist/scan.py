"""The offline scanner: manifests, renders and Dockerfiles -> snapshots -> the operator's engine.

What is read and how lives in :mod:`aks_checklist.sources`; this module
decides what is judged together and where each verdict is reported.

One verdict per object per source. A render (one kustomization, one chart) is
judged on its own, as it is what one ``kubectl apply`` would create; the files
read as they are form one more unit. Inside a unit, an object that appears
twice (an all-in-one file next to the per-service files) is judged once per
copy, each copy against the rest of the unit, and each verdict is reported
under the copy's own file and line. With ``dedupe``, verdicts that are the same
on identical copies are folded into one that lists every copy.

Dockerfiles (``Dockerfile``, ``Containerfile``, ``*.Dockerfile``, ``Dockerfile.*``, see
:func:`aks_checklist.checks.dockerfile.is_dockerfile`) found in directories or named
explicitly are judged by the Dockerfile rules instead; their findings name the file as a
``Dockerfile`` object, so every output format, waiver and disabled rule treats them alike.
A Dockerfile no builder would accept is a :class:`ScanError` naming the file and line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from aks_checklist.checks import engine, storage
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.evidence import ClusterEvidence, check_evidence
from aks_checklist.checks.model import Finding, ObjectRef
from aks_checklist.checks.snapshot import CLUSTER_SCOPED_KINDS, split_by_namespace
from aks_checklist.records import Frozen
from aks_checklist.sources.discover import KUSTOMIZE_MODES, MANIFEST_SUFFIXES, discover
from aks_checklist.sources.documents import (
    STDIN,
    STDIN_NAME,
    LoadedObject,
    ScanError,
    load_file,
    load_text,
    read_text,
    split_documents,
)

if TYPE_CHECKING:
    from datetime import date

    from aks_checklist.policy import Attestation, Waiver

__all__ = [
    "KUSTOMIZE_MODES",
    "MANIFEST_SUFFIXES",
    "STDIN",
    "STDIN_NAME",
    "LoadedObject",
    "ScanError",
    "ScanResult",
    "evaluate_dockerfiles",
    "evaluate_objects",
    "load_documents",
    "scan",
]

# Kept under its old name: the document splitter's tests compare it with the YAML parser.
_split_documents = split_documents


class ScanResult(Frozen):
    """What a scan found, what it could not read, and how many objects it judged."""

    _fields = __slots__ = ("findings", "errors", "objects_count", "warnings")
    findings: list[Finding]
    errors: list[ScanError]
    objects_count: int
    warnings: list[str]

    def __init__(
        self,
        findings: list[Finding],
        errors: list[ScanError],
        objects_count: int,
        warnings: list[str] | None = None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "findings", findings)
        set_field(self, "errors", errors)
        set_field(self, "objects_count", objects_count)
        set_field(self, "warnings", [] if warnings is None else warnings)


class Loaded(Frozen):
    """Everything the paths hold: objects read or rendered, errors, warnings, Dockerfiles."""

    _fields = __slots__ = ("objects", "errors", "warnings", "dockerfiles")
    objects: list[LoadedObject]
    errors: list[ScanError]
    warnings: list[str]
    dockerfiles: list[str]

    def __init__(
        self,
        objects: list[LoadedObject],
        errors: list[ScanError],
        warnings: list[str],
        dockerfiles: list[str],
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "objects", objects)
        set_field(self, "errors", errors)
        set_field(self, "warnings", warnings)
        set_field(self, "dockerfiles", dockerfiles)


# --- loading ---------------------------------------------------------------------------------


def gather(
    paths: Sequence[str],
    *,
    stdin: TextIO | None = None,
    kustomize: str = "auto",
    helm_values: Sequence[str] = (),
    namespace: str | None = None,
    dockerfiles: bool = True,
) -> Loaded:
    """Every object the paths hold, kustomizations and charts rendered, plus the Dockerfiles."""
    inputs = discover(list(paths), kustomize=kustomize, dockerfiles=dockerfiles)
    objects: list[LoadedObject] = []
    errors = list(inputs.errors)
    if inputs.stdin:
        text = (stdin or sys.stdin).read()
        load_text(text, STDIN_NAME, objects, errors, as_json=text.lstrip().startswith("{"))
    for path in inputs.manifests:
        load_file(path, objects, errors)
    if inputs.kustomizations or inputs.charts:
        # subprocess and tempfile are only worth importing when there is something to render.
        from aks_checklist.sources import render
    for directory in inputs.kustomizations:
        rendered = render.render_kustomization(directory)
        objects.extend(rendered.objects)
        errors.extend(rendered.errors)
    for directory in inputs.charts:
        rendered = render.render_chart(directory, values=helm_values, namespace=namespace)
        objects.extend(rendered.objects)
        errors.extend(rendered.errors)
    if namespace:
        objects = [_in_namespace(entry, namespace) for entry in objects]
    return Loaded(objects, errors, inputs.warnings, inputs.dockerfiles)


def _in_namespace(entry: LoadedObject, namespace: str) -> LoadedObject:
    """``--namespace``: an object that names none lands there, as with ``kubectl apply -n``."""
    obj = entry.obj
    metadata = obj.get("metadata")
    if str(obj.get("kind") or "") in CLUSTER_SCOPED_KINDS or (
        isinstance(metadata, dict) and metadata.get("namespace")
    ):
        return entry
    placed = {
        **obj,
        "metadata": {**(metadata if isinstance(metadata, dict) else {}), "namespace": namespace},
    }
    return LoadedObject(placed, entry.file, entry.document, entry.line, entry.source)


def load_documents(
    paths: Sequence[str],
    *,
    stdin: TextIO | None = None,
    dockerfiles: list[str] | None = None,
    kustomize: str = "auto",
) -> tuple[list[LoadedObject], list[ScanError]]:
    """Reads every object from files, directories (recursively, rendering kustomizations and
    charts) and ``-`` (stdin).

    ``List`` kinds are expanded into their items, which keep the List's
    document index. When a ``dockerfiles`` list is given, the Dockerfiles among
    the paths and in the directories are appended to it instead of being read.
    """
    loaded = gather(paths, stdin=stdin, kustomize=kustomize, dockerfiles=dockerfiles is not None)
    if dockerfiles is not None:
        dockerfiles.extend(loaded.dockerfiles)
    return loaded.objects, loaded.errors


# --- scanning --------------------------------------------------------------------------------


def scan(
    paths: Sequence[str],
    *,
    namespace: str | None = None,
    settings: CheckSettings | None = None,
    waivers: Sequence[Waiver] = (),
    attestations: Sequence[Attestation] = (),
    today: date | None = None,
    stdin: TextIO | None = None,
    kustomize: str = "auto",
    helm_values: Sequence[str] = (),
    dedupe: bool = False,
) -> ScanResult:
    """Loads manifests, renders and Dockerfiles and judges them; findings carry their source.

    ``objects_count`` counts the Kubernetes objects and the Dockerfiles judged.
    Waivers, then attestations, apply as the operator applies them (see :func:`_attested`).
    """
    loaded = gather(
        paths, stdin=stdin, kustomize=kustomize, helm_values=helm_values, namespace=namespace
    )
    stdin_errors = []
    if (
        STDIN in paths
        and not any(entry.file == STDIN_NAME for entry in loaded.objects)
        and not any(error.file == STDIN_NAME for error in loaded.errors)
    ):
        # `helm template ... | aks-checklist scan -` when helm failed: its output is empty.
        stdin_errors.append(
            ScanError(
                STDIN_NAME,
                None,
                "held no Kubernetes object, so nothing was judged; when it is piped from "
                "helm template or kustomize build, that command may have failed",
            )
        )
    findings, engine_errors = evaluate_objects(
        loaded.objects,
        namespace=namespace,
        settings=settings,
        waivers=waivers,
        today=today,
        dedupe=dedupe,
    )
    docker_findings, docker_errors, judged = evaluate_dockerfiles(
        loaded.dockerfiles, settings=settings, waivers=waivers, today=today
    )
    return ScanResult(
        findings=_attested(findings + docker_findings, attestations, settings, today),
        errors=loaded.errors + stdin_errors + engine_errors + docker_errors,
        objects_count=len(loaded.objects) + judged,
        warnings=loaded.warnings,
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
    paths = list(paths)
    if not paths:
        return findings, errors, judged
    from aks_checklist.checks.dockerfile import DockerfileError, check_dockerfile

    for path in dict.fromkeys(paths):  # a file reached twice (a dir and its file) counts once
        text = read_text(path, errors)
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
        for finding in found:
            if settings.enabled(finding.rule):
                line = finding.details.get("line", "")
                if finding.line is None and line.isdigit():
                    # A fresh finding, filled in place as _evaluate_layer does.
                    object.__setattr__(finding, "line", int(line))
                findings.append(finding)
    return _waived(findings, waivers, today), errors, judged


def evaluate_objects(
    loaded: Iterable[LoadedObject],
    *,
    namespace: str | None = None,
    settings: CheckSettings | None = None,
    waivers: Sequence[Waiver] = (),
    today: date | None = None,
    dedupe: bool = False,
) -> tuple[list[Finding], list[ScanError]]:
    """Runs the engine over loaded objects, as manifest sets (snapshots are not ``complete``).

    A check that breaks on some odd object costs that namespace's findings
    and is reported as an error (exit code 2), rather than ending the scan.
    """
    settings = settings or CheckSettings()
    default_namespace = namespace or "default"
    units: dict[str | None, list[LoadedObject]] = {}
    for entry in loaded:
        units.setdefault(entry.source, []).append(entry)
    findings: list[Finding] = []
    owners: list[LoadedObject | None] = []  # the copy each finding is about, for dedupe
    errors: list[ScanError] = []
    for entries in units.values():
        for position, (layer, context) in enumerate(_copies(entries, default_namespace)):
            _evaluate_layer(
                layer,
                context,
                default_namespace,
                settings,
                errors,
                findings,
                owners,
                later=position > 0,
            )
    if dedupe:
        findings = _fold_copies(zip(findings, owners, strict=True))
    return _waived(findings, waivers, today), errors


def _waived(
    findings: list[Finding], waivers: Sequence[Waiver], today: date | None
) -> list[Finding]:
    if not waivers:
        return findings
    # The policy module (quantities, durations, selectors) is only needed when a policy is.
    from datetime import date

    from aks_checklist.policy import apply_waivers

    return apply_waivers(findings, waivers, today or date.today())


def _attested(
    findings: list[Finding],
    attestations: Sequence[Attestation],
    settings: CheckSettings | None,
    today: date | None,
) -> list[Finding]:
    """A policy's ``spec.attestations`` applied to the judged findings, as the operator does.

    A Warn of an attested advisory item becomes Attested (a lapsed attestation leaves
    the Warn and says when it expired); an attestation-only item, which no rule judges,
    gets one finding of its own, Attested or, once lapsed, Warn. Items the policy
    disables stay silent.
    """
    if not attestations:
        return findings
    from datetime import date

    from aks_checklist.policy import apply_attestations, attestation_findings

    day = today or date.today()
    enabled = (settings or CheckSettings()).enabled
    vouched = [
        finding for finding in attestation_findings(attestations, day) if enabled(finding.rule)
    ]
    return apply_attestations(findings, attestations, day) + vouched


def _copies(
    entries: list[LoadedObject], default_namespace: str
) -> list[tuple[dict[ObjectRef, LoadedObject], list[LoadedObject]]]:
    """Splits a unit into layers of distinct objects: the n-th copy of every object is in layer n.

    A later layer is judged with the unit's other objects in its namespaces
    (those that appear once) as context, so a second copy of a Deployment
    still sees its PDB.
    """
    layers: list[dict[ObjectRef, LoadedObject]] = []
    for entry in entries:
        ref = _ref(entry.obj, default_namespace)
        for layer in layers:
            if ref not in layer:
                layer[ref] = entry
                break
        else:
            layers.append({ref: entry})
    if len(layers) <= 1:
        return [(layer, []) for layer in layers]
    repeated = set().union(*(layer.keys() for layer in layers[1:]))
    single = [(ref, entry) for ref, entry in layers[0].items() if ref not in repeated]
    result: list[tuple[dict[ObjectRef, LoadedObject], list[LoadedObject]]] = [(layers[0], [])]
    for layer in layers[1:]:
        # Only the namespaces a copy is in matter to it; the rest would be judged for nothing.
        namespaces = {ref.namespace for ref in layer}
        result.append((layer, [entry for ref, entry in single if ref.namespace in namespaces]))
    return result


def _evaluate_layer(
    layer: dict[ObjectRef, LoadedObject],
    context: list[LoadedObject],
    default_namespace: str,
    settings: CheckSettings,
    errors: list[ScanError],
    findings: list[Finding],
    owners: list[LoadedObject | None],
    *,
    later: bool,
) -> None:
    """Judges one layer; appends each finding placed in its file, and its owner, to the lists."""
    entries = list(layer.values())
    objects = [entry.obj for entry in entries] + [entry.obj for entry in context]
    first_in_namespace: dict[str, LoadedObject] = {}
    for ref, entry in layer.items():
        if ref.namespace is not None:
            first_in_namespace.setdefault(ref.namespace, entry)
    placed: list[Finding] = []
    for snapshot in split_by_namespace(
        objects, default_namespace=default_namespace, complete=False
    ):
        try:
            placed.extend(engine.evaluate([snapshot], settings))
        except Exception as exc:  # any bug in a check must not end the scan
            errors.append(
                _engine_error(f"namespace {snapshot.namespace}", snapshot.objects, entries, exc)
            )
    cluster_objects = [
        entry.obj for entry in entries if entry.obj.get("kind") in CLUSTER_SCOPED_KINDS
    ]
    try:
        placed.extend(_cluster_findings(cluster_objects, settings))
        placed.extend(_evidence_findings(objects, settings))
    except Exception as exc:  # same as above
        errors.append(_engine_error("cluster-scoped objects", cluster_objects, entries, exc))
    add_finding, add_owner = findings.append, owners.append
    # A workload's findings come together and share its ObjectRef: look it up once.
    previous: ObjectRef | None = None
    previous_owner: LoadedObject | None = None
    for finding in placed:
        about = finding.object
        if about is not previous:
            previous, previous_owner = about, layer.get(about) if about is not None else None
        owner = previous_owner
        if owner is None:
            if later:
                continue  # not this layer's object: judged with the unit's first copies already
            if about is not None and about.kind == "Namespace":
                # A namespace-wide verdict with no Namespace object: where the namespace is
                # first used.
                owner = first_in_namespace.get(about.name)
        if owner is not None and finding.file is None:
            # Where the object is written. The engine has just made this finding and nothing
            # else holds it yet, so it is filled in place (its fields are Final to everyone
            # else): copying ~100,000 findings was a sixth of a scan.
            finding.file = owner.file  # type: ignore[misc]
            finding.line = owner.line  # type: ignore[misc]
            finding.document = owner.document  # type: ignore[misc]
            finding.source = owner.source  # type: ignore[misc]
        add_finding(finding)
        add_owner(owner)


def _fold_copies(located: Iterable[tuple[Finding, LoadedObject | None]]) -> list[Finding]:
    """``--dedupe``: one finding per verdict on identical copies, listing every copy's place."""
    folded: dict[tuple[object, ...], Finding] = {}
    places: dict[tuple[object, ...], list[str]] = {}
    digests: dict[int, str] = {}
    for finding, entry in located:
        digest = None
        if entry is not None:
            digest = digests.get(id(entry.obj))
            if digest is None:
                digest = digests[id(entry.obj)] = object_digest(entry.obj)
        key = (
            finding.object,
            finding.rule,
            finding.container,
            finding.result,
            finding.message,
            digest,
        )
        places.setdefault(key, []).append(_place(finding))
        folded.setdefault(key, finding)
    return [
        finding.replace(copies=tuple(dict.fromkeys(places[key][1:])))
        if len(places[key]) > 1
        else finding
        for key, finding in folded.items()
    ]


def _place(finding: Finding) -> str:
    """``file:line``, and the render when there is one (a base file serves many overlays)."""
    where = finding.file or ""
    where = f"{where}:{finding.line}" if finding.line else where
    return f"{where} ({finding.source})" if finding.source else where


def object_digest(obj: dict[str, Any]) -> str:
    """The same digest for the same object written twice, whatever the key order."""
    import hashlib  # loading OpenSSL is a noticeable part of a small scan's start-up
    import json

    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def _evidence_findings(objects: Sequence[dict[str, Any]], settings: CheckSettings) -> list[Finding]:
    """Installed tools, nodes and storage as the manifests show them (an incomplete view)."""
    return check_evidence(ClusterEvidence.of(objects, complete=False), settings)


def _ref(obj: dict[str, Any], default_namespace: str) -> ObjectRef:
    kind = str(obj.get("kind") or "")
    return ObjectRef.of(obj, None if kind in CLUSTER_SCOPED_KINDS else default_namespace)
