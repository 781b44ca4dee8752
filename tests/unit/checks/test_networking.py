"""Networking rules: Service exposure, Ingress hosts and TLS, NetworkPolicy isolation."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import networking
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result
from tests.unit.checks.builders import (
    NAMESPACE,
    daemonset,
    deployment,
    namespace,
    networkpolicy,
    pod,
    run,
    service,
)

Obj = dict[str, Any]
INTERNAL = {networking.INTERNAL_LB_ANNOTATION: "true"}
DNS_EGRESS = [{"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]


def ingress(
    name: str = "web",
    *,
    rules: list[Obj] | None = None,
    tls: list[Obj] | None = None,
    api_version: str = "networking.k8s.io/v1",
    **spec_extra: Any,
) -> Obj:
    spec: Obj = {}
    if rules is not None:
        spec["rules"] = rules
    if tls is not None:
        spec["tls"] = tls
    spec.update(spec_extra)
    return {
        "apiVersion": api_version,
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": spec,
    }


def host_rule(host: str | None) -> Obj:
    path = {
        "path": "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": "web", "port": {"number": 80}}},
    }
    rule: Obj = {"http": {"paths": [path]}}
    if host is not None:
        rule["host"] = host
    return rule


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


# --- NET-03 / NET-06: Services -----------------------------------------------------------


@pytest.mark.parametrize(
    ("svc", "result"),
    [
        pytest.param(service(), Result.PASS, id="type-absent-is-clusterip"),
        pytest.param(service(type="ClusterIP"), Result.PASS, id="clusterip"),
        pytest.param(service(type="ClusterIP", clusterIP="None"), Result.PASS, id="headless"),
        pytest.param(
            service(type="ExternalName", externalName="db.contoso.com"),
            Result.PASS,
            id="externalname",
        ),
        pytest.param(service(type="NodePort"), Result.FAIL, id="nodeport"),
        pytest.param(
            service(type="LoadBalancer"), Result.NOT_APPLICABLE, id="public-lb-is-net-06s"
        ),
        pytest.param(
            service(type="LoadBalancer", annotations=INTERNAL), Result.PASS, id="internal-lb"
        ),
        pytest.param(
            service(type="ClusterIP", externalIPs=["20.1.2.3"]), Result.WARN, id="external-ips"
        ),
        pytest.param(service(type="Nodeport"), Result.ERROR, id="misspelt-type"),
    ],
)
def test_service_type(svc: Obj, result: Result) -> None:
    """NodePort fails, cluster-internal types pass; a public LoadBalancer is NET-06's to fail."""
    finding = only(run(networking.check, svc, rule="NET-03/service-type"))
    assert finding.result is result
    assert finding.object is not None
    assert finding.object.name == "web"
    assert "Service/web" in finding.message


def test_a_public_load_balancer_is_one_finding_not_two() -> None:
    """NET-06 fails the public IP address; NET-03 says so instead of warning about it again."""
    found = run(networking.check, service(type="LoadBalancer"))
    by_rule = {f.rule: f for f in found if f.rule.startswith(("NET-03", "NET-06"))}
    assert by_rule["NET-06/internal-load-balancer"].result is Result.FAIL
    assert by_rule["NET-03/service-type"].message == (
        "Service/web is a public LoadBalancer Service, judged by NET-06/internal-load-balancer"
    )


def test_a_public_load_balancer_warns_under_net_03_when_net_06_is_disabled() -> None:
    settings = CheckSettings(disabled=frozenset({"NET-06"}))
    found = run(networking.check, service(type="LoadBalancer"), settings=settings)
    assert only([f for f in found if f.rule == "NET-03/service-type"]).result is Result.WARN


