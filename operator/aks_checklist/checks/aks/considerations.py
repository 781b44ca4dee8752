"""The checklist's "consider X" items that the managed-cluster document can still judge.

Most of these are advisory (catalog ``verdict: advisory``): the document shows
whether the option is in use (Pass) or not (Warn), but whether a cluster *needs*
FIPS nodes, a proximity placement group or dedicated hosts is the owner's call,
so a Warn never lowers the score; a policy makes one strict with
``spec.checks.require``. A few are strict because the document alone decides
them: public node IPs (OPS-05) and the Windows network-policy engine (WIN-07).

VM sizes are read from their names (``Standard_D4s_v5``: family D, 4 vCPUs,
``p`` = Arm64, ``B`` = burstable), which is how Azure names them; nothing here
calls Azure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from aks_checklist.checks.aks._common import NO_POOLS, Verdict, lower, names, on_cluster, per_pool
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster
from aks_checklist.checks.model import Finding, Result, Rule, Severity


def _rule(rule_id: str, title: str, severity: Severity = Severity.LOW) -> Rule:
    return Rule(rule_id, title, severity, "aks")


APP_22 = _rule("APP-22/managed-by-automation", "The cluster was last changed by automation")
CSEC_02 = _rule(
    "CSEC-02/regulated-node-hardening",
    "Node pools use FIPS and encryption at host",
    Severity.MEDIUM,
)
CSEC_13 = _rule(
    "CSEC-13/no-service-principal-secret",
    "The cluster uses a managed identity, not a service principal secret",
    Severity.MEDIUM,
)
CSEC_16 = _rule("CSEC-16/confidential-compute", "A pool runs on confidential VM sizes")
CSEC_18 = _rule("CSEC-18/dedicated-hosts", "Pools run on Azure Dedicated Hosts")
IDN_06 = _rule(
    "IDN-06/entra-only-logins", "Only Entra ID tokens (kubelogin) can log in", Severity.MEDIUM
)
IDN_09 = _rule("IDN-09/pre-created-kubelet-identity", "The kubelet identity is pre-created")
NET_09 = _rule(
    "NET-09/egress-through-firewall", "Egress is routed through a firewall or NVA", Severity.MEDIUM
)
NET_20 = _rule("NET-20/http-proxy-configured", "Nodes use the company HTTP proxy")
NET_21 = _rule("NET-21/http-proxy-configured", "Nodes use the company HTTP proxy")
NET_23 = _rule("NET-23/bring-your-own-cni", "A bring-your-own CNI is used only on purpose")
NET_24 = _rule("NET-24/subnet-per-pool", "Each node pool has a subnet of its own")
OPS_02 = _rule("OPS-02/proximity-placement-group", "Pools use a proximity placement group")
OPS_05 = _rule(
    "OPS-05/no-direct-node-access", "Nodes have no public IP and no open SSH", Severity.HIGH
)
OPS_09 = _rule("OPS-09/application-monitoring", "Azure Monitor application monitoring is on")
OPS_17 = _rule("OPS-17/node-configuration-tuned", "Node pools carry a tuned kubelet or OS config")
OPS_18 = _rule(
    "OPS-18/command-invoke-available", "A private cluster keeps `az aks command invoke` available"
)
OPS_21 = _rule("OPS-21/node-size-appropriate", "Node sizes are neither burstable nor tiny")
OPS_26 = _rule("OPS-26/virtual-node", "The virtual node (ACI connector) add-on is on")
OPS_27 = _rule("OPS-27/spot-pool", "A spot node pool runs interruptible work")
NET_22 = _rule("NET-22/service-mesh", "A managed service mesh (Istio add-on) is on")
RES_01 = _rule("RES-01/virtual-node", "The virtual node (ACI connector) add-on is on")
RES_02 = _rule("RES-02/node-size-appropriate", "Node sizes are neither burstable nor tiny")
RES_03 = _rule("RES-03/spot-pool", "A spot node pool runs interruptible work")
RES_10 = _rule("RES-10/cost-analysis", "AKS cost analysis is on")
RES_11 = _rule("RES-11/gpu-partitioned", "MIG-capable GPU pools are partitioned")
RES_12 = _rule("RES-12/dev-test-stoppable", "Dev/test clusters can be stopped when idle")
STO_07 = _rule("STO-07/ultra-disks-enabled", "A pool can attach Ultra Disks")
WIN_07 = _rule(
    "WIN-07/windows-network-policy", "Windows pods are under a network-policy engine", Severity.HIGH
)
WIN_08 = _rule("WIN-08/gmsa-enabled", "Windows pools have gMSA enabled", Severity.MEDIUM)

RULES: tuple[Rule, ...] = (
    APP_22,
    CSEC_02,
    CSEC_13,
    CSEC_16,
    CSEC_18,
    IDN_06,
    IDN_09,
    NET_09,
    NET_20,
    NET_21,
    NET_22,
    NET_23,
    NET_24,
    OPS_02,
    OPS_05,
    OPS_09,
    OPS_17,
    OPS_18,
    OPS_21,
    OPS_26,
    OPS_27,
    RES_01,
    RES_02,
    RES_03,
    RES_10,
    RES_11,
    RES_12,
    STO_07,
    WIN_07,
    WIN_08,
)

_SIZE = re.compile(r"^standard_([a-z]+?)(\d+)([a-z]*)(?:_|$)", re.IGNORECASE)
# GPU sizes whose NVIDIA A100/H100/H200 GPUs support multi-instance partitioning.
_MIG_FRAGMENTS = ("a100", "h100", "h200", "nd96asr", "nd96amsr", "nd96isr")
DEV_TEST = frozenset({"dev", "develop", "development", "test", "testing", "qa", "sandbox", "lab"})
ENV_TAGS = ("environment", "env", "stage", "tier")


@dataclass(frozen=True, slots=True)
class VmSize:
    """What a VM size name says: family letters, vCPUs and feature letters."""

    family: str
    vcpus: int
    features: str

    @property
    def burstable(self) -> bool:
        return self.family == "b"

    @property
    def arm64(self) -> bool:
        return "p" in self.features

    @property
    def confidential(self) -> bool:
        return self.family in {"dc", "ec"}


def vm_size(name: str | None) -> VmSize | None:
    match = _SIZE.match(name or "")
    if match is None:
        return None
    return VmSize(match[1].lower(), int(match[2]), match[3].lower())


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield on_cluster(APP_22, cluster, _automation(cluster))
    yield from per_pool(CSEC_02, cluster, _hardened)
    yield on_cluster(CSEC_13, cluster, _identity(cluster))
    yield on_cluster(CSEC_16, cluster, _confidential(cluster))
    yield on_cluster(CSEC_18, cluster, _any_pool(cluster, "hostGroupId", "a dedicated host group"))
    yield on_cluster(IDN_06, cluster, _entra_only(cluster))
    yield on_cluster(IDN_09, cluster, _kubelet_identity(cluster))
    yield on_cluster(NET_09, cluster, _egress(cluster))
    proxy = _proxy(cluster)
    yield on_cluster(NET_20, cluster, proxy)
    yield on_cluster(NET_21, cluster, proxy)
    yield on_cluster(NET_22, cluster, _mesh(cluster))
    yield on_cluster(NET_23, cluster, _own_cni(cluster))
    yield on_cluster(NET_24, cluster, _subnets(cluster))
    yield on_cluster(
        OPS_02,
        cluster,
        _any_pool(cluster, "proximityPlacementGroupId", "a proximity placement group"),
    )
    yield from per_pool(OPS_05, cluster, _node_access)
    yield on_cluster(OPS_09, cluster, _app_monitoring(cluster))
    yield on_cluster(OPS_17, cluster, _tuned(cluster))
    yield on_cluster(OPS_18, cluster, _command_invoke(cluster))
    for rule in (OPS_21, RES_02):
        yield from per_pool(rule, cluster, _size)
    for rule in (OPS_26, RES_01):
        yield on_cluster(rule, cluster, _virtual_node(cluster))
    for rule in (OPS_27, RES_03):
        yield on_cluster(rule, cluster, _spot(cluster))
    yield on_cluster(RES_10, cluster, _cost(cluster))
    yield from per_pool(
        RES_11,
        cluster,
        _mig,
        pools=[p for p in cluster.pools if _mig_capable(p)],
        none_selected="no pool runs on a MIG-capable GPU size (A100, H100, H200)",
    )
    yield on_cluster(RES_12, cluster, _stoppable(cluster))
    yield on_cluster(STO_07, cluster, _any_pool(cluster, "enableUltraSsd", "Ultra Disk support"))
    yield on_cluster(WIN_07, cluster, _windows_policy(cluster))
    yield on_cluster(WIN_08, cluster, _gmsa(cluster))


def _automation(cluster: ManagedCluster) -> Verdict:
    by_type = cluster.top.text("systemData", "lastModifiedByType")
    if by_type is None:
        return Result.WARN, (
            "systemData.lastModifiedByType is absent, so who last changed the cluster is unknown; "
            "create and change it through ARM/Bicep/Terraform pipelines"
        )
    if lower(by_type) in {"application", "managedidentity"}:
        return Result.PASS, f"last changed by an {by_type} (a pipeline or automation identity)"
    return Result.WARN, (
        f"last changed by a {by_type} ({cluster.top.text('systemData', 'lastModifiedBy') or '?'}): "
        "changes by hand drift from the infrastructure code"
    )


def _hardened(pool: AgentPool) -> Verdict:
    missing = [
        field
        for field, on in (
            ("enableFips", pool.raw.flag("enableFips") is True or pool.is_windows),
            ("enableEncryptionAtHost", pool.raw.flag("enableEncryptionAtHost") is True),
        )
        if not on
    ]
    if not missing:
        return Result.PASS, "FIPS-validated crypto and encryption at host are on"
    return Result.WARN, f"{' and '.join(missing)} not set: needed where regulations demand them"


def _identity(cluster: ManagedCluster) -> Verdict:
    client = cluster.props.text("servicePrincipalProfile", "clientId")
    kind = lower(cluster.identity_type)
    if lower(client) == "msi" or kind in {"systemassigned", "userassigned"}:
        return Result.PASS, (
            f"the cluster identity is {cluster.identity_type or 'managed (clientId msi)'}: "
            "there is no service principal secret to rotate"
        )
    if client:
        return Result.WARN, (
            f"the cluster runs as service principal {client}, whose secret expires (one year by "
            "default): rotate it (az aks update-credentials) or move to a managed identity"
        )
    return Result.WARN, "neither a managed identity nor a service principal is in the document"


def _confidential(cluster: ManagedCluster) -> Verdict:
    if cluster.addon("ACCSGXDevicePlugin").enabled:
        return Result.PASS, "the confidential computing (SGX device plugin) add-on is on"
    pools = [p for p in cluster.pools if (size := vm_size(p.vm_size)) and size.confidential]
    if pools:
        return Result.PASS, f"confidential VM sizes in pools {names(pools)}"
    return Result.WARN, "no pool runs on a confidential (DC/EC-series) size"


def _any_pool(cluster: ManagedCluster, field: str, what: str) -> Verdict:
    if not cluster.pools:
        return Result.NOT_APPLICABLE, NO_POOLS
    using = [p for p in cluster.pools if p.raw.get(field) not in (None, False, "")]
    if using:
        return Result.PASS, f"pools with {what}: {names(using)}"
    return Result.WARN, f"no pool uses {what} ({field})"


def _entra_only(cluster: ManagedCluster) -> Verdict:
    managed = cluster.props.flag("aadProfile", "managed") is True
    local = cluster.props.flag("disableLocalAccounts") is not True
    if managed and not local:
        return Result.PASS, "local accounts are off, so only Entra ID tokens (kubelogin) log in"
    reasons = (["Entra ID integration is not managed"] if not managed else []) + (
        ["local accounts are enabled"] if local else []
    )
    return Result.WARN, f"{' and '.join(reasons)}: pipelines can still use static credentials"


def _kubelet_identity(cluster: ManagedCluster) -> Verdict:
    resource = cluster.props.text("identityProfile", "kubeletidentity", "resourceId")
    node_group = cluster.props.text("nodeResourceGroup")
    if resource is None:
        return Result.WARN, "no kubelet identity in identityProfile.kubeletidentity"
    match = re.search(r"/resourcegroups/([^/]+)/", resource, re.IGNORECASE)
    group = match.group(1) if match else None
    if group and node_group and group.lower() != node_group.lower():
        return (
            Result.PASS,
            f"the kubelet identity lives in {group}, outside the node resource group",
        )
    return Result.WARN, (
        "the kubelet identity is the one AKS created in the node resource group; a pre-created "
        "identity keeps its role assignments across cluster rebuilds"
    )


def _egress(cluster: ManagedCluster) -> Verdict:
    outbound = cluster.network.text("outboundType") or "loadBalancer"
    if lower(outbound) == "userdefinedrouting":
        return Result.PASS, "outboundType userDefinedRouting sends egress through a firewall/NVA"
    if lower(outbound) in {"none", "block"}:
        return Result.PASS, f"outboundType {outbound}: the cluster has no Internet egress"
    return Result.WARN, f"outboundType {outbound}: egress is not filtered by a firewall"


def _proxy(cluster: ManagedCluster) -> Verdict:
    proxy = cluster.props.section("httpProxyConfig")
    set_fields = [f for f in ("httpProxy", "httpsProxy") if proxy.text(f)]
    if set_fields:
        return Result.PASS, f"httpProxyConfig sets {', '.join(set_fields)}"
    return Result.WARN, "no httpProxyConfig: nodes reach the Internet without the company proxy"


def _mesh(cluster: ManagedCluster) -> Verdict:
    mode = cluster.props.text("serviceMeshProfile", "mode")
    if lower(mode) == "istio":
        return Result.PASS, "the Istio service mesh add-on is on"
    if cluster.addon("openServiceMesh").enabled:
        return Result.PASS, "the Open Service Mesh add-on is on (retired: move to Istio)"
    return Result.WARN, "no managed service mesh (serviceMeshProfile.mode is not Istio)"


def _own_cni(cluster: ManagedCluster) -> Verdict:
    plugin = cluster.network_plugin
    if lower(plugin) == "none":
        return Result.PASS, "networkPlugin none: the cluster runs its own CNI"
    return Result.NOT_APPLICABLE, f"AKS manages the CNI (networkPlugin {plugin or 'default'})"


def _subnets(cluster: ManagedCluster) -> Verdict:
    if not cluster.pools:
        return Result.NOT_APPLICABLE, NO_POOLS
    subnets = [p.vnet_subnet_id for p in cluster.pools]
    if not any(subnets):
        return Result.NOT_APPLICABLE, "AKS created the virtual network (no pool names a subnet)"
    if len(cluster.pools) == 1:
        return Result.PASS, "a single pool on its own subnet"
    seen: dict[str, list[str]] = {}
    for pool in cluster.pools:
        seen.setdefault((pool.vnet_subnet_id or "").lower(), []).append(pool.name)
    shared = [group for group in seen.values() if len(group) > 1]
    if shared:
        return Result.WARN, f"pools share a subnet: {'; '.join(', '.join(g) for g in shared)}"
    return Result.PASS, f"all {len(cluster.pools)} pools have subnets of their own"


def _node_access(pool: AgentPool) -> Verdict:
    if pool.raw.flag("enableNodePublicIp") is True:
        return Result.FAIL, "enableNodePublicIp: every node has a public IP address"
    ssh = pool.raw.text("securityProfile", "sshAccess") or "LocalUser"
    if lower(ssh) in {"disabled", "entraid"}:
        return Result.PASS, f"no public node IP, SSH access {ssh}"
    return Result.WARN, (
        f"no public node IP, but SSH access is {ssh}: disable it or use Entra ID SSH through a "
        "bastion"
    )


def _app_monitoring(cluster: ManagedCluster) -> Verdict:
    monitoring = cluster.props.section("azureMonitorProfile", "appMonitoring")
    on = [
        part
        for part in ("autoInstrumentation", "openTelemetryTraces", "openTelemetryLogs")
        if monitoring.flag(part, "enabled") is True
    ]
    if on:
        return Result.PASS, f"application monitoring is on ({', '.join(on)})"
    return Result.WARN, "azureMonitorProfile.appMonitoring is off: no managed tracing"


def _tuned(cluster: ManagedCluster) -> Verdict:
    if not cluster.pools:
        return Result.NOT_APPLICABLE, NO_POOLS
    tuned = [p for p in cluster.pools if p.raw.get("kubeletConfig") or p.raw.get("linuxOsConfig")]
    if tuned:
        return Result.PASS, f"custom kubeletConfig/linuxOsConfig on pools {names(tuned)}"
    return Result.WARN, "every pool runs the AKS default kubelet and OS settings"


def _command_invoke(cluster: ManagedCluster) -> Verdict:
    if not cluster.is_private:
        return Result.NOT_APPLICABLE, "the API server is public; command invoke is for private ones"
    if cluster.props.flag("apiServerAccessProfile", "disableRunCommand") is True:
        return Result.WARN, (
            "disableRunCommand is true: without a jump host nobody can reach the private API server"
        )
    return Result.PASS, "`az aks command invoke` is available for the private API server"


def _size(pool: AgentPool) -> Verdict:
    size = vm_size(pool.vm_size)
    if size is None:
        return Result.WARN, f"VM size {pool.vm_size or 'absent'} is not an Azure size name"
    if size.burstable:
        return Result.WARN, f"{pool.vm_size} is burstable (B-series): CPU credits run out"
    if size.vcpus < 4:
        return Result.WARN, (
            f"{pool.vm_size} has {size.vcpus} vCPUs: system daemons take a large share of small "
            "nodes"
        )
    return Result.PASS, f"{pool.vm_size} ({size.vcpus} vCPUs)"


def _virtual_node(cluster: ManagedCluster) -> Verdict:
    if cluster.addon("aciConnectorLinux").enabled:
        return Result.PASS, "the virtual node add-on (aciConnectorLinux) is on"
    return Result.WARN, "no virtual node: bursts wait for new VMs to boot"


def _spot(cluster: ManagedCluster) -> Verdict:
    if not cluster.pools:
        return Result.NOT_APPLICABLE, NO_POOLS
    spot = [p for p in cluster.pools if p.is_spot]
    if spot:
        return Result.PASS, f"spot pools: {names(spot)}"
    return Result.WARN, "no spot pool: interruptible work pays the regular price"


def _cost(cluster: ManagedCluster) -> Verdict:
    if cluster.props.flag("metricsProfile", "costAnalysis", "enabled") is True:
        return Result.PASS, "AKS cost analysis (metricsProfile.costAnalysis) is on"
    return Result.WARN, "metricsProfile.costAnalysis is off: costs are not split by namespace"


def _mig_capable(pool: AgentPool) -> bool:
    return any(fragment in lower(pool.vm_size) for fragment in _MIG_FRAGMENTS)


def _mig(pool: AgentPool) -> Verdict:
    profile = pool.raw.text("gpuInstanceProfile")
    if profile:
        return Result.PASS, f"GPUs partitioned as {profile}"
    return Result.WARN, f"{pool.vm_size} supports MIG but gpuInstanceProfile is not set"


def _stoppable(cluster: ManagedCluster) -> Verdict:
    tags = {k.lower(): v.lower() for k, v in cluster.tags.items()}
    environment = next((tags[k] for k in ENV_TAGS if k in tags), None)
    if environment not in DEV_TEST:
        return Result.NOT_APPLICABLE, (
            "not tagged as a dev/test cluster (tag environment/env: dev, test, qa...)"
        )
    stopped = lower(cluster.props.text("powerState", "code")) == "stopped" or any(
        lower(p.raw.text("powerState", "code")) == "stopped" for p in cluster.pools
    )
    scale_to_zero = [p for p in cluster.user_pools if p.autoscaling and p.min_count == 0]
    if stopped or scale_to_zero:
        return Result.PASS, "the dev/test cluster is stopped or its user pools scale to zero"
    return Result.WARN, (
        f"a {environment} cluster that always runs: stop it (az aks stop) or its pools when idle"
    )


def _windows_policy(cluster: ManagedCluster) -> Verdict:
    if not cluster.windows_pools:
        return Result.NOT_APPLICABLE, "no Windows pool"
    engine = lower(cluster.network.text("networkPolicy"))
    if engine == "calico":
        return Result.PASS, "Calico enforces NetworkPolicy on Windows nodes"
    if engine == "azure":
        return Result.WARN, "Azure NPM on Windows nodes ends 2026-09-30: move to Calico"
    return Result.FAIL, (
        f"networkPolicy {engine or 'none'}: nothing enforces NetworkPolicy for Windows pods "
        f"(pools {names(cluster.windows_pools)})"
    )


def _gmsa(cluster: ManagedCluster) -> Verdict:
    if not cluster.windows_pools:
        return Result.NOT_APPLICABLE, "no Windows pool"
    if cluster.props.flag("windowsProfile", "gmsaProfile", "enabled") is True:
        return Result.PASS, "windowsProfile.gmsaProfile is enabled"
    return Result.WARN, (
        "gMSA is off: Windows pods cannot use Active Directory identities (enable it if they need "
        "to)"
    )
