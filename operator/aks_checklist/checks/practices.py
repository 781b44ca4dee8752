"""Workload and namespace practices the other category modules leave to guidance.

Each rule here reads one workload (or one namespace) of a :class:`Snapshot`:

- APP-10 namespaces: workloads placed in ``default`` on purpose (an explicit
  ``metadata.namespace: default``) share it with everything nobody sorted.
- APP-13 / OPS-16 / OPS-23 manifest hygiene (advisory): the core practices a
  reviewer looks for first, the recommended ``app.kubernetes.io`` labels, and the
  marks a templating tool (Helm, Kustomize) leaves.
- OPS-13 CI/CD (advisory): ``managedFields`` say which client last applied the
  object; ``kubectl`` means a person, anything else a pipeline or controller.
  Live objects carry them, manifests do not: no managers, no finding.
- CSEC-14 (advisory): images from a private registry (ACR, or an allowed
  registry that is not a public hub).
- RES-07 / WIN-04 memory: requests and limits (LimitRange defaults count).
- STO-03 / STO-08 storage (advisory): statically bound claims; workloads that
  keep state in the cluster.
- WIN-03 / WIN-09 Windows: no privileged Windows containers; HostProcess
  containers only in ``kube-system``.
- MULTI-01 (advisory): a namespace is a tenant boundary only with its own
  RoleBinding, ResourceQuota and default-deny NetworkPolicy.
"""

from __future__ import annotations

from collections.abc import Iterator

from aks_checklist.checks import netpol, podspec
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.snapshot import Snapshot, Workload, as_dict, as_list, labels_of, meta

# A member looked up on the enum class costs ten times a global, and these are read for
# every object judged.
P, F, W = Result.PASS, Result.FAIL, Result.WARN

APP_10 = Rule(
    "APP-10/not-in-default-namespace",
    "Workloads are not deployed to the default namespace",
    Severity.MEDIUM,
    "workload",
)
APP_13 = Rule(
    "APP-13/core-practices",
    "Workloads set probes, resource requests and a pinned image",
    Severity.LOW,
    "workload",
)
CSEC_14 = Rule(
    "CSEC-14/private-registry", "Images come from a private registry", Severity.LOW, "workload"
)
MULTI_01 = Rule(
    "MULTI-01/namespace-isolation",
    "Each namespace has its own RoleBinding, ResourceQuota and default-deny policy",
    Severity.LOW,
    "namespace",
)
OPS_13 = Rule(
    "OPS-13/deployed-by-pipeline",
    "Workloads are applied by a pipeline or GitOps, not by hand",
    Severity.LOW,
    "workload",
)
OPS_16 = Rule(
    "OPS-16/recommended-labels",
    "Workloads carry the recommended app.kubernetes.io labels",
    Severity.LOW,
    "workload",
)
OPS_23 = Rule(
    "OPS-23/tool-generated-manifests",
    "Manifests come from a templating tool (Helm, Kustomize)",
    Severity.LOW,
    "workload",
)
RES_07 = Rule(
    "RES-07/memory-requests-and-limits",
    "Every container has a memory request and a memory limit",
    Severity.HIGH,
    "workload",
)
STO_03 = Rule(
    "STO-03/dynamic-provisioning",
    "Claims are provisioned dynamically by a StorageClass",
    Severity.LOW,
    "object",
)
STO_08 = Rule(
    "STO-08/state-outside-cluster",
    "Workloads keep their state outside the cluster",
    Severity.LOW,
    "workload",
)
WIN_03 = Rule(
    "WIN-03/no-privileged-windows",
    "Windows workloads run no privileged or HostProcess containers",
    Severity.HIGH,
    "workload",
)
WIN_04 = Rule(
    "WIN-04/windows-memory-limits",
    "Windows containers have memory limits",
    Severity.MEDIUM,
    "workload",
)
WIN_09 = Rule(
    "WIN-09/host-process-restricted",
    "HostProcess containers run only in kube-system",
    Severity.HIGH,
    "workload",
)

RULES: tuple[Rule, ...] = (
    APP_10,
    APP_13,
    CSEC_14,
    MULTI_01,
    OPS_13,
    OPS_16,
    OPS_23,
    RES_07,
    STO_03,
    STO_08,
    WIN_03,
    WIN_04,
    WIN_09,
)

RECOMMENDED_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
)
TOOL_MARKS = ("app.kubernetes.io/managed-by", "helm.sh/chart")
PUBLIC_REGISTRIES = frozenset(
    {"docker.io", "ghcr.io", "quay.io", "gcr.io", "registry.k8s.io", "public.ecr.aws"}
)
HOST_PROCESS_NAMESPACES = frozenset({"kube-system"})


