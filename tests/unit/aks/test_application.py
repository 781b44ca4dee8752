"""Application and multi-cluster rules on the ARM document: Azure tags, workload identity."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.model import Result
from tests.unit.aks.builders import by_object, cluster, only, pool

TAGS = {"owner": "team-a", "environment": "prod"}


@pytest.mark.parametrize(
    ("document", "expected", "fragment"),
    [
        pytest.param(
            cluster(envelope={"tags": TAGS}, pools=[pool("a", tags=TAGS), pool("b", tags=TAGS)]),
            Result.PASS,
            "its 2 node pool(s) carry Azure tags",
            id="all-tagged",
        ),
        pytest.param(
            cluster(pools=[pool("a", tags=TAGS)]),
            Result.FAIL,
            "no Azure tags on cluster aks-test",
            id="cluster-untagged",
        ),
        pytest.param(
            cluster(envelope={"tags": TAGS}, pools=[pool("a", tags=TAGS), pool("b")]),
            Result.FAIL,
            "node pools b",
            id="pool-untagged",
        ),
        pytest.param(
            cluster(envelope={"tags": {}}, pools=[pool("a", tags={})]),
            Result.FAIL,
            "cluster aks-test and node pools a",
            id="empty-tags",
        ),
        pytest.param(
            cluster(envelope={"tags": TAGS}),
            Result.PASS,
            "cluster aks-test carry",
            id="no-pools-listed",
        ),
    ],
)
def test_app_azure_tags(document: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(document, "APP-06/azure-tags")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("issuer", "expected", "fragment"),
    [
        pytest.param(
            {"enabled": True, "issuerURL": "https://issuer.example/x/"},
            Result.PASS,
            "https://issuer.example/x/",
            id="enabled",
        ),
        pytest.param({"enabled": False}, Result.FAIL, "enabled is false", id="disabled"),
        pytest.param(None, Result.FAIL, "enabled is absent", id="absent"),
    ],
)
def test_oidc_issuer(issuer: dict[str, Any] | None, expected: Result, fragment: str) -> None:
    finding = only(cluster(oidcIssuerProfile=issuer), "APP-09/oidc-issuer")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param(
            {
                "securityProfile": {"workloadIdentity": {"enabled": True}},
                "oidcIssuerProfile": {"enabled": True},
            },
            Result.PASS,
            "workloadIdentity is enabled",
            id="enabled",
        ),
        pytest.param(
            {"securityProfile": {"workloadIdentity": {"enabled": True}}},
            Result.WARN,
            "OIDC issuer",
            id="enabled-without-issuer",
        ),
        pytest.param(
            {"securityProfile": {"workloadIdentity": {"enabled": False}}},
            Result.FAIL,
            "enabled is false",
            id="disabled",
        ),
        pytest.param({"oidcIssuerProfile": {"enabled": True}}, Result.FAIL, "absent", id="absent"),
    ],
)
def test_workload_identity(properties: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(cluster(**properties), "APP-09/workload-identity")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(TAGS, Result.PASS, id="tagged"),
        pytest.param({}, Result.FAIL, id="empty"),
        pytest.param(None, Result.FAIL, id="null"),
    ],
)
def test_cluster_tags(tags: dict[str, str] | None, expected: Result) -> None:
    finding = only(cluster(envelope={"tags": tags}), "MULTI-03/cluster-tags")
    assert finding.result == expected
    if expected == Result.PASS:
        assert "environment, owner" in finding.message


def test_node_pool_tags_are_judged_per_pool() -> None:
    document = cluster(
        envelope={"tags": TAGS},
        pools=[pool("tagged", tags=TAGS), pool("bare"), pool("empty", tags={})],
    )
    assert by_object(document, "MULTI-03/node-pool-tags") == {
        "tagged": Result.PASS,
        "bare": Result.FAIL,
        "empty": Result.FAIL,
    }