@pytest.mark.parametrize(
    ("annotations", "result", "hint"),
    [
        pytest.param(None, Result.FAIL, 'azure-load-balancer-internal: "true"', id="missing"),
        pytest.param(INTERNAL, Result.PASS, "internal", id="internal"),
        pytest.param(
            {networking.INTERNAL_LB_ANNOTATION: "True"}, Result.FAIL, "'True'", id="wrong-case"
        ),
        pytest.param(
            {networking.INTERNAL_LB_ANNOTATION: "false"}, Result.FAIL, "'false'", id="false"
        ),
    ],
)
def test_internal_load_balancer(
    annotations: dict[str, str] | None, result: Result, hint: str
) -> None:
    """Only the exact annotation value "true" makes the Azure load balancer internal."""
    svc = service(type="LoadBalancer", annotations=annotations)
    finding = only(run(networking.check, svc, rule="NET-06/internal-load-balancer"))
    assert finding.result is result
    assert hint in finding.message


def test_source_ranges_do_not_make_a_public_load_balancer_pass() -> None:
    svc = service(type="LoadBalancer", loadBalancerSourceRanges=["203.0.113.0/24"])
    finding = only(run(networking.check, svc, rule="NET-06/internal-load-balancer"))
    assert finding.result is Result.FAIL
    assert "203.0.113.0/24" in finding.message


@pytest.mark.parametrize(
    "svc",
    [
        pytest.param(service(), id="clusterip"),
        pytest.param(service(type="NodePort"), id="nodeport"),
    ],
)
def test_internal_load_balancer_ignores_other_service_types(svc: Obj) -> None:
    assert run(networking.check, svc, rule="NET-06/internal-load-balancer") == []


# --- NET-05: Ingress hosts and TLS -------------------------------------------------------


@pytest.mark.parametrize(
    ("ing", "result", "hint"),
    [
        pytest.param(
            ingress(rules=[host_rule("shop.contoso.com")]), Result.PASS, "shop.", id="host"
        ),
        pytest.param(
            ingress(rules=[host_rule("a.contoso.com"), host_rule("b.contoso.com")]),
            Result.PASS,
            "b.contoso.com",
            id="two-hosts",
        ),
        pytest.param(
            ingress(rules=[host_rule("*.contoso.com")]), Result.WARN, "*.contoso", id="wildcard"
        ),
        pytest.param(ingress(rules=[host_rule(None)]), Result.FAIL, "rule 1 of 1", id="no-host"),
        pytest.param(ingress(rules=[host_rule("")]), Result.FAIL, "rule 1 of 1", id="empty-host"),
        pytest.param(
            ingress(rules=[host_rule("a.contoso.com"), host_rule(None)]),
            Result.FAIL,
            "rule 2 of 2",
            id="second-rule-hostless",
        ),
        pytest.param(
            ingress(defaultBackend={"service": {"name": "web", "port": {"number": 80}}}),
            Result.FAIL,
            "default backend",
            id="default-backend-only",
        ),
        pytest.param(
            ingress(
                rules=[host_rule("a.contoso.com")],
                defaultBackend={"service": {"name": "web", "port": {"number": 80}}},
            ),
            Result.FAIL,
            "default backend",
            id="hosts-plus-default-backend",
        ),
        pytest.param(
            ingress(
                api_version="extensions/v1beta1",
                backend={"serviceName": "web", "servicePort": 80},
            ),
            Result.FAIL,
            "default backend",
            id="legacy-backend",
        ),
        pytest.param(
            ingress(
                api_version="networking.k8s.io/v1beta1",
                rules=[
                    {
                        "host": "shop.contoso.com",
                        "http": {"paths": [{"backend": {"serviceName": "web", "servicePort": 80}}]},
                    }
                ],
            ),
            Result.PASS,
            "shop.contoso.com",
            id="legacy-rules",
        ),
        pytest.param(ingress(), Result.FAIL, "neither rules", id="empty-spec"),
    ],
)
def test_ingress_host(ing: Obj, result: Result, hint: str) -> None:
    """Every rule names a host; a default backend answers for any host and fails; wildcards warn."""
    finding = only(run(networking.check, ing, rule="NET-05/ingress-host"))
    assert finding.result is result
    assert hint in finding.message
    assert "Ingress/web" in finding.message


