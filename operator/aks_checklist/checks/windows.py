"""Windows rules (WIN-*): Windows and Linux pods must land on nodes of their own OS.

A Windows image cannot start on a Linux node, a Linux image cannot start on a
Windows node, and a process-isolated Windows container only starts on a host
running the same Windows Server build as its base image. The scheduler knows
none of this by itself: ``spec.os.name`` is only validated, it does not steer
scheduling. So:

- ``WIN-10/windows-node-selector``: a Windows pod (``spec.os.name: windows``,
  node constraints that pick Windows, or a Windows base image) must be kept
  off Linux nodes by ``nodeSelector`` or required node affinity on
  ``kubernetes.io/os``. A Linux pod is judged only when the snapshot shows
  Windows nodes: it passes when its node constraints exclude them or every
  Windows node carries a NoSchedule/NoExecute taint it does not tolerate
  (tainting Windows nodes is what the checklist item asks for).
- ``WIN-01/windows-build-matches``: a Windows pod whose image tag names a
  Windows Server release (``ltsc2022``, ``1809``...) must only be able to
  reach nodes of that build: by a ``node.kubernetes.io/windows-build``
  constraint, or, when the snapshot shows the Windows nodes, by all the ones
  it can use running that build.
"""

from __future__ import annotations

from collections.abc import Iterator

from aks_checklist.checks import podspec
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.checks.snapshot import (
    Container,
    Obj,
    Snapshot,
    Workload,
    as_list,
    labels_of,
    meta,
)

# A member looked up on the enum class costs ten times a global, and these are read for
# every object judged.
P, F, W = Result.PASS, Result.FAIL, Result.WARN

NODE_SELECTOR = Rule(
    "WIN-10/windows-node-selector",
    "Pods are kept off nodes of the other OS",
    Severity.MEDIUM,
    "workload",
)
BUILD_MATCHES = Rule(
    "WIN-01/windows-build-matches",
    "Windows images only reach nodes of their Windows build",
    Severity.MEDIUM,
    "workload",
)

RULES: tuple[Rule, ...] = (BUILD_MATCHES, NODE_SELECTOR)

# Every Windows build a constraint could name: the known releases plus the nodes' own.
_KNOWN_BUILDS = frozenset(podspec.WINDOWS_BUILDS.values())


def check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    selector_on = settings.enabled(NODE_SELECTOR.id)
    build_on = settings.enabled(BUILD_MATCHES.id)
    if not (selector_on or build_on):
        return
    windows_nodes = [n for n in snapshot.of_kind("Node") if podspec.node_os(n) == "windows"]
    for workload in snapshot.workloads:
        spec = workload.pod_spec
        images = [
            (container, image)
            for container in workload.containers(init=True)
            if (image := podspec.image_of(container)) is not None
        ]
        windows_images = [(c, image) for c, image in images if podspec.is_windows_image(image)]
        if windows_images or podspec.declares_windows(spec):
            if selector_on:
                yield _windows_pod_selector(workload, windows_images)
            if build_on:
                yield from _build(workload, windows_images, windows_nodes)
        elif selector_on and windows_nodes:
            yield _linux_pod_selector(workload, windows_nodes)


def _windows_pod_selector(
    workload: Workload, windows_images: list[tuple[Container, podspec.ImageRef]]
) -> Finding:
    spec, ref = workload.pod_spec, workload.ref
    if not podspec.allows_os(spec, "linux"):
        return NODE_SELECTOR.finding(
            P, f"{ref} is a Windows pod and only selects Windows nodes", ref
        )
    if windows_images:
        container, image = windows_images[0]
        why = f"{podspec.describe(container)} uses Windows image {image}"
    else:
        why = "it sets spec.os.name: windows, which does not steer scheduling"
    return NODE_SELECTOR.finding(
        F,
        f"{ref} is a Windows pod ({why}) but can be scheduled onto Linux nodes; add "
        f"nodeSelector {podspec.OS_LABEL}: windows",
        ref,
    )


