"""The "consider X" items judged on the managed-cluster document: passing and failing cases."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.aks.considerations import vm_size
from aks_checklist.checks.model import Result
from tests.unit.aks.builders import by_object, cluster, only, pool

WINDOWS = pool("win1", osType="Windows")


def doc(
    pools: list[dict[str, Any]] | None = None,
    envelope: dict[str, Any] | None = None,
    **properties: Any,
) -> dict[str, Any]:
    return cluster(pools=[pool()] if pools is None else pools, envelope=envelope, **properties)


@pytest.mark.parametrize(
    ("rule", "document", "expected", "fragment"),
    [
        pytest.param(
            "APP-22/managed-by-automation",
            doc(envelope={"systemData": {"lastModifiedByType": "Application"}}),
            Result.PASS,
            "automation",
            id="app22-pipeline",
        ),
        pytest.param(
            "APP-22/managed-by-automation",
            doc(envelope={"systemData": {"lastModifiedByType": "User", "lastModifiedBy": "ann"}}),
            Result.WARN,
            "ann",
            id="app22-by-hand",
        ),
        pytest.param(
            "CSEC-13/no-service-principal-secret",
            doc(envelope={"identity": {"type": "SystemAssigned"}}),
            Result.PASS,
            "no service principal",
            id="csec13-managed-identity",
        ),
        pytest.param(
            "CSEC-13/no-service-principal-secret",
            doc(servicePrincipalProfile={"clientId": "1111"}),
            Result.WARN,
            "rotate",
            id="csec13-service-principal",
        ),
        pytest.param(
            "CSEC-16/confidential-compute",
            doc([pool(vmSize="Standard_DC4as_v5")]),
            Result.PASS,
            "confidential",
            id="csec16-dc-series",
        ),
        pytest.param(
            "CSEC-16/confidential-compute",
            doc([pool(vmSize="Standard_D4s_v5")]),
            Result.WARN,
            "no pool",
            id="csec16-general-purpose",
        ),
        pytest.param(
            "CSEC-18/dedicated-hosts",
            doc([pool(hostGroupID="/subscriptions/s/hostGroups/hg")]),
            Result.PASS,
            "dedicated host",
            id="csec18-host-group",
        ),
        pytest.param(
            "CSEC-18/dedicated-hosts", doc(), Result.WARN, "hostGroupId", id="csec18-shared"
        ),
        pytest.param(
            "IDN-06/entra-only-logins",
            doc(aadProfile={"managed": True}, disableLocalAccounts=True),
            Result.PASS,
            "kubelogin",
            id="idn06-entra-only",
        ),
        pytest.param(
            "IDN-06/entra-only-logins",
            doc(aadProfile={"managed": True}),
            Result.WARN,
            "local accounts",
            id="idn06-local-accounts",
        ),
        pytest.param(
            "IDN-09/pre-created-kubelet-identity",
            doc(
                nodeResourceGroup="MC_rg",
                identityProfile={
                    "kubeletidentity": {"resourceId": "/subscriptions/s/resourceGroups/ids/x"}
                },
            ),
            Result.PASS,
            "outside",
            id="idn09-own-group",
        ),
        pytest.param(
            "IDN-09/pre-created-kubelet-identity",
            doc(
                nodeResourceGroup="MC_rg",
                identityProfile={
                    "kubeletidentity": {"resourceId": "/subscriptions/s/resourceGroups/MC_rg/x"}
                },
            ),
            Result.WARN,
            "AKS created",
            id="idn09-node-group",
        ),
        pytest.param(
            "NET-09/egress-through-firewall",
            doc(networkProfile={"outboundType": "userDefinedRouting"}),
            Result.PASS,
            "firewall",
            id="net09-udr",
        ),
        pytest.param(
            "NET-09/egress-through-firewall",
            doc(),
            Result.WARN,
            "loadBalancer",
            id="net09-load-balancer",
        ),
        pytest.param(
            "NET-20/http-proxy-configured",
            doc(httpProxyConfig={"httpsProxy": "http://proxy:3128"}),
            Result.PASS,
            "httpsProxy",
            id="net20-proxy",
        ),
        pytest.param(
            "NET-21/http-proxy-configured", doc(), Result.WARN, "proxy", id="net21-no-proxy"
        ),
        pytest.param(
            "NET-22/service-mesh",
            doc(serviceMeshProfile={"mode": "Istio"}),
            Result.PASS,
            "Istio",
            id="net22-istio",
        ),
        pytest.param("NET-22/service-mesh", doc(), Result.WARN, "no managed", id="net22-none"),
        pytest.param(
            "NET-23/bring-your-own-cni",
            doc(networkProfile={"networkPlugin": "none"}),
            Result.PASS,
            "own CNI",
            id="net23-byo",
        ),
        pytest.param(
            "NET-23/bring-your-own-cni",
            doc(networkProfile={"networkPlugin": "azure"}),
            Result.NOT_APPLICABLE,
            "AKS manages",
            id="net23-managed",
        ),
        pytest.param(
            "NET-24/subnet-per-pool",
            doc([pool("a", vnetSubnetID="/s/a"), pool("b", vnetSubnetID="/s/b")]),
            Result.PASS,
            "subnets of their own",
            id="net24-distinct",
        ),
        pytest.param(
            "NET-24/subnet-per-pool",
            doc([pool("a", vnetSubnetID="/s/a"), pool("b", vnetSubnetID="/s/A")]),
            Result.WARN,
            "a, b",
            id="net24-shared",
        ),
        pytest.param(
            "OPS-02/proximity-placement-group",
            doc([pool(proximityPlacementGroupID="/ppg")]),
            Result.PASS,
            "pool1",
            id="ops02-ppg",
        ),
        pytest.param(
            "OPS-02/proximity-placement-group", doc(), Result.WARN, "no pool", id="ops02-none"
        ),
        pytest.param(
            "OPS-09/application-monitoring",
            doc(azureMonitorProfile={"appMonitoring": {"autoInstrumentation": {"enabled": True}}}),
            Result.PASS,
            "autoInstrumentation",
            id="ops09-on",
        ),
        pytest.param("OPS-09/application-monitoring", doc(), Result.WARN, "off", id="ops09-off"),
        pytest.param(
            "OPS-17/node-configuration-tuned",
            doc([pool(kubeletConfig={"cpuManagerPolicy": "static"})]),
            Result.PASS,
            "pool1",
            id="ops17-tuned",
        ),
        pytest.param(
            "OPS-17/node-configuration-tuned", doc(), Result.WARN, "default", id="ops17-defaults"
        ),
        pytest.param(
            "OPS-18/command-invoke-available",
            doc(apiServerAccessProfile={"enablePrivateCluster": True}),
            Result.PASS,
            "available",
            id="ops18-private",
        ),
        pytest.param(
            "OPS-18/command-invoke-available",
            doc(apiServerAccessProfile={"enablePrivateCluster": True, "disableRunCommand": True}),
            Result.WARN,
            "disableRunCommand",
            id="ops18-disabled",
        ),
        pytest.param(
            "OPS-18/command-invoke-available",
            doc(),
            Result.NOT_APPLICABLE,
            "public",
            id="ops18-public",
        ),
        pytest.param(
            "OPS-26/virtual-node",
            doc(addonProfiles={"aciConnectorLinux": {"enabled": True}}),
            Result.PASS,
            "aciConnectorLinux",
            id="ops26-on",
        ),
        pytest.param("RES-01/virtual-node", doc(), Result.WARN, "no virtual node", id="res01-off"),
        pytest.param(
            "OPS-27/spot-pool",
            doc([pool(), pool("spot", scaleSetPriority="Spot")]),
            Result.PASS,
            "spot",
            id="ops27-spot",
        ),
        pytest.param("RES-03/spot-pool", doc(), Result.WARN, "no spot", id="res03-none"),
        pytest.param(
            "RES-10/cost-analysis",
            doc(metricsProfile={"costAnalysis": {"enabled": True}}),
            Result.PASS,
            "cost analysis",
            id="res10-on",
        ),
        pytest.param("RES-10/cost-analysis", doc(), Result.WARN, "off", id="res10-off"),
        pytest.param(
            "RES-12/dev-test-stoppable",
            doc(envelope={"tags": {"environment": "dev"}}, powerState={"code": "Stopped"}),
            Result.PASS,
            "stopped",
            id="res12-stopped",
        ),
        pytest.param(
            "RES-12/dev-test-stoppable",
            doc(envelope={"tags": {"env": "Test"}}),
            Result.WARN,
            "az aks stop",
            id="res12-always-on",
        ),
        pytest.param(
            "RES-12/dev-test-stoppable",
            doc(envelope={"tags": {"env": "prod"}}),
            Result.NOT_APPLICABLE,
            "dev/test",
            id="res12-production",
        ),
        pytest.param(
            "STO-07/ultra-disks-enabled",
            doc([pool(enableUltraSSD=True)]),
            Result.PASS,
            "Ultra",
            id="sto07-ultra",
        ),
        pytest.param("STO-07/ultra-disks-enabled", doc(), Result.WARN, "no pool", id="sto07-none"),
        pytest.param(
            "WIN-07/windows-network-policy",
            doc([pool(), WINDOWS], networkProfile={"networkPolicy": "calico"}),
            Result.PASS,
            "Calico",
            id="win07-calico",
        ),
        pytest.param(
            "WIN-07/windows-network-policy",
            doc([pool(), WINDOWS], networkProfile={"networkPolicy": "azure"}),
            Result.WARN,
            "Azure NPM",
            id="win07-npm",
        ),
        pytest.param(
            "WIN-07/windows-network-policy",
            doc([pool(), WINDOWS]),
            Result.FAIL,
            "nothing enforces",
            id="win07-none",
        ),
        pytest.param(
            "WIN-07/windows-network-policy",
            doc(),
            Result.NOT_APPLICABLE,
            "no Windows",
            id="win07-linux-only",
        ),
        pytest.param(
            "WIN-08/gmsa-enabled",
            doc([WINDOWS], windowsProfile={"gmsaProfile": {"enabled": True}}),
            Result.PASS,
            "gmsaProfile",
            id="win08-on",
        ),
        pytest.param("WIN-08/gmsa-enabled", doc([WINDOWS]), Result.WARN, "off", id="win08-off"),
    ],
)
def test_cluster_wide_consideration(
    rule: str, document: dict[str, Any], expected: Result, fragment: str
) -> None:
    finding = only(document, rule)
    assert finding.result == expected, finding.message
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("rule", "fields", "expected"),
    [
        pytest.param(
            "CSEC-02/regulated-node-hardening",
            {"enableFIPS": True, "enableEncryptionAtHost": True},
            Result.PASS,
            id="csec02-hardened",
        ),
        pytest.param(
            "CSEC-02/regulated-node-hardening", {"enableFIPS": True}, Result.WARN, id="csec02-half"
        ),
        pytest.param(
            "OPS-05/no-direct-node-access",
            {"enableNodePublicIP": True},
            Result.FAIL,
            id="ops05-public-ip",
        ),
        pytest.param(
            "OPS-05/no-direct-node-access",
            {"securityProfile": {"sshAccess": "Disabled"}},
            Result.PASS,
            id="ops05-ssh-off",
        ),
        pytest.param("OPS-05/no-direct-node-access", {}, Result.WARN, id="ops05-ssh-local-user"),
        pytest.param(
            "OPS-21/node-size-appropriate",
            {"vmSize": "Standard_D8s_v5"},
            Result.PASS,
            id="ops21-d8",
        ),
        pytest.param(
            "OPS-21/node-size-appropriate",
            {"vmSize": "Standard_B4ms"},
            Result.WARN,
            id="ops21-burstable",
        ),
        pytest.param(
            "RES-02/node-size-appropriate",
            {"vmSize": "Standard_D2s_v5"},
            Result.WARN,
            id="res02-tiny",
        ),
        pytest.param(
            "RES-11/gpu-partitioned",
            {"vmSize": "Standard_ND96asr_v4", "gpuInstanceProfile": "MIG1g"},
            Result.PASS,
            id="res11-mig",
        ),
        pytest.param(
            "RES-11/gpu-partitioned",
            {"vmSize": "Standard_NC24ads_A100_v4"},
            Result.WARN,
            id="res11-whole-gpu",
        ),
    ],
)
def test_per_pool_consideration(rule: str, fields: dict[str, Any], expected: Result) -> None:
    assert by_object(doc([pool(**fields)]), rule) == {"pool1": expected}


def test_gpu_rule_does_not_apply_without_mig_capable_pools() -> None:
    assert only(doc(), "RES-11/gpu-partitioned").result is Result.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("name", "family", "vcpus", "arm64"),
    [
        pytest.param("Standard_D4s_v5", "d", 4, False, id="general"),
        pytest.param("Standard_D8pds_v5", "d", 8, True, id="arm64"),
        pytest.param("standard_b2ms", "b", 2, False, id="lowercase-burstable"),
        pytest.param("Standard_DC4as_cc_v5", "dc", 4, False, id="confidential"),
    ],
)
def test_vm_size_names_are_read(name: str, family: str, vcpus: int, arm64: bool) -> None:
    size = vm_size(name)
    assert size is not None
    assert (size.family, size.vcpus, size.arm64) == (family, vcpus, arm64)


def test_vm_size_rejects_what_is_not_a_size() -> None:
    assert vm_size("big-one") is None
    assert vm_size(None) is None
