"""Application rules (APP-*): what a pod template must get right to run well on AKS.

Probes, replicas, labels, autoscaling, secrets, identity, resources, the
security context, rollout strategy, naked pods and images. Every rule judges the *effective*
pod (see :mod:`aks_checklist.checks.podspec`) and reports a result for every
workload or container it applies to, passes included, so reports can count
compliance rather than only list failures.

Which containers a rule looks at:

- probes and preStop hooks: regular containers and native sidecars, and
  nothing at all for run-to-completion workloads (Jobs, CronJobs, Pods that
  do not restart), which get one ``NotApplicable`` per rule instead;
- resources, images, env and most security settings: regular and init containers;
- ephemeral (debug) containers: only the privilege rules (``privileged``,
  ``privilege-escalation``, ``dangerous-capabilities``), since they run
  inside the pod with whatever rights they ask for.

Linux-only security settings (capabilities, seccomp, read-only root
filesystem, privilege escalation, procMount, sysctls) are ``NotApplicable``
on Windows pods, whose user is judged by ``windowsOptions.runAsUserName``.

The engine must judge thousands of workloads a second, so snapshot-wide
data (LimitRanges, ServiceAccounts, VerticalPodAutoscalers) is indexed once
per namespace, each container's facts are read once per workload, and the
judges append to one list rather than chaining generators.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from aks_checklist.checks import podspec
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.checks.snapshot import (
    SCALABLE_KINDS,
    Container,
    Obj,
    Snapshot,
    Workload,
    annotations_of,
    as_dict,
    as_list,
    labels_of,
    meta,
)

P, F, W, NA, ERROR = Result.PASS, Result.FAIL, Result.WARN, Result.NOT_APPLICABLE, Result.ERROR
HIGH, MEDIUM, LOW = Severity.HIGH, Severity.MEDIUM, Severity.LOW


def _rule(rule_id: str, title: str, severity: Severity) -> Rule:
    return Rule(rule_id, title, severity, "workload")


LIVENESS = _rule("APP-01/liveness-probe", "Containers have a liveness probe", MEDIUM)
LIVENESS_DIFFERS = _rule(
    "APP-01/liveness-differs-from-readiness", "Liveness probes are not copies of readiness", LOW
)
STARTUP = _rule("APP-02/startup-probe", "Containers have a startup probe", LOW)
READINESS = _rule("APP-03/readiness-probe", "Containers have a readiness probe", MEDIUM)
PRESTOP = _rule("APP-04/prestop-hook", "Containers have a preStop hook", LOW)
MIN_REPLICAS = _rule("APP-05/min-replicas", "Runs at least two replicas", MEDIUM)
LABELS = _rule("APP-06/recommended-labels", "Carries an application label", LOW)
AUTOSCALING = _rule("APP-07/autoscaling", "Is autoscaled", LOW)
ENV_SECRETS = _rule("APP-08/no-secrets-in-env", "No credentials as literal env values", HIGH)
WORKLOAD_IDENTITY = _rule("APP-09/pod-workload-identity", "Pods use Azure Workload Identity", LOW)
CPU_REQUEST = _rule("APP-11/cpu-request", "Containers request CPU", MEDIUM)
CPU_LIMIT = _rule("APP-11/cpu-limit", "Containers limit CPU", LOW)
MEMORY_REQUEST = _rule("APP-11/memory-request", "Containers request memory", MEDIUM)
MEMORY_LIMIT = _rule("APP-11/memory-limit", "Containers limit memory", HIGH)
PRIVILEGED = _rule("APP-12/privileged", "Containers are not privileged", HIGH)
PRIVILEGE_ESCALATION = _rule(
    "APP-12/privilege-escalation", "Containers forbid privilege escalation", MEDIUM
)
RUN_AS_NON_ROOT = _rule("APP-12/run-as-non-root", "Containers run as a non-root user", MEDIUM)
READ_ONLY_ROOT = _rule(
    "APP-12/read-only-root-filesystem", "Containers have a read-only root filesystem", LOW
)
DROP_ALL = _rule("APP-12/drop-all-capabilities", "Containers drop all capabilities", MEDIUM)
DANGEROUS_CAPABILITIES = _rule(
    "APP-12/dangerous-capabilities", "Containers add no capability beyond the baseline", HIGH
)
HOST_NETWORK = _rule("APP-12/host-network", "Pod does not use the node's network", HIGH)
HOST_PID = _rule("APP-12/host-pid", "Pod does not share the node's PID namespace", HIGH)
HOST_IPC = _rule("APP-12/host-ipc", "Pod does not share the node's IPC namespace", HIGH)
HOST_PATH = _rule("APP-12/host-path", "Pod mounts no hostPath volume", HIGH)
HOST_PORT = _rule("APP-12/host-port", "Containers bind no port on the node", MEDIUM)
AUTOMOUNT_TOKEN = _rule(
    "APP-12/automount-service-account-token", "Pod opts out of the API token mount", LOW
)
SECCOMP = _rule("APP-12/seccomp-profile", "Containers run under a seccomp profile", MEDIUM)
PROC_MOUNT = _rule("APP-12/proc-mount", "Containers keep /proc masked", HIGH)
UNSAFE_SYSCTLS = _rule("APP-12/sysctls-unsafe", "Pod sets only namespaced, safe sysctls", HIGH)
ROLLOUT = _rule("APP-19/rolling-update", "Rollouts keep part of the workload serving", LOW)
NAKED_POD = Rule("APP-20/naked-pod", "Pods are managed by a controller", MEDIUM, "object")
PULL_POLICY = _rule("APP-21/image-pull-policy", "Pull policy re-checks mutable tags", LOW)
TAG_PINNED = _rule("APP-21/image-tag-pinned", "Images are pinned to a tag or digest", MEDIUM)

RULES: tuple[Rule, ...] = (
    LIVENESS,
    LIVENESS_DIFFERS,
    STARTUP,
    READINESS,
    PRESTOP,
    MIN_REPLICAS,
    LABELS,
    AUTOSCALING,
    ENV_SECRETS,
    WORKLOAD_IDENTITY,
    CPU_REQUEST,
    CPU_LIMIT,
    MEMORY_REQUEST,
    MEMORY_LIMIT,
    PRIVILEGED,
    PRIVILEGE_ESCALATION,
    RUN_AS_NON_ROOT,
    READ_ONLY_ROOT,
    DROP_ALL,
    DANGEROUS_CAPABILITIES,
    HOST_NETWORK,
    HOST_PID,
    HOST_IPC,
    HOST_PATH,
    HOST_PORT,
    AUTOMOUNT_TOKEN,
    SECCOMP,
    PROC_MOUNT,
    UNSAFE_SYSCTLS,
    ROLLOUT,
    NAKED_POD,
    PULL_POLICY,
    TAG_PINNED,
)

APP_LABELS = ("app.kubernetes.io/name", "app")
WORKLOAD_IDENTITY_LABEL = "azure.workload.identity/use"
WORKLOAD_IDENTITY_CLIENT_ID = "azure.workload.identity/client-id"
POD_IDENTITY_LABEL = "aadpodidbinding"
_AUTOSCALED_KINDS = frozenset({"Deployment", "StatefulSet"})
_LINUX_ONLY = "the setting is Linux-only"


class _Namespace:
    """Snapshot-wide facts, indexed once per namespace so per-workload work stays O(containers)."""

    __slots__ = ("limit_defaults", "service_accounts", "snapshot", "vpas")

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.limit_defaults = podspec.limit_range_defaults(snapshot.of_kind("LimitRange"))
        self.service_accounts = {
            str(meta(sa).get("name")): sa for sa in snapshot.of_kind("ServiceAccount")
        }
        self.vpas: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        for vpa in snapshot.of_kind("VerticalPodAutoscaler"):
            target = as_dict(as_dict(vpa.get("spec")).get("targetRef"))
            self.vpas[(str(target.get("kind")), str(target.get("name")))].append(vpa)


class _Entry:
    """One container with the facts several rules need, each read once."""

    __slots__ = ("added", "container", "dropped", "image", "name", "security", "who")

    def __init__(self, container: Container) -> None:
        self.container = container
        self.name = container.name
        self.who = podspec.describe(container)
        self.security = podspec.container_security(container)
        self.image = podspec.image_of(container)
        self.added, self.dropped = podspec.capabilities(container)


class _Pod:
    """One workload's pod template, read once for all rules, and the findings about it."""

    __slots__ = (
        "_scaling",
        "annotations",
        "entries",
        "found",
        "ref",
        "regular",
        "security",
        "spec",
        "windows",
        "workload",
    )

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.ref = workload.ref
        self.spec = workload.pod_spec
        self.security = podspec.pod_security(self.spec)
        self.annotations = annotations_of(workload.pod_template)
        self.entries = [_Entry(c) for c in workload.containers(init=True, ephemeral=True)]
        # Regular and init containers: what resources, images, env and most security rules judge.
        self.regular = [e for e in self.entries if not e.container.is_ephemeral]
        self.windows = podspec.declares_windows(self.spec) or any(
            e.image is not None and podspec.is_windows_image(e.image) for e in self.regular
        )
        self.found: list[Finding] = []
        self._scaling: tuple[list[Obj], int | None] | None = None

    def scaling(self, ns: _Namespace) -> tuple[list[Obj], int | None]:
        """The autoscalers targeting the workload and its replica floor (Snapshot semantics)."""
        if self._scaling is None:
            snapshot = ns.snapshot
            self._scaling = (
                snapshot.scalers_for(self.workload),
                snapshot.effective_min_replicas(self.workload),
            )
        return self._scaling

    def add(self, rule: Rule, result: Result, message: str, entry: _Entry | None = None) -> None:
        # What Rule.finding does, minus a call: tens of findings per workload add up.
        self.found.append(
            Finding(
                rule.id,
                result,
                rule.severity,
                message,
                self.ref,
                entry.name if entry is not None else None,
            )
        )


