"""An AksChecklistPolicy as a typed, validated value, and the pure rules that read it.

The operator and ``aks-checklist scan --policy`` must agree on what a policy
means, so both go through :func:`parse_policy`. Parsing is strict: a typo in
a field name or a malformed quantity is reported with the exact field path
(``spec.baseline.resourceQuota.hard["requests.cpu"]``) instead of being
silently ignored, because a silently ignored waiver or limit is a policy that
does something other than what its author reads.

Defaults are those of the public API sketch in ARCHITECTURE.md; they apply
field by field, the way a CRD's structural defaults do, so a policy that only
sets ``limitRange.default`` still gets the default ``defaultRequest``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NoReturn

from aks_checklist.catalog.loader import load_catalog
from aks_checklist.checks.engine import DEFAULT_ALLOWED_REGISTRIES, CheckSettings
from aks_checklist.checks.model import Finding, Result
from aks_checklist.checks.snapshot import selector_matches

API_GROUP = "akschecklist.io"
KIND = "AksChecklistPolicy"
EXCLUDE_ANNOTATION = "akschecklist.io/exclude"

Enforcement = Literal["Audit", "Enforce"]

# Namespaces that belong to Kubernetes itself or to AKS add-ons and extensions. A default-deny
# NetworkPolicy, a quota or a LimitRange there can cut CoreDNS, konnectivity, metrics-server or
# an add-on off, so no policy selects them unless its namespaceSelector names one explicitly
# (kubernetes.io/metadata.name in matchLabels or an In expression). ``excludedNamespaces`` adds
# to this list; it never replaces it. Shell-style globs.
SYSTEM_NAMESPACES: tuple[str, ...] = (
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "gatekeeper-system",  # Azure Policy add-on
    "app-routing-system",  # application routing add-on (managed NGINX)
    "calico-system",  # Calico network policy
    "calico-apiserver",
    "tigera-operator",
    "aks-istio-*",  # Istio service mesh add-on: system, ingress, egress
    "aks-command",  # az aks command invoke
    "azure-arc",  # Arc-enabled agents and cluster extensions
    "azure-arc-release",
    "dataprotection-microsoft",  # AKS backup extension
    "azure-extensions-usage-system",
)
NAME_LABEL = "kubernetes.io/metadata.name"
# ResourceQuota resources that count objects: the API server wants whole numbers for them.
_COUNTED = re.compile(
    r"^(pods|services|services\.loadbalancers|services\.nodeports|secrets|configmaps"
    r"|persistentvolumeclaims|replicationcontrollers|resourcequotas|count/.+"
    r"|.+\.storageclass\.storage\.k8s\.io/persistentvolumeclaims)$"
)
DEFAULT_REQUEST = {"cpu": "100m", "memory": "128Mi"}
DEFAULT_LIMIT = {"cpu": "500m", "memory": "512Mi"}
DEFAULT_QUOTA = {
    "requests.cpu": "8",
    "requests.memory": "16Gi",
    "limits.cpu": "16",
    "limits.memory": "32Gi",
    "pods": "200",
}
DEFAULT_REEVALUATE_EVERY = timedelta(minutes=10)

# An item ID (APP-01) or a rule ID (APP-01/liveness-probe).
_CHECK_ID = re.compile(r"^[A-Z]+-\d{2}(?:/[a-z0-9]+(?:-[a-z0-9]+)*)?$")
_ID_HINT = "an item ID (APP-01) or a rule ID (APP-01/liveness-probe)"
_PERCENT = re.compile(r"^(\d+)%$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Azure's naming rules: resource groups allow Unicode letters and digits, "_", "-", ".", "(" and
# ")" but must not end with "."; AKS clusters allow letters, digits, "_" and "-" between a first
# and last letter or digit.
_RESOURCE_GROUP = re.compile(r"^[-\w.()]{0,89}[-\w()]$")
_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")


class PolicyError(ValueError):
    """A policy field that cannot be used; ``str()`` names the field, then what is wrong."""

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field_path = field_path
        self.message = message


# --- quantities ------------------------------------------------------------------------------

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE](?P<exponent>[+-]?\d+))?$"
)
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(text: str) -> Decimal:
    """The exact value of a Kubernetes quantity (``100m`` -> 0.1, ``1Ki`` -> 1024, ``1e3`` -> 1000).

    Raises ``ValueError`` for anything Kubernetes would not accept as a quantity.
    """
    match = _QUANTITY.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a Kubernetes quantity")
    try:
        number = Decimal(match["number"])
    except InvalidOperation as exc:  # the pattern should make this unreachable
        raise ValueError(f"{text!r} is not a Kubernetes quantity") from exc
    suffix = match["suffix"]
    if suffix in _BINARY_SUFFIXES:
        return number * (1 << _BINARY_SUFFIXES[suffix])
    if suffix in _DECIMAL_SUFFIXES:
        return number.scaleb(_DECIMAL_SUFFIXES[suffix])
    if match["exponent"] is not None:
        return number.scaleb(int(match["exponent"]))
    return number


# --- the typed policy ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NetworkPolicySpec:
    enabled: bool = True
    allow_dns: bool = True


@dataclass(frozen=True, slots=True)
class LimitRangeSpec:
    enabled: bool = True
    default_request: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REQUEST))
    default: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LIMIT))
    max: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ResourceQuotaSpec:
    enabled: bool = True
    hard: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_QUOTA))


@dataclass(frozen=True, slots=True)
class PdbSpec:
    enabled: bool = True
    min_replicas: int = 2
    max_unavailable: int | str = 1


@dataclass(frozen=True, slots=True)
class Baseline:
    network_policy: NetworkPolicySpec = field(default_factory=NetworkPolicySpec)
    limit_range: LimitRangeSpec = field(default_factory=LimitRangeSpec)
    resource_quota: ResourceQuotaSpec = field(default_factory=ResourceQuotaSpec)
    pod_disruption_budget: PdbSpec = field(default_factory=PdbSpec)


@dataclass(frozen=True, slots=True)
class Waiver:
    """Accepts failures of ``rule`` (an item or rule ID) on matching objects until ``expires``.

    ``namespace`` and ``name`` are globs; ``None`` means any. ``expires`` is
    the last day the waiver applies.
    """

    rule: str
    reason: str
    namespace: str | None = None
    name: str | None = None
    kind: str | None = None
    expires: date | None = None

    def covers(self, finding: Finding) -> bool:
        if self.rule not in (finding.rule, finding.item):
            return False
        ref = finding.object
        if ref is None:
            # Findings about the cluster itself can only be waived by a waiver that names no object.
            return self.namespace is None and self.name is None and self.kind is None
        if self.kind is not None and self.kind != ref.kind:
            return False
        if self.name is not None and not fnmatch.fnmatchcase(ref.name, self.name):
            return False
        if self.namespace is not None:
            return ref.namespace is not None and fnmatch.fnmatchcase(ref.namespace, self.namespace)
        return True

    def active_on(self, today: date) -> bool:
        return self.expires is None or today <= self.expires


@dataclass(frozen=True, slots=True)
class Attestation:
    """A person vouches for ``item`` (an advisory or attestation-only item) until ``expires``.

    ``expires`` is the last day it applies; like a waiver, an expired attestation
    lapses and the item is open again.
    """

    item: str
    by: str
    evidence: str
    expires: date

    def active_on(self, today: date) -> bool:
        return today <= self.expires


@dataclass(frozen=True, slots=True)
class AzureTarget:
    """The AKS managed cluster whose Azure configuration a policy judges (``spec.azure``)."""

    subscription_id: str
    resource_group: str
    cluster_name: str

    def __str__(self) -> str:
        return f"{self.resource_group}/{self.cluster_name} in subscription {self.subscription_id}"


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    generation: int | None = None
    enforcement: Enforcement = "Audit"
    namespace_selector: dict[str, Any] = field(default_factory=dict)
    excluded_namespaces: tuple[str, ...] = ()
    baseline: Baseline = field(default_factory=Baseline)
    checks: CheckSettings = field(default_factory=CheckSettings)
    waivers: tuple[Waiver, ...] = ()
    attestations: tuple[Attestation, ...] = ()
    reevaluate_every: timedelta = DEFAULT_REEVALUATE_EVERY
    azure: AzureTarget | None = None
    policy_reports: bool = False  # spec.reports.policyReport: also write wgpolicyk8s.io reports

    @property
    def enforcing(self) -> bool:
        return self.enforcement == "Enforce"


# --- parsing ---------------------------------------------------------------------------------


def parse_policy(obj: Mapping[str, Any]) -> Policy:
    """Validates a whole AksChecklistPolicy object (as the API server or a YAML file holds it)."""
    if not isinstance(obj, Mapping):
        _fail("", f"a policy must be an object, not {_type_name(obj)}")
    kind = obj.get("kind")
    if kind is not None and kind != KIND:
        _fail("kind", f"{_show(kind)} is not {KIND}")
    api_version = obj.get("apiVersion")
    if api_version is not None and not str(api_version).startswith(f"{API_GROUP}/"):
        _fail("apiVersion", f"{_show(api_version)} is not in the {API_GROUP} API group")
    metadata = _mapping(obj.get("metadata"), "metadata", required=True)
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        _fail("metadata.name", "is required")
    generation = metadata.get("generation")
    if generation is not None and (not isinstance(generation, int) or isinstance(generation, bool)):
        _fail("metadata.generation", f"{_show(generation)} is not an integer")
    spec = obj.get("spec")
    return parse_spec({} if spec is None else spec, name=name, generation=generation)


def parse_spec(
    spec: Mapping[str, Any], *, name: str = "default", generation: int | None = None
) -> Policy:
    """Validates just a policy's ``spec``; field paths in errors still start at ``spec``."""
    spec = _mapping(spec, "spec", required=True)
    _known(
        spec,
        "spec",
        {
            "enforcement",
            "namespaceSelector",
            "excludedNamespaces",
            "baseline",
            "checks",
            "waivers",
            "attestations",
            "reevaluateEvery",
            "azure",
            "reports",
        },
    )
    enforcement = spec.get("enforcement", "Audit")
    if enforcement not in ("Audit", "Enforce"):
        _fail("spec.enforcement", f"{_show(enforcement)} is not Audit or Enforce")
    selector = _label_selector(spec.get("namespaceSelector"), "spec.namespaceSelector")
    excluded = tuple(_strings(spec.get("excludedNamespaces", []), "spec.excludedNamespaces"))
    reevaluate = spec.get("reevaluateEvery")
    return Policy(
        name=name,
        generation=generation,
        enforcement=enforcement,
        namespace_selector=selector,
        excluded_namespaces=excluded,
        baseline=_baseline(spec.get("baseline"), "spec.baseline"),
        checks=_checks(spec.get("checks"), "spec.checks"),
        waivers=_waivers(spec.get("waivers"), "spec.waivers"),
        attestations=_attestations(spec.get("attestations"), "spec.attestations"),
        reevaluate_every=(
            DEFAULT_REEVALUATE_EVERY
            if reevaluate is None
            else parse_duration(reevaluate, "spec.reevaluateEvery")
        ),
        azure=_azure(spec.get("azure"), "spec.azure"),
        policy_reports=_reports(spec.get("reports"), "spec.reports"),
    )


