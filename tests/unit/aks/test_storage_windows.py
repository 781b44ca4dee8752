"""Storage and Windows rules on the ARM document: OS disks, zonal disks, Windows pools."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.model import Result
from tests.unit.aks.builders import by_object, cluster, only, pool


@pytest.mark.parametrize(
    ("disk", "expected", "fragment"),
    [
        pytest.param("Ephemeral", Result.PASS, "ephemeral", id="ephemeral"),
        pytest.param("Managed", Result.FAIL, "osDiskType Managed", id="managed"),
        pytest.param(None, Result.NOT_APPLICABLE, "no osDiskType", id="absent"),
    ],
)
def test_ephemeral_os_disk(disk: str | None, expected: Result, fragment: str) -> None:
    finding = only(cluster(pools=[pool("p", osDiskType=disk)]), "STO-06/ephemeral-os-disk")
    assert finding.result == expected
    assert fragment in finding.message
    assert finding.object is not None
    assert finding.object.name == "p"


@pytest.mark.parametrize(
    ("zones", "version", "expected", "fragment"),
    [
        pytest.param(None, "1.36.2", Result.NOT_APPLICABLE, "regional", id="regional"),
        pytest.param(["2"], "1.28.5", Result.PASS, "pinned to zone 2", id="one-zone"),
        pytest.param(["1", "2", "3"], "1.29.0", Result.PASS, "zone-redundant", id="zrs-default"),
        pytest.param(["auto"], "1.36.2", Result.PASS, "zone-redundant", id="auto-zones"),
        pytest.param(["1", "2", "3"], "1.28.5", Result.WARN, "1.28", id="lrs-default"),
        pytest.param(["1", "2"], None, Result.WARN, "unknown version", id="version-unknown"),
    ],
)
def test_zonal_disk_placement(
    zones: list[str] | None, version: str | None, expected: Result, fragment: str
) -> None:
    document = cluster(
        pools=[pool("p", availabilityZones=zones, currentOrchestratorVersion=version)]
    )
    finding = only(document, "STO-09/zonal-disk-placement")
    assert finding.result == expected
    assert fragment in finding.message


def test_zonal_disk_placement_falls_back_to_the_control_plane_version() -> None:
    document = cluster(
        currentKubernetesVersion="1.35.1", pools=[pool("p", availabilityZones=["1", "2"])]
    )
    assert only(document, "STO-09/zonal-disk-placement").result == Result.PASS


LINUX_SYSTEM = pool("sys", mode="System")


def windows(name: str = "win", **fields: Any) -> dict[str, Any]:
    return pool(name, osType="Windows", osSKU="Windows2022", **fields)


@pytest.mark.parametrize(
    "rule",
    [
        "WIN-05/windows-azure-cni",
        "WIN-06/windows-node-image-upgrades",
        "WIN-10/windows-pool-tainted",
    ],
)
def test_windows_rules_do_not_apply_without_windows_pools(rule: str) -> None:
    finding = only(cluster(pools=[LINUX_SYSTEM]), rule)
    assert finding.result == Result.NOT_APPLICABLE
    assert "no Windows node pools" in finding.message


@pytest.mark.parametrize(
    ("network", "expected", "fragment"),
    [
        pytest.param(
            {"networkPlugin": "azure", "networkPluginMode": "overlay"},
            Result.PASS,
            "win",
            id="azure",
        ),
        pytest.param(None, Result.PASS, "Azure CNI", id="absent-means-azure"),
        pytest.param({"networkPlugin": "kubenet"}, Result.FAIL, "kubenet", id="kubenet"),
    ],
)
def test_windows_azure_cni(network: dict[str, Any] | None, expected: Result, fragment: str) -> None:
    document = cluster(networkProfile=network, pools=[LINUX_SYSTEM, windows()])
    finding = only(document, "WIN-05/windows-azure-cni")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("profile", "expected", "fragment"),
    [
        pytest.param(
            {"nodeOSUpgradeChannel": "NodeImage"}, Result.PASS, "is NodeImage", id="node-image"
        ),
        pytest.param({}, Result.PASS, "NodeImage by default", id="absent"),
        pytest.param(
            {"upgradeChannel": "node-image"}, Result.PASS, "NodeImage", id="legacy-channel"
        ),
        pytest.param(
            {"nodeOSUpgradeChannel": "SecurityPatch"},
            Result.WARN,
            "does not cover Windows",
            id="security-patch",
        ),
        pytest.param(
            {"nodeOSUpgradeChannel": "Unmanaged"}, Result.FAIL, "Windows Update", id="unmanaged"
        ),
        pytest.param({"nodeOSUpgradeChannel": "None"}, Result.FAIL, "unpatched", id="none"),
    ],
)
def test_windows_node_image_upgrades(
    profile: dict[str, Any], expected: Result, fragment: str
) -> None:
    document = cluster(
        autoUpgradeProfile=profile, pools=[LINUX_SYSTEM, windows("w1"), windows("w2")]
    )
    finding = only(document, "WIN-06/windows-node-image-upgrades")
    assert finding.result == expected
    assert fragment in finding.message
    if expected != Result.PASS:
        assert "w1, w2" in finding.message


def test_windows_pools_are_judged_for_taints_one_by_one() -> None:
    document = cluster(
        pools=[
            LINUX_SYSTEM,
            windows("tainted", nodeTaints=["os=windows:NoSchedule"]),
            windows("evicting", nodeTaints=["sku=windows:NoExecute"]),
            windows("soft", nodeTaints=["os=windows:PreferNoSchedule"]),
            windows("bare"),
        ]
    )
    assert by_object(document, "WIN-10/windows-pool-tainted") == {
        "tainted": Result.PASS,
        "evicting": Result.PASS,
        "soft": Result.FAIL,
        "bare": Result.FAIL,
    }
