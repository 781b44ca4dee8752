"""Networking items judged on the ARM document: CNI, policy engine, API server exposure, egress.

The CNI and its mode decide several answers at once: how many pods a node
may run by default, whether pod IPs are drawn from the node subnet (and can
exhaust it), whether Windows pools are possible. ``networkPlugin`` absent is
judged as Azure CNI Overlay, which AKS creates when no plugin is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import Verdict, lower, on_cluster, per_pool, shown
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster, Section
from aks_checklist.checks.model import Finding, Result, Rule, Severity

AZURE_CNI = Rule(
    "NET-01/azure-cni",
    "Pods are networked with Azure CNI",
    Severity.MEDIUM,
    "aks",
)
MANAGED_INGRESS_INTERNAL = Rule(
    "NET-06/managed-ingress-internal",
    "AKS-managed ingress controllers do not take a public IP unless needed",
    Severity.HIGH,
    "aks",
)
POLICY_ENGINE = Rule(
    "NET-07/network-policy-engine",
    "A network policy engine enforces NetworkPolicy objects",
    Severity.HIGH,
    "aks",
)
PRIVATE_CLUSTER = Rule(
    "NET-12/private-cluster",
    "The API server is private, or at least restricted",
    Severity.HIGH,
    "aks",
)
MAX_PODS = Rule(
    "NET-14/max-pods",
    "The pods-per-node limit of each pool was chosen, not left at the node-subnet default",
    Severity.LOW,
    "aks",
)
AUTHORIZED_IP_RANGES = Rule(
    "NET-15/authorized-ip-ranges",
    "A public API server only accepts authorized IP ranges",
    Severity.HIGH,
    "aks",
)
NAT_GATEWAY = Rule(
    "NET-16/nat-gateway-outbound",
    "Egress leaves through a NAT gateway",
    Severity.MEDIUM,
    "aks",
)
DYNAMIC_POD_IPS = Rule(
    "NET-17/dynamic-pod-ip-allocation",
    "Pod IPs cannot exhaust the node subnet (pod subnet or overlay)",
    Severity.MEDIUM,
    "aks",
)

RULES: tuple[Rule, ...] = (
    AZURE_CNI,
    MANAGED_INGRESS_INTERNAL,
    POLICY_ENGINE,
    PRIVATE_CLUSTER,
    MAX_PODS,
    AUTHORIZED_IP_RANGES,
    NAT_GATEWAY,
    DYNAMIC_POD_IPS,
)

POLICY_ENGINES = frozenset({"azure", "calico", "cilium"})
NAT_OUTBOUND = frozenset({"managednatgateway", "userassignednatgateway", "managednatgatewayv2"})
NO_EGRESS = frozenset({"none", "block"})
NODE_SUBNET_DEFAULT_MAX_PODS = 30
OPEN_RANGES = frozenset({"0.0.0.0/0", "::/0"})


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield on_cluster(AZURE_CNI, cluster, _azure_cni(cluster))
    yield on_cluster(MANAGED_INGRESS_INTERNAL, cluster, _managed_ingress(cluster))
    yield on_cluster(POLICY_ENGINE, cluster, _policy_engine(cluster))
    yield on_cluster(PRIVATE_CLUSTER, cluster, _private_cluster(cluster))
    yield from per_pool(MAX_PODS, cluster, lambda pool: _max_pods(cluster, pool))
    yield on_cluster(AUTHORIZED_IP_RANGES, cluster, _authorized_ranges(cluster))
    yield on_cluster(NAT_GATEWAY, cluster, _nat_gateway(cluster))
    yield from per_pool(DYNAMIC_POD_IPS, cluster, lambda pool: _dynamic_ips(cluster, pool))


def plugin(cluster: ManagedCluster) -> str:
    """The effective CNI: ``azure`` when absent (AKS then creates Azure CNI Overlay)."""
    return lower(cluster.network_plugin) or "azure"


def is_overlay(cluster: ManagedCluster) -> bool:
    if cluster.network_plugin is None:
        return True
    return plugin(cluster) == "azure" and lower(cluster.network_plugin_mode) == "overlay"


def _cni_label(cluster: ManagedCluster) -> str:
    if cluster.network_plugin is None:
        return "networkPlugin is absent, so AKS's default Azure CNI Overlay applies"
    if is_overlay(cluster):
        mode = "Overlay"
    elif cluster.pools and all(pool.pod_subnet_id for pool in cluster.pools):
        mode = "dynamic pod subnet"
    else:
        mode = "node subnet for pools without a pod subnet"
    dataplane = cluster.network.text("networkDataplane")
    powered = " powered by Cilium" if lower(dataplane) == "cilium" else ""
    return f"networkPlugin azure: Azure CNI{powered} ({mode})"


def _azure_cni(cluster: ManagedCluster) -> Verdict:
    name = plugin(cluster)
    if name == "azure":
        return Result.PASS, _cni_label(cluster)
    if name == "kubenet":
        return Result.FAIL, (
            "networkPlugin is kubenet, which AKS retires (March 2028) and which cannot run "
            "Windows pools; migrate to Azure CNI Overlay"
        )
    if name == "none":
        return Result.WARN, (
            "networkPlugin is none: a bring-your-own CNI that AKS does not support; make sure "
            "you need it over Azure CNI"
        )
    return Result.FAIL, f"networkPlugin is {cluster.network_plugin}, not Azure CNI"


def _managed_ingress(cluster: ManagedCluster) -> Verdict:
    public: list[str] = []
    private: list[str] = []
    routing = cluster.props.section("ingressProfile", "webAppRouting")
    if routing.flag("enabled") is True:
        kind = routing.text("nginx", "defaultIngressControllerType")
        if lower(kind) in ("internal", "none"):
            private.append(f"application routing (default NGINX controller: {kind})")
        elif lower(kind) == "external":
            public.append("application routing's default NGINX controller (External)")
        else:
            public.append(
                "application routing's default NGINX controller "
                f"(defaultIngressControllerType {shown(kind)}: public unless its "
                "NginxIngressController sets an internal load balancer annotation)"
            )
    gateways = cluster.props.get("serviceMeshProfile", "istio", "components", "ingressGateways")
    for entry in gateways if isinstance(gateways, list) else []:
        gateway = Section(entry if isinstance(entry, dict) else None)
        if gateway.flag("enabled") is not True:
            continue
        mode = gateway.text("mode")
        label = f"Istio {mode} ingress gateway" if mode else "Istio ingress gateway (mode absent)"
        (private if lower(mode) == "internal" else public).append(label)
    if public:
        return Result.WARN, (
            f"internet-facing managed ingress: {'; '.join(public)}; keep it only for apps that "
            "must be reachable from the internet"
        )
    if private:
        return Result.PASS, f"managed ingress is internal only: {'; '.join(private)}"
    return Result.NOT_APPLICABLE, (
        "no AKS-managed ingress (application routing, Istio ingress gateway) is enabled; "
        "LoadBalancer Services are judged from Kubernetes objects"
    )


def _policy_engine(cluster: ManagedCluster) -> Verdict:
    engine = cluster.network.text("networkPolicy")
    if lower(engine) in POLICY_ENGINES:
        note = ""
        if lower(engine) == "azure":
            note = " (Azure Network Policy Manager is being retired; plan a move to Cilium)"
        return Result.PASS, f"networkProfile.networkPolicy is {engine}{note}"
    if engine is None and lower(cluster.network.text("networkDataplane")) == "cilium":
        return Result.PASS, "the Cilium dataplane enforces network policies"
    return Result.FAIL, (
        f"networkProfile.networkPolicy is {shown(engine)}: NetworkPolicy objects are accepted "
        "but nothing enforces them; enable azure, calico or cilium"
    )


def authorized_ranges(cluster: ManagedCluster) -> tuple[str, ...]:
    ranges = cluster.props.strings("apiServerAccessProfile", "authorizedIpRanges")
    # api-version 2019-04-01 kept the list at the top of the properties.
    return ranges or cluster.props.strings("apiServerAuthorizedIpRanges")


def _private_cluster(cluster: ManagedCluster) -> Verdict:
    if cluster.is_private:
        zone = cluster.props.text("apiServerAccessProfile", "privateDnsZone") or "system"
        return Result.PASS, f"the API server is private (private DNS zone: {zone})"
    if authorized_ranges(cluster):
        return Result.NOT_APPLICABLE, (
            "the API server is public but restricted to authorized IP ranges (NET-15); make it "
            "private only if your requirements mandate it"
        )
    return Result.WARN, (
        "the API server is public and open to any IP address; make the cluster private if "
        "your requirements mandate it, or at least restrict it (NET-15)"
    )


def _max_pods(cluster: ManagedCluster, pool: AgentPool) -> Verdict:
    if plugin(cluster) != "azure":
        return Result.NOT_APPLICABLE, (
            f"networkPlugin is {cluster.network_plugin}; the item is about Azure CNI"
        )
    if is_overlay(cluster) or pool.pod_subnet_id:
        how = "Overlay" if is_overlay(cluster) else "a dedicated pod subnet"
        limit = pool.max_pods
        shown_limit = str(limit) if limit is not None else "the default"
        return Result.PASS, (
            f"pool {pool.name} allows {shown_limit} pods per node; with {how} pod IPs do not "
            "come from the node subnet"
        )
    limit = pool.max_pods
    if limit is None or limit <= NODE_SUBNET_DEFAULT_MAX_PODS:
        shown_limit = "absent (30 by default)" if limit is None else str(limit)
        return Result.WARN, (
            f"pool {pool.name} has maxPods {shown_limit} with Azure CNI in node-subnet mode: "
            "nodes may run out of pod slots before CPU or memory; size maxPods (and the subnet) "
            "to your workloads"
        )
    return Result.PASS, f"pool {pool.name} allows {limit} pods per node"


def _authorized_ranges(cluster: ManagedCluster) -> Verdict:
    if cluster.is_private:
        return Result.NOT_APPLICABLE, "the API server is private, so it has no public endpoint"
    ranges = authorized_ranges(cluster)
    open_ranges = [entry for entry in ranges if entry.strip() in OPEN_RANGES]
    if open_ranges:
        return Result.FAIL, (
            f"apiServerAccessProfile.authorizedIpRanges includes {', '.join(open_ranges)}, "
            "which admits every address"
        )
    if ranges:
        return Result.PASS, f"the public API server accepts {len(ranges)} authorized range(s)"
    return Result.FAIL, (
        "apiServerAccessProfile.authorizedIpRanges is empty: the public API server accepts "
        "connections from any IP address"
    )


def _nat_gateway(cluster: ManagedCluster) -> Verdict:
    outbound = cluster.network.text("outboundType")
    kind = lower(outbound) or "loadbalancer"
    if kind in NAT_OUTBOUND:
        return Result.PASS, f"networkProfile.outboundType is {outbound}"
    if kind == "userdefinedrouting":
        return Result.NOT_APPLICABLE, (
            "outboundType is userDefinedRouting: egress follows your route table (e.g. through "
            "a firewall), whose NAT setup is outside the document"
        )
    if kind in NO_EGRESS:
        return Result.NOT_APPLICABLE, f"outboundType is {outbound}: the cluster has no egress"
    shown_type = outbound or "absent (loadBalancer by default)"
    return Result.FAIL, (
        f"networkProfile.outboundType is {shown_type}: egress shares the load balancer's SNAT "
        "ports, which run out under many outbound connections; use managedNATGateway or "
        "userAssignedNATGateway"
    )


def _dynamic_ips(cluster: ManagedCluster, pool: AgentPool) -> Verdict:
    name = plugin(cluster)
    if name != "azure":
        return Result.NOT_APPLICABLE, f"networkPlugin is {cluster.network_plugin}, not Azure CNI"
    if is_overlay(cluster):
        return Result.PASS, f"pool {pool.name} uses Azure CNI Overlay: pod IPs are not VNet IPs"
    if pool.pod_subnet_id:
        subnet = pool.pod_subnet_id.rsplit("/", 1)[-1]
        return Result.PASS, f"pool {pool.name} allocates pod IPs from pod subnet {subnet}"
    return Result.FAIL, (
        f"pool {pool.name} draws maxPods+1 IPs per node from its node subnet up front; give it "
        "a podSubnetId (dynamic allocation) or move the cluster to Azure CNI Overlay"
    )
