"""NetworkPolicy semantics and the selector index behave as Kubernetes defines them."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import netpol
from aks_checklist.checks.snapshot import selector_matches
from tests.unit.checks.builders import networkpolicy

Obj = dict[str, Any]


def policy(**spec: Any) -> Obj:
    """A NetworkPolicy with exactly the given spec fields (nothing defaulted)."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p"},
        "spec": spec,
    }


DNS_RULE = {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({}, {"Ingress"}, id="unset-defaults-to-ingress"),
        pytest.param({"policyTypes": []}, {"Ingress"}, id="empty-list-defaults-like-unset"),
        pytest.param({"egress": [{}]}, {"Ingress", "Egress"}, id="unset-with-egress-rules"),
        pytest.param({"egress": []}, {"Ingress"}, id="unset-with-empty-egress-adds-nothing"),
        pytest.param({"policyTypes": ["Egress"]}, {"Egress"}, id="explicit-egress-only"),
        pytest.param(
            {"policyTypes": ["Egress"], "ingress": [{}]}, {"Egress"}, id="explicit-wins-over-rules"
        ),
        pytest.param(
            {"policyTypes": ["Ingress", "Egress"]}, {"Ingress", "Egress"}, id="explicit-both"
        ),
    ],
)
def test_effective_policy_types_follow_api_defaulting(spec: Obj, expected: set[str]) -> None:
    """Unset policyTypes mean Ingress, plus Egress only when egress rules exist."""
    assert netpol.effective_policy_types(policy(**spec)) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({}, True, id="absent-selector"),
        pytest.param({"podSelector": None}, True, id="null-selector"),
        pytest.param({"podSelector": {}}, True, id="empty-selector"),
        pytest.param({"podSelector": {"matchLabels": {}}}, True, id="empty-match-labels"),
        pytest.param({"podSelector": {"matchLabels": {"app": "web"}}}, False, id="labels"),
        pytest.param(
            {"podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]}},
            False,
            id="expressions",
        ),
    ],
)
def test_selects_all_pods_only_for_empty_selectors(spec: Obj, expected: bool) -> None:
    assert netpol.selects_all_pods(policy(**spec)) is expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"podSelector": {}}, True, id="classic-empty-spec"),
        pytest.param({"podSelector": {}, "policyTypes": ["Ingress"]}, True, id="explicit-ingress"),
        pytest.param(
            {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}, True, id="empty-rules"
        ),
        pytest.param(
            {"podSelector": {}, "policyTypes": ["Egress"]}, False, id="egress-only-policy"
        ),
        pytest.param(
            {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]},
            False,
            id="allows-same-namespace",
        ),
        pytest.param({"podSelector": {"matchLabels": {"app": "web"}}}, False, id="not-all-pods"),
    ],
)
def test_denies_all_ingress(spec: Obj, expected: bool) -> None:
    assert netpol.denies_all_ingress(policy(**spec)) is expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"podSelector": {}, "policyTypes": ["Egress"]}, True, id="no-rules"),
        pytest.param(
            {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "egress": []},
            True,
            id="empty-rules",
        ),
        pytest.param(
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [DNS_RULE]},
            True,
            id="dns-only",
        ),
        pytest.param({"podSelector": {}, "egress": [DNS_RULE]}, True, id="dns-only-types-unset"),
        pytest.param({"podSelector": {}}, False, id="types-unset-no-egress"),
        pytest.param({"podSelector": {}, "egress": []}, False, id="types-unset-empty-egress"),
        pytest.param(
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [DNS_RULE, {"ports": [{"port": 443}]}],
            },
            False,
            id="dns-and-https",
        ),
        pytest.param(
            {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"]},
            False,
            id="not-all-pods",
        ),
    ],
)
def test_denies_all_egress_tolerates_dns(spec: Obj, expected: bool) -> None:
    """Deny-all egress that still opens DNS counts as default-deny egress."""
    assert netpol.denies_all_egress(policy(**spec)) is expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(DNS_RULE, True, id="udp-and-tcp-53"),
        pytest.param({"ports": [{"port": 53}]}, True, id="protocol-defaults"),
        pytest.param(
            {"to": [{"namespaceSelector": {}}], "ports": [{"port": "dns"}, {"port": "dns-tcp"}]},
            True,
            id="coredns-named-ports",
        ),
        pytest.param({"ports": [{"port": 53, "endPort": 53}]}, True, id="range-of-one"),
        pytest.param({"ports": [{"port": 53, "endPort": 80}]}, False, id="range-beyond-53"),
        pytest.param({"ports": [{"port": "http"}]}, False, id="other-named-port"),
        pytest.param({"ports": [{"protocol": "UDP"}]}, False, id="all-udp-ports"),
        pytest.param({"to": [{"namespaceSelector": {}}]}, False, id="no-ports-means-all"),
        pytest.param({}, False, id="allow-everything"),
        pytest.param({"ports": [{"port": 53}, {"port": 443}]}, False, id="extra-port"),
    ],
)
def test_is_dns_only_rule(rule: Obj, expected: bool) -> None:
    assert netpol.is_dns_only_rule(rule) is expected


IMDS = netpol.IMDS_ADDRESS


