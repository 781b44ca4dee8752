"""Application and multi-cluster items whose cluster-side half is in the ARM document.

Tags (APP-06, MULTI-03): cluster tags reach the cluster's related Azure
resources but not its node pools, which carry their own ``tags``; both are
judged. Secrets (APP-08) and workload identity (APP-09) need cluster
features switched on before any workload can use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import Verdict, names, on_cluster, per_pool, shown
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster
from aks_checklist.checks.aks.security import key_vault_provider
from aks_checklist.checks.model import Finding, Result, Rule, Severity

AZURE_TAGS = Rule(
    "APP-06/azure-tags",
    "The cluster and every node pool carry Azure tags",
    Severity.LOW,
    "aks",
)
KEY_VAULT = Rule(
    "APP-08/key-vault-secrets-provider",
    "Secrets can be mounted from Azure Key Vault (secrets provider add-on)",
    Severity.HIGH,
    "aks",
)
OIDC_ISSUER = Rule(
    "APP-09/oidc-issuer",
    "The cluster's OIDC issuer is enabled",
    Severity.MEDIUM,
    "aks",
)
WORKLOAD_IDENTITY = Rule(
    "APP-09/workload-identity",
    "Microsoft Entra Workload ID is enabled",
    Severity.MEDIUM,
    "aks",
)
CLUSTER_TAGS = Rule(
    "MULTI-03/cluster-tags",
    "The managed cluster carries Azure tags",
    Severity.LOW,
    "aks",
)
POOL_TAGS = Rule(
    "MULTI-03/node-pool-tags",
    "Each node pool carries Azure tags",
    Severity.LOW,
    "aks",
)

RULES: tuple[Rule, ...] = (
    AZURE_TAGS,
    KEY_VAULT,
    OIDC_ISSUER,
    WORKLOAD_IDENTITY,
    CLUSTER_TAGS,
    POOL_TAGS,
)


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield on_cluster(AZURE_TAGS, cluster, _azure_tags(cluster))
    yield on_cluster(KEY_VAULT, cluster, key_vault_provider(cluster))
    yield on_cluster(OIDC_ISSUER, cluster, _oidc_issuer(cluster))
    yield on_cluster(WORKLOAD_IDENTITY, cluster, _workload_identity(cluster))
    yield on_cluster(CLUSTER_TAGS, cluster, _cluster_tags(cluster))
    yield from per_pool(POOL_TAGS, cluster, _pool_tags)


def _azure_tags(cluster: ManagedCluster) -> Verdict:
    untagged_pools = [pool for pool in cluster.pools if not pool.tags]
    missing: list[str] = []
    if not cluster.tags:
        missing.append(f"cluster {cluster.name}")
    if untagged_pools:
        missing.append(f"node pools {names(untagged_pools)}")
    if missing:
        return Result.FAIL, f"no Azure tags on {' and '.join(missing)}"
    pools = f" and its {len(cluster.pools)} node pool(s)" if cluster.pools else ""
    return Result.PASS, f"cluster {cluster.name}{pools} carry Azure tags"


def _oidc_issuer(cluster: ManagedCluster) -> Verdict:
    issuer = cluster.props.section("oidcIssuerProfile")
    if issuer.flag("enabled") is True:
        url = issuer.text("issuerUrl")
        return Result.PASS, f"the OIDC issuer is enabled{f' at {url}' if url else ''}"
    return Result.FAIL, (
        f"oidcIssuerProfile.enabled is {shown(issuer.flag('enabled'))}: service account tokens "
        "cannot be federated with Microsoft Entra ID (new clusters on 1.34+ get it by default, "
        "existing ones must enable it)"
    )


def _workload_identity(cluster: ManagedCluster) -> Verdict:
    enabled = cluster.security.flag("workloadIdentity", "enabled")
    if enabled is True:
        if cluster.props.flag("oidcIssuerProfile", "enabled") is not True:
            return Result.WARN, (
                "securityProfile.workloadIdentity is enabled but the document does not show the "
                "OIDC issuer enabled, which workload identity needs"
            )
        return Result.PASS, "securityProfile.workloadIdentity is enabled"
    return Result.FAIL, (
        f"securityProfile.workloadIdentity.enabled is {shown(enabled)}: pods need stored "
        "credentials or pod-managed identity to reach Azure services"
    )


def _cluster_tags(cluster: ManagedCluster) -> Verdict:
    tags = cluster.tags
    if tags:
        return Result.PASS, f"cluster tags: {', '.join(sorted(tags))}"
    return Result.FAIL, f"cluster {cluster.name} has no Azure tags"


def _pool_tags(pool: AgentPool) -> Verdict:
    if pool.tags:
        return Result.PASS, f"pool {pool.name} tags: {', '.join(sorted(pool.tags))}"
    return Result.FAIL, (
        f"pool {pool.name} has no Azure tags; cluster tags do not propagate to node pools"
    )