def check(snapshot: Snapshot, settings: CheckSettings) -> list[Finding]:
    found: list[Finding] = []
    add, extend = found.append, found.extend
    # The namespace's LimitRange defaults, read once rather than for every workload.
    defaults = podspec.limit_range_defaults(snapshot.of_kind("LimitRange"))
    for workload in snapshot.workloads:
        extend(_default_namespace(workload))
        add(_core_practices(workload))
        extend(_private_registry(workload, settings))
        extend(_managers(workload))
        add(_labels(workload, OPS_16))
        add(_tool_marks(workload))
        add(_memory(defaults, workload))
        add(_state(workload))
        extend(_windows(snapshot, defaults, workload))
    for claim in snapshot.of_kind("PersistentVolumeClaim"):
        add(_provisioning(snapshot, claim))
    if snapshot.namespace_declared:
        add(_isolation(snapshot))
    return found


def _default_namespace(workload: Workload) -> Iterator[Finding]:
    if meta(workload.obj).get("namespace") == "default":
        yield APP_10.finding(
            F,
            "deployed to the default namespace: give it a namespace of its own for RBAC, quota "
            "and network policy",
            workload.ref,
        )
    elif meta(workload.obj).get("namespace"):
        yield APP_10.finding(P, f"in namespace {meta(workload.obj)['namespace']}", workload.ref)


def _core_practices(workload: Workload) -> Finding:
    missing: list[str] = []
    containers = list(workload.containers(init=False))
    long_running = [c for c in containers if podspec.long_running(c)]
    if any(
        not c.spec.get("readinessProbe") for c in long_running
    ) and not podspec.run_to_completion(workload):
        missing.append("a readiness probe")
    if any(not podspec.resource_value(c, "requests", "cpu") for c in containers) or any(
        not podspec.resource_value(c, "requests", "memory") for c in containers
    ):
        missing.append("CPU and memory requests")
    for container in containers:
        image = podspec.image_of(container)
        if image is None or image.floating:
            missing.append("a pinned image tag")
            break
    if missing:
        return APP_13.finding(W, f"missing {', '.join(missing)}", workload.ref)
    return APP_13.finding(P, "probes, requests and pinned images are set", workload.ref)


def _private_registry(workload: Workload, settings: CheckSettings) -> Iterator[Finding]:
    public = []
    for container in workload.containers():
        image = podspec.image_of(container)
        if image is None:
            continue
        registry = image.registry.lower()
        private = registry.endswith(".azurecr.io") or (
            registry not in PUBLIC_REGISTRIES
            and registry != "mcr.microsoft.com"
            and settings.registry_allowed(registry)
        )
        if not private:
            public.append(f"{container.name} ({registry})")
    if public:
        yield CSEC_14.finding(
            W,
            f"images pulled from public registries: {', '.join(public[:3])}; mirror them into "
            "your own registry (ACR) so their availability and content are yours",
            workload.ref,
        )
    elif any(True for _ in workload.containers()):
        yield CSEC_14.finding(P, "every image comes from a private registry", workload.ref)


# The cluster's own controllers write status; they say nothing about who deployed the object.
CONTROL_PLANE_MANAGERS = frozenset({"kube-controller-manager", "kube-scheduler", "kubelet"})


def _managers(workload: Workload) -> Iterator[Finding]:
    managers = (
        {
            str(as_dict(entry).get("manager") or "")
            for entry in as_list(meta(workload.obj).get("managedFields"))
        }
        - {""}
        - CONTROL_PLANE_MANAGERS
    )
    if not managers:
        return
    by_hand = sorted(m for m in managers if m.startswith("kubectl"))
    if by_hand:
        yield OPS_13.finding(
            W,
            f"changed by hand ({', '.join(by_hand)}): apply it from a pipeline or GitOps",
            workload.ref,
        )
    else:
        yield OPS_13.finding(P, f"applied by {', '.join(sorted(managers)[:3])}", workload.ref)


def _labels(workload: Workload, rule: Rule) -> Finding:
    labels = labels_of(workload.obj)
    present = [key for key in RECOMMENDED_LABELS if key in labels]
    if len(present) >= 2:
        return rule.finding(P, f"labels {', '.join(present)}", workload.ref)
    return rule.finding(
        W,
        f"{len(present)} of the recommended labels ({', '.join(RECOMMENDED_LABELS[:3])}...): "
        "tools and people cannot tell what it is part of",
        workload.ref,
    )