@pytest.mark.parametrize(
    ("rule", "port", "protocol", "expected"),
    [
        pytest.param({}, 80, "TCP", True, id="empty-rule-allows-all"),
        pytest.param({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}, 80, "TCP", True, id="any-ip"),
        pytest.param(
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]},
            80,
            "TCP",
            False,
            id="excepted",
        ),
        pytest.param(
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}]},
            80,
            "TCP",
            False,
            id="excepted-by-wider-block",
        ),
        pytest.param({"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}, 80, "TCP", False, id="other"),
        pytest.param({"to": [{"ipBlock": {"cidr": "::/0"}}]}, 80, "TCP", False, id="ipv6-block"),
        pytest.param({"to": [{"ipBlock": {"cidr": "bogus"}}]}, 80, "TCP", False, id="bad-cidr"),
        pytest.param({"to": [{"podSelector": {}}]}, 80, "TCP", False, id="pods-are-not-imds"),
        pytest.param({"to": [{"namespaceSelector": {}}]}, 80, "TCP", False, id="namespaces"),
        pytest.param({"ports": [{"port": 443}]}, 80, "TCP", False, id="other-port"),
        pytest.param({"ports": [{"port": 80}]}, 80, "TCP", True, id="same-port-default-tcp"),
        pytest.param({"ports": [{"port": 80, "protocol": "UDP"}]}, 80, "TCP", False, id="udp"),
        pytest.param({"ports": [{"protocol": "TCP"}]}, 80, "TCP", True, id="all-tcp-ports"),
        pytest.param({"ports": [{"port": 1, "endPort": 1024}]}, 80, "TCP", True, id="range"),
        pytest.param({"ports": [{"port": 81, "endPort": 1024}]}, 80, "TCP", False, id="above"),
        pytest.param({"ports": [{"port": "http"}]}, 80, "TCP", False, id="named-port"),
    ],
)
def test_egress_rule_allows_address(rule: Obj, port: int, protocol: str, expected: bool) -> None:
    """An egress rule reaches a non-pod address only through matching ipBlocks and ports."""
    assert netpol.egress_rule_allows(rule, IMDS, port, protocol) is expected


SELECTORS: list[Any] = [
    None,
    {},
    {"matchLabels": {"app": "web"}},
    {"matchLabels": {"app": "web", "tier": "front"}},
    {"matchLabels": {"version": 2}},
    {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]},
    {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]},
    {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
    {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]},
    {"matchExpressions": [{"key": "app", "operator": "In", "values": []}]},
    {"matchLabels": {"app": "api"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]},
]
LABEL_SETS: list[dict[str, str]] = [
    {},
    {"app": "web"},
    {"app": "api"},
    {"app": "web", "tier": "front"},
    {"app": "api", "tier": "back"},
    {"version": "2"},
    {"tier": "front"},
]


@pytest.mark.parametrize("labels", LABEL_SETS, ids=lambda labels: str(labels) or "no-labels")
def test_selector_index_agrees_with_trying_every_selector(labels: dict[str, str]) -> None:
    """The index returns exactly what evaluating every selector would, in insertion order."""
    index = netpol.SelectorIndex((selector, n) for n, selector in enumerate(SELECTORS))
    expected = [
        position
        for position, selector in enumerate(SELECTORS)
        if selector_matches(selector, labels)
    ]
    assert index.matching(labels) == expected


def test_selector_index_drops_nil_selectors_and_counts_the_rest() -> None:
    index = netpol.SelectorIndex([(None, "nothing"), ({}, "everything")])
    assert len(index) == 1
    assert index.matching({"any": "thing"}) == ["everything"]


def test_selector_index_lists_each_item_once_for_multi_value_in() -> None:
    selector = {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]}]}
    index = netpol.SelectorIndex([(selector, "x")])
    assert index.matching({"app": "a", "other": "b"}) == ["x"]


def test_policy_index_reports_isolation_per_direction() -> None:
    ingress_only = networkpolicy(
        "ingress", pod_selector={"matchLabels": {"app": "web"}}, policy_types=["Ingress"]
    )
    egress_all = networkpolicy("egress", policy_types=["Egress"])
    unrelated = networkpolicy("api", pod_selector={"matchLabels": {"app": "api"}})
    index = netpol.PolicyIndex([ingress_only, egress_all, unrelated])

    isolation = index.isolation({"app": "web"})

    assert isolation.ingress == (ingress_only,)
    assert isolation.egress == (egress_all,)
    assert index.isolation({"app": "batch"}) == netpol.Isolation(ingress=(), egress=(egress_all,))


@pytest.mark.parametrize(
    ("egress", "allowed"),
    [
        pytest.param([], False, id="deny-all"),
        pytest.param([DNS_RULE], False, id="dns-only"),
        pytest.param([{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}], True, id="internet"),
        pytest.param([DNS_RULE, {}], True, id="second-rule-allows-all"),
    ],
)
def test_egress_allowed_by_names_the_allowing_policy(egress: list[Obj], allowed: bool) -> None:
    isolating = networkpolicy("egress", policy_types=["Egress"], egress=egress)
    found = netpol.egress_allowed_by([isolating], IMDS, netpol.IMDS_PORT)
    assert (found is isolating) is allowed
    if not allowed:
        assert found is None


def test_egress_allowed_by_without_isolating_policies_names_none() -> None:
    """Callers check isolation first; with no policy there is none to name."""
    assert netpol.egress_allowed_by([], IMDS, 80) is None


def test_label_pairs_are_compared_as_strings_in_the_index() -> None:
    """A YAML integer label value in matchLabels still matches the string label."""
    index = netpol.SelectorIndex([({"matchLabels": {"version": 2}}, "v2")])
    assert index.matching({"version": "2"}) == ["v2"]
    assert index.matching({"version": "3"}) == []