def _baseline(value: Any, path: str) -> Baseline:
    baseline = _mapping(value, path)
    _known(baseline, path, {"networkPolicy", "limitRange", "resourceQuota", "podDisruptionBudget"})

    net_path = f"{path}.networkPolicy"
    net = _mapping(baseline.get("networkPolicy"), net_path)
    _known(net, net_path, {"enabled", "allowDNS"})

    lr_path = f"{path}.limitRange"
    lr = _mapping(baseline.get("limitRange"), lr_path)
    _known(lr, lr_path, {"enabled", "defaultRequest", "default", "max"})
    limit_range = LimitRangeSpec(
        enabled=_bool(lr, "enabled", lr_path, default=True),
        default_request=_quantities(
            lr.get("defaultRequest", DEFAULT_REQUEST), f"{lr_path}.defaultRequest"
        ),
        default=_quantities(lr.get("default", DEFAULT_LIMIT), f"{lr_path}.default"),
        max=None if lr.get("max") is None else _quantities(lr["max"], f"{lr_path}.max"),
    )
    _check_limit_order(limit_range, lr_path)

    rq_path = f"{path}.resourceQuota"
    rq = _mapping(baseline.get("resourceQuota"), rq_path)
    _known(rq, rq_path, {"enabled", "hard"})

    pdb_path = f"{path}.podDisruptionBudget"
    pdb = _mapping(baseline.get("podDisruptionBudget"), pdb_path)
    _known(pdb, pdb_path, {"enabled", "minReplicas", "maxUnavailable"})
    min_replicas = pdb.get("minReplicas", 2)
    if not isinstance(min_replicas, int) or isinstance(min_replicas, bool) or min_replicas < 1:
        _fail(
            f"{pdb_path}.minReplicas", f"{_show(min_replicas)} is not a whole number of at least 1"
        )

    return Baseline(
        network_policy=NetworkPolicySpec(
            enabled=_bool(net, "enabled", net_path, default=True),
            allow_dns=_bool(net, "allowDNS", net_path, default=True),
        ),
        limit_range=limit_range,
        resource_quota=ResourceQuotaSpec(
            enabled=_bool(rq, "enabled", rq_path, default=True),
            hard=_quota(rq.get("hard", DEFAULT_QUOTA), f"{rq_path}.hard"),
        ),
        pod_disruption_budget=PdbSpec(
            enabled=_bool(pdb, "enabled", pdb_path, default=True),
            min_replicas=min_replicas,
            max_unavailable=_max_unavailable(
                pdb.get("maxUnavailable", 1), f"{pdb_path}.maxUnavailable"
            ),
        ),
    )