@pytest.mark.parametrize(
    ("ing", "result"),
    [
        pytest.param(ingress(rules=[host_rule("a.contoso.com")]), Result.FAIL, id="no-tls"),
        pytest.param(
            ingress(rules=[host_rule("a.contoso.com")], tls=[{"hosts": ["a.contoso.com"]}]),
            Result.PASS,
            id="covered",
        ),
        pytest.param(
            ingress(rules=[host_rule("a.contoso.com")], tls=[{"hosts": ["*.contoso.com"]}]),
            Result.PASS,
            id="wildcard-covers-one-label",
        ),
        pytest.param(
            ingress(rules=[host_rule("x.a.contoso.com")], tls=[{"hosts": ["*.contoso.com"]}]),
            Result.FAIL,
            id="wildcard-not-two-labels",
        ),
        pytest.param(
            ingress(
                rules=[host_rule("a.contoso.com"), host_rule("b.contoso.com")],
                tls=[{"hosts": ["a.contoso.com"]}],
            ),
            Result.FAIL,
            id="one-host-uncovered",
        ),
        pytest.param(
            ingress(rules=[host_rule("a.contoso.com")], tls=[{"secretName": "cert"}]),
            Result.PASS,
            id="tls-without-hosts-covers-all",
        ),
    ],
)
def test_ingress_tls(ing: Obj, result: Result) -> None:
    finding = only(run(networking.check, ing, rule="NET-05/ingress-tls"))
    assert finding.result is result


def test_ingress_tls_names_the_uncovered_host() -> None:
    ing = ingress(
        rules=[host_rule("a.contoso.com"), host_rule("b.contoso.com")],
        tls=[{"hosts": ["a.contoso.com"]}],
    )
    finding = only(run(networking.check, ing, rule="NET-05/ingress-tls"))
    assert "b.contoso.com" in finding.message
    assert "a.contoso.com" not in finding.message


# --- NET-07: pod isolation ---------------------------------------------------------------

WEB = {"matchLabels": {"app": "web"}}


@pytest.mark.parametrize(
    ("policies", "ingress_result", "egress_result"),
    [
        pytest.param([], Result.FAIL, Result.FAIL, id="no-policies"),
        pytest.param([networkpolicy()], Result.PASS, Result.PASS, id="select-all-both-types"),
        pytest.param(
            [networkpolicy(pod_selector=WEB, policy_types=["Ingress"])],
            Result.PASS,
            Result.FAIL,
            id="ingress-only",
        ),
        pytest.param(
            [networkpolicy(pod_selector=WEB, policy_types=["Egress"])],
            Result.FAIL,
            Result.PASS,
            id="egress-only",
        ),
        pytest.param(
            [networkpolicy(policy_types=[])], Result.PASS, Result.FAIL, id="types-unset-no-egress"
        ),
        pytest.param(
            [networkpolicy(policy_types=[], egress=[{}])],
            Result.PASS,
            Result.PASS,
            id="types-unset-with-egress-rule",
        ),
        pytest.param(
            [networkpolicy(policy_types=[], egress=[])],
            Result.PASS,
            Result.FAIL,
            id="types-unset-empty-egress",
        ),
        pytest.param(
            [networkpolicy(pod_selector={"matchLabels": {"app": "api"}})],
            Result.FAIL,
            Result.FAIL,
            id="selects-other-pods",
        ),
        pytest.param(
            [
                networkpolicy(
                    pod_selector={
                        "matchExpressions": [
                            {"key": "app", "operator": "In", "values": ["web", "api"]}
                        ]
                    }
                )
            ],
            Result.PASS,
            Result.PASS,
            id="match-expressions-in",
        ),
        pytest.param(
            [
                networkpolicy(
                    pod_selector={
                        "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]
                    }
                )
            ],
            Result.FAIL,
            Result.FAIL,
            id="match-expressions-not-in",
        ),
        pytest.param(
            [
                networkpolicy("in", pod_selector=WEB, policy_types=["Ingress"]),
                networkpolicy("out", policy_types=["Egress"]),
            ],
            Result.PASS,
            Result.PASS,
            id="split-over-two-policies",
        ),
    ],
)
def test_pod_isolation(policies: list[Obj], ingress_result: Result, egress_result: Result) -> None:
    """Pods are isolated per direction by any selecting policy with that effective type."""
    objs = [deployment("web"), *policies]
    assert only(run(networking.check, *objs, rule="NET-07/pod-ingress-isolated")).result is (
        ingress_result
    )
    assert only(run(networking.check, *objs, rule="NET-07/pod-egress-isolated")).result is (
        egress_result
    )


