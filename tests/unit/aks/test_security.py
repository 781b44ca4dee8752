"""Cluster Security rules on the ARM document: node OS, add-ons, security profile, versions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from aks_checklist.checks.model import Result
from tests.unit.aks.builders import by_object, cluster, findings, only, pool


@pytest.mark.parametrize(
    ("fields", "expected", "fragment"),
    [
        pytest.param({"osSKU": "AzureLinux"}, Result.PASS, "runs Azure Linux", id="azure-linux"),
        pytest.param({"osSKU": "AzureLinux3"}, Result.PASS, "AzureLinux3", id="azure-linux-3"),
        pytest.param({"osSKU": "CBLMariner"}, Result.WARN, "deprecated name", id="mariner"),
        pytest.param({"osSKU": "Ubuntu"}, Result.FAIL, "osSku Ubuntu", id="ubuntu"),
        pytest.param({"osSKU": "Ubuntu2404"}, Result.FAIL, "Ubuntu2404", id="ubuntu-2404"),
        pytest.param({}, Result.FAIL, "default Ubuntu", id="absent"),
    ],
)
def test_azure_linux_node_os(fields: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(cluster(pools=[pool("linux", **fields)]), "CSEC-01/azure-linux-node-os")
    assert finding.result == expected
    assert fragment in finding.message
    assert finding.object is not None
    assert (finding.object.kind, finding.object.name) == ("AgentPool", "linux")


def test_azure_linux_is_judged_on_linux_pools_only() -> None:
    document = cluster(
        pools=[
            pool("sys", mode="System", osSKU="AzureLinux"),
            pool("win", osType="Windows", osSKU="Windows2022"),
            pool("ubu", osSKU="Ubuntu"),
        ]
    )
    assert by_object(document, "CSEC-01/azure-linux-node-os") == {
        "sys": Result.PASS,
        "ubu": Result.FAIL,
    }


def test_azure_linux_not_applicable_without_linux_pools() -> None:
    finding = only(cluster(pools=[pool("win", osType="Windows")]), "CSEC-01/azure-linux-node-os")
    assert finding.result == Result.NOT_APPLICABLE
    assert "no Linux node pools" in finding.message


@pytest.mark.parametrize(
    ("addons", "expected"),
    [
        pytest.param({"kubeDashboard": {"enabled": True}}, Result.FAIL, id="enabled"),
        pytest.param({"KubeDashboard": {"enabled": True}}, Result.FAIL, id="enabled-other-case"),
        pytest.param({"kubeDashboard": {"enabled": False}}, Result.PASS, id="disabled"),
        pytest.param({}, Result.PASS, id="absent"),
    ],
)
def test_kube_dashboard_disabled(addons: dict[str, Any], expected: Result) -> None:
    finding = only(cluster(addonProfiles=addons), "CSEC-03/kube-dashboard-disabled")
    assert finding.result == expected


KEY = "https://kv-x.vault.azure.net/keys/etcd/0123"


@pytest.mark.parametrize(
    ("kms", "expected", "fragment"),
    [
        pytest.param({"enabled": True, "keyId": KEY}, Result.PASS, KEY, id="enabled"),
        pytest.param(
            {"enabled": True, "keyId": KEY, "keyVaultNetworkAccess": "Private"},
            Result.PASS,
            "access Private",
            id="private-vault",
        ),
        pytest.param({"enabled": True}, Result.WARN, "no keyId", id="no-key"),
        pytest.param({"enabled": False}, Result.FAIL, "enabled is false", id="disabled"),
        pytest.param(None, Result.FAIL, "enabled is absent", id="absent"),
    ],
)
def test_kms_etcd_encryption(kms: dict[str, Any] | None, expected: Result, fragment: str) -> None:
    document = cluster(securityProfile={"azureKeyVaultKms": kms})
    finding = only(document, "CSEC-04/kms-etcd-encryption")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param({"currentKubernetesVersion": "1.36.2"}, Result.PASS, "1.36.2", id="newest"),
        pytest.param({"kubernetesVersion": "1.34"}, Result.PASS, "within", id="alias-only"),
        pytest.param(
            {"currentKubernetesVersion": "1.33.13"},
            Result.FAIL,
            "community support ended on 2026-07-31",
            id="past-end-of-life",
        ),
        pytest.param(
            {"currentKubernetesVersion": "1.33.13", "supportPlan": "AKSLongTermSupport"},
            Result.PASS,
            "long-term support until 2027-07-31",
            id="lts",
        ),
        pytest.param(
            {"currentKubernetesVersion": "1.30.14", "supportPlan": "AKSLongTermSupport"},
            Result.FAIL,
            "left long-term support on 2026-07-31",
            id="lts-over",
        ),
        pytest.param(
            {"kubernetesVersion": "1.36", "currentKubernetesVersion": "1.32.7"},
            Result.FAIL,
            "runs 1.32.7",
            id="current-version-wins",
        ),
        pytest.param({}, Result.NOT_APPLICABLE, "neither", id="absent"),
    ],
)
def test_control_plane_version_supported(
    properties: dict[str, Any], expected: Result, fragment: str
) -> None:
    finding = only(cluster(**properties), "CSEC-05/control-plane-version-supported")
    assert finding.result == expected
    assert fragment in finding.message


def test_version_window_moves_with_the_date() -> None:
    """1.34 leaves community support at the end of November 2026."""
    document = cluster(currentKubernetesVersion="1.34.9")
    rule = "CSEC-05/control-plane-version-supported"
    assert only(document, rule, today=date(2026, 11, 30)).result == Result.PASS
    assert only(document, rule, today=date(2026, 12, 1)).result == Result.FAIL


def test_node_pool_versions_are_judged_per_pool() -> None:
    document = cluster(
        currentKubernetesVersion="1.36.2",
        pools=[
            pool("current", currentOrchestratorVersion="1.36.2"),
            pool("lagging", orchestratorVersion="1.32.7"),
            pool("unstated"),
        ],
    )
    assert by_object(document, "CSEC-05/node-pool-version-supported") == {
        "current": Result.PASS,
        "lagging": Result.FAIL,
        "unstated": Result.PASS,
    }
    unstated = next(
        f
        for f in findings(document, "CSEC-05/node-pool-version-supported")
        if f.object is not None and f.object.name == "unstated"
    )
    assert "control plane's version is used" in unstated.message


def test_node_pool_version_not_applicable_when_no_version_anywhere() -> None:
    finding = only(cluster(pools=[pool("p")]), "CSEC-05/node-pool-version-supported")
    assert finding.result == Result.NOT_APPLICABLE


KV = "azureKeyvaultSecretsProvider"


@pytest.mark.parametrize(
    ("addons", "expected"),
    [
        pytest.param({KV: {"enabled": True}}, Result.PASS, id="enabled"),
        pytest.param(
            {"azureKeyVaultSecretsProvider": {"enabled": True}}, Result.PASS, id="other-case"
        ),
        pytest.param({KV: {"enabled": False}}, Result.WARN, id="disabled"),
        pytest.param({}, Result.WARN, id="absent"),
    ],
)
def test_key_vault_secrets_provider(addons: dict[str, Any], expected: Result) -> None:
    document = cluster(addonProfiles=addons)
    for rule in ("CSEC-07/key-vault-secrets-provider", "APP-08/key-vault-secrets-provider"):
        finding = only(document, rule)
        assert finding.result == expected
        assert KV in finding.message


@pytest.mark.parametrize(
    ("addon", "expected", "fragment"),
    [
        pytest.param(
            {
                "enabled": True,
                "config": {"enableSecretRotation": "true", "rotationPollInterval": "5m"},
            },
            Result.PASS,
            "poll interval 5m",
            id="rotation-on",
        ),
        pytest.param(
            {"enabled": True, "config": {"enableSecretRotation": True}},
            Result.PASS,
            "default",
            id="rotation-boolean",
        ),
        pytest.param(
            {"enabled": True, "config": {"enableSecretRotation": "false"}},
            Result.WARN,
            "enableSecretRotation is false",
            id="rotation-off",
        ),
        pytest.param(
            {"enabled": True}, Result.WARN, "enableSecretRotation is absent", id="no-config"
        ),
        pytest.param({"enabled": False}, Result.NOT_APPLICABLE, "not enabled", id="add-on-off"),
    ],
)
def test_secret_rotation(addon: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(cluster(addonProfiles={KV: addon}), "CSEC-07/secret-rotation")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("defender", "expected"),
    [
        pytest.param(
            {
                "logAnalyticsWorkspaceResourceId": "/w/log-sec",
                "securityMonitoring": {"enabled": True},
            },
            Result.PASS,
            id="enabled",
        ),
        pytest.param({"securityMonitoring": {"enabled": False}}, Result.FAIL, id="disabled"),
        pytest.param(None, Result.FAIL, id="absent"),
    ],
)
def test_defender_sensor(defender: dict[str, Any] | None, expected: Result) -> None:
    document = cluster(securityProfile={"defender": defender})
    for rule in ("CSEC-08/defender-security-monitoring", "CSEC-10/defender-for-containers"):
        assert only(document, rule).result == expected


def test_defender_names_the_workspace() -> None:
    document = cluster(
        securityProfile={
            "defender": {
                "logAnalyticsWorkspaceResourceId": "/subscriptions/0/workspaces/log-sec",
                "securityMonitoring": {"enabled": True},
            }
        }
    )
    assert "log-sec" in only(document, "CSEC-10/defender-for-containers").message


@pytest.mark.parametrize(
    ("cleaner", "expected", "fragment"),
    [
        pytest.param(
            {"enabled": True, "intervalHours": 24}, Result.PASS, "every 24 h", id="enabled"
        ),
        pytest.param({"enabled": True}, Result.PASS, "default interval", id="no-interval"),
        pytest.param({"enabled": False, "intervalHours": 48}, Result.FAIL, "false", id="disabled"),
        pytest.param(None, Result.FAIL, "absent", id="absent"),
    ],
)
def test_image_cleaner(cleaner: dict[str, Any] | None, expected: Result, fragment: str) -> None:
    finding = only(cluster(securityProfile={"imageCleaner": cleaner}), "CSEC-09/image-cleaner")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("addons", "expected"),
    [
        pytest.param({"azurepolicy": {"enabled": True}}, Result.PASS, id="enabled"),
        pytest.param({"azurePolicy": {"enabled": True}}, Result.PASS, id="other-case"),
        pytest.param({"azurepolicy": {"enabled": False}}, Result.FAIL, id="disabled"),
        pytest.param({}, Result.FAIL, id="absent"),
    ],
)
def test_azure_policy_add_on(addons: dict[str, Any], expected: Result) -> None:
    assert only(cluster(addonProfiles=addons), "CSEC-11/azure-policy-add-on").result == expected


@pytest.mark.parametrize(
    ("taints", "expected"),
    [
        pytest.param(["CriticalAddonsOnly=true:NoSchedule"], Result.PASS, id="no-schedule"),
        pytest.param(["CriticalAddonsOnly=true:NoExecute"], Result.PASS, id="no-execute"),
        pytest.param(["CriticalAddonsOnly:NoSchedule"], Result.PASS, id="without-value"),
        pytest.param(["CriticalAddonsOnly=true:PreferNoSchedule"], Result.FAIL, id="prefer-only"),
        pytest.param(["dedicated=infra:NoSchedule"], Result.FAIL, id="other-taint"),
        pytest.param([], Result.FAIL, id="untainted"),
        pytest.param(None, Result.FAIL, id="null"),
    ],
)
def test_system_pool_tainted(taints: list[str] | None, expected: Result) -> None:
    document = cluster(pools=[pool("sys", mode="System", nodeTaints=taints), pool("apps")])
    assert by_object(document, "CSEC-12/system-pool-tainted") == {"sys": expected}


def test_system_pool_taint_not_applicable_when_no_pool_has_a_mode() -> None:
    finding = only(cluster(pools=[{"name": "legacy"}]), "CSEC-12/system-pool-tainted")
    assert finding.result == Result.NOT_APPLICABLE
    assert "mode System" in finding.message


@pytest.mark.parametrize(
    ("pools", "expected", "fragment"),
    [
        pytest.param(
            [pool("sys", mode="System"), pool("apps")], Result.PASS, "apps", id="user-pool"
        ),
        pytest.param(
            [pool("sys", mode="System")], Result.FAIL, "only System pools (sys)", id="system-only"
        ),
        pytest.param([{"name": "legacy"}], Result.WARN, "no pool declares a mode", id="no-modes"),
        pytest.param([], Result.NOT_APPLICABLE, "no agent pools", id="no-pools"),
    ],
)
def test_user_pool_present(pools: list[dict[str, Any]], expected: Result, fragment: str) -> None:
    finding = only(cluster(pools=pools), "CSEC-12/user-pool-present")
    assert finding.result == expected
    assert fragment in finding.message
