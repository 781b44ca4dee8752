"""NetworkPolicy semantics, and label-selector lookups that stay fast with thousands of objects.

Several rules ask "which NetworkPolicies isolate this pod, and what do they
still let through?". The answers follow the Kubernetes API, not intuition:

* ``policyTypes`` left empty defaults to ``["Ingress"]``, plus ``"Egress"``
  only when the policy has at least one egress rule (an empty ``egress: []``
  does not count, exactly as the API server defaults it).
* A missing or ``{}`` ``podSelector`` selects every pod of the namespace.
* A pod is isolated in a direction as soon as one policy selecting it has
  that direction in its effective types, whatever the rules say; policies
  only ever add allowed traffic, they never subtract it.
* An egress rule without ``to`` reaches every destination, without ``ports``
  every port; a port entry without ``protocol`` means TCP. Named ports are
  resolved against destination *pods*, so they never match an IP block.

:class:`SelectorIndex` exists because matching every workload against every
policy (or PodDisruptionBudget) is quadratic: a namespace with one policy per
app and 5,000 apps would cost 25 million selector evaluations. The index
buckets selectors by one ``matchLabels`` pair (or one ``In`` value), so a
lookup only evaluates selectors that can possibly match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aks_checklist.checks.snapshot import Obj, as_dict, as_list, meta, selector_matches
from aks_checklist.records import Frozen

if TYPE_CHECKING:
    from ipaddress import IPv4Address, IPv6Address

INGRESS = "Ingress"
EGRESS = "Egress"
DNS_PORT = 53
# CoreDNS names its ports like this; a rule naming them to the DNS pods is a DNS-only rule.
DNS_PORT_NAMES = frozenset({"dns", "dns-tcp"})
# The Azure Instance Metadata Service: hands out the node's managed-identity tokens.
IMDS_ADDRESS = "169.254.169.254"
IMDS_PORT = 80

T = TypeVar("T")


class SelectorIndex(Generic[T]):
    """Finds the items whose LabelSelector matches a label set, without trying them all.

    A ``None`` selector matches nothing (Kubernetes' nil selector) and is
    dropped; ``{}`` matches everything. Results keep the insertion order.
    """

    def __init__(self, entries: Iterable[tuple[Mapping[str, Any] | None, T]]) -> None:
        self._buckets: dict[tuple[str, str], list[int]] = {}
        self._always: list[int] = []  # selectors with no indexable term: tried for every lookup
        self._entries: list[tuple[Mapping[str, Any], T]] = []
        for selector, item in entries:
            if selector is None:
                continue
            position = len(self._entries)
            self._entries.append((selector, item))
            keys = _index_keys(selector)
            if keys is None:
                self._always.append(position)
            for key in keys or ():
                self._buckets.setdefault(key, []).append(position)

    def __len__(self) -> int:
        return len(self._entries)

    def matching(self, labels: Mapping[str, str]) -> list[T]:
        if not self._entries:
            return []
        candidates = set(self._always)
        for pair in labels.items():
            candidates.update(self._buckets.get(pair, ()))
        found = []
        for position in sorted(candidates):
            selector, item = self._entries[position]
            if selector_matches(selector, labels):
                found.append(item)
        return found


def _index_keys(selector: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    """Label pairs of which a matching label set must hold at least one; ``None``: no such set."""
    match_labels = as_dict(selector.get("matchLabels"))
    for key, value in match_labels.items():
        return [(str(key), str(value))]
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        values = as_list(expr.get("values"))
        if expr.get("operator") == "In" and values:
            return [(str(expr.get("key", "")), str(value)) for value in values]
    return None


def policy_spec(policy: Obj) -> dict[str, Any]:
    return as_dict(policy.get("spec"))


def pod_selector(policy: Obj) -> dict[str, Any]:
    """The policy's podSelector; absent or null decodes to ``{}``, which selects every pod."""
    return as_dict(policy_spec(policy).get("podSelector"))


def selects_all_pods(policy: Obj) -> bool:
    selector = pod_selector(policy)
    return not as_dict(selector.get("matchLabels")) and not as_list(
        selector.get("matchExpressions")
    )


def effective_policy_types(policy: Obj) -> frozenset[str]:
    """``spec.policyTypes`` as the API server defaults it."""
    spec = policy_spec(policy)
    declared = [str(kind) for kind in as_list(spec.get("policyTypes"))]
    if declared:
        return frozenset(declared)
    if as_list(spec.get("egress")):
        return frozenset({INGRESS, EGRESS})
    return frozenset({INGRESS})


def denies_all_ingress(policy: Obj) -> bool:
    """A default-deny ingress policy: selects every pod, isolates ingress, allows nothing in."""
    return (
        selects_all_pods(policy)
        and INGRESS in effective_policy_types(policy)
        and not as_list(policy_spec(policy).get("ingress"))
    )


def denies_all_egress(policy: Obj) -> bool:
    """A default-deny egress policy; rules that only open DNS (port 53) still count as deny-all.

    Pods cannot resolve names without DNS, so "deny everything but DNS" is the
    usual baseline and the one this operator generates itself.
    """
    return (
        selects_all_pods(policy)
        and EGRESS in effective_policy_types(policy)
        and all(
            is_dns_only_rule(as_dict(rule)) for rule in as_list(policy_spec(policy).get("egress"))
        )
    )


def is_dns_only_rule(rule: Mapping[str, Any]) -> bool:
    """Whether an egress rule opens nothing but port 53 (or CoreDNS' named DNS ports)."""
    ports = as_list(rule.get("ports"))
    if not ports:
        return False  # no ports: every port to the listed peers
    for entry in ports:
        entry = as_dict(entry)
        port = entry.get("port")
        if isinstance(port, str):
            if port not in DNS_PORT_NAMES:
                return False
            continue
        if port != DNS_PORT or entry.get("endPort", DNS_PORT) != DNS_PORT:
            return False
    return True


def egress_rule_allows(
    rule: Mapping[str, Any], address: str, port: int, protocol: str = "TCP"
) -> bool:
    """Whether one egress rule lets a pod reach ``address:port`` (an address that is not a pod)."""
    return _rule_reaches_address(rule, address) and _rule_opens_port(rule, port, protocol)


def _rule_reaches_address(rule: Mapping[str, Any], address: str) -> bool:
    peers = as_list(rule.get("to"))
    if not peers:
        return True
    import ipaddress  # only egress rules with ipBlocks get here; a small scan never does

    target = ipaddress.ip_address(address)
    for peer in peers:
        block = as_dict(as_dict(peer).get("ipBlock"))
        if not block:
            continue  # pod or namespace selectors only ever match pod addresses
        if _in_cidr(target, block.get("cidr")) and not any(
            _in_cidr(target, cidr) for cidr in as_list(block.get("except"))
        ):
            return True
    return False


def _in_cidr(address: IPv4Address | IPv6Address, cidr: Any) -> bool:
    import ipaddress

    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return False
    return network.version == address.version and address in network


def _rule_opens_port(rule: Mapping[str, Any], port: int, protocol: str) -> bool:
    entries = as_list(rule.get("ports"))
    if not entries:
        return True
    for entry in entries:
        entry = as_dict(entry)
        if str(entry.get("protocol") or "TCP") != protocol:
            continue
        first = entry.get("port")
        if first is None:
            return True  # every port of this protocol
        if isinstance(first, bool) or not isinstance(first, int):
            continue  # a named port resolves against pods only
        last = entry.get("endPort", first)
        last = last if isinstance(last, int) and not isinstance(last, bool) else first
        if first <= port <= last:
            return True
    return False


def policy_name(policy: Obj) -> str:
    return str(meta(policy).get("name") or "")


class Isolation(Frozen):
    """The policies that select a pod and isolate it, per direction (empty: not isolated)."""

    _fields = __slots__ = ("ingress", "egress")
    ingress: tuple[Obj, ...]
    egress: tuple[Obj, ...]

    def __init__(self, ingress: tuple[Obj, ...], egress: tuple[Obj, ...]) -> None:
        set_field = object.__setattr__
        set_field(self, "ingress", ingress)
        set_field(self, "egress", egress)


class PolicyIndex:
    """The NetworkPolicies of one namespace, prepared once for many pod lookups."""

    def __init__(self, policies: Iterable[Obj]) -> None:
        prepared = [(policy, effective_policy_types(policy)) for policy in policies]
        self._index: SelectorIndex[tuple[Obj, frozenset[str]]] = SelectorIndex(
            (pod_selector(policy), (policy, types)) for policy, types in prepared
        )
        self.policies = [policy for policy, _ in prepared]

    def isolation(self, labels: Mapping[str, str]) -> Isolation:
        selecting = self._index.matching(labels)
        return Isolation(
            ingress=tuple(policy for policy, types in selecting if INGRESS in types),
            egress=tuple(policy for policy, types in selecting if EGRESS in types),
        )


def egress_allowed_by(
    isolating: Iterable[Obj], address: str, port: int, protocol: str = "TCP"
) -> Obj | None:
    """The first egress-isolating policy whose rules let pods reach ``address:port``, if any.

    ``isolating`` are the policies of :attr:`Isolation.egress`; with none of
    them the pods are not isolated and reach everything, which callers check
    first.
    """
    for policy in isolating:
        for rule in as_list(policy_spec(policy).get("egress")):
            if egress_rule_allows(as_dict(rule), address, port, protocol):
                return policy
    return None