def test_pod_isolation_without_policy_type_key_at_all() -> None:
    """A policy that omits policyTypes entirely is defaulted like an empty list."""
    policy = networkpolicy(egress=[{}])
    del policy["spec"]["policyTypes"]
    objs = [deployment("web"), policy]
    assert only(run(networking.check, *objs, rule="NET-07/pod-egress-isolated")).result is (
        Result.PASS
    )


def test_policies_of_other_namespaces_do_not_isolate() -> None:
    objs = [deployment("web"), networkpolicy(namespace="other")]
    assert only(run(networking.check, *objs, rule="NET-07/pod-ingress-isolated")).result is (
        Result.FAIL
    )


def test_isolation_names_the_isolating_policy() -> None:
    objs = [deployment("web"), networkpolicy("web-in", pod_selector=WEB)]
    finding = only(run(networking.check, *objs, rule="NET-07/pod-ingress-isolated"))
    assert "NetworkPolicy/web-in" in finding.message
    assert "Deployment/web" in finding.message


def test_isolation_is_judged_per_workload_with_their_own_labels() -> None:
    objs = [
        deployment("web"),
        deployment("api"),
        daemonset("agent"),
        pod("debug", labels={"app": "debug"}),
        networkpolicy(pod_selector=WEB),
    ]
    results = {
        str(f.object): f.result
        for f in run(networking.check, *objs, rule="NET-07/pod-ingress-isolated")
    }
    assert results == {
        "Deployment/web": Result.PASS,
        "Deployment/api": Result.FAIL,
        "DaemonSet/agent": Result.FAIL,
        "Pod/debug": Result.FAIL,
    }


def test_host_network_pods_are_not_applicable() -> None:
    objs = [deployment("web", pod_spec_extra={"hostNetwork": True}), networkpolicy()]
    findings = [
        f for f in run(networking.check, *objs) if f.rule.startswith(("NET-07/", "NET-11/"))
    ]
    assert {f.rule for f in findings} == {
        "NET-07/pod-ingress-isolated",
        "NET-07/pod-egress-isolated",
        "NET-11/imds-blocked",
    }
    assert all(f.result is Result.NOT_APPLICABLE for f in findings)
    assert all("host network" in f.message for f in findings)


def test_disabled_isolation_rules_are_not_computed() -> None:
    settings = CheckSettings(disabled=frozenset({"NET-07", "NET-11"}))
    findings = run(networking.check, deployment("web"), settings=settings)
    assert not [f for f in findings if f.rule.startswith(("NET-07/", "NET-11/"))]


# --- NET-11: IMDS ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policies", "result"),
    [
        pytest.param([], Result.FAIL, id="not-egress-isolated"),
        pytest.param([networkpolicy()], Result.PASS, id="deny-all-egress"),
        pytest.param([networkpolicy(egress=DNS_EGRESS)], Result.PASS, id="dns-only"),
        pytest.param(
            [networkpolicy(egress=[{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}])],
            Result.FAIL,
            id="internet-allowed",
        ),
        pytest.param(
            [
                networkpolicy(
                    egress=[
                        {
                            "to": [
                                {
                                    "ipBlock": {
                                        "cidr": "0.0.0.0/0",
                                        "except": ["169.254.169.254/32"],
                                    }
                                }
                            ]
                        }
                    ]
                )
            ],
            Result.PASS,
            id="internet-except-imds",
        ),
        pytest.param(
            [
                networkpolicy("deny", policy_types=["Egress"]),
                networkpolicy("open", pod_selector=WEB, policy_types=["Egress"], egress=[{}]),
            ],
            Result.FAIL,
            id="second-policy-opens-everything",
        ),
        pytest.param(
            [
                networkpolicy("deny", policy_types=["Egress"]),
                networkpolicy("ingress", pod_selector=WEB, policy_types=["Ingress"], egress=[{}]),
            ],
            Result.PASS,
            id="egress-rules-of-ingress-only-policy-ignored",
        ),
    ],
)
def test_imds_blocked(policies: list[Obj], result: Result) -> None:
    """IMDS is blocked when egress is isolated and no egress rule reaches 169.254.169.254:80."""
    finding = only(run(networking.check, deployment("web"), *policies, rule="NET-11/imds-blocked"))
    assert finding.result is result
    assert "169.254.169.254" in finding.message


