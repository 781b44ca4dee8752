"""Operations items judged on the ARM document: upgrades, monitoring, scaling, naming.

Upgrade channels, the monitoring add-ons and autoscaling are cluster or pool
settings. Logs and metrics can also come from self-installed agents that the
document cannot see, so their absence is a warning, not a failure. Planned
maintenance windows are separate ``maintenanceConfigurations`` resources and
are not part of the document.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import Verdict, lower, on_cluster, per_pool, shown
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster
from aks_checklist.checks.model import Finding, Result, Rule, Severity

NODE_OS_UPGRADE = Rule(
    "OPS-01/node-os-upgrade-channel",
    "Node images and OS patches are upgraded automatically",
    Severity.HIGH,
    "aks",
)
NODE_RESOURCE_GROUP = Rule(
    "OPS-04/custom-node-resource-group",
    "The node resource group has a chosen name instead of MC_<group>_<cluster>_<region>",
    Severity.LOW,
    "aks",
)
LOG_AGGREGATION = Rule(
    "OPS-07/log-aggregation",
    "Container logs are collected (Container insights)",
    Severity.MEDIUM,
    "aks",
)
CLUSTER_METRICS = Rule(
    "OPS-08/cluster-metrics",
    "Cluster metrics are collected (managed Prometheus or Container insights)",
    Severity.MEDIUM,
    "aks",
)
UPGRADE_CHANNEL = Rule(
    "OPS-10/upgrade-channel",
    "The cluster has an automatic Kubernetes upgrade channel",
    Severity.MEDIUM,
    "aks",
)
CLUSTER_AUTOSCALER = Rule(
    "OPS-11/cluster-autoscaler",
    "Each node pool scales automatically",
    Severity.MEDIUM,
    "aks",
)
NODE_METRICS = Rule(
    "OPS-19/node-metrics",
    "Node CPU and memory are monitored (managed Prometheus or Container insights)",
    Severity.MEDIUM,
    "aks",
)
CERTIFICATE_ROTATION = Rule(
    "OPS-24/certificate-auto-rotation",
    "Kubelet certificates rotate automatically (needs Kubernetes RBAC)",
    Severity.MEDIUM,
    "aks",
)
CONTAINER_INSIGHTS = Rule(
    "OPS-25/container-insights",
    "Cluster logs are stored and analysed with Container insights",
    Severity.MEDIUM,
    "aks",
)

RULES: tuple[Rule, ...] = (
    NODE_OS_UPGRADE,
    NODE_RESOURCE_GROUP,
    LOG_AGGREGATION,
    CLUSTER_METRICS,
    UPGRADE_CHANNEL,
    CLUSTER_AUTOSCALER,
    NODE_METRICS,
    CERTIFICATE_ROTATION,
    CONTAINER_INSIGHTS,
)

K8S_CHANNELS = frozenset({"patch", "stable", "rapid"})


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield on_cluster(NODE_OS_UPGRADE, cluster, _node_os_upgrade(cluster))
    yield on_cluster(NODE_RESOURCE_GROUP, cluster, _node_resource_group(cluster))
    yield on_cluster(LOG_AGGREGATION, cluster, _logs(cluster))
    yield on_cluster(CLUSTER_METRICS, cluster, metrics(cluster))
    yield on_cluster(UPGRADE_CHANNEL, cluster, _upgrade_channel(cluster))
    yield from per_pool(CLUSTER_AUTOSCALER, cluster, lambda pool: _autoscaler(cluster, pool))
    yield on_cluster(NODE_METRICS, cluster, metrics(cluster))
    yield on_cluster(CERTIFICATE_ROTATION, cluster, _certificate_rotation(cluster))
    yield on_cluster(CONTAINER_INSIGHTS, cluster, _logs(cluster))


def node_os_channel(cluster: ManagedCluster) -> tuple[str, bool]:
    """The effective node OS channel and whether the document states it.

    ``NodeImage`` is the API default; the legacy cluster channel ``node-image``
    also keeps node images current.
    """
    profile = cluster.props.section("autoUpgradeProfile")
    channel = profile.text("nodeOsUpgradeChannel")
    if channel is None and lower(profile.text("upgradeChannel")) == "node-image":
        return "NodeImage", True
    return (channel or "NodeImage"), channel is not None


def node_autoprovisioning(cluster: ManagedCluster) -> bool:
    return lower(cluster.props.text("nodeProvisioningProfile", "mode")) == "auto"


def _node_os_upgrade(cluster: ManagedCluster) -> Verdict:
    channel, stated = node_os_channel(cluster)
    where = "autoUpgradeProfile.nodeOsUpgradeChannel"
    if lower(channel) in ("nodeimage", "securitypatch"):
        if not stated:
            return Result.PASS, f"{where} is absent; AKS defaults it to NodeImage"
        return Result.PASS, f"{where} is {channel}: node images are refreshed automatically"
    if lower(channel) == "unmanaged":
        return Result.WARN, (
            f"{where} is Unmanaged: Linux nodes only get the distribution's unattended "
            "security updates, node images are never refreshed, and Windows nodes get nothing"
        )
    return Result.FAIL, (
        f"{where} is {channel}: nodes get no OS patches or new images unless someone upgrades "
        "them by hand; set NodeImage or SecurityPatch"
    )


def _node_resource_group(cluster: ManagedCluster) -> Verdict:
    group = cluster.props.text("nodeResourceGroup")
    location = lower(cluster.location)
    default = None
    if cluster.resource_group and location:
        default = f"MC_{cluster.resource_group}_{cluster.name}_{cluster.location}"
    if group is None:
        return Result.FAIL, (
            "nodeResourceGroup is absent; AKS then names it "
            f"{default or 'MC_<resource group>_<cluster>_<region>'}, which says nothing about "
            "its owner; choose a name at creation (--node-resource-group)"
        )
    is_default = (default is not None and group.lower() == default.lower()) or (
        group.lower().startswith("mc_")
        and bool(location)
        and group.lower().endswith(f"_{cluster.name}_{location}".lower())
    )
    if is_default:
        return Result.FAIL, (
            f"nodeResourceGroup {group} is the generated MC_ name; the name can only be "
            "chosen when a cluster is created (--node-resource-group)"
        )
    return Result.PASS, f"nodeResourceGroup is {group}"


def container_insights(cluster: ManagedCluster) -> bool:
    return (
        cluster.addon("omsagent").enabled
        or cluster.props.flag("azureMonitorProfile", "containerInsights", "enabled") is True
    )


def _logs(cluster: ManagedCluster) -> Verdict:
    if container_insights(cluster):
        workspace = cluster.addon("omsagent").config.text("logAnalyticsWorkspaceResourceID")
        where = f" into workspace {workspace.rsplit('/', 1)[-1]}" if workspace else ""
        return Result.PASS, f"Container insights collects container logs{where}"
    return Result.WARN, (
        "Container insights (addonProfiles.omsagent) is not enabled; unless another log agent "
        "runs in the cluster (not visible in the document), container logs are lost with "
        "their pods"
    )


def metrics(cluster: ManagedCluster) -> Verdict:
    """Shared by OPS-08 and OPS-19: node and cluster metrics come from the same agents."""
    sources: list[str] = []
    if cluster.props.flag("azureMonitorProfile", "metrics", "enabled") is True:
        sources.append("Azure Monitor managed Prometheus")
    if container_insights(cluster):
        sources.append("Container insights")
    if sources:
        return Result.PASS, f"metrics are collected by {' and '.join(sources)}"
    return Result.WARN, (
        "neither azureMonitorProfile.metrics nor Container insights is enabled; unless a "
        "self-managed Prometheus runs in the cluster (not visible in the document), nobody "
        "watches node and pod resource usage"
    )


def _upgrade_channel(cluster: ManagedCluster) -> Verdict:
    channel = cluster.props.text("autoUpgradeProfile", "upgradeChannel")
    where = "autoUpgradeProfile.upgradeChannel"
    if lower(channel) in K8S_CHANNELS:
        return Result.PASS, f"{where} is {channel}"
    if lower(channel) == "node-image":
        return Result.WARN, (
            f"{where} is node-image, a legacy channel that only refreshes node images: the "
            "Kubernetes version is never upgraded automatically; use patch or stable and set "
            "nodeOsUpgradeChannel for images"
        )
    shown_channel = "absent (none by default)" if channel is None else channel
    return Result.FAIL, (
        f"{where} is {shown_channel}: the cluster only gets Kubernetes upgrades by hand and "
        "drifts out of support; set patch or stable"
    )


def _autoscaler(cluster: ManagedCluster, pool: AgentPool) -> Verdict:
    if pool.autoscaling:
        return Result.PASS, (
            f"pool {pool.name} autoscales between {shown(pool.min_count)} and "
            f"{shown(pool.max_count)} nodes"
        )
    if node_autoprovisioning(cluster):
        return Result.PASS, (
            f"pool {pool.name} has a fixed size, but node auto-provisioning "
            "(nodeProvisioningProfile.mode Auto) adds nodes for pending pods"
        )
    count = "absent, 1 by default" if pool.count is None else str(pool.count)
    return Result.FAIL, (
        f"pool {pool.name} has a fixed size (count {count}; enableAutoScaling is "
        f"{shown(pool.raw.flag('enableAutoScaling'))}): pending pods wait until someone scales it"
    )


def _certificate_rotation(cluster: ManagedCluster) -> Verdict:
    enabled = cluster.props.flag("enableRbac")
    if enabled is False:
        return Result.FAIL, (
            "enableRbac is false: AKS only rotates kubelet certificates automatically on "
            "clusters with Kubernetes RBAC"
        )
    basis = "enableRbac is true" if enabled else "enableRbac is absent (on by default)"
    return Result.PASS, f"{basis}: kubelet certificates rotate automatically"