def _tool_marks(workload: Workload) -> Finding:
    labels = labels_of(workload.obj)
    marks = [f"{key}={labels[key]}" for key in TOOL_MARKS if key in labels]
    if marks:
        return OPS_23.finding(P, f"generated by {marks[0]}", workload.ref)
    return OPS_23.finding(
        W,
        "no app.kubernetes.io/managed-by or helm.sh/chart label: hand-written manifests drift",
        workload.ref,
    )


def _memory(defaults: dict[tuple[str, str], str], workload: Workload) -> Finding:
    missing = []
    for container in workload.containers():
        for section in ("requests", "limits"):
            if not podspec.resource_value(container, section, "memory") and not defaults.get(
                (section, "memory")
            ):
                missing.append(f"{container.name} ({section})")
    if missing:
        return RES_07.finding(
            F,
            f"no memory {', '.join(missing[:4])}: the scheduler cannot place it safely and the "
            "node can run out of memory",
            workload.ref,
        )
    return RES_07.finding(P, "memory requests and limits are set", workload.ref)


def _state(workload: Workload) -> Finding:
    claims = [
        str(as_dict(v.get("persistentVolumeClaim")).get("claimName") or "")
        for v in as_list(workload.pod_spec.get("volumes"))
        if isinstance(v, dict) and v.get("persistentVolumeClaim")
    ]
    templates = as_list(as_dict(workload.obj.get("spec")).get("volumeClaimTemplates"))
    if claims or templates:
        return STO_08.finding(
            W,
            "keeps state on volumes in the cluster: consider a managed database or storage "
            "service, so the cluster can be rebuilt without data migration",
            workload.ref,
        )
    return STO_08.finding(P, "mounts no persistent volume", workload.ref)


def _windows(
    snapshot: Snapshot, defaults: dict[tuple[str, str], str], workload: Workload
) -> Iterator[Finding]:
    pod = workload.pod_spec
    security = podspec.pod_security(pod)
    host_process = [
        c.name
        for c in workload.containers()
        if podspec.effective_windows_option(c, security, "hostProcess") is True
    ]
    namespace = workload.ref.namespace or snapshot.namespace
    if host_process:
        if namespace in HOST_PROCESS_NAMESPACES:
            yield WIN_09.finding(P, "HostProcess in kube-system", workload.ref)
        else:
            yield WIN_09.finding(
                F,
                f"HostProcess containers {', '.join(host_process)} in {namespace}: they run as "
                "the node's own processes, outside any container boundary",
                workload.ref,
            )
    if not podspec.declares_windows(pod):
        return
    if not host_process:
        yield WIN_09.finding(P, "no HostProcess container", workload.ref)
    privileged = [
        c.name for c in workload.containers() if podspec.container_security(c).get("privileged")
    ]
    if privileged or host_process:
        yield WIN_03.finding(
            F,
            f"privileged or HostProcess containers: {', '.join(privileged + host_process)}",
            workload.ref,
        )
    else:
        yield WIN_03.finding(P, "no privileged container", workload.ref)
    unlimited = [
        c.name
        for c in workload.containers()
        if not podspec.resource_value(c, "limits", "memory")
        and not defaults.get(("limits", "memory"))
    ]
    if unlimited:
        yield WIN_04.finding(
            F,
            f"no memory limit on {', '.join(unlimited)}: Windows nodes have no swap and "
            "overcommitted memory stalls the node",
            workload.ref,
        )
    else:
        yield WIN_04.finding(P, "memory limits are set", workload.ref)


def _provisioning(snapshot: Snapshot, claim: dict[str, object]) -> Finding:
    spec = as_dict(claim.get("spec"))
    ref = snapshot.ref(claim)
    if spec.get("storageClassName") == "":
        return STO_03.finding(
            W,
            'storageClassName "" binds it to a pre-created volume: let a StorageClass provision it',
            ref,
        )
    return STO_03.finding(P, "provisioned by a StorageClass", ref)


def _isolation(snapshot: Snapshot) -> Finding:
    ref = ObjectRef("v1", "Namespace", None, snapshot.namespace)
    missing = []
    if not snapshot.of_kind("RoleBinding"):
        missing.append("RoleBinding (who may act here)")
    if not snapshot.of_kind("ResourceQuota"):
        missing.append("ResourceQuota")
    policies = snapshot.of_kind("NetworkPolicy")
    if not any(netpol.selects_all_pods(p) and netpol.denies_all_ingress(p) for p in policies):
        missing.append("default-deny NetworkPolicy")
    if missing:
        return MULTI_01.finding(W, f"not isolated as a tenant, missing: {', '.join(missing)}", ref)
    return MULTI_01.finding(P, "its own RoleBinding, ResourceQuota and default-deny policy", ref)