Judge = Callable[[_Pod, _Namespace], None]


def check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    # Judges whose rules are all disabled are skipped; the engine drops the findings of
    # single disabled rules.
    judges = [judge for ids, judge in _JUDGES if any(settings.enabled(i) for i in ids)]
    if not judges:
        return
    namespace = _Namespace(snapshot)
    for workload in snapshot.workloads:
        pod = _Pod(workload)
        for judge in judges:
            judge(pod, namespace)
        yield from pod.found


# --- APP-01..04: probes and preStop -------------------------------------------------------------

_PROBES = ((LIVENESS, "livenessProbe"), (STARTUP, "startupProbe"), (READINESS, "readinessProbe"))


def _probes(pod: _Pod, ns: _Namespace) -> None:
    if podspec.run_to_completion(pod.workload):
        why = f"{pod.ref} runs to completion"
        for rule, field in _PROBES:
            pod.add(rule, NA, f"{why}; a {field} does not apply")
        pod.add(PRESTOP, NA, f"{why}; a preStop hook does not apply")
        return
    for entry in pod.regular:
        if not podspec.long_running(entry.container):
            continue
        spec, who = entry.container.spec, entry.who
        for rule, field in _PROBES:
            probe = spec.get(field)
            if probe is None:
                pod.add(rule, F, f"{who} has no {field}", entry)
            elif podspec.has_handler(probe, podspec.PROBE_HANDLERS):
                pod.add(rule, P, f"{who} has a {field}", entry)
            else:
                pod.add(
                    rule, F, f"{who} has a {field} with no exec, httpGet, tcpSocket or grpc", entry
                )
        _liveness_differs(pod, entry)
        pre_stop = as_dict(spec.get("lifecycle")).get("preStop")
        if podspec.has_handler(pre_stop, podspec.LIFECYCLE_HANDLERS):
            pod.add(PRESTOP, P, f"{who} has a preStop hook", entry)
        else:
            pod.add(PRESTOP, F, f"{who} has no lifecycle.preStop hook", entry)