def _check_limit_order(spec: LimitRangeSpec, path: str) -> None:
    """Rejects what the API server would reject: defaultRequest <= default <= max."""
    for resource, limit in spec.default.items():
        request = spec.default_request.get(resource)
        if request is not None and parse_quantity(limit) < parse_quantity(request):
            _fail(
                _join(f"{path}.default", resource),
                f"{limit} is below defaultRequest {resource} {request}",
            )
    for resource, ceiling in (spec.max or {}).items():
        for section, values in (
            ("default", spec.default),
            ("defaultRequest", spec.default_request),
        ):
            value = values.get(resource)
            if value is not None and parse_quantity(value) > parse_quantity(ceiling):
                _fail(
                    _join(f"{path}.{section}", resource),
                    f"{value} is above max {resource} {ceiling}",
                )


def _max_unavailable(value: Any, path: str) -> int | str:
    checked: int | str
    if isinstance(value, int) and not isinstance(value, bool):
        number = checked = value
    elif isinstance(value, str) and (match := _PERCENT.match(value)):
        number = int(match[1])
        checked = value
        if number > 100:
            _fail(path, f"{_show(value)} is more than 100%")
    else:
        _fail(path, f'{_show(value)} is neither a whole number nor a percentage like "25%"')
    if number < 0:
        _fail(path, f"{_show(value)} is negative")
    if number == 0:
        _fail(path, f"{_show(value)} would block every voluntary eviction (node drains, upgrades)")
    return checked