def _linux_pod_selector(workload: Workload, windows_nodes: list[Obj]) -> Finding:
    spec, ref = workload.pod_spec, workload.ref
    if not podspec.allows_os(spec, "windows"):
        return NODE_SELECTOR.finding(
            P, f"{ref} is a Linux pod and its node constraints exclude Windows", ref
        )
    tolerations = as_list(spec.get("tolerations"))
    reachable = [
        str(meta(node).get("name"))
        for node in windows_nodes
        if podspec.node_matches(spec, labels_of(node))
        and all(podspec.tolerates(tolerations, t) for t in podspec.scheduling_taints(node))
    ]
    if not reachable:
        return NODE_SELECTOR.finding(
            P,
            f"{ref} is a Linux pod and the Windows nodes are tainted against it",
            ref,
        )
    return NODE_SELECTOR.finding(
        W,
        f"{ref} has no {podspec.OS_LABEL} selector and can be scheduled onto Windows node "
        f"{', '.join(reachable[:3])}{' and others' if len(reachable) > 3 else ''}; add "
        f"nodeSelector {podspec.OS_LABEL}: linux or taint the Windows nodes",
        ref,
    )


def _build(
    workload: Workload,
    windows_images: list[tuple[Container, podspec.ImageRef]],
    windows_nodes: list[Obj],
) -> Iterator[Finding]:
    spec, ref = workload.pod_spec, workload.ref
    targets: dict[str, str] = {}
    for container, image in windows_images:
        build = podspec.windows_build(image)
        if build is not None:
            targets.setdefault(build, podspec.describe(container))
    if not targets:
        return
    if len(targets) > 1:
        listed = ", ".join(f"{who} targets {build}" for build, who in sorted(targets.items()))
        yield BUILD_MATCHES.finding(
            F,
            f"{ref} mixes Windows builds that cannot share a node: {listed}",
            ref,
        )
        return
    ((build, who),) = targets.items()
    label = podspec.WINDOWS_BUILD_LABEL
    known = _KNOWN_BUILDS | {b for n in windows_nodes if (b := podspec.node_windows_build(n))}
    others = sorted(
        b for b in known - {build} if podspec.node_matches(spec, {label: b}, only=label)
    )
    if not podspec.node_matches(spec, {label: build}, only=label):
        yield BUILD_MATCHES.finding(
            F,
            f"{who} of {ref} targets Windows build {build} but the pod's {label} constraint "
            "excludes it",
            ref,
        )
    elif not others:
        yield BUILD_MATCHES.finding(
            P, f"{ref} selects {label}: {build}, the build its image targets", ref
        )
    elif windows_nodes:
        yield _build_on_nodes(workload, who, build, windows_nodes)
    else:
        yield BUILD_MATCHES.finding(
            W,
            f"{who} of {ref} targets Windows build {build} but the pod does not select "
            f"{label}: {build}, so it can land on nodes of another build",
            ref,
        )


def _build_on_nodes(workload: Workload, who: str, build: str, windows_nodes: list[Obj]) -> Finding:
    spec, ref = workload.pod_spec, workload.ref
    usable = [n for n in windows_nodes if podspec.node_matches(spec, labels_of(n))]
    wrong = [
        f"{meta(n).get('name')} ({podspec.node_windows_build(n) or 'unknown build'})"
        for n in usable
        if podspec.node_windows_build(n) != build
    ]
    if wrong:
        return BUILD_MATCHES.finding(
            F,
            f"{who} of {ref} targets Windows build {build} but can be scheduled onto "
            f"{', '.join(wrong[:3])}; select {podspec.WINDOWS_BUILD_LABEL}: {build}",
            ref,
        )
    if not usable:
        return BUILD_MATCHES.finding(
            W, f"{ref} matches none of the Windows nodes in the cluster", ref
        )
    return BUILD_MATCHES.finding(P, f"every Windows node {ref} can use runs build {build}", ref)