def _liveness_differs(pod: _Pod, entry: _Entry) -> None:
    """A liveness probe identical to the readiness probe restarts a container for the
    same reasons it is taken out of load balancing, such as a slow dependency, so one
    outage turns into a restart storm. Judged only when both probes exist."""
    spec = entry.container.spec
    liveness, readiness = spec.get("livenessProbe"), spec.get("readinessProbe")
    if not (isinstance(liveness, dict) and isinstance(readiness, dict)):
        return
    if liveness == readiness:
        pod.add(
            LIVENESS_DIFFERS,
            W,
            f"{entry.who} uses the same livenessProbe as readinessProbe; make liveness check "
            "only the process itself, with more tolerance",
            entry,
        )
    else:
        pod.add(LIVENESS_DIFFERS, P, f"{entry.who} has distinct liveness and readiness", entry)


# --- APP-05, APP-07: replicas and autoscaling ---------------------------------------------------


def _replicas(pod: _Pod, ns: _Namespace) -> None:
    """Deployments, StatefulSets, ReplicaSets and ReplicationControllers; the floor is an
    autoscaler's minimum when one targets the workload, else ``spec.replicas`` (default 1)."""
    workload = pod.workload
    if workload.kind not in SCALABLE_KINDS:
        return
    scalers, floor = pod.scaling(ns)
    if scalers:
        source = f"the floor of {_names(scalers)}"
    elif "replicas" in as_dict(workload.obj.get("spec")):
        source = "spec.replicas"
    else:
        source = "spec.replicas is unset and defaults to 1"
    if floor is not None and floor >= 2:
        pod.add(MIN_REPLICAS, P, f"{pod.ref} keeps at least {floor} replicas ({source})")
    else:
        pod.add(MIN_REPLICAS, F, f"{pod.ref} can run {floor} replica(s) ({source}); run 2 or more")


