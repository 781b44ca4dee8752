"""Networking rules: how Services and Ingresses expose apps, and how NetworkPolicies fence pods.

Exposure rules judge one object at a time. An Ingress host is what claims
traffic, so a rule without a host, a default backend (it answers for any
host) or a wildcard host (it claims every subdomain) is flagged.

Isolation rules (NET-07, NET-11) need every NetworkPolicy of the namespace,
so they prepare a :class:`~aks_checklist.checks.netpol.PolicyIndex` once per
snapshot and look each workload up in it; ``netpol`` holds the Kubernetes
semantics they rely on. Pods on the host network are ``NotApplicable``:
NetworkPolicies do not apply to them.

NET-08 yields one finding on the Namespace: it passes when, for each
direction, a policy selects every pod (``podSelector: {}``) and allows
nothing; an egress policy that opens only DNS (port 53) still counts, since
"deny everything but DNS" is the usual baseline. It can only be judged when
the snapshot shows the whole namespace (a live cluster) or the manifests
declare the Namespace itself; otherwise it yields ``NotApplicable`` saying
why, so a partial manifest set never fails for a policy that may live
elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from aks_checklist.checks import netpol
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.snapshot import Obj, Snapshot, annotations_of, as_dict, as_list

# A member looked up on the enum class costs ten times a global, and these are read for
# every object judged.
P, F, W, NA = Result.PASS, Result.FAIL, Result.WARN, Result.NOT_APPLICABLE

SERVICE_TYPE = Rule(
    "NET-03/service-type",
    "Expose web apps through an ingress controller, not NodePort or public LoadBalancer Services",
    Severity.MEDIUM,
    "object",
)
INGRESS_HOST = Rule(
    "NET-05/ingress-host",
    "Every Ingress rule names the host it serves",
    Severity.MEDIUM,
    "object",
)
INGRESS_TLS = Rule(
    "NET-05/ingress-tls",
    "Every Ingress host is served over TLS",
    Severity.MEDIUM,
    "object",
)
INTERNAL_LOAD_BALANCER = Rule(
    "NET-06/internal-load-balancer",
    "LoadBalancer Services use an internal Azure load balancer",
    Severity.HIGH,
    "object",
)
POD_INGRESS_ISOLATED = Rule(
    "NET-07/pod-ingress-isolated",
    "A NetworkPolicy controls the traffic into the pods",
    Severity.HIGH,
    "workload",
)
POD_EGRESS_ISOLATED = Rule(
    "NET-07/pod-egress-isolated",
    "A NetworkPolicy controls the traffic out of the pods",
    Severity.HIGH,
    "workload",
)
DEFAULT_DENY = Rule(
    "NET-08/default-deny",
    "The namespace denies ingress and egress by default",
    Severity.HIGH,
    "namespace",
)
IMDS_BLOCKED = Rule(
    "NET-11/imds-blocked",
    "Pods cannot reach the node's Instance Metadata Service",
    Severity.HIGH,
    "workload",
)

RULES: tuple[Rule, ...] = (
    SERVICE_TYPE,
    INGRESS_HOST,
    INGRESS_TLS,
    INTERNAL_LOAD_BALANCER,
    POD_INGRESS_ISOLATED,
    POD_EGRESS_ISOLATED,
    DEFAULT_DENY,
    IMDS_BLOCKED,
)

INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal"
_SERVICE_TYPES = frozenset({"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"})
_MAX_NAMES = 3


def check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    for service in snapshot.of_kind("Service"):
        ref = snapshot.ref(service)
        yield _service_type(service, ref, settings.enabled(INTERNAL_LOAD_BALANCER.id))
        if _service_type_name(service) == "LoadBalancer":
            yield _internal_load_balancer(service, ref)
    for ingress in snapshot.of_kind("Ingress"):
        ref = snapshot.ref(ingress)
        yield _ingress_host(ingress, ref)
        yield _ingress_tls(ingress, ref)
    wanted = {
        rule.id
        for rule in (POD_INGRESS_ISOLATED, POD_EGRESS_ISOLATED, IMDS_BLOCKED)
        if settings.enabled(rule.id)
    }
    policies = [
        policy
        for policy in snapshot.of_kind("NetworkPolicy")
        if snapshot.ref(policy).namespace == snapshot.namespace
    ]
    if wanted:
        yield from _isolation(snapshot, netpol.PolicyIndex(policies), wanted)
    yield _default_deny(snapshot, policies)


def is_internal_load_balancer(service: Obj) -> bool:
    """The Azure cloud provider builds an internal LB only for the exact value ``"true"``."""
    return annotations_of(service).get(INTERNAL_LB_ANNOTATION) == "true"


def _service_type_name(service: Obj) -> str:
    return str(as_dict(service.get("spec")).get("type") or "ClusterIP")


def _service_type(service: Obj, ref: ObjectRef, internal_lb_judged: bool) -> Finding:
    spec = as_dict(service.get("spec"))
    kind = _service_type_name(service)
    if kind not in _SERVICE_TYPES:
        return SERVICE_TYPE.finding(Result.ERROR, f"{ref} has unknown type {kind!r}", ref)
    if kind == "NodePort":
        return SERVICE_TYPE.finding(
            F,
            f"{ref} is a NodePort Service: it opens a port on every node; "
            "route HTTP through an ingress controller instead",
            ref,
        )
    if kind == "LoadBalancer":
        if is_internal_load_balancer(service):
            return SERVICE_TYPE.finding(
                P, f"{ref} is a LoadBalancer on an internal load balancer", ref
            )
        if internal_lb_judged:
            # One exposure, one finding: NET-06 already fails the public IP address.
            return SERVICE_TYPE.finding(
                NA,
                f"{ref} is a public LoadBalancer Service, judged by {INTERNAL_LOAD_BALANCER.id}",
                ref,
            )
        return SERVICE_TYPE.finding(
            W,
            f"{ref} is a public LoadBalancer Service; for web apps prefer an ingress controller",
            ref,
        )
    external_ips = [str(ip) for ip in as_list(spec.get("externalIPs"))]
    if external_ips:
        return SERVICE_TYPE.finding(
            W, f"{ref} is exposed on spec.externalIPs {_names(external_ips)}", ref
        )
    return SERVICE_TYPE.finding(P, f"{ref} is a {kind} Service", ref)


def _internal_load_balancer(service: Obj, ref: ObjectRef) -> Finding:
    if is_internal_load_balancer(service):
        return INTERNAL_LOAD_BALANCER.finding(P, f"{ref} uses an internal Azure load balancer", ref)
    value = annotations_of(service).get(INTERNAL_LB_ANNOTATION)
    detail = (
        f'annotation {INTERNAL_LB_ANNOTATION} is {value!r}, and only "true" makes it internal'
        if value is not None
        else f'annotate it {INTERNAL_LB_ANNOTATION}: "true" unless it must be public'
    )
    ranges = as_list(as_dict(service.get("spec")).get("loadBalancerSourceRanges"))
    limited = (
        f" (source ranges {_names([str(r) for r in ranges])} only limit who may connect)"
        if ranges
        else ""
    )
    return INTERNAL_LOAD_BALANCER.finding(
        F, f"{ref} gets a public IP address{limited}; {detail}", ref
    )


def _ingress_rules(ingress: Obj) -> list[dict[str, Any]]:
    return [as_dict(rule) for rule in as_list(as_dict(ingress.get("spec")).get("rules"))]


def _default_backend(ingress: Obj) -> dict[str, Any]:
    # networking.k8s.io/v1 calls it defaultBackend; the v1beta1 APIs called it backend.
    spec = as_dict(ingress.get("spec"))
    return as_dict(spec.get("defaultBackend")) or as_dict(spec.get("backend"))


def _ingress_host(ingress: Obj, ref: ObjectRef) -> Finding:
    rules = _ingress_rules(ingress)
    if _default_backend(ingress):
        return INGRESS_HOST.finding(
            F,
            f"{ref} has a default backend, which answers requests for any host name",
            ref,
        )
    if not rules:
        return INGRESS_HOST.finding(F, f"{ref} declares neither rules nor a default backend", ref)
    hostless = [str(number) for number, rule in enumerate(rules, 1) if not rule.get("host")]
    if hostless:
        return INGRESS_HOST.finding(
            F,
            f"{ref} rule {', '.join(hostless)} of {len(rules)} has no host, "
            "so it answers requests for any host name",
            ref,
        )
    hosts = [str(rule["host"]) for rule in rules]
    wildcards = [host for host in hosts if host.startswith("*")]
    if wildcards:
        return INGRESS_HOST.finding(
            W,
            f"{ref} claims every subdomain through wildcard host {_names(wildcards)}",
            ref,
        )
    return INGRESS_HOST.finding(P, f"{ref} serves hosts {_names(hosts)}", ref)


def _tls_covers(pattern: str, host: str) -> bool:
    if pattern == host:
        return True
    # A wildcard certificate name covers exactly one extra leftmost label.
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return False


def _ingress_tls(ingress: Obj, ref: ObjectRef) -> Finding:
    entries = [as_dict(entry) for entry in as_list(as_dict(ingress.get("spec")).get("tls"))]
    if not entries:
        return INGRESS_TLS.finding(F, f"{ref} has no tls section", ref)
    if any(not as_list(entry.get("hosts")) for entry in entries):
        # A TLS entry without hosts applies the controller's certificate to every host.
        return INGRESS_TLS.finding(P, f"{ref} terminates TLS for every host", ref)
    patterns = [str(host) for entry in entries for host in as_list(entry.get("hosts"))]
    hosts = [str(rule["host"]) for rule in _ingress_rules(ingress) if rule.get("host")]
    uncovered = [host for host in hosts if not any(_tls_covers(p, host) for p in patterns)]
    if uncovered:
        return INGRESS_TLS.finding(
            F, f"{ref} serves {_names(uncovered)} without TLS (not in spec.tls)", ref
        )
    return INGRESS_TLS.finding(P, f"{ref} terminates TLS for {_names(patterns)}", ref)


def _isolation(
    snapshot: Snapshot, index: netpol.PolicyIndex, wanted: set[str]
) -> Iterator[Finding]:
    for workload in snapshot.workloads:
        ref = workload.ref
        if workload.pod_spec.get("hostNetwork") is True:
            why = f"{ref} runs on the host network, where NetworkPolicies do not apply"
            for rule in (POD_INGRESS_ISOLATED, POD_EGRESS_ISOLATED, IMDS_BLOCKED):
                if rule.id in wanted:
                    yield rule.finding(NA, why, ref)
            continue
        isolation = index.isolation(workload.pod_labels)
        if POD_INGRESS_ISOLATED.id in wanted:
            yield _isolated(POD_INGRESS_ISOLATED, ref, "ingress", isolation.ingress)
        if POD_EGRESS_ISOLATED.id in wanted:
            yield _isolated(POD_EGRESS_ISOLATED, ref, "egress", isolation.egress)
        if IMDS_BLOCKED.id in wanted:
            yield _imds(ref, isolation.egress)


def _isolated(rule: Rule, ref: ObjectRef, direction: str, policies: Iterable[Obj]) -> Finding:
    names = [f"NetworkPolicy/{netpol.policy_name(policy)}" for policy in policies]
    if names:
        return rule.finding(P, f"{ref} pods are isolated for {direction} by {_names(names)}", ref)
    return rule.finding(
        F,
        f"{ref} pods accept any {direction} traffic: no NetworkPolicy selecting them "
        f"has {direction.capitalize()} in its policyTypes",
        ref,
    )


def _imds(ref: ObjectRef, egress_policies: tuple[Obj, ...]) -> Finding:
    target = f"{netpol.IMDS_ADDRESS}:{netpol.IMDS_PORT}"
    if not egress_policies:
        return IMDS_BLOCKED.finding(
            F, f"{ref} pods are not egress-isolated, so they can reach IMDS {target}", ref
        )
    policy = netpol.egress_allowed_by(egress_policies, netpol.IMDS_ADDRESS, netpol.IMDS_PORT)
    if policy is not None:
        return IMDS_BLOCKED.finding(
            F,
            f"{ref} pods can reach IMDS {target}: "
            f"NetworkPolicy/{netpol.policy_name(policy)} allows it",
            ref,
        )
    return IMDS_BLOCKED.finding(P, f"{ref} pods cannot reach IMDS {target}", ref)


def namespace_ref(snapshot: Snapshot) -> ObjectRef:
    """The Namespace a namespace-wide finding is about (declared or not)."""
    if snapshot.namespace_object is not None:
        return snapshot.ref(snapshot.namespace_object)
    return ObjectRef(api_version="v1", kind="Namespace", namespace=None, name=snapshot.namespace)


def undeclared_namespace(rule: Rule, snapshot: Snapshot) -> Finding:
    return rule.finding(
        NA,
        f"namespace {snapshot.namespace} is not in the scanned set: "
        "declare the Namespace or scan a live cluster to judge namespace-wide rules",
        namespace_ref(snapshot),
    )


def _default_deny(snapshot: Snapshot, policies: list[Obj]) -> Finding:
    if not snapshot.namespace_declared:
        return undeclared_namespace(DEFAULT_DENY, snapshot)
    ref = namespace_ref(snapshot)
    ingress = [netpol.policy_name(p) for p in policies if netpol.denies_all_ingress(p)]
    egress = [netpol.policy_name(p) for p in policies if netpol.denies_all_egress(p)]
    missing = [
        direction for direction, found in (("ingress", ingress), ("egress", egress)) if not found
    ]
    if missing:
        return DEFAULT_DENY.finding(
            F,
            f"namespace {snapshot.namespace} has no default-deny NetworkPolicy for "
            f"{' and '.join(missing)} (podSelector {{}} with no {' or '.join(missing)} rules)",
            ref,
        )
    found = sorted(set(ingress) | set(egress))
    return DEFAULT_DENY.finding(
        P,
        f"namespace {snapshot.namespace} denies ingress and egress by default "
        f"({_names(['NetworkPolicy/' + name for name in found])})",
        ref,
    )


def _names(names: list[str]) -> str:
    """A short, readable list: at most a few names, then how many more."""
    shown = ", ".join(names[:_MAX_NAMES])
    more = len(names) - _MAX_NAMES
    return f"{shown} and {more} more" if more > 0 else shown
