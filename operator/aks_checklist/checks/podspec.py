"""Pod-spec semantics shared by the pod-template rules.

Kubernetes resolves many settings in layers: a container's securityContext
overrides the pod's, the API server defaults ``imagePullPolicy`` from the
image tag and container requests from limits, LimitRanges fill in absent
resources at admission, and a bare image name means Docker Hub. Rules that
read the raw fields naively report false positives (a pod-level
``runAsNonRoot`` "missing" on every container) or miss real problems (a
``runAsUser: 0`` next to ``runAsNonRoot: true``). This module implements
those layers once, so every category module judges the *effective* pod.

Everything here is pure and cheap: per-container work only, no snapshot
scans (callers index snapshot-wide data once per namespace).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from aks_checklist.checks.snapshot import (
    Container,
    Obj,
    Workload,
    as_dict,
    as_list,
    labels_of,
    meta,
)
from aks_checklist.records import Frozen

OS_LABEL = "kubernetes.io/os"
LEGACY_OS_LABEL = "beta.kubernetes.io/os"
WINDOWS_BUILD_LABEL = "node.kubernetes.io/windows-build"
DOCKER_HUB = "docker.io"

SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"

# Capabilities the Pod Security Standards "baseline" profile lets a container add;
# anything else widens what a compromised process can do to the node.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)

# Sysctls that are namespaced per pod and isolated from other pods (the "safe" set of
# the kubelet and of the Pod Security Standards; the tcp_* ones since Kubernetes 1.29).
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)

PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")


# --- images -----------------------------------------------------------------------------------


class ImageRef(Frozen):
    """A parsed image reference, normalised the way the container runtime resolves it.

    ``registry`` is lower-case ``host[:port]`` (``docker.io`` for Docker Hub);
    ``repository`` is the path inside the registry (Docker Hub's official images
    gain ``library/``); ``tag`` and ``digest`` are as written (``None`` if absent).
    """

    _fields = __slots__ = ("registry", "repository", "tag", "digest")
    registry: str
    repository: str
    tag: str | None
    digest: str | None

    def __init__(self, registry: str, repository: str, tag: str | None, digest: str | None) -> None:
        set_field = object.__setattr__
        set_field(self, "registry", registry)
        set_field(self, "repository", repository)
        set_field(self, "tag", tag)
        set_field(self, "digest", digest)

    @property
    def pinned_by_digest(self) -> bool:
        return self.digest is not None

    @property
    def floating(self) -> bool:
        """True when the reference resolves to whatever ``latest`` points at today:
        no digest and either no tag (``latest`` is implied) or the tag ``latest``."""
        return self.digest is None and self.tag in (None, "latest")

    @property
    def name(self) -> str:
        """``registry/repository``, without tag or digest."""
        return f"{self.registry}/{self.repository}"

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


@lru_cache(maxsize=8192)
def parse_image(reference: str) -> ImageRef | None:
    """Parses ``[registry/]repository[:tag][@digest]``; ``None`` for an empty reference.

    The first path component is a registry only when it looks like a host: it
    contains ``.`` or ``:`` (a port), is ``localhost``, or has upper-case
    letters (repositories cannot). So ``myreg:5000/app:1`` is registry
    ``myreg:5000``, repository ``app``, tag ``1``; ``nginx`` is
    ``docker.io/library/nginx`` with no tag (``latest`` implied).
    """
    text = reference.strip()
    if not text:
        return None
    name, _, digest = text.partition("@")
    registry = DOCKER_HUB
    remainder = name
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first.lower() != first):
        registry, remainder = first.lower(), rest
    if registry == "index.docker.io":
        registry = DOCKER_HUB
    repository, tag = remainder, None
    colon = remainder.rfind(":")
    if colon > remainder.rfind("/"):
        repository, tag = remainder[:colon], remainder[colon + 1 :] or None
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return ImageRef(registry=registry, repository=repository, tag=tag, digest=digest or None)


def image_of(container: Container) -> ImageRef | None:
    image = container.spec.get("image")
    return parse_image(image) if isinstance(image, str) else None


def effective_pull_policy(container: Container, image: ImageRef | None = None) -> tuple[str, bool]:
    """``(policy, explicit)``: the API server defaults an absent ``imagePullPolicy`` to
    ``Always`` for a floating reference (no tag, or ``latest``) and ``IfNotPresent`` otherwise.
    ``image`` saves parsing the container's image again when the caller has it."""
    policy = container.spec.get("imagePullPolicy")
    if isinstance(policy, str) and policy:
        return policy, True
    if image is None:
        image = image_of(container)
    return ("Always" if image is None or image.floating else "IfNotPresent"), False