def _autoscaling(pod: _Pod, ns: _Namespace) -> None:
    """Deployments and StatefulSets: an HPA, a KEDA ScaledObject or a VPA that acts
    (``updateMode`` other than ``Off``) passes; none only warns, since some
    applications legitimately run at a fixed size."""
    workload = pod.workload
    if workload.kind not in _AUTOSCALED_KINDS:
        return
    scalers, _ = pod.scaling(ns)
    vpas = [
        vpa
        for vpa in ns.vpas.get((workload.kind, workload.ref.name), ())
        if as_dict(as_dict(vpa.get("spec")).get("updatePolicy")).get("updateMode") != "Off"
    ]
    if scalers or vpas:
        pod.add(AUTOSCALING, P, f"{pod.ref} is scaled by {_names([*scalers, *vpas])}")
    else:
        pod.add(
            AUTOSCALING,
            W,
            f"no HorizontalPodAutoscaler, KEDA ScaledObject or active VerticalPodAutoscaler "
            f"targets {pod.ref}",
        )


def _names(objects: list[Obj]) -> str:
    return ", ".join(f"{obj.get('kind')}/{meta(obj).get('name')}" for obj in objects)


# --- APP-06: labels ------------------------------------------------------------------------------


def _labels(pod: _Pod, ns: _Namespace) -> None:
    """The workload says which application it belongs to, with the recommended
    ``app.kubernetes.io/name`` or the older ``app`` label, on its own metadata (what
    people and GitOps tools manage). A controller's pod template should carry one
    too, since monitoring and cost tools see pods: without it the rule warns."""
    workload = pod.workload
    own = labels_of(workload.obj)
    found = next((key for key in APP_LABELS if own.get(key)), None)
    if found is None:
        pod.add(LABELS, F, f"{pod.ref} has neither an app.kubernetes.io/name nor an app label")
    elif workload.kind != "Pod" and not any(workload.pod_labels.get(k) for k in APP_LABELS):
        pod.add(
            LABELS,
            W,
            f"{pod.ref} has the {found} label but its pod template has neither "
            "app.kubernetes.io/name nor app",
        )
    else:
        pod.add(LABELS, P, f"{pod.ref} is labelled {found}={own[found]}")


# --- APP-08: secrets in env ----------------------------------------------------------------------


def _env_secrets(pod: _Pod, ns: _Namespace) -> None:
    for entry in pod.regular:
        names = podspec.literal_secrets(entry.container)
        if names:
            pod.add(
                ENV_SECRETS,
                F,
                f"{entry.who} sets credential-like env {', '.join(names)} as a literal value; "
                "reference a Secret (secretKeyRef) or mount it from Azure Key Vault",
                entry,
            )
        else:
            pod.add(ENV_SECRETS, P, f"{entry.who} has no credentials in literal env values", entry)


# --- APP-09: workload identity ------------------------------------------------------------------