def _checks(value: Any, path: str) -> CheckSettings:
    checks = _mapping(value, path)
    _known(checks, path, {"disabled", "allowedRegistries", "require"})
    disabled = _strings(checks.get("disabled", []), f"{path}.disabled")
    for index, check_id in enumerate(disabled):
        if not _CHECK_ID.match(check_id):
            _fail(
                f"{path}.disabled[{index}]",
                f"{_show(check_id)} is not {_ID_HINT}",
            )
    registries = (
        DEFAULT_ALLOWED_REGISTRIES
        if "allowedRegistries" not in checks
        else tuple(_strings(checks["allowedRegistries"], f"{path}.allowedRegistries"))
    )
    return CheckSettings(
        disabled=frozenset(disabled),
        allowed_registries=registries,
        required=_required(checks.get("require", []), f"{path}.require"),
    )


def _required(value: Any, path: str) -> frozenset[str]:
    """Advisory or conflicting items the policy makes strict; never both sides of a conflict."""
    items = _strings(value, path)
    catalog = load_catalog()
    for index, item_id in enumerate(items):
        item = catalog.get(item_id)
        if item is None:
            _fail(f"{path}[{index}]", f"{_show(item_id)} is not a checklist item ID like NET-09")
        if item.verdict not in ("advisory", "conflicting"):
            _fail(
                f"{path}[{index}]",
                f"{item_id} is {item.verdict}; only advisory or conflicting items can be required",
            )
        both = sorted(set(item.conflicts_with) & set(items))
        if both:
            _fail(
                f"{path}[{index}]",
                f"{item_id} conflicts with {', '.join(both)}: require one side, not both",
            )
    return frozenset(items)


