"""Operations and resource rules on the ARM document: upgrades, monitoring, autoscaling, naming."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.model import Result
from tests.unit.aks.builders import CLUSTER_ID, by_object, cluster, only, pool


@pytest.mark.parametrize(
    ("profile", "expected", "fragment"),
    [
        pytest.param(
            {"nodeOSUpgradeChannel": "NodeImage"}, Result.PASS, "NodeImage", id="node-image"
        ),
        pytest.param(
            {"nodeOSUpgradeChannel": "SecurityPatch"},
            Result.PASS,
            "SecurityPatch",
            id="security-patch",
        ),
        pytest.param({}, Result.PASS, "defaults it to NodeImage", id="absent"),
        pytest.param(
            {"upgradeChannel": "node-image"}, Result.PASS, "NodeImage", id="legacy-cluster-channel"
        ),
        pytest.param(
            {"nodeOSUpgradeChannel": "Unmanaged"}, Result.WARN, "Unmanaged", id="unmanaged"
        ),
        pytest.param({"nodeOSUpgradeChannel": "None"}, Result.FAIL, "is None", id="none"),
    ],
)
def test_node_os_upgrade_channel(profile: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(cluster(autoUpgradeProfile=profile), "OPS-01/node-os-upgrade-channel")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("document", "expected", "fragment"),
    [
        pytest.param(
            cluster(nodeResourceGroup="MC_rg-test_aks-test_westeurope"),
            Result.FAIL,
            "generated MC_ name",
            id="generated",
        ),
        pytest.param(
            cluster(nodeResourceGroup="mc_RG-TEST_aks-test_WESTEUROPE"),
            Result.FAIL,
            "generated MC_ name",
            id="generated-other-case",
        ),
        pytest.param(
            {
                "type": "Microsoft.ContainerService/managedClusters",
                "name": "aks-test",
                "location": "westeurope",
                "properties": {"nodeResourceGroup": "MC_some-group_aks-test_westeurope"},
            },
            Result.FAIL,
            "generated MC_ name",
            id="generated-without-resource-group",
        ),
        pytest.param(
            cluster(nodeResourceGroup="rg-test-aks-nodes"),
            Result.PASS,
            "rg-test-aks-nodes",
            id="custom",
        ),
        pytest.param(
            cluster(nodeResourceGroup="MC_shared-infra"),
            Result.PASS,
            "MC_shared-infra",
            id="custom-starting-with-mc",
        ),
        pytest.param(
            cluster(), Result.FAIL, "MC_rg-test_aks-test_westeurope", id="absent-default-name"
        ),
    ],
)
def test_custom_node_resource_group(
    document: dict[str, Any], expected: Result, fragment: str
) -> None:
    assert "rg-test" in CLUSTER_ID
    finding = only(document, "OPS-04/custom-node-resource-group")
    assert finding.result == expected
    assert fragment in finding.message


OMS = {
    "omsagent": {
        "enabled": True,
        "config": {"logAnalyticsWorkspaceResourceID": "/subscriptions/0/workspaces/log-core"},
    }
}


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param({"addonProfiles": OMS}, Result.PASS, "log-core", id="container-insights"),
        pytest.param(
            {"azureMonitorProfile": {"containerInsights": {"enabled": True}}},
            Result.PASS,
            "Container insights",
            id="monitor-profile",
        ),
        pytest.param(
            {"addonProfiles": {"omsagent": {"enabled": False}}},
            Result.WARN,
            "not enabled",
            id="disabled",
        ),
        pytest.param({}, Result.WARN, "not enabled", id="absent"),
    ],
)
def test_log_collection(properties: dict[str, Any], expected: Result, fragment: str) -> None:
    for rule in ("OPS-07/log-aggregation", "OPS-25/container-insights"):
        finding = only(cluster(**properties), rule)
        assert finding.result == expected
        assert fragment in finding.message


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param(
            {"azureMonitorProfile": {"metrics": {"enabled": True}}},
            Result.PASS,
            "managed Prometheus",
            id="prometheus",
        ),
        pytest.param({"addonProfiles": OMS}, Result.PASS, "Container insights", id="insights"),
        pytest.param(
            {"addonProfiles": OMS, "azureMonitorProfile": {"metrics": {"enabled": True}}},
            Result.PASS,
            "managed Prometheus and Container insights",
            id="both",
        ),
        pytest.param(
            {"azureMonitorProfile": {"metrics": {"enabled": False}}},
            Result.WARN,
            "neither",
            id="disabled",
        ),
        pytest.param({}, Result.WARN, "neither", id="absent"),
    ],
)
def test_metrics(properties: dict[str, Any], expected: Result, fragment: str) -> None:
    for rule in ("OPS-08/cluster-metrics", "OPS-19/node-metrics"):
        finding = only(cluster(**properties), rule)
        assert finding.result == expected
        assert fragment in finding.message


@pytest.mark.parametrize(
    ("channel", "expected", "fragment"),
    [
        pytest.param("patch", Result.PASS, "patch", id="patch"),
        pytest.param("stable", Result.PASS, "stable", id="stable"),
        pytest.param("rapid", Result.PASS, "rapid", id="rapid"),
        pytest.param("node-image", Result.WARN, "legacy", id="node-image"),
        pytest.param("none", Result.FAIL, "is none", id="none"),
        pytest.param(None, Result.FAIL, "none by default", id="absent"),
    ],
)
def test_upgrade_channel(channel: str | None, expected: Result, fragment: str) -> None:
    finding = only(
        cluster(autoUpgradeProfile={"upgradeChannel": channel}), "OPS-10/upgrade-channel"
    )
    assert finding.result == expected
    assert fragment in finding.message


def test_cluster_autoscaler_is_judged_per_pool() -> None:
    document = cluster(
        pools=[
            pool("scaled", enableAutoScaling=True, minCount=2, maxCount=8),
            pool("fixed", count=3, enableAutoScaling=False),
            pool("unset", count=2),
        ]
    )
    assert by_object(document, "OPS-11/cluster-autoscaler") == {
        "scaled": Result.PASS,
        "fixed": Result.FAIL,
        "unset": Result.FAIL,
    }


def test_cluster_autoscaler_message_gives_the_bounds() -> None:
    document = cluster(pools=[pool("scaled", enableAutoScaling=True, minCount=2, maxCount=8)])
    assert "between 2 and 8" in only(document, "OPS-11/cluster-autoscaler").message


def test_node_auto_provisioning_counts_as_autoscaling() -> None:
    document = cluster(nodeProvisioningProfile={"mode": "Auto"}, pools=[pool("fixed", count=3)])
    assert by_object(document, "OPS-11/cluster-autoscaler") == {"fixed": Result.PASS}
    assert only(document, "RES-09/cluster-autoscaling").result == Result.PASS


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        pytest.param({"enableRBAC": True}, Result.PASS, id="rbac"),
        pytest.param({}, Result.PASS, id="absent-default-rbac"),
        pytest.param({"enableRBAC": False}, Result.FAIL, id="no-rbac"),
    ],
)
def test_certificate_auto_rotation(properties: dict[str, Any], expected: Result) -> None:
    assert only(cluster(**properties), "OPS-24/certificate-auto-rotation").result == expected


@pytest.mark.parametrize(
    ("pools", "expected", "fragment"),
    [
        pytest.param(
            [pool("a", enableAutoScaling=True), pool("b", enableAutoScaling=True)],
            Result.PASS,
            "all 2 pool(s)",
            id="all",
        ),
        pytest.param(
            [pool("a", enableAutoScaling=True), pool("b"), pool("c")],
            Result.FAIL,
            "fixed size: b, c",
            id="some",
        ),
        pytest.param(
            [pool("a"), pool("b")], Result.FAIL, "no pool has enableAutoScaling", id="none"
        ),
        pytest.param([], Result.NOT_APPLICABLE, "no agent pools", id="no-pools"),
    ],
)
def test_cluster_autoscaling(pools: list[dict[str, Any]], expected: Result, fragment: str) -> None:
    finding = only(cluster(pools=pools), "RES-09/cluster-autoscaling")
    assert finding.result == expected
    assert fragment in finding.message