def _workload_identity(pod: _Pod, ns: _Namespace) -> None:
    """Azure Workload Identity only injects its token into pods labelled
    ``azure.workload.identity/use: "true"``; the ServiceAccount's ``client-id``
    annotation names the identity. A ServiceAccount annotated for it behind
    pods without the label is a broken setup (Fail); aad-pod-identity (pod
    label ``aadpodidbinding``) is the deprecated predecessor (Fail); a pod with
    neither may simply not call Azure (Warn)."""
    labels = pod.workload.pod_labels
    account = podspec.service_account_name(pod.spec)
    client_id = annotations_of(ns.service_accounts.get(account, {})).get(
        WORKLOAD_IDENTITY_CLIENT_ID
    )
    if labels.get(POD_IDENTITY_LABEL):
        pod.add(
            WORKLOAD_IDENTITY,
            F,
            f"{pod.ref} uses the deprecated aad-pod-identity (pod label {POD_IDENTITY_LABEL}); "
            "migrate to Azure Workload Identity",
        )
    elif labels.get(WORKLOAD_IDENTITY_LABEL) == "true":
        how = f" through ServiceAccount {account} (client-id {client_id})" if client_id else ""
        pod.add(WORKLOAD_IDENTITY, P, f"{pod.ref} uses Azure Workload Identity{how}")
    elif client_id:
        pod.add(
            WORKLOAD_IDENTITY,
            F,
            f"ServiceAccount {account} carries {WORKLOAD_IDENTITY_CLIENT_ID} but the pod template "
            f'of {pod.ref} lacks the label {WORKLOAD_IDENTITY_LABEL}: "true", so no token is '
            "injected",
        )
    else:
        pod.add(
            WORKLOAD_IDENTITY,
            W,
            f"{pod.ref} does not use Azure Workload Identity "
            f'(no pod label {WORKLOAD_IDENTITY_LABEL}: "true")',
        )


# --- APP-11: requests and limits ----------------------------------------------------------------

_RESOURCES = (
    (CPU_REQUEST, "requests", "cpu"),
    (CPU_LIMIT, "limits", "cpu"),
    (MEMORY_REQUEST, "requests", "memory"),
    (MEMORY_LIMIT, "limits", "memory"),
)


def _resources(pod: _Pod, ns: _Namespace) -> None:
    """A request left out defaults to the container's own limit (API defaulting), and a
    LimitRange in the namespace fills in what is still missing at admission."""
    for entry in pod.regular:
        container, who = entry.container, entry.who
        for rule, section, resource in _RESOURCES:
            field = f"resources.{section}.{resource}"
            value = podspec.resource_value(container, section, resource)
            if value is not None:
                pod.add(rule, P, f"{who} sets {field}: {value}", entry)
                continue
            limit = podspec.resource_value(container, "limits", resource)
            defaulted_by = ns.limit_defaults.get((section, resource))
            if section == "requests" and limit is not None:
                pod.add(rule, P, f"{who} requests {resource} equal to its limit {limit}", entry)
            elif defaulted_by is not None:
                pod.add(rule, P, f"{who} has {field} defaulted by LimitRange {defaulted_by}", entry)
            else:
                pod.add(rule, F, f"{who} sets no {field}", entry)


# --- APP-12: security context, per container ---------------------------------------------------


def _container_security(pod: _Pod, ns: _Namespace) -> None:
    host_network = pod.spec.get("hostNetwork") is True
    for entry in pod.entries:
        _privileges(pod, entry)
        if entry.container.is_ephemeral:
            continue
        if pod.windows:
            _windows_hardening(pod, entry)
        else:
            _linux_hardening(pod, entry)
        ports = podspec.host_ports(entry.container, host_network)
        if ports:
            listed = ", ".join(str(port) for port in ports)
            how = " (hostNetwork maps every containerPort)" if host_network else ""
            pod.add(HOST_PORT, F, f"{entry.who} binds host port {listed}{how}", entry)
        else:
            pod.add(HOST_PORT, P, f"{entry.who} binds no host port", entry)