def _attestations(value: Any, path: str) -> tuple[Attestation, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        _fail(path, f"must be a list, not {_type_name(value)}")
    catalog = load_catalog()
    attestations = []
    for index, entry in enumerate(value):
        entry_path = f"{path}[{index}]"
        attestation = _mapping(entry, entry_path, required=True)
        _known(attestation, entry_path, {"item", "by", "evidence", "expires"})
        item_id = _required_string(attestation, "item", entry_path)
        item = catalog.get(item_id)
        if item is None:
            _fail(f"{entry_path}.item", f"{_show(item_id)} is not a checklist item ID like BCDR-01")
        if not item.attestable:
            _fail(
                f"{entry_path}.item",
                f"{item_id} is strict: its rules judge it, only advisory, conflicting or "
                "attestation items can be attested",
            )
        if attestation.get("expires") is None:
            _fail(f"{entry_path}.expires", 'is required: the last day it holds, like "2027-06-01"')
        expires = _date(attestation["expires"], f"{entry_path}.expires")
        assert expires is not None  # checked just above; _date only returns None for None
        attestations.append(
            Attestation(
                item=item_id,
                by=_required_string(attestation, "by", entry_path).strip(),
                evidence=_required_string(attestation, "evidence", entry_path).strip(),
                expires=expires,
            )
        )
    return tuple(attestations)


def _waivers(value: Any, path: str) -> tuple[Waiver, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        _fail(path, f"must be a list, not {_type_name(value)}")
    waivers = []
    for index, entry in enumerate(value):
        entry_path = f"{path}[{index}]"
        waiver = _mapping(entry, entry_path, required=True)
        _known(waiver, entry_path, {"rule", "namespace", "name", "kind", "reason", "expires"})
        rule = waiver.get("rule")
        if not isinstance(rule, str) or not _CHECK_ID.match(rule):
            _fail(
                f"{entry_path}.rule",
                f"is required: {_ID_HINT}" if rule is None else f"{_show(rule)} is not {_ID_HINT}",
            )
        reason = waiver.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            _fail(f"{entry_path}.reason", "is required: say why the failure is accepted")
        waivers.append(
            Waiver(
                rule=rule,
                reason=reason.strip(),
                namespace=_optional_string(waiver, "namespace", entry_path),
                name=_optional_string(waiver, "name", entry_path),
                kind=_optional_string(waiver, "kind", entry_path),
                expires=_date(waiver.get("expires"), f"{entry_path}.expires"),
            )
        )
    return tuple(waivers)


def _reports(value: Any, path: str) -> bool:
    reports = _mapping(value, path)
    _known(reports, path, {"policyReport"})
    return _bool(reports, "policyReport", path, default=False)


def _azure(value: Any, path: str) -> AzureTarget | None:
    if value is None:
        return None
    azure = _mapping(value, path, required=True)
    _known(azure, path, {"subscriptionId", "resourceGroup", "clusterName"})
    subscription = _required_string(azure, "subscriptionId", path)
    if not _GUID.match(subscription):
        _fail(
            f"{path}.subscriptionId",
            f'{_show(subscription)} is not a GUID like "00000000-0000-0000-0000-000000000000"',
        )
    group = _required_string(azure, "resourceGroup", path)
    if not _RESOURCE_GROUP.match(group):
        _fail(
            f"{path}.resourceGroup",
            f"{_show(group)} is not a resource group name (1-90 letters, digits, "
            '"_", "-", ".", "(" or ")", not ending with ".")',
        )
    cluster = _required_string(azure, "clusterName", path)
    if not _CLUSTER_NAME.match(cluster):
        _fail(
            f"{path}.clusterName",
            f'{_show(cluster)} is not an AKS cluster name (1-63 letters, digits, "_" or "-", '
            "starting and ending with a letter or digit)",
        )
    return AzureTarget(subscription_id=subscription, resource_group=group, cluster_name=cluster)


def _date(value: Any, path: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    try:
        if "T" in text or " " in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return date.fromisoformat(text)
    except ValueError:
        _fail(path, f'{_show(value)} is not a date like "2027-03-01"')


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_DURATION_UNITS = {"ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600)}


def parse_duration(value: Any, path: str = "duration") -> timedelta:
    """A positive Go-style duration: ``30s``, ``10m``, ``1h``, ``1h30m``, ``1.5h``, ``500ms``."""
    text = value.strip() if isinstance(value, str) else ""
    parts = _DURATION_PART.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        _fail(path, f'{_show(value)} is not a duration like "30s", "10m" or "1h"')
    seconds = Decimal(0)
    for number, unit in parts:
        seconds += Decimal(number) * _DURATION_UNITS[unit]
    if seconds <= 0:
        _fail(path, f"{_show(value)} must be longer than zero")
    return timedelta(seconds=float(seconds))


def _label_selector(value: Any, path: str) -> dict[str, Any]:
    selector = _mapping(value, path)
    _known(selector, path, {"matchLabels", "matchExpressions"})
    labels = _mapping(selector.get("matchLabels"), f"{path}.matchLabels")
    for key, label in labels.items():
        if not isinstance(label, str):
            _fail(_join(f"{path}.matchLabels", str(key)), f"{_show(label)} is not a string")
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        _fail(f"{path}.matchExpressions", f"must be a list, not {_type_name(expressions)}")
    for index, entry in enumerate(expressions):
        entry_path = f"{path}.matchExpressions[{index}]"
        expr = _mapping(entry, entry_path, required=True)
        _known(expr, entry_path, {"key", "operator", "values"})
        if not isinstance(expr.get("key"), str) or not expr["key"]:
            _fail(f"{entry_path}.key", "is required")
        operator = expr.get("operator")
        values = _strings(expr.get("values") or [], f"{entry_path}.values")
        if operator in ("In", "NotIn"):
            if not values:
                _fail(f"{entry_path}.values", f"must not be empty with operator {operator}")
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                _fail(f"{entry_path}.values", f"must be empty with operator {operator}")
        else:
            _fail(
                f"{entry_path}.operator",
                f"{_show(operator)} is not In, NotIn, Exists or DoesNotExist",
            )
    return dict(selector)


# --- small validators ------------------------------------------------------------------------


def _fail(path: str, message: str) -> NoReturn:
    raise PolicyError(path or "<policy>", message)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENTIFIER.match(key) else f"{path}[{json.dumps(key)}]"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "null"
    return str(value)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _mapping(value: Any, path: str, *, required: bool = False) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        _fail(path, f"must be an object, not {_type_name(value)}")
    return dict(value)


def _known(value: Mapping[str, Any], path: str, allowed: set[str]) -> None:
    for key in value:
        if key not in allowed:
            _fail(
                _join(path, str(key)),
                f"unknown field (expected one of {', '.join(sorted(allowed))})",
            )


def _bool(value: Mapping[str, Any], key: str, path: str, *, default: bool) -> bool:
    found = value.get(key, default)
    if not isinstance(found, bool):
        _fail(f"{path}.{key}", f"{_show(found)} is not true or false")
    return found


def _strings(value: Any, path: str) -> list[str]:
    if not isinstance(value, list):
        _fail(path, f"must be a list, not {_type_name(value)}")
    for index, entry in enumerate(value):
        if not isinstance(entry, str) or not entry:
            _fail(f"{path}[{index}]", f"{_show(entry)} is not a non-empty string")
    return list(value)


def _optional_string(value: Mapping[str, Any], key: str, path: str) -> str | None:
    found = value.get(key)
    if found is None:
        return None
    if not isinstance(found, str) or not found:
        _fail(f"{path}.{key}", f"{_show(found)} is not a non-empty string")
    return found


def _required_string(value: Mapping[str, Any], key: str, path: str) -> str:
    found = value.get(key)
    if found is None:
        _fail(f"{path}.{key}", "is required")
    if not isinstance(found, str) or not found:
        _fail(f"{path}.{key}", f"{_show(found)} is not a non-empty string")
    return found


def _quantities(value: Any, path: str) -> dict[str, str]:
    """A resource-name -> quantity map; YAML numbers (``pods: 200``) are accepted as quantities."""
    found = _mapping(value, path, required=True)
    checked: dict[str, str] = {}
    for key, raw in found.items():
        key_path = _join(path, str(key))
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            _fail(key_path, f"{_show(raw)} is not a Kubernetes quantity")
        text = raw if isinstance(raw, str) else str(raw)
        try:
            amount = parse_quantity(text)
        except ValueError:
            _fail(key_path, f"{_show(raw)} is not a Kubernetes quantity")
        if amount < 0:
            _fail(key_path, f"{_show(raw)} is negative")
        checked[str(key)] = text
    return checked


def _quota(value: Any, path: str) -> dict[str, str]:
    """``hard`` of a ResourceQuota: quantities, whole numbers for the resources that count."""
    hard = _quantities(value, path)
    for key, text in hard.items():
        if _COUNTED.match(key) and parse_quantity(text) % 1 != 0:
            _fail(_join(path, key), f"{_show(text)} is not a whole number; {key} counts objects")
    return hard


# --- what a policy does ----------------------------------------------------------------------


def apply_waivers(
    findings: Iterable[Finding], waivers: Sequence[Waiver], today: date
) -> list[Finding]:
    """Turns Fail/Warn findings covered by an active waiver into Waived.

    A waiver that has expired no longer applies, but the finding says so, so
    whoever reads the report knows why a once-accepted failure is back.
    """
    if not waivers:
        return list(findings)
    out = []
    for finding in findings:
        if finding.result not in (Result.FAIL, Result.WARN):
            out.append(finding)
            continue
        matching = [waiver for waiver in waivers if waiver.covers(finding)]
        active = [waiver for waiver in matching if waiver.active_on(today)]
        if active:
            waiver = active[0]
            until = f" (until {waiver.expires.isoformat()})" if waiver.expires else ""
            finding = dataclasses.replace(
                finding,
                result=Result.WAIVED,
                message=f"{finding.message}; waived: {waiver.reason}{until}",
            )
        elif matching:
            expired = max(w.expires for w in matching if w.expires is not None)
            finding = dataclasses.replace(
                finding, message=f"{finding.message}; waiver expired on {expired.isoformat()}"
            )
        out.append(finding)
    return out


def apply_attestations(
    findings: Iterable[Finding], attestations: Sequence[Attestation], today: date
) -> list[Finding]:
    """Turns Warn findings of an item with an active attestation into Attested.

    Fail is never attested (strict items cannot be, and a required advisory is the
    policy's own choice); an expired attestation leaves the Warn and says when it lapsed.
    """
    if not attestations:
        return list(findings)
    by_item: dict[str, list[Attestation]] = {}
    for attestation in attestations:
        by_item.setdefault(attestation.item, []).append(attestation)
    out = []
    for finding in findings:
        matching = by_item.get(finding.item, [])
        if finding.result is not Result.WARN or not matching:
            out.append(finding)
            continue
        active = [a for a in matching if a.active_on(today)]
        if active:
            finding = dataclasses.replace(
                finding,
                result=Result.ATTESTED,
                message=f"{finding.message}; {_attested(active[0])}",
            )
        else:
            lapsed = max(a.expires for a in matching)
            finding = dataclasses.replace(
                finding, message=f"{finding.message}; attestation expired on {lapsed.isoformat()}"
            )
        out.append(finding)
    return out


def attestation_findings(attestations: Sequence[Attestation], today: date) -> list[Finding]:
    """One finding per attestation-only item a policy attests: Attested, or Warn once lapsed.

    Items no rule judges have no findings to turn into Attested, so the
    attestation itself is the finding; unattested ones are counted by
    :func:`aks_checklist.report.category_status` from the catalog.
    """
    catalog = load_catalog()
    newest: dict[str, Attestation] = {}
    for attestation in attestations:
        item = catalog.get(attestation.item)
        if item is None or item.verdict != "attestation":
            continue
        known = newest.get(attestation.item)
        if known is None or attestation.expires > known.expires:
            newest[attestation.item] = attestation
    findings = []
    for item_id, attestation in sorted(newest.items()):
        item = catalog[item_id]
        if attestation.active_on(today):
            result, message = Result.ATTESTED, _attested(attestation)
        else:
            result = Result.WARN
            message = (
                f"attestation by {attestation.by} expired on {attestation.expires.isoformat()}: "
                f"renew it once {item.title[:1].lower() + item.title[1:]} is verified again"
            )
        findings.append(
            Finding(rule=item_id, result=result, severity=item.severity, message=message)
        )
    return findings


def _attested(attestation: Attestation) -> str:
    return (
        f"attested by {attestation.by} (evidence: {attestation.evidence}) until "
        f"{attestation.expires.isoformat()}"
    )


def policy_selects_namespace(
    policy: Policy,
    name: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    operator_namespace: str | None,
) -> bool:
    """Whether ``policy`` governs the namespace ``name``.

    The operator's own namespace is never governed (a default-deny policy
    there would cut the operator off from the API server), nor is a namespace
    annotated ``akschecklist.io/exclude: "true"``, nor one the policy excludes.
    System namespaces (:data:`SYSTEM_NAMESPACES`) are governed only when the
    selector names them.
    """
    if operator_namespace and name == operator_namespace:
        return False
    if annotations.get(EXCLUDE_ANNOTATION, "").strip().lower() == "true":
        return False
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in policy.excluded_namespaces):
        return False
    if is_system_namespace(name) and name not in names_in_selector(policy.namespace_selector):
        return False
    return selector_matches(policy.namespace_selector, labels)


def is_system_namespace(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SYSTEM_NAMESPACES)


def names_in_selector(selector: Mapping[str, Any]) -> set[str]:
    """Namespace names a selector spells out through the ``kubernetes.io/metadata.name`` label."""
    named = set()
    value = (selector.get("matchLabels") or {}).get(NAME_LABEL)
    if isinstance(value, str):
        named.add(value)
    for expression in selector.get("matchExpressions") or ():
        if expression.get("key") == NAME_LABEL and expression.get("operator") == "In":
            named.update(str(v) for v in expression.get("values") or ())
    return named
