"""Items judged from the Azure resources around the cluster (the parts of a bundle).

Each rule names the bundle parts it reads (:data:`NEEDS`). When a part was not
collected (a plain ``az aks show`` document) the rule is NotApplicable with the
command that collects it; when a part could not be read it is Error, naming
the part; it never passes or fails on evidence it does not have.

Role definition IDs are Azure's built-in ones, the same in every tenant.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from aks_checklist.checks.aks._common import Verdict, lower, names
from aks_checklist.checks.aks.bundle import PARTS, AzureDocuments, collect_hint
from aks_checklist.checks.aks.considerations import vm_size
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster, Section
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity


def _rule(rule_id: str, title: str, severity: Severity = Severity.MEDIUM) -> Rule:
    return Rule(rule_id, title, severity, "aks")


BCDR_09 = _rule("BCDR-09/registry-geo-replicated", "Registries replicate to another region")
CSEC_15 = _rule(
    "CSEC-15/defender-cspm", "Defender CSPM and Defender for Containers are on", Severity.HIGH
)
CTR_01 = _rule(
    "CTR-01/registry-vulnerability-scanning",
    "Registry images are scanned for vulnerabilities",
    Severity.HIGH,
)
CTR_04 = _rule("CTR-04/registry-quarantine", "The registry quarantines new images", Severity.LOW)
CTR_05 = _rule(
    "CTR-05/registry-access-control",
    "Registries allow no admin user, anonymous pull or kubelet push",
    Severity.HIGH,
)
CTR_06 = _rule(
    "CTR-06/registry-not-public", "Registries are not open to the Internet", Severity.HIGH
)
NET_02 = _rule(
    "NET-02/subnet-capacity",
    "Node subnets have room for every node and pod at full scale",
    Severity.HIGH,
)
NET_10 = _rule(
    "NET-10/registry-not-public", "Registries are not open to the Internet", Severity.HIGH
)
OPS_03 = _rule(
    "OPS-03/extensions-healthy", "Cluster extensions are installed and healthy", Severity.LOW
)
OPS_12 = _rule("OPS-12/flux-extension", "The Flux extension deploys from Git", Severity.LOW)
OPS_20 = _rule(
    "OPS-20/audit-logs-exported", "API server audit logs go to a log destination", Severity.HIGH
)
OPS_22 = _rule(
    "OPS-22/advisor-recommendations", "No high-impact Azure Advisor recommendation is open"
)
OPS_28 = _rule("OPS-28/metric-alerts", "Alert rules watch the cluster and notify someone")
OPS_29 = _rule("OPS-29/snat-alert", "An alert watches SNAT port use on the load balancer")
OPS_30 = _rule("OPS-30/resource-health-alert", "Resource Health notifications are subscribed")
OPS_31 = _rule(
    "OPS-31/event-grid-topic", "An Event Grid system topic publishes cluster events", Severity.LOW
)
RES_13 = _rule(
    "RES-13/quota-headroom", "The subscription's quota covers scaling every pool out", Severity.HIGH
)
STO_04 = _rule("STO-04/backup-configured", "Azure Backup protects the cluster", Severity.MEDIUM)

RULES: tuple[Rule, ...] = (
    BCDR_09,
    CSEC_15,
    CTR_01,
    CTR_04,
    CTR_05,
    CTR_06,
    NET_02,
    NET_10,
    OPS_03,
    OPS_12,
    OPS_20,
    OPS_22,
    OPS_28,
    OPS_29,
    OPS_30,
    OPS_31,
    RES_13,
    STO_04,
)

ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
TOO_STRONG = {
    "8311e382-0749-4cb8-b61a-304f252e45ec": "AcrPush",
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
}
AUDIT_CATEGORIES = {"kube-audit", "kube-audit-admin"}
AUDIT_GROUPS = {"audit", "alllogs"}
DESTINATIONS = (
    "workspaceId",
    "storageAccountId",
    "eventHubAuthorizationRuleId",
    "marketplacePartnerId",
)
SNAT_METRICS = {"usedsnatports", "snatconnectioncount", "allocatedsnatports"}
# Azure reserves five addresses of every subnet.
RESERVED_ADDRESSES = 5


def check(
    cluster: ManagedCluster, docs: AzureDocuments, *, today: date | None = None
) -> Iterator[Finding]:
    judges: tuple[
        tuple[Rule, tuple[str, ...], Callable[[ManagedCluster, AzureDocuments], Iterable[Finding]]],
        ...,
    ] = (
        (BCDR_09, ("registries",), _per_registry(BCDR_09, _geo_replicated)),
        (CSEC_15, ("defenderPricings",), _single(CSEC_15, _defender_plans)),
        (CTR_01, ("defenderPricings",), _single(CTR_01, _registry_scanning)),
        (CTR_04, ("registries",), _per_registry(CTR_04, _quarantine)),
        (CTR_05, ("registries",), _per_registry(CTR_05, _access)),
        (CTR_06, ("registries",), _per_registry(CTR_06, _network)),
        (NET_02, ("subnets",), _subnet_capacity),
        (NET_10, ("registries",), _per_registry(NET_10, _network)),
        (OPS_03, ("extensions",), _single(OPS_03, _extensions)),
        (OPS_12, ("extensions", "fluxConfigurations"), _single(OPS_12, _flux)),
        (OPS_20, ("diagnosticSettings",), _single(OPS_20, _audit_logs)),
        (OPS_22, ("advisorRecommendations",), _single(OPS_22, _advisor)),
        (OPS_28, ("metricAlerts", "prometheusRuleGroups"), _single(OPS_28, _alerts)),
        (OPS_29, ("metricAlerts",), _single(OPS_29, _snat)),
        (OPS_30, ("activityLogAlerts",), _single(OPS_30, _resource_health)),
        (OPS_31, ("eventGridSystemTopics",), _single(OPS_31, _event_grid)),
        (RES_13, ("computeUsages", "vmSkus"), _single(RES_13, _quota)),
        (STO_04, ("backupInstances", "extensions"), _single(STO_04, _backup)),
    )
    for rule, needs, judge in judges:
        missing = _unavailable(rule, cluster, docs, needs)
        if missing is not None:
            yield missing
        else:
            yield from judge(cluster, docs)


def _unavailable(
    rule: Rule, cluster: ManagedCluster, docs: AzureDocuments, needs: tuple[str, ...]
) -> Finding | None:
    broken = [(name, docs.problem(name)) for name in needs if docs.problem(name)]
    if broken:
        name, why = broken[0]
        return rule.finding(
            Result.ERROR, f"bundle part {name} could not be read: {why}", cluster.ref
        )
    absent = [name for name in needs if docs.get(name) is None]
    if absent:
        what = " and ".join(PARTS[name] for name in absent)
        return rule.finding(
            Result.NOT_APPLICABLE,
            f"not evaluated: needs {what} ({', '.join(absent)}); run `{collect_hint(cluster)}` "
            "and judge the bundle",
            cluster.ref,
        )
    return None


def _part(docs: AzureDocuments, name: str) -> tuple[Section, ...]:
    return docs.get(name) or ()


def _single(
    rule: Rule, judge: Callable[[ManagedCluster, AzureDocuments], Verdict]
) -> Callable[[ManagedCluster, AzureDocuments], list[Finding]]:
    def run(cluster: ManagedCluster, docs: AzureDocuments) -> list[Finding]:
        result, message = judge(cluster, docs)
        return [rule.finding(result, message, cluster.ref)]

    return run


def _registry_ref(entry: Section) -> ObjectRef:
    name = entry.text("registry", "name") or "<registry>"
    return ObjectRef("containerregistry.azure.com/v1", "Registry", None, name)


def _per_registry(
    rule: Rule, judge: Callable[[ManagedCluster, Section], Verdict]
) -> Callable[[ManagedCluster, AzureDocuments], list[Finding]]:
    def run(cluster: ManagedCluster, docs: AzureDocuments) -> list[Finding]:
        registries = _part(docs, "registries")
        if not registries:
            return [
                rule.finding(
                    Result.NOT_APPLICABLE,
                    "the cluster pulls from no Azure Container Registry",
                    cluster.ref,
                )
            ]
        found = []
        for entry in registries:
            result, message = judge(cluster, entry)
            found.append(rule.finding(result, message, _registry_ref(entry)))
        return found

    return run


def _registry(entry: Section) -> Section:
    registry = entry.section("registry")
    props = registry.section("properties")
    return props if props else registry


def _geo_replicated(cluster: ManagedCluster, entry: Section) -> Verdict:
    sku = entry.text("registry", "sku", "name") or "Basic"
    home = lower(entry.text("registry", "location"))
    if lower(sku) != "premium":
        return Result.FAIL, f"SKU {sku} cannot replicate: a regional outage stops every image pull"
    replicas = [r for r in entry.get("replications") or [] if isinstance(r, dict)]
    elsewhere = sorted(
        {str(r.get("location")) for r in replicas if lower(str(r.get("location"))) != home}
    )
    if elsewhere:
        return Result.PASS, f"replicated to {', '.join(elsewhere)}"
    return Result.FAIL, "Premium but not replicated outside its home region"


def _quarantine(cluster: ManagedCluster, entry: Section) -> Verdict:
    if lower(_registry(entry).text("policies", "quarantinePolicy", "status")) == "enabled":
        return Result.PASS, "the quarantine policy holds new images until they are scanned"
    return Result.WARN, "no quarantine policy: new images can be pulled before any scan"


def _access(cluster: ManagedCluster, entry: Section) -> Verdict:
    registry = _registry(entry)
    problems = []
    if registry.flag("adminUserEnabled") is True:
        problems.append("the admin user is enabled (a shared password)")
    if registry.flag("anonymousPullEnabled") is True:
        problems.append("anonymous pull is enabled")
    kubelet = lower(cluster.props.text("identityProfile", "kubeletidentity", "objectId"))
    pull = False
    for assignment in entry.get("roleAssignments") or []:
        props = Section(assignment).section("properties") or Section(assignment)
        if kubelet and lower(props.text("principalId")) != kubelet:
            continue
        role = lower(props.text("roleDefinitionId")).rsplit("/", 1)[-1]
        if role in TOO_STRONG:
            problems.append(f"the kubelet identity holds {TOO_STRONG[role]}")
        pull = pull or role == ACR_PULL
    if problems:
        return Result.FAIL, "; ".join(problems)
    return Result.PASS, "no admin user or anonymous pull" + (
        ", the kubelet has AcrPull only" if pull else ""
    )


def _network(cluster: ManagedCluster, entry: Section) -> Verdict:
    registry = _registry(entry)
    if lower(registry.text("publicNetworkAccess")) == "disabled":
        return Result.PASS, "public network access is disabled (private endpoints only)"
    if lower(registry.text("networkRuleSet", "defaultAction")) == "deny":
        return Result.PASS, "public access is limited to allowed networks (default action Deny)"
    return Result.FAIL, "the registry answers anyone on the Internet: disable public access"


def _pricing(docs: AzureDocuments, name: str) -> Section | None:
    return next(
        (p for p in _part(docs, "defenderPricings") if lower(p.text("name")) == name.lower()), None
    )


def _tier(pricing: Section | None) -> str:
    if pricing is None:
        return "absent"
    return pricing.text("properties", "pricingTier") or pricing.text("pricingTier") or "Free"


def _defender_plans(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    tiers = {name: _tier(_pricing(docs, name)) for name in ("CloudPosture", "Containers")}
    off = [f"{name} ({tier})" for name, tier in tiers.items() if lower(tier) != "standard"]
    if off:
        return Result.FAIL, f"Defender plans not on Standard: {', '.join(off)}"
    return Result.PASS, "Defender CSPM and Defender for Containers are on"


def _registry_scanning(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    containers = _pricing(docs, "Containers")
    if lower(_tier(containers)) != "standard" or containers is None:
        return Result.FAIL, "Defender for Containers is off: registry images are not scanned"
    extensions = containers.get("properties", "extensions") or containers.get("extensions") or []
    for extension in extensions:
        section = Section(extension)
        if section.text("name") == "ContainerRegistriesVulnerabilityAssessments":
            if section.flag("isEnabled") is True:
                return Result.PASS, "Defender scans registry images for vulnerabilities"
            return Result.FAIL, "Defender for Containers is on but its registry scanning is off"
    return Result.PASS, "Defender for Containers is on (registry scanning is part of the plan)"


def _surge(pool: AgentPool, nodes: int) -> int:
    text = pool.raw.text("upgradeSettings", "maxSurge") or "10%"
    if text.endswith("%"):
        return math.ceil(nodes * int(text[:-1] or 0) / 100) if text[:-1].isdigit() else 1
    return int(text) if text.isdigit() else 1


def _max_nodes(pool: AgentPool) -> int:
    return (pool.max_count if pool.autoscaling and pool.max_count else pool.count) or 1


def _subnet_capacity(cluster: ManagedCluster, docs: AzureDocuments) -> list[Finding]:
    overlay = lower(cluster.network_plugin_mode) == "overlay"
    if lower(cluster.network_plugin) != "azure" or overlay:
        return [
            NET_02.finding(
                Result.NOT_APPLICABLE,
                "pod IPs do not come from the node subnet (Azure CNI Overlay or kubenet)",
                cluster.ref,
            )
        ]
    by_subnet: dict[str, list[AgentPool]] = {}
    for pool in cluster.pools:
        if pool.vnet_subnet_id:
            by_subnet.setdefault(pool.vnet_subnet_id.lower(), []).append(pool)
    if not by_subnet:
        return [
            NET_02.finding(Result.NOT_APPLICABLE, "AKS manages the virtual network", cluster.ref)
        ]
    subnets = {lower(s.text("id")): s for s in _part(docs, "subnets")}
    findings = []
    for subnet_id, pools in sorted(by_subnet.items()):
        ref = ObjectRef("network.azure.com/v1", "Subnet", None, subnet_id.rsplit("/", 1)[-1])
        subnet = subnets.get(subnet_id)
        prefix = (
            (subnet.text("properties", "addressPrefix") or subnet.text("addressPrefix"))
            if subnet
            else None
        )
        match = re.search(r"/(\d+)$", prefix or "")
        if match is None:
            findings.append(
                NET_02.finding(
                    Result.ERROR, f"the bundle has no address prefix for subnet {subnet_id}", ref
                )
            )
            continue
        capacity = 2 ** (32 - int(match[1])) - RESERVED_ADDRESSES
        need = 0
        for pool in pools:
            nodes = _max_nodes(pool)
            # With a pod subnet only the node itself takes an address of the node subnet.
            per_node = 1 if pool.pod_subnet_id else (pool.max_pods or 30) + 1
            need += (nodes + _surge(pool, nodes)) * per_node
        text = (
            f"{need} addresses at full scale and surge for pools {names(pools)}, "
            f"{capacity} usable in {prefix}"
        )
        if need > capacity:
            verdict: Verdict = (Result.FAIL, f"{text}: scale-out and upgrades will run out of IPs")
        elif need * 5 > capacity * 4:
            verdict = (Result.WARN, f"{text} (over 80 %)")
        else:
            verdict = (Result.PASS, text)
        findings.append(NET_02.finding(verdict[0], verdict[1], ref))
    return findings


def _extensions(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    extensions = _part(docs, "extensions")
    if not extensions:
        return Result.WARN, "no cluster extension is installed (Flux, Dapr, Backup, ...)"
    failed = [
        e.text("name") or "?"
        for e in extensions
        if lower(e.text("properties", "provisioningState")) == "failed"
    ]
    pinned = [
        e.text("name") or "?"
        for e in extensions
        if e.flag("properties", "autoUpgradeMinorVersion") is False
    ]
    if failed:
        return Result.WARN, f"extensions failed to install: {', '.join(failed)}"
    if pinned:
        return (
            Result.WARN,
            f"extensions pinned to a minor version (no auto-upgrade): {', '.join(pinned)}",
        )
    return Result.PASS, f"{len(extensions)} extension(s), all healthy and auto-upgraded"


def _flux(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    configs = _part(docs, "fluxConfigurations")
    flux = [
        e
        for e in _part(docs, "extensions")
        if lower(e.text("properties", "extensionType")) == "microsoft.flux"
    ]
    if configs:
        return Result.PASS, f"{len(configs)} Flux configuration(s) deploy from Git"
    if flux:
        return Result.WARN, "the Flux extension is installed but no Flux configuration uses it"
    return Result.WARN, "no Flux extension or configuration"


def _audit_logs(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    for setting in _part(docs, "diagnosticSettings"):
        props = setting.section("properties") or setting
        if not any(props.text(d) for d in DESTINATIONS):
            continue
        for log in props.get("logs") or []:
            entry = Section(log)
            if entry.flag("enabled") is not True:
                continue
            if (
                lower(entry.text("category")) in AUDIT_CATEGORIES
                or lower(entry.text("categoryGroup")) in AUDIT_GROUPS
            ):
                return (
                    Result.PASS,
                    f"diagnostic setting {setting.text('name') or '?'} exports audit logs",
                )
    return Result.FAIL, (
        "no diagnostic setting sends kube-audit or kube-audit-admin logs to a workspace, storage "
        "account or event hub: API activity leaves no trace"
    )


def _advisor(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    recommendations = _part(docs, "advisorRecommendations")
    high = [
        r.text("properties", "shortDescription", "problem") or r.text("name") or "?"
        for r in recommendations
        if lower(r.text("properties", "impact")) == "high"
    ]
    if high:
        return Result.FAIL, f"{len(high)} high-impact recommendation(s) open, e.g. {high[0]}"
    if recommendations:
        return Result.WARN, f"{len(recommendations)} medium/low-impact recommendation(s) open"
    return Result.PASS, "Azure Advisor has no open recommendation for the cluster"


def _covers(scopes: Iterable[str], cluster: ManagedCluster) -> bool:
    target = lower(cluster.resource_id)
    return any(target.startswith(lower(scope).rstrip("/")) for scope in scopes if scope)


def _alerts(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    for alert in _part(docs, "metricAlerts"):
        props = alert.section("properties") or alert
        if (
            props.flag("enabled") is not False
            and props.get("actions")
            and _covers(props.strings("scopes"), cluster)
        ):
            return Result.PASS, f"metric alert {alert.text('name') or '?'} watches the cluster"
    for group in _part(docs, "prometheusRuleGroups"):
        props = group.section("properties") or group
        if props.flag("enabled") is not False and (
            lower(props.text("clusterName")) == lower(cluster.name)
            or _covers(props.strings("scopes"), cluster)
        ):
            return (
                Result.PASS,
                f"Prometheus rule group {group.text('name') or '?'} watches the cluster",
            )
    return Result.FAIL, "no enabled alert rule with an action group watches the cluster"


def _snat(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    outbound = lower(cluster.network.text("outboundType") or "loadBalancer")
    if outbound != "loadbalancer":
        return Result.NOT_APPLICABLE, f"outboundType {outbound}: no load balancer SNAT to watch"
    for alert in _part(docs, "metricAlerts"):
        props = alert.section("properties") or alert
        criteria = props.section("criteria").get("allOf") or []
        if any(lower(Section(c).text("metricName")) in SNAT_METRICS for c in criteria):
            return Result.PASS, f"metric alert {alert.text('name') or '?'} watches SNAT ports"
    return (
        Result.FAIL,
        "no alert on UsedSnatPorts/SnatConnectionCount: SNAT exhaustion fails silently",
    )


def _resource_health(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    for alert in _part(docs, "activityLogAlerts"):
        props = alert.section("properties") or alert
        conditions = props.section("condition").get("allOf") or []
        health = any(
            lower(Section(c).text("field")) == "category"
            and lower(Section(c).text("equals")) == "resourcehealth"
            for c in conditions
        )
        if (
            health
            and props.flag("enabled") is not False
            and _covers(props.strings("scopes"), cluster)
        ):
            return (
                Result.PASS,
                f"activity log alert {alert.text('name') or '?'} notifies on Resource Health",
            )
    return (
        Result.FAIL,
        "no Resource Health alert covers the cluster: platform incidents go unnoticed",
    )


def _event_grid(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    for topic in _part(docs, "eventGridSystemTopics"):
        if lower(topic.text("properties", "source")) == lower(cluster.resource_id):
            return (
                Result.PASS,
                f"system topic {topic.text('name') or '?'} publishes the cluster's events",
            )
    return (
        Result.WARN,
        "no Event Grid system topic for the cluster: upgrades and new versions go unannounced",
    )


def _quota(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    skus = {lower(s.text("name")): s for s in _part(docs, "vmSkus")}
    usages = {lower(u.text("name", "value")): u for u in _part(docs, "computeUsages")}
    need: dict[str, int] = {}
    for pool in cluster.pools:
        sku = skus.get(lower(pool.vm_size))
        vcpus = _vcpus(pool, sku)
        nodes = _max_nodes(pool)
        growth = max(nodes - (pool.count or 0), 0) + _surge(pool, nodes)
        family = "lowprioritycores" if pool.is_spot else lower(sku.text("family")) if sku else ""
        if not family:
            return (
                Result.ERROR,
                f"the bundle has no VM size entry for {pool.vm_size} (pool {pool.name})",
            )
        need[family] = need.get(family, 0) + growth * vcpus
        if not pool.is_spot:
            need["cores"] = need.get("cores", 0) + growth * vcpus
    short = []
    for family, cores in sorted(need.items()):
        usage = usages.get(family)
        if usage is None:
            short.append(f"{family}: no quota entry")
            continue
        free = (usage.integer("limit") or 0) - (usage.integer("currentValue") or 0)
        if free < cores:
            short.append(f"{family}: {cores} vCPUs needed, {free} free")
    if short:
        return Result.FAIL, f"scaling every pool out exceeds the quota ({'; '.join(short)})"
    return (
        Result.PASS,
        f"quota covers scaling out ({', '.join(f'{f} +{c}' for f, c in sorted(need.items()))})",
    )


def _vcpus(pool: AgentPool, sku: Section | None) -> int:
    """vCPUs of the pool's size: the SKU's capability when collected, else the size name's."""
    for capability in (sku.get("capabilities") if sku else None) or []:
        entry = Section(capability)
        if entry.text("name") == "vCPUs" and (entry.text("value") or "").isdigit():
            return int(entry.text("value") or 0)
    size = vm_size(pool.vm_size)
    return size.vcpus if size else 0


def _backup(cluster: ManagedCluster, docs: AzureDocuments) -> Verdict:
    target = lower(cluster.resource_id)
    for instance in _part(docs, "backupInstances"):
        props = instance.section("properties")
        if lower(props.text("dataSourceInfo", "resourceID")) == target:
            status = props.text("protectionStatus", "status") or "unknown"
            if lower(status) == "protectionconfigured":
                return (
                    Result.PASS,
                    f"backup instance {instance.text('name') or '?'} protects the cluster",
                )
            return Result.FAIL, f"backup instance {instance.text('name') or '?'} is {status}"
    extension = any(
        lower(e.text("properties", "extensionType")) == "microsoft.dataprotection.kubernetes"
        for e in _part(docs, "extensions")
    )
    if extension:
        return (
            Result.WARN,
            "the backup extension is installed but no backup instance protects the cluster",
        )
    return (
        Result.WARN,
        "no Azure Backup instance protects the cluster (another tool may: see STO-04 in-cluster)",
    )