def _privileges(pod: _Pod, entry: _Entry) -> None:
    """privileged, privilege-escalation, dangerous-capabilities, also for ephemeral
    containers. On Windows, a HostProcess container is the privileged equivalent."""
    who = entry.who
    if entry.security.get("privileged") is True:
        pod.add(PRIVILEGED, F, f"{who} sets securityContext.privileged: true", entry)
    elif podspec.effective_windows_option(entry.container, pod.security, "hostProcess") is True:
        pod.add(PRIVILEGED, F, f"{who} runs as a Windows HostProcess container", entry)
    else:
        pod.add(PRIVILEGED, P, f"{who} is not privileged", entry)
    if pod.windows:
        pod.add(PRIVILEGE_ESCALATION, NA, f"{who} is in a Windows pod: {_LINUX_ONLY}", entry)
        pod.add(DANGEROUS_CAPABILITIES, NA, f"{who} is in a Windows pod: {_LINUX_ONLY}", entry)
        return
    escalates, why = podspec.privilege_escalation(entry.container)
    pod.add(PRIVILEGE_ESCALATION, F if escalates else P, f"{who} {why}", entry)
    extra = sorted(entry.added - podspec.BASELINE_CAPABILITIES)
    if extra:
        pod.add(DANGEROUS_CAPABILITIES, F, f"{who} adds capabilities {', '.join(extra)}", entry)
    else:
        pod.add(DANGEROUS_CAPABILITIES, P, f"{who} adds no capability beyond the baseline", entry)


def _windows_hardening(pod: _Pod, entry: _Entry) -> None:
    ok, why = podspec.windows_user_status(entry.container, pod.security)
    pod.add(RUN_AS_NON_ROOT, P if ok else F, f"{entry.who}: {why}", entry)
    for rule in (READ_ONLY_ROOT, DROP_ALL, SECCOMP, PROC_MOUNT):
        pod.add(rule, NA, f"{entry.who} is in a Windows pod: {_LINUX_ONLY}", entry)


def _linux_hardening(pod: _Pod, entry: _Entry) -> None:
    who, security = entry.who, entry.security
    ok, why = podspec.non_root_status(entry.container, pod.security)
    pod.add(RUN_AS_NON_ROOT, P if ok else F, f"{who}: {why}", entry)

    if security.get("readOnlyRootFilesystem") is True:
        pod.add(READ_ONLY_ROOT, P, f"{who} has a read-only root filesystem", entry)
    else:
        pod.add(
            READ_ONLY_ROOT,
            F,
            f"{who} does not set securityContext.readOnlyRootFilesystem: true",
            entry,
        )

    if "ALL" in entry.dropped:
        pod.add(DROP_ALL, P, f"{who} drops ALL capabilities", entry)
    else:
        pod.add(DROP_ALL, F, f"{who} does not list ALL in securityContext.capabilities.drop", entry)

    profile, source = podspec.seccomp_profile(entry.container, pod.security, pod.annotations)
    if profile is None:
        pod.add(SECCOMP, F, f"{who} sets no seccompProfile, so it may run unconfined", entry)
    else:
        ok = profile in ("RuntimeDefault", "Localhost")
        pod.add(SECCOMP, P if ok else F, f"{who} uses seccomp {profile} ({source})", entry)

    proc_mount = security.get("procMount")
    if proc_mount in (None, "Default"):
        pod.add(PROC_MOUNT, P, f"{who} keeps the default masked /proc", entry)
    else:
        pod.add(PROC_MOUNT, F, f"{who} sets securityContext.procMount: {proc_mount}", entry)


# --- APP-12: security context, per pod ----------------------------------------------------------

_HOST_NAMESPACES = (
    (HOST_NETWORK, "hostNetwork", "the node's network"),
    (HOST_PID, "hostPID", "the node's process namespace"),
    (HOST_IPC, "hostIPC", "the node's IPC namespace"),
)


def _pod_security(pod: _Pod, ns: _Namespace) -> None:
    spec, ref = pod.spec, pod.ref
    for rule, field, what in _HOST_NAMESPACES:
        if spec.get(field) is True:
            pod.add(rule, F, f"{ref} sets {field}: true and shares {what}")
        else:
            pod.add(rule, P, f"{ref} does not share {what}")

    host_paths = [
        f"{volume.get('name')} ({as_dict(volume.get('hostPath')).get('path')})"
        for volume in map(as_dict, as_list(spec.get("volumes")))
        if "hostPath" in volume
    ]
    if host_paths:
        pod.add(HOST_PATH, F, f"{ref} mounts hostPath volume {', '.join(host_paths)}")
    else:
        pod.add(HOST_PATH, P, f"{ref} mounts no hostPath volume")

    _automount(pod, ns)

    if pod.windows:
        pod.add(UNSAFE_SYSCTLS, NA, f"{ref} is a Windows pod: {_LINUX_ONLY}")
        return
    names = [str(as_dict(s).get("name")) for s in as_list(pod.security.get("sysctls"))]
    unsafe = [name for name in names if name not in podspec.SAFE_SYSCTLS]
    if unsafe:
        pod.add(UNSAFE_SYSCTLS, F, f"{ref} sets unsafe sysctls {', '.join(unsafe)}")
    else:
        pod.add(UNSAFE_SYSCTLS, P, f"{ref} sets no unsafe sysctl")