# --- containers -------------------------------------------------------------------------------


def describe(container: Container) -> str:
    """How messages name a container: ``container "api"``, ``init container "migrate"``..."""
    if container.is_sidecar:
        kind = "sidecar container"
    elif container.is_init:
        kind = "init container"
    elif container.is_ephemeral:
        kind = "ephemeral container"
    else:
        kind = "container"
    return f'{kind} "{container.name}"'


def long_running(container: Container) -> bool:
    """Regular containers and native sidecars run for the pod's lifetime; init and
    ephemeral containers do not (probes and preStop hooks only make sense for the former)."""
    return container.section == "containers" or container.is_sidecar


def has_handler(action: Any, handlers: Iterable[str]) -> bool:
    """Whether a probe or lifecycle hook names one of its handler kinds."""
    if not isinstance(action, dict):
        return False
    for kind in handlers:  # noqa: SIM110  # not any() over a generator: asked 4 times a container
        if isinstance(action.get(kind), dict):
            return True
    return False


def resource_value(container: Container, section: str, resource: str) -> str | None:
    """``resources.<section>.<resource>`` as written (``"100m"``, ``"1Gi"``), or ``None``."""
    value = as_dict(as_dict(container.spec.get("resources")).get(section)).get(resource)
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    return str(value)


def host_ports(container: Container, host_network: bool) -> list[int]:
    """Ports the container binds on the node. With ``hostNetwork`` the API server defaults
    every port's ``hostPort`` to its ``containerPort``, so all of them count."""
    found = []
    for port in as_list(container.spec.get("ports")):
        port = as_dict(port)
        host_port = port.get("hostPort")
        if host_network and not host_port:
            host_port = port.get("containerPort")
        if isinstance(host_port, int) and not isinstance(host_port, bool) and host_port != 0:
            found.append(host_port)
    return found


# --- security contexts --------------------------------------------------------------------------


def container_security(container: Container) -> dict[str, Any]:
    return as_dict(container.spec.get("securityContext"))