def test_imds_failure_names_the_allowing_policy() -> None:
    policies = [
        networkpolicy("deny", policy_types=["Egress"]),
        networkpolicy("open", pod_selector=WEB, policy_types=["Egress"], egress=[{}]),
    ]
    finding = only(run(networking.check, deployment("web"), *policies, rule="NET-11/imds-blocked"))
    assert "NetworkPolicy/open" in finding.message


# --- NET-08: namespace default deny ------------------------------------------------------


def default_deny(**kwargs: Any) -> list[Finding]:
    return run(networking.check, *kwargs.pop("objs"), rule="NET-08/default-deny", **kwargs)


@pytest.mark.parametrize(
    ("policies", "result", "missing"),
    [
        pytest.param([networkpolicy()], Result.PASS, None, id="one-policy-both-directions"),
        pytest.param([networkpolicy(egress=DNS_EGRESS)], Result.PASS, None, id="deny-all-but-dns"),
        pytest.param(
            [
                networkpolicy("deny-in", policy_types=["Ingress"]),
                networkpolicy("deny-out", policy_types=["Egress"]),
            ],
            Result.PASS,
            None,
            id="split-policies",
        ),
        pytest.param([], Result.FAIL, "ingress and egress", id="none"),
        pytest.param(
            [networkpolicy(policy_types=[])], Result.FAIL, "for egress", id="classic-ingress-only"
        ),
        pytest.param(
            [networkpolicy(policy_types=["Egress"])], Result.FAIL, "for ingress", id="egress-only"
        ),
        pytest.param(
            [networkpolicy(egress=[*DNS_EGRESS, {"ports": [{"port": 443}]}])],
            Result.FAIL,
            "for egress",
            id="dns-plus-https",
        ),
        pytest.param(
            [networkpolicy(ingress=[{"from": [{"podSelector": {}}]}])],
            Result.FAIL,
            "for ingress",
            id="ingress-from-namespace",
        ),
        pytest.param(
            [networkpolicy(pod_selector=WEB)], Result.FAIL, "ingress and egress", id="not-all-pods"
        ),
    ],
)
def test_default_deny(policies: list[Obj], result: Result, missing: str | None) -> None:
    """A {}-selecting policy without rules (DNS allowed for egress) is needed per direction."""
    finding = only(default_deny(objs=[namespace(), *policies]))
    assert finding.result is result
    assert finding.object is not None
    assert (finding.object.kind, finding.object.name) == ("Namespace", NAMESPACE)
    if missing is not None:
        assert missing in finding.message


def test_default_deny_is_not_applicable_when_namespace_is_not_scanned() -> None:
    finding = only(default_deny(objs=[deployment("web")]))
    assert finding.result is Result.NOT_APPLICABLE
    assert "not in the scanned set" in finding.message


def test_default_deny_is_judged_on_a_complete_snapshot_without_namespace_object() -> None:
    finding = only(default_deny(objs=[deployment("web")], complete=True))
    assert finding.result is Result.FAIL
    assert finding.object is not None
    assert finding.object.name == NAMESPACE


def test_every_emitted_rule_is_declared() -> None:
    objs = [
        namespace(),
        deployment("web"),
        service(type="LoadBalancer"),
        ingress(rules=[host_rule("a.contoso.com")]),
        networkpolicy(),
    ]
    emitted = {finding.rule for finding in run(networking.check, *objs)}
    assert emitted == {rule.id for rule in networking.RULES}