def _automount(pod: _Pod, ns: _Namespace) -> None:
    """The pod's own ``automountServiceAccountToken`` wins; when it is unset the
    ServiceAccount's decides, and Kubernetes mounts the token unless one opts out.
    A ServiceAccount missing from a partial snapshot (a manifest set) may well
    opt out where we cannot see it, so that case warns instead of failing."""
    ref = pod.ref
    own = pod.spec.get("automountServiceAccountToken")
    if own is False:
        pod.add(AUTOMOUNT_TOKEN, P, f"{ref} sets automountServiceAccountToken: false")
        return
    if own is True:
        pod.add(AUTOMOUNT_TOKEN, F, f"{ref} sets automountServiceAccountToken: true")
        return
    name = podspec.service_account_name(pod.spec)
    account = ns.service_accounts.get(name)
    if account is None:
        pod.add(
            AUTOMOUNT_TOKEN,
            F if ns.snapshot.complete else W,
            f"{ref} does not set automountServiceAccountToken: false and its ServiceAccount "
            f"{name} is not in the snapshot, so the token is mounted unless that account opts out",
        )
    elif account.get("automountServiceAccountToken") is False:
        pod.add(
            AUTOMOUNT_TOKEN,
            P,
            f"ServiceAccount {name} of {ref} sets automountServiceAccountToken: false",
        )
    else:
        pod.add(
            AUTOMOUNT_TOKEN,
            F,
            f"neither {ref} nor its ServiceAccount {name} sets automountServiceAccountToken: "
            "false, so every container gets an API token",
        )


# --- APP-19: rollout strategy --------------------------------------------------------------------


def _rollout(pod: _Pod, ns: _Namespace) -> None:
    """How a new version replaces the old one. Deployments: ``Recreate`` stops every
    pod before starting new ones, and a rolling update whose ``maxUnavailable``
    reaches the replica count does the same. StatefulSets and DaemonSets:
    ``OnDelete`` never rolls out by itself (Warn), and a ``maxUnavailable`` that
    covers every pod (``100%``, or at least the StatefulSet's replicas) fails."""
    workload, ref = pod.workload, pod.ref
    spec = as_dict(workload.obj.get("spec"))
    if workload.kind == "Deployment":
        strategy = as_dict(spec.get("strategy"))
        kind = strategy.get("type") or "RollingUpdate"
        rolling = as_dict(strategy.get("rollingUpdate"))
        replicas = max(workload.spec_replicas or 1, 1)
    elif workload.kind in {"StatefulSet", "DaemonSet"}:
        strategy = as_dict(spec.get("updateStrategy"))
        kind = strategy.get("type") or "RollingUpdate"
        rolling = as_dict(strategy.get("rollingUpdate"))
        replicas = max(workload.spec_replicas or 1, 1) if workload.kind == "StatefulSet" else 0
    else:
        return
    if kind == "Recreate":
        pod.add(ROLLOUT, F, f"{ref} uses strategy Recreate: every rollout stops all its pods first")
        return
    if kind == "OnDelete":
        pod.add(ROLLOUT, W, f"{ref} uses updateStrategy OnDelete: pods only change when deleted")
        return
    default = 1 if workload.kind != "Deployment" else "25%"
    max_unavailable = rolling.get("maxUnavailable", default)
    field_name = ("strategy" if workload.kind == "Deployment" else "updateStrategy") + (
        ".rollingUpdate.maxUnavailable"
    )
    if "maxUnavailable" in rolling:
        stated = f"{ref} sets {field_name}: {max_unavailable}"
    else:
        stated = f"{ref} sets no {field_name}, which defaults to {max_unavailable}"
    if replicas:
        down = podspec.scaled_value(max_unavailable, replicas, round_up=False)
        everything = down is not None and down >= replicas
    else:  # a DaemonSet's pod count is the node count, unknown here
        everything = str(max_unavailable).strip() == "100%"
    if everything:
        pod.add(
            ROLLOUT,
            F,
            f"{stated}, which lets a rollout take every pod down at once"
            + (f" ({replicas} replica{'' if replicas == 1 else 's'})" if replicas else ""),
        )
    else:
        pod.add(ROLLOUT, P, f"{stated}, so it rolls out gradually")


