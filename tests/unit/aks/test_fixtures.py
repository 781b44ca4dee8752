"""The realistic fixtures end to end, and the same cluster read from both shapes.

Fixtures (``tests/unit/fixtures/aks``): a default ``az aks create`` (az shape),
a hardened production cluster (ARM shape), a private cluster (az shape) and a
cluster with Windows and spot pools (ARM shape).
"""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.aks import evaluate_managed_cluster, parse_managed_cluster
from aks_checklist.checks.model import Result
from aks_checklist.checks.verdicts import verdicts
from tests.unit.aks.builders import AS_OF, FIXTURE_NAMES, load

CLUSTER = "<cluster>"

# ARM spelling -> az spelling, for the keys the two shapes spell differently.
ARM_TO_AZ = {
    "osSKU": "osSku",
    "enableFIPS": "enableFips",
    "vnetSubnetID": "vnetSubnetId",
    "podSubnetID": "podSubnetId",
    "osDiskSizeGB": "osDiskSizeGb",
    "enableNodePublicIP": "enableNodePublicIp",
    "enableUltraSSD": "enableUltraSsd",
    "enableVTPM": "enableVtpm",
    "enableRBAC": "enableRbac",
    "enableAzureRBAC": "enableAzureRbac",
    "adminGroupObjectIDs": "adminGroupObjectIds",
    "tenantID": "tenantId",
    "authorizedIPRanges": "authorizedIpRanges",
    "nodeOSUpgradeChannel": "nodeOsUpgradeChannel",
    "diskEncryptionSetID": "diskEncryptionSetId",
    "diskCSIDriver": "diskCsiDriver",
    "fileCSIDriver": "fileCsiDriver",
    "blobCSIDriver": "blobCsiDriver",
    "issuerURL": "issuerUrl",
    "dnsServiceIP": "dnsServiceIp",
    "azurePortalFQDN": "azurePortalFqdn",
    "resourceUID": "resourceUid",
    "privateDNSZone": "privateDnsZone",
    "enablePrivateClusterPublicFQDN": "enablePrivateClusterPublicFqdn",
    "podIPAllocationMode": "podIpAllocationMode",
    "enableCSIProxy": "enableCsiProxy",
}
AZ_TO_ARM = {az: arm for arm, az in ARM_TO_AZ.items()}
# Objects whose keys are data (add-on names, tag names), which neither shape re-cases.
VERBATIM_CHILDREN = frozenset(
    {"addonProfiles", "config", "tags", "nodeLabels", "identityProfile", "userAssignedIdentities"}
)
ENVELOPE = frozenset(
    {
        "id",
        "name",
        "type",
        "location",
        "tags",
        "sku",
        "identity",
        "kind",
        "extendedLocation",
        "eTag",
        "systemData",
    }
)