def pod_security(pod_spec: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(pod_spec.get("securityContext"))


def effective_setting(
    container: Container, pod_security_context: Mapping[str, Any], field: str
) -> tuple[Any, str | None]:
    """``(value, level)`` of a field both contexts carry (runAsUser, runAsGroup,
    runAsNonRoot, seccompProfile, seLinuxOptions, appArmorProfile): the container's
    value wins when set, else the pod's; ``level`` is ``"container"``, ``"pod"`` or ``None``."""
    value = container_security(container).get(field)
    if value is not None:
        return value, "container"
    value = pod_security_context.get(field)
    if value is not None:
        return value, "pod"
    return None, None


def effective_windows_option(
    container: Container, pod_security_context: Mapping[str, Any], option: str
) -> Any:
    """``windowsOptions`` merge field by field (the kubelet overrides each one separately)."""
    value = as_dict(container_security(container).get("windowsOptions")).get(option)
    if value is not None:
        return value
    return as_dict(pod_security_context.get("windowsOptions")).get(option)


def _uid(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def non_root_status(
    container: Container, pod_security_context: Mapping[str, Any]
) -> tuple[bool, str]:
    """``(runs_as_non_root, why)`` for a Linux container, after container-over-pod merging.

    - an effective ``runAsUser: 0`` is root, whatever ``runAsNonRoot`` says (the
      kubelet then refuses to start the container, which is a failure too);
    - an effective ``runAsUser`` above 0 is non-root even without ``runAsNonRoot``;
    - with no UID set, ``runAsNonRoot: true`` makes the kubelet refuse an image
      whose user is root, so it counts as non-root;
    - otherwise the image's USER decides, which the manifest cannot prove.
    """
    uid, uid_level = effective_setting(container, pod_security_context, "runAsUser")
    uid = _uid(uid)
    flag, flag_level = effective_setting(container, pod_security_context, "runAsNonRoot")
    if uid == 0:
        return False, f"{uid_level}-level securityContext.runAsUser is 0 (root)"
    if uid is not None:
        return True, f"{uid_level}-level securityContext.runAsUser is {uid}"
    if flag is True:
        return True, f"{flag_level}-level securityContext.runAsNonRoot is true"
    if flag is False:
        return False, f"{flag_level}-level securityContext.runAsNonRoot is false and no runAsUser"
    return False, "sets neither runAsNonRoot: true nor a non-zero runAsUser"


def windows_user_status(
    container: Container, pod_security_context: Mapping[str, Any]
) -> tuple[bool, str]:
    """The Windows counterpart of :func:`non_root_status`: ``ContainerAdministrator`` is
    the administrator account; ``runAsNonRoot: true`` makes the kubelet refuse it."""
    user = effective_windows_option(container, pod_security_context, "runAsUserName")
    if isinstance(user, str) and user:
        if user.lower() == "containeradministrator":
            return False, "windowsOptions.runAsUserName is ContainerAdministrator"
        return True, f"windowsOptions.runAsUserName is {user}"
    flag, level = effective_setting(container, pod_security_context, "runAsNonRoot")
    if flag is True:
        return True, f"{level}-level securityContext.runAsNonRoot is true"
    return False, "sets neither windowsOptions.runAsUserName nor runAsNonRoot: true"


def normalize_capability(name: Any) -> str:
    """``cap_sys_admin``, ``CAP_SYS_ADMIN`` and ``sys_admin`` all mean ``SYS_ADMIN``."""
    text = str(name).strip().upper()
    return text[4:] if text.startswith("CAP_") else text


_NO_CAPABILITIES: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def capabilities(container: Container) -> tuple[frozenset[str], frozenset[str]]:
    """``(added, dropped)`` capability names, normalised."""
    caps = as_dict(container_security(container).get("capabilities"))
    if not caps:
        return _NO_CAPABILITIES  # most containers name none
    added = frozenset(normalize_capability(c) for c in as_list(caps.get("add")))
    dropped = frozenset(normalize_capability(c) for c in as_list(caps.get("drop")))
    return added, dropped


def privilege_escalation(container: Container) -> tuple[bool, str]:
    """``(may_escalate, why)``. The kernel's no_new_privs flag is only set when
    ``allowPrivilegeEscalation`` is explicitly false; a privileged container or one
    adding SYS_ADMIN can always escalate."""
    security = container_security(container)
    if security.get("privileged") is True:
        return True, "is privileged"
    if "SYS_ADMIN" in capabilities(container)[0]:
        return True, "adds CAP_SYS_ADMIN"
    value = security.get("allowPrivilegeEscalation")
    if value is False:
        return False, "sets securityContext.allowPrivilegeEscalation: false"
    if value is True:
        return True, "sets securityContext.allowPrivilegeEscalation: true"
    return True, "does not set securityContext.allowPrivilegeEscalation: false (default true)"


_ANNOTATION_SECCOMP = {
    "runtime/default": "RuntimeDefault",
    "docker/default": "RuntimeDefault",
    "unconfined": "Unconfined",
}


def _annotation_seccomp(value: str) -> str:
    if value.startswith("localhost/"):
        return "Localhost"
    return _ANNOTATION_SECCOMP.get(value, value)


def seccomp_profile(
    container: Container,
    pod_security_context: Mapping[str, Any],
    pod_annotations: Mapping[str, str],
) -> tuple[str | None, str]:
    """``(type, source)`` of the seccomp profile the kubelet applies, in its order:
    container field, container annotation, pod field, pod annotation (the two
    annotations are the pre-1.19 way and still honoured for old manifests)."""
    profile = as_dict(container_security(container).get("seccompProfile"))
    if profile:
        return _profile_type(profile), "container securityContext.seccompProfile"
    annotation = pod_annotations.get(SECCOMP_CONTAINER_ANNOTATION_PREFIX + container.name)
    if annotation is not None:
        return _annotation_seccomp(annotation), f"annotation {SECCOMP_CONTAINER_ANNOTATION_PREFIX}"
    profile = as_dict(pod_security_context.get("seccompProfile"))
    if profile:
        return _profile_type(profile), "pod securityContext.seccompProfile"
    annotation = pod_annotations.get(SECCOMP_POD_ANNOTATION)
    if annotation is not None:
        return _annotation_seccomp(annotation), f"annotation {SECCOMP_POD_ANNOTATION}"
    return None, "no seccompProfile"


def _profile_type(profile: Mapping[str, Any]) -> str | None:
    value = profile.get("type")
    return str(value) if value else None


def service_account_name(pod_spec: Mapping[str, Any]) -> str:
    """The pod's ServiceAccount: ``serviceAccountName``, the deprecated ``serviceAccount``,
    or ``default``."""
    for key in ("serviceAccountName", "serviceAccount"):
        value = pod_spec.get(key)
        if isinstance(value, str) and value:
            return value
    return "default"


def run_to_completion(workload: Workload) -> bool:
    """Jobs, CronJobs and Pods with restartPolicy Never/OnFailure exit when done;
    probes and preStop hooks are about long-running serving pods."""
    if workload.kind in {"Job", "CronJob"}:
        return True
    if workload.kind == "Pod":
        return str(workload.pod_spec.get("restartPolicy") or "Always") != "Always"
    return False


def scaled_value(value: Any, total: int, *, round_up: bool) -> int | None:
    """An IntOrString like ``maxUnavailable`` resolved against ``total`` replicas, the way
    the Deployment controller does (percentages of unavailability round down, of surge
    up); ``None`` when it is neither an integer nor a percentage."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    if not text.endswith("%") or not text[:-1].isdigit():
        return None
    scaled = int(text[:-1]) * total
    return -(-scaled // 100) if round_up else scaled // 100


# --- LimitRange defaults ----------------------------------------------------------------------


def limit_range_defaults(limit_ranges: Iterable[Obj]) -> dict[tuple[str, str], str]:
    """``{("requests"|"limits", resource): LimitRange name}`` for every container
    resource some LimitRange fills in at admission.

    The API server defaults a ``type: Container`` item's ``default`` (limit)
    from ``max``, and its ``defaultRequest`` from ``default`` and then from
    ``min``, so each of those fields makes the matching value appear on
    containers that leave it out.
    """
    found: dict[tuple[str, str], str] = {}
    for limit_range in limit_ranges:
        name = str(meta(limit_range).get("name") or "")
        for item in as_list(as_dict(limit_range.get("spec")).get("limits")):
            item = as_dict(item)
            if item.get("type") != "Container":
                continue
            limits = set(as_dict(item.get("default"))) | set(as_dict(item.get("max")))
            requests = limits | set(as_dict(item.get("defaultRequest")))
            requests |= set(as_dict(item.get("min")))
            for resource in limits:
                found.setdefault(("limits", str(resource)), name)
            for resource in requests:
                found.setdefault(("requests", str(resource)), name)
    return found


# --- operating system and scheduling ------------------------------------------------------------

# Words in a repository or tag that only Windows base images use.
_WINDOWS_IMAGE_WORDS = frozenset(
    {"nanoserver", "servercore", "windowsservercore", "ltsc2019", "ltsc2022", "ltsc2025"}
)
_WINDOWS_REPOSITORY_PREFIXES = ("windows/", "dotnet/framework/")
# Tag words naming a Windows Server release, and the OS build a node must run for
# process-isolated containers of that release.
WINDOWS_BUILDS = {
    "1809": "10.0.17763",
    "ltsc2019": "10.0.17763",
    "ltsc2022": "10.0.20348",
    "ltsc2025": "10.0.26100",
}
_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def is_windows_image(image: ImageRef) -> bool:
    """A Windows-only image by its name: Microsoft's ``windows/*`` and
    ``dotnet/framework/*`` repositories, or a Nano Server / Server Core base in the
    repository or tag (``mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022``)."""
    repository = image.repository.lower()
    if image.registry == "mcr.microsoft.com" and repository.startswith(
        _WINDOWS_REPOSITORY_PREFIXES
    ):
        return True
    words = set(_WORD.findall(repository))
    words.update(_WORD.findall((image.tag or "").lower()))
    return not words.isdisjoint(_WINDOWS_IMAGE_WORDS)


def windows_build(image: ImageRef) -> str | None:
    """The Windows build (``10.0.20348``) an image's tag targets, when the tag names one."""
    for word in _WORD.findall((image.tag or "").lower()):
        if word in WINDOWS_BUILDS:
            return WINDOWS_BUILDS[word]
    return None


def node_matches(
    pod_spec: Mapping[str, Any], node_labels: Mapping[str, str], *, only: str | None = None
) -> bool:
    """Whether ``nodeSelector`` and required node affinity admit a node with ``node_labels``.

    With ``only`` set, constraints on other labels are assumed satisfiable, which
    answers "could this pod land on *some* node whose ``only`` label has this
    value" without knowing the cluster's nodes. Affinity terms are ORed, their
    expressions ANDed, and an empty term matches no node (Kubernetes semantics).
    """
    for key, value in as_dict(pod_spec.get("nodeSelector")).items():
        if (only is None or key == only) and node_labels.get(str(key)) != str(value):
            return False
    terms = as_list(
        as_dict(
            as_dict(as_dict(pod_spec.get("affinity")).get("nodeAffinity")).get(
                "requiredDuringSchedulingIgnoredDuringExecution"
            )
        ).get("nodeSelectorTerms")
    )
    if not terms:
        return True
    for term in map(as_dict, terms):
        expressions = [as_dict(e) for e in as_list(term.get("matchExpressions"))]
        if not expressions and not term.get("matchFields"):
            continue
        if all(
            _expression_matches(expression, node_labels)
            for expression in expressions
            if only is None or expression.get("key") == only
        ):
            return True
    return False


def _expression_matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key = str(expression.get("key") or "")
    operator = expression.get("operator")
    values = [str(v) for v in as_list(expression.get("values"))]
    value = labels.get(key)
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value is None or value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    if operator in {"Gt", "Lt"} and value is not None and len(values) == 1:
        try:
            number, bound = int(value), int(values[0])
        except ValueError:
            return False
        return number > bound if operator == "Gt" else number < bound
    return False


def allows_os(pod_spec: Mapping[str, Any], os_name: str) -> bool:
    """Whether the pod's node constraints let it onto nodes of ``os_name`` (either OS label)."""
    return all(
        node_matches(pod_spec, {label: os_name}, only=label)
        for label in (OS_LABEL, LEGACY_OS_LABEL)
    )


def declares_windows(pod_spec: Mapping[str, Any]) -> bool:
    """Whether the pod says it is a Windows pod: ``spec.os.name: windows``, or node
    constraints that admit Windows nodes and exclude Linux ones."""
    if as_dict(pod_spec.get("os")).get("name") == "windows":
        return True
    if "nodeSelector" not in pod_spec and "affinity" not in pod_spec:
        return False  # the common case, decided without evaluating selectors
    return allows_os(pod_spec, "windows") and not allows_os(pod_spec, "linux")


def tolerates(tolerations: Iterable[Any], taint: Mapping[str, Any]) -> bool:
    """Kubernetes toleration matching: an empty key with ``Exists`` tolerates every taint."""
    for toleration in tolerations:
        toleration = as_dict(toleration)
        effect = toleration.get("effect")
        if effect and effect != taint.get("effect"):
            continue
        key = toleration.get("key")
        operator = toleration.get("operator") or "Equal"
        if not key:
            if operator == "Exists":
                return True
            continue
        if key != taint.get("key"):
            continue
        if operator == "Exists" or str(toleration.get("value") or "") == str(
            taint.get("value") or ""
        ):
            return True
    return False


def node_os(node: Obj) -> str | None:
    labels = labels_of(node)
    return labels.get(OS_LABEL) or labels.get(LEGACY_OS_LABEL)


def node_windows_build(node: Obj) -> str | None:
    """A Windows node's OS build (``10.0.20348``): its ``node.kubernetes.io/windows-build``
    label, else the first three parts of ``status.nodeInfo.kernelVersion``."""
    build = labels_of(node).get(WINDOWS_BUILD_LABEL)
    if build:
        return build
    kernel = as_dict(as_dict(node.get("status")).get("nodeInfo")).get("kernelVersion")
    if isinstance(kernel, str) and kernel.count(".") >= 2:
        return ".".join(kernel.split(".")[:3])
    return None


def scheduling_taints(node: Obj) -> list[dict[str, Any]]:
    """Taints that keep intolerant pods off a node (NoSchedule and NoExecute)."""
    return [
        as_dict(taint)
        for taint in as_list(as_dict(node.get("spec")).get("taints"))
        if as_dict(taint).get("effect") in {"NoSchedule", "NoExecute"}
    ]


# --- environment variables ----------------------------------------------------------------------

# Name fragments (upper-case, separators removed) of variables that carry credentials.
_SECRET_NAME_FRAGMENTS = (
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "ACCESSKEY",
    "ACCOUNTKEY",
    "PRIVATEKEY",
    "SIGNINGKEY",
    "ENCRYPTIONKEY",
    "MASTERKEY",
    "SHAREDKEY",
    "AUTHKEY",
    "CONNECTIONSTRING",
    "CONNSTR",
    "CREDENTIAL",
)
# A trailing word that makes the variable *about* a secret rather than the secret itself:
# SECRET_NAME, TOKEN_URL, PASSWORD_FILE, TOKEN_TTL_SECONDS...
_REFERENCE_WORDS = frozenset(
    {
        "FILE", "PATH", "DIR", "URL", "URI", "NAME", "ENDPOINT", "HOST", "PORT", "TTL",
        "EXPIRY", "EXPIRATION", "TIMEOUT", "HEADER", "LENGTH", "SECONDS", "MINUTES", "HOURS",
        "ENABLED", "DISABLED", "TYPE", "MODE", "AUDIENCE", "ISSUER", "ID", "REF", "VERSION",
        "LOCATION", "PROVIDER", "FORMAT", "PREFIX", "SCOPE", "SCOPES", "KIND", "FIELD",
    }
)  # fmt: skip
_INERT_VALUES = frozenset({"", "true", "false", "yes", "no", "on", "off", "0", "1", "none", "null"})
_VARIABLE_REFERENCE = re.compile(r"^(\$\([A-Za-z_][A-Za-z0-9_.-]*\))+$")
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Fragments of values that are credentials whatever the variable is called: Azure storage
# and Service Bus connection strings, ADO.NET passwords, SAS signatures, PEM private keys.
_SECRET_VALUE = re.compile(
    r"AccountKey=|SharedAccessKey=|(?:^|;)\s*(?:Password|Pwd)\s*=|[?&]sig="
    r"|-----BEGIN [A-Z ]*PRIVATE KEY",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def secret_like_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a credential
    (``DB_PASSWORD``, ``apiKey``, ``STORAGE_CONNECTION_STRING``) rather than a pointer
    to one (``PASSWORD_FILE``, ``TOKEN_URL``, ``SECRET_NAME``)."""
    words = [word.upper() for word in _NAME_WORDS.findall(name)]
    if not words or words[-1] in _REFERENCE_WORDS:
        return False
    if "PWD" in words and len(words) > 1:  # a bare PWD is the shell's working directory
        return True
    compact = "".join(words)
    return any(fragment in compact for fragment in _SECRET_NAME_FRAGMENTS)


def literal_secrets(container: Container) -> list[str]:
    """Names of ``env`` entries whose literal ``value`` looks like a credential.

    Values from ``valueFrom`` (secretKeyRef, CSI-synced Secrets) are fine; so are
    inert literals (booleans, ``$(OTHER_VAR)`` references, file paths) under a
    secret-like name. A value that *is* a credential (a storage connection
    string with ``AccountKey=``) counts under any name.
    """
    found = []
    for entry in as_list(container.spec.get("env")):
        entry = as_dict(entry)
        value = entry.get("value")
        if not isinstance(value, str) or "valueFrom" in entry:
            continue
        name = str(entry.get("name") or "")
        if _SECRET_VALUE.search(value):
            found.append(name)
            continue
        text = value.strip()
        if (
            text.lower() in _INERT_VALUES
            or text.startswith("/")
            or _VARIABLE_REFERENCE.match(text)
            or not secret_like_name(name)
        ):
            continue
        found.append(name)
    return found