# --- APP-20: naked pods -------------------------------------------------------------------------


def _naked_pod(pod: _Pod, ns: _Namespace) -> None:
    # The snapshot already drops Pods that a controller owns, so any Pod left is naked.
    if pod.workload.kind == "Pod":
        pod.add(
            NAKED_POD,
            F,
            f"{pod.ref} has no controller, so nothing recreates it when its node fails; "
            "run it from a Deployment, StatefulSet, DaemonSet or Job",
        )
    else:
        pod.add(NAKED_POD, P, f"{pod.ref} is a {pod.ref.kind}, whose controller manages its pods")


# --- APP-21: images -----------------------------------------------------------------------------


def _images(pod: _Pod, ns: _Namespace) -> None:
    """Tags: a floating reference (no tag, or ``latest``) fails; any other tag or a
    digest passes. Pull policy: ``Never`` fails (the pod depends on what happens to
    be cached on its node); ``IfNotPresent`` on a mutable tag warns (a re-pushed tag
    is never re-pulled, and a cached private image is served without checking the
    pod's pull credentials); ``Always``, or any other policy on a digest, passes."""
    for entry in pod.regular:
        who, image = entry.who, entry.image
        if image is None:
            pod.add(TAG_PINNED, ERROR, f"{who} sets no image to judge", entry)
            pod.add(PULL_POLICY, ERROR, f"{who} sets no image to judge", entry)
            continue

        if image.pinned_by_digest:
            pod.add(TAG_PINNED, P, f"{who} pins image {image} by digest", entry)
        elif image.tag is None:
            pod.add(TAG_PINNED, F, f"{who} uses image {image.name} with no tag (latest)", entry)
        elif image.tag == "latest":
            pod.add(TAG_PINNED, F, f"{who} uses image {image} (latest)", entry)
        else:
            pod.add(TAG_PINNED, P, f"{who} uses tagged image {image}", entry)

        policy, explicit = podspec.effective_pull_policy(entry.container, image)
        stated = "imagePullPolicy" if explicit else "defaulted imagePullPolicy"
        if policy == "Never":
            pod.add(PULL_POLICY, F, f"{who} sets imagePullPolicy: Never", entry)
        elif policy == "Always" or image.pinned_by_digest:
            pod.add(PULL_POLICY, P, f"{who} has {stated} {policy}", entry)
        else:
            pod.add(
                PULL_POLICY,
                W,
                f"{who} has {stated} {policy} on mutable tag {image.tag}; "
                "use Always or pin the image by digest",
                entry,
            )


def _ids(*rules: Rule) -> tuple[str, ...]:
    return tuple(rule.id for rule in rules)


# Each judge with the rules it can emit, so fully disabled groups are not even computed.
_JUDGES: tuple[tuple[tuple[str, ...], Judge], ...] = (
    (_ids(LIVENESS, LIVENESS_DIFFERS, STARTUP, READINESS, PRESTOP), _probes),
    (_ids(MIN_REPLICAS), _replicas),
    (_ids(LABELS), _labels),
    (_ids(AUTOSCALING), _autoscaling),
    (_ids(ENV_SECRETS), _env_secrets),
    (_ids(WORKLOAD_IDENTITY), _workload_identity),
    (_ids(CPU_REQUEST, CPU_LIMIT, MEMORY_REQUEST, MEMORY_LIMIT), _resources),
    (
        _ids(
            PRIVILEGED,
            PRIVILEGE_ESCALATION,
            DANGEROUS_CAPABILITIES,
            RUN_AS_NON_ROOT,
            READ_ONLY_ROOT,
            DROP_ALL,
            SECCOMP,
            PROC_MOUNT,
            HOST_PORT,
        ),
        _container_security,
    ),
    (
        _ids(HOST_NETWORK, HOST_PID, HOST_IPC, HOST_PATH, AUTOMOUNT_TOKEN, UNSAFE_SYSCTLS),
        _pod_security,
    ),
    (_ids(ROLLOUT), _rollout),
    (_ids(NAKED_POD), _naked_pod),
    (_ids(PULL_POLICY, TAG_PINNED), _images),
)