def _recase(value: Any, names: dict[str, str], *, drop_nulls: bool, verbatim: bool = False) -> Any:
    if isinstance(value, list):
        return [_recase(entry, names, drop_nulls=drop_nulls) for entry in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, child in value.items():
        if drop_nulls and child is None:
            continue
        new_key = str(key) if verbatim else names.get(str(key), str(key))
        result[new_key] = _recase(
            child, names, drop_nulls=drop_nulls, verbatim=key in VERBATIM_CHILDREN
        )
    return result


def arm_to_az(document: dict[str, Any]) -> dict[str, Any]:
    """What `az aks show` prints for the cluster whose ARM body is ``document``."""
    flat = {key: value for key, value in document.items() if key != "properties"}
    flat.update(document["properties"])
    converted: dict[str, Any] = _recase(flat, ARM_TO_AZ, drop_nulls=False)
    return converted


def az_to_arm(document: dict[str, Any]) -> dict[str, Any]:
    """The ARM GET body of the cluster `az aks show` printed as ``document`` (nulls omitted)."""
    recased = _recase(document, AZ_TO_ARM, drop_nulls=True)
    recased.pop("resourceGroup", None)
    envelope = {k: v for k, v in recased.items() if k in ENVELOPE}
    envelope["properties"] = {k: v for k, v in recased.items() if k not in ENVELOPE}
    return envelope


def comparable(document: dict[str, Any]) -> list[tuple[str, Result, str, str, str]]:
    return sorted(
        (
            f.rule,
            f.result,
            f.object.kind if f.object else "",
            f.object.name if f.object else "",
            f.message,
        )
        for f in evaluate_managed_cluster(document, today=AS_OF)
    )


def results(name: str) -> dict[tuple[str, str], Result]:
    """(rule, object name or <cluster>) -> result."""
    found: dict[tuple[str, str], Result] = {}
    for finding in evaluate_managed_cluster(load(name), today=AS_OF):
        assert finding.object is not None
        target = CLUSTER if finding.object.kind == "ManagedCluster" else finding.object.name
        found[(finding.rule, target)] = finding.result
    return found


@pytest.mark.parametrize(
    ("name", "converted_shape"),
    [
        pytest.param("hardened-production.json", "az", id="hardened-arm-to-az"),
        pytest.param("windows-and-spot.json", "az", id="windows-arm-to-az"),
        pytest.param("default-az-aks-create.json", "arm", id="default-az-to-arm"),
        pytest.param("private-cluster.json", "arm", id="private-az-to-arm"),
    ],
)
def test_both_shapes_give_the_same_findings(name: str, converted_shape: str) -> None:
    original = load(name)
    converted = arm_to_az(original) if converted_shape == "az" else az_to_arm(original)
    assert parse_managed_cluster(converted).shape == converted_shape
    assert comparable(converted) == comparable(original)


def test_hardened_production_cluster_has_nothing_to_fix() -> None:
    found = evaluate_managed_cluster(load("hardened-production.json"), today=AS_OF)
    kinds = verdicts()
    # Advisories the hardened cluster does not take up (FIPS, spot pools...) only warn.
    problems = [
        f"{f.rule} {f.object}: {f.message}"
        for f in found
        if f.result is Result.FAIL or (f.result is Result.WARN and kinds[f.item] == "strict")
    ]
    assert problems == []
    not_applicable = {f.rule for f in found if f.result == Result.NOT_APPLICABLE}
    assert not_applicable == {
        "NET-12/private-cluster",
        "NET-23/bring-your-own-cni",
        "OPS-18/command-invoke-available",
        "RES-11/gpu-partitioned",
        "RES-12/dev-test-stoppable",
        "WIN-07/windows-network-policy",
        "WIN-08/gmsa-enabled",
        "WIN-05/windows-azure-cni",
        "WIN-06/windows-node-image-upgrades",
        "WIN-10/windows-pool-tainted",
    }


@pytest.mark.parametrize(
    ("name", "rule", "target", "expected"),
    [
        # A default `az aks create`: Free tier, one untainted Ubuntu system pool, nothing hardened.
        pytest.param(
            "default-az-aks-create.json",
            "BCDR-07/uptime-sla",
            CLUSTER,
            Result.FAIL,
            id="default-free-tier",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "IDN-07/local-accounts-disabled",
            CLUSTER,
            Result.FAIL,
            id="default-local-accounts",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "IDN-04/managed-identity",
            CLUSTER,
            Result.PASS,
            id="default-managed-identity",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "APP-09/oidc-issuer",
            CLUSTER,
            Result.PASS,
            id="default-oidc-on",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "NET-01/azure-cni",
            CLUSTER,
            Result.PASS,
            id="default-overlay",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "NET-07/network-policy-engine",
            CLUSTER,
            Result.FAIL,
            id="default-no-policy",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "NET-15/authorized-ip-ranges",
            CLUSTER,
            Result.FAIL,
            id="default-open-api",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "OPS-01/node-os-upgrade-channel",
            CLUSTER,
            Result.PASS,
            id="default-node-image",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "OPS-10/upgrade-channel",
            CLUSTER,
            Result.FAIL,
            id="default-no-channel",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "OPS-04/custom-node-resource-group",
            CLUSTER,
            Result.FAIL,
            id="default-mc-name",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "CSEC-12/user-pool-present",
            CLUSTER,
            Result.FAIL,
            id="default-system-only",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "CSEC-12/system-pool-tainted",
            "nodepool1",
            Result.FAIL,
            id="default-untainted",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "CSEC-01/azure-linux-node-os",
            "nodepool1",
            Result.FAIL,
            id="default-ubuntu",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "STO-06/ephemeral-os-disk",
            "nodepool1",
            Result.FAIL,
            id="default-managed-disk",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "BCDR-03/availability-zones",
            "nodepool1",
            Result.FAIL,
            id="default-regional",
        ),
        pytest.param(
            "default-az-aks-create.json",
            "CSEC-05/control-plane-version-supported",
            CLUSTER,
            Result.PASS,
            id="default-version",
        ),
        # A private cluster on LTS with legacy node-subnet Azure CNI behind a firewall.
        pytest.param(
            "private-cluster.json",
            "NET-12/private-cluster",
            CLUSTER,
            Result.PASS,
            id="private-is-private",
        ),
        pytest.param(
            "private-cluster.json",
            "NET-15/authorized-ip-ranges",
            CLUSTER,
            Result.NOT_APPLICABLE,
            id="private-no-public-endpoint",
        ),
        pytest.param(
            "private-cluster.json",
            "NET-16/nat-gateway-outbound",
            CLUSTER,
            Result.NOT_APPLICABLE,
            id="private-udr",
        ),
        pytest.param(
            "private-cluster.json",
            "CSEC-05/control-plane-version-supported",
            CLUSTER,
            Result.PASS,
            id="private-lts",
        ),
        pytest.param(
            "private-cluster.json",
            "IDN-02/azure-rbac-authorization",
            CLUSTER,
            Result.FAIL,
            id="private-k8s-rbac-only",
        ),
        pytest.param(
            "private-cluster.json",
            "CSEC-07/secret-rotation",
            CLUSTER,
            Result.WARN,
            id="private-no-rotation",
        ),
        pytest.param(
            "private-cluster.json",
            "CSEC-09/image-cleaner",
            CLUSTER,
            Result.FAIL,
            id="private-cleaner-off",
        ),
        pytest.param(
            "private-cluster.json",
            "OPS-01/node-os-upgrade-channel",
            CLUSTER,
            Result.PASS,
            id="private-security-patch",
        ),
        pytest.param(
            "private-cluster.json", "NET-14/max-pods", "sys", Result.WARN, id="private-max-pods-30"
        ),
        pytest.param(
            "private-cluster.json",
            "NET-14/max-pods",
            "apps",
            Result.PASS,
            id="private-pod-subnet-max-pods",
        ),
        pytest.param(
            "private-cluster.json",
            "NET-17/dynamic-pod-ip-allocation",
            "sys",
            Result.FAIL,
            id="private-node-subnet",
        ),
        pytest.param(
            "private-cluster.json",
            "NET-17/dynamic-pod-ip-allocation",
            "apps",
            Result.PASS,
            id="private-pod-subnet",
        ),
        pytest.param(
            "private-cluster.json",
            "OPS-11/cluster-autoscaler",
            "sys",
            Result.FAIL,
            id="private-fixed-system",
        ),
        # Windows and spot pools on a service-principal cluster.
        pytest.param(
            "windows-and-spot.json",
            "IDN-04/managed-identity",
            CLUSTER,
            Result.FAIL,
            id="windows-service-principal",
        ),
        pytest.param(
            "windows-and-spot.json",
            "IDN-03/kubelet-managed-identity",
            CLUSTER,
            Result.WARN,
            id="windows-sp-kubelet",
        ),
        pytest.param(
            "windows-and-spot.json",
            "WIN-05/windows-azure-cni",
            CLUSTER,
            Result.PASS,
            id="windows-cni",
        ),
        pytest.param(
            "windows-and-spot.json",
            "WIN-06/windows-node-image-upgrades",
            CLUSTER,
            Result.FAIL,
            id="windows-unmanaged",
        ),
        pytest.param(
            "windows-and-spot.json",
            "OPS-01/node-os-upgrade-channel",
            CLUSTER,
            Result.WARN,
            id="windows-unmanaged-linux",
        ),
        pytest.param(
            "windows-and-spot.json",
            "WIN-10/windows-pool-tainted",
            "win22",
            Result.PASS,
            id="windows-tainted",
        ),
        pytest.param(
            "windows-and-spot.json",
            "WIN-10/windows-pool-tainted",
            "win19",
            Result.FAIL,
            id="windows-untainted",
        ),
        pytest.param(
            "windows-and-spot.json",
            "CSEC-05/node-pool-version-supported",
            "win19",
            Result.FAIL,
            id="windows-old-pool",
        ),
        pytest.param(
            "windows-and-spot.json",
            "CSEC-05/node-pool-version-supported",
            "win22",
            Result.PASS,
            id="windows-current-pool",
        ),
        pytest.param(
            "windows-and-spot.json",
            "BCDR-08/multiple-nodes",
            "spot",
            Result.WARN,
            id="spot-scales-to-zero",
        ),
        pytest.param(
            "windows-and-spot.json",
            "CSEC-03/kube-dashboard-disabled",
            CLUSTER,
            Result.PASS,
            id="windows-dashboard-off",
        ),
        pytest.param(
            "windows-and-spot.json",
            "RES-09/cluster-autoscaling",
            CLUSTER,
            Result.FAIL,
            id="windows-some-fixed",
        ),
    ],
)
def test_fixture_results(name: str, rule: str, target: str, expected: Result) -> None:
    assert results(name)[(rule, target)] == expected


def test_windows_pools_are_not_judged_by_linux_only_rules() -> None:
    found = results("windows-and-spot.json")
    assert ("CSEC-01/azure-linux-node-os", "win22") not in found
    assert ("CSEC-01/azure-linux-node-os", "spot") in found


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_pool_rules_name_every_pool(name: str) -> None:
    pools = {pool.name for pool in parse_managed_cluster(load(name)).pools}
    found = results(name)
    for rule in (
        "BCDR-03/availability-zones",
        "STO-06/ephemeral-os-disk",
        "OPS-11/cluster-autoscaler",
    ):
        assert {target for (r, target) in found if r == rule} == pools
