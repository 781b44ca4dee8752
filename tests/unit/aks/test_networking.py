"""Networking rules on the ARM document: CNI, policy engine, API server, egress, pod IPs."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.model import Result
from tests.unit.aks.builders import by_object, cluster, only, pool

OVERLAY = {"networkPlugin": "azure", "networkPluginMode": "overlay"}
NODE_SUBNET = {"networkPlugin": "azure"}
KUBENET = {"networkPlugin": "kubenet"}


@pytest.mark.parametrize(
    ("network", "pools", "expected", "fragment"),
    [
        pytest.param(OVERLAY, [pool()], Result.PASS, "(Overlay)", id="overlay"),
        pytest.param(
            {**OVERLAY, "networkDataplane": "cilium", "networkPolicy": "cilium"},
            [pool()],
            Result.PASS,
            "powered by Cilium",
            id="cilium",
        ),
        pytest.param(
            NODE_SUBNET,
            [pool(podSubnetID="/subnets/pods")],
            Result.PASS,
            "dynamic pod subnet",
            id="pod-subnet",
        ),
        pytest.param(NODE_SUBNET, [pool()], Result.PASS, "node subnet", id="node-subnet"),
        pytest.param(KUBENET, [pool()], Result.FAIL, "kubenet", id="kubenet"),
        pytest.param({"networkPlugin": "none"}, [pool()], Result.WARN, "bring-your-own", id="byo"),
        pytest.param(None, [pool()], Result.PASS, "default Azure CNI Overlay", id="absent"),
    ],
)
def test_azure_cni(
    network: dict[str, Any] | None, pools: list[dict[str, Any]], expected: Result, fragment: str
) -> None:
    finding = only(cluster(networkProfile=network, pools=pools), "NET-01/azure-cni")
    assert finding.result == expected
    assert fragment in finding.message


def _routing(kind: str | None) -> dict[str, Any]:
    nginx = {"defaultIngressControllerType": kind} if kind else {}
    return {"webAppRouting": {"enabled": True, "nginx": nginx}}


def _istio(*gateways: dict[str, Any]) -> dict[str, Any]:
    return {"mode": "Istio", "istio": {"components": {"ingressGateways": list(gateways)}}}


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param(
            {"ingressProfile": _routing("Internal")}, Result.PASS, "Internal", id="internal"
        ),
        pytest.param({"ingressProfile": _routing("None")}, Result.PASS, "None", id="none"),
        pytest.param(
            {"ingressProfile": _routing("External")}, Result.WARN, "External", id="external"
        ),
        pytest.param(
            {"ingressProfile": _routing("AnnotationControlled")},
            Result.WARN,
            "AnnotationControlled",
            id="annotation-controlled",
        ),
        pytest.param({"ingressProfile": _routing(None)}, Result.WARN, "absent", id="type-absent"),
        pytest.param(
            {"serviceMeshProfile": _istio({"mode": "Internal", "enabled": True})},
            Result.PASS,
            "Istio Internal ingress gateway",
            id="istio-internal",
        ),
        pytest.param(
            {"serviceMeshProfile": _istio({"mode": "External", "enabled": True})},
            Result.WARN,
            "Istio External ingress gateway",
            id="istio-external",
        ),
        pytest.param(
            {
                "serviceMeshProfile": _istio(
                    {"mode": "External", "enabled": False}, {"mode": "Internal", "enabled": True}
                )
            },
            Result.PASS,
            "Internal",
            id="disabled-external-gateway-ignored",
        ),
        pytest.param(
            {"ingressProfile": {"webAppRouting": {"enabled": False}}},
            Result.NOT_APPLICABLE,
            "no AKS-managed ingress",
            id="routing-disabled",
        ),
        pytest.param({}, Result.NOT_APPLICABLE, "no AKS-managed ingress", id="none-managed"),
    ],
)
def test_managed_ingress_internal(
    properties: dict[str, Any], expected: Result, fragment: str
) -> None:
    finding = only(cluster(**properties), "NET-06/managed-ingress-internal")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("network", "expected", "fragment"),
    [
        pytest.param({**OVERLAY, "networkPolicy": "calico"}, Result.PASS, "calico", id="calico"),
        pytest.param({**OVERLAY, "networkPolicy": "cilium"}, Result.PASS, "cilium", id="cilium"),
        pytest.param(
            {**OVERLAY, "networkPolicy": "azure"}, Result.PASS, "being retired", id="azure-npm"
        ),
        pytest.param(
            {**OVERLAY, "networkDataplane": "cilium"},
            Result.PASS,
            "Cilium dataplane",
            id="dataplane",
        ),
        pytest.param({**OVERLAY, "networkPolicy": "none"}, Result.FAIL, "is none", id="none"),
        pytest.param(OVERLAY, Result.FAIL, "is absent", id="absent"),
    ],
)
def test_network_policy_engine(network: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(cluster(networkProfile=network), "NET-07/network-policy-engine")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("access", "expected", "fragment"),
    [
        pytest.param(
            {"enablePrivateCluster": True, "privateDNSZone": "none"},
            Result.PASS,
            "private DNS zone: none",
            id="private",
        ),
        pytest.param(
            {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/24"]},
            Result.NOT_APPLICABLE,
            "authorized IP ranges",
            id="public-restricted",
        ),
        pytest.param(
            {"enablePrivateCluster": False}, Result.WARN, "open to any IP", id="public-open"
        ),
        pytest.param(None, Result.WARN, "open to any IP", id="absent"),
    ],
)
def test_private_cluster(access: dict[str, Any] | None, expected: Result, fragment: str) -> None:
    finding = only(cluster(apiServerAccessProfile=access), "NET-12/private-cluster")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("network", "fields", "expected", "fragment"),
    [
        pytest.param(OVERLAY, {"maxPods": 250}, Result.PASS, "250 pods", id="overlay"),
        pytest.param(OVERLAY, {}, Result.PASS, "the default", id="overlay-default"),
        pytest.param(
            NODE_SUBNET,
            {"maxPods": 30, "podSubnetID": "/subnets/pods"},
            Result.PASS,
            "dedicated pod subnet",
            id="pod-subnet",
        ),
        pytest.param(NODE_SUBNET, {"maxPods": 30}, Result.WARN, "maxPods 30", id="node-subnet-30"),
        pytest.param(
            NODE_SUBNET, {"maxPods": 20}, Result.WARN, "maxPods 20", id="node-subnet-lower"
        ),
        pytest.param(NODE_SUBNET, {}, Result.WARN, "30 by default", id="node-subnet-absent"),
        pytest.param(NODE_SUBNET, {"maxPods": 60}, Result.PASS, "60 pods", id="node-subnet-raised"),
        pytest.param(KUBENET, {"maxPods": 110}, Result.NOT_APPLICABLE, "kubenet", id="kubenet"),
    ],
)
def test_max_pods(
    network: dict[str, Any], fields: dict[str, Any], expected: Result, fragment: str
) -> None:
    document = cluster(networkProfile=network, pools=[pool("p", **fields)])
    finding = only(document, "NET-14/max-pods")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param(
            {"apiServerAccessProfile": {"enablePrivateCluster": True}},
            Result.NOT_APPLICABLE,
            "private",
            id="private",
        ),
        pytest.param(
            {
                "apiServerAccessProfile": {
                    "authorizedIPRanges": ["203.0.113.0/24", "198.51.100.7/32"]
                }
            },
            Result.PASS,
            "2 authorized range(s)",
            id="restricted",
        ),
        pytest.param(
            {"apiServerAccessProfile": {"authorizedIPRanges": ["0.0.0.0/32"]}},
            Result.PASS,
            "1 authorized",
            id="load-balancer-ip-only",
        ),
        pytest.param(
            {"apiServerAccessProfile": {"authorizedIPRanges": ["203.0.113.0/24", "0.0.0.0/0"]}},
            Result.FAIL,
            "0.0.0.0/0",
            id="open-range",
        ),
        pytest.param(
            {"apiServerAccessProfile": {"authorizedIPRanges": []}}, Result.FAIL, "empty", id="empty"
        ),
        pytest.param({}, Result.FAIL, "any IP address", id="absent"),
        pytest.param(
            {"apiServerAuthorizedIPRanges": ["203.0.113.0/24"]},
            Result.PASS,
            "1 authorized",
            id="api-2019-field",
        ),
    ],
)
def test_authorized_ip_ranges(properties: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(cluster(**properties), "NET-15/authorized-ip-ranges")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("outbound", "expected", "fragment"),
    [
        pytest.param("managedNATGateway", Result.PASS, "managedNATGateway", id="managed-nat"),
        pytest.param("userAssignedNATGateway", Result.PASS, "userAssigned", id="own-nat"),
        pytest.param("userDefinedRouting", Result.NOT_APPLICABLE, "route table", id="udr"),
        pytest.param("none", Result.NOT_APPLICABLE, "no egress", id="isolated"),
        # NET-16 conflicts with NET-09 (egress through a firewall): advisory unless required.
        pytest.param("loadBalancer", Result.WARN, "SNAT", id="load-balancer"),
        pytest.param(None, Result.WARN, "loadBalancer by default", id="absent"),
    ],
)
def test_nat_gateway_outbound(outbound: str | None, expected: Result, fragment: str) -> None:
    document = cluster(networkProfile={**OVERLAY, "outboundType": outbound})
    finding = only(document, "NET-16/nat-gateway-outbound")
    assert finding.result == expected
    assert fragment in finding.message


def test_dynamic_pod_ip_allocation_is_judged_per_pool() -> None:
    document = cluster(
        networkProfile=NODE_SUBNET,
        pools=[pool("dynamic", podSubnetID="/subnets/snet-pods"), pool("static")],
    )
    assert by_object(document, "NET-17/dynamic-pod-ip-allocation") == {
        "dynamic": Result.PASS,
        "static": Result.FAIL,
    }


@pytest.mark.parametrize(
    ("network", "expected", "fragment"),
    [
        pytest.param(OVERLAY, Result.PASS, "Overlay", id="overlay"),
        pytest.param(None, Result.PASS, "Overlay", id="absent-means-overlay"),
        pytest.param(NODE_SUBNET, Result.FAIL, "podSubnetId", id="node-subnet"),
        pytest.param(KUBENET, Result.NOT_APPLICABLE, "kubenet", id="kubenet"),
    ],
)
def test_dynamic_pod_ip_allocation(
    network: dict[str, Any] | None, expected: Result, fragment: str
) -> None:
    finding = only(
        cluster(networkProfile=network, pools=[pool("p")]), "NET-17/dynamic-pod-ip-allocation"
    )
    assert finding.result == expected
    assert fragment in finding.message
