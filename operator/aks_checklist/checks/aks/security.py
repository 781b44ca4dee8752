"""Cluster Security items judged on the ARM document.

Most of these are switches AKS exposes on the cluster: add-ons
(``addonProfiles``), the ``securityProfile`` (Defender sensor, Image Cleaner,
KMS), the node OS of each pool and the Kubernetes version. Where an
equivalent can be installed by hand (a self-managed Secrets Store CSI
driver), the document cannot see it and the rule warns instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import NO_POOLS, Verdict, names, on_cluster, per_pool, shown
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster
from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.checks.versions import is_supported

AZURE_LINUX = Rule(
    "CSEC-01/azure-linux-node-os",
    "Linux node pools run Azure Linux (formerly CBL-Mariner)",
    Severity.MEDIUM,
    "aks",
)
DASHBOARD = Rule(
    "CSEC-03/kube-dashboard-disabled",
    "The Kubernetes dashboard add-on is not enabled",
    Severity.MEDIUM,
    "aks",
)
KMS = Rule(
    "CSEC-04/kms-etcd-encryption",
    "etcd secrets are encrypted with a customer key in Azure Key Vault (KMS)",
    Severity.MEDIUM,
    "aks",
)
CONTROL_PLANE_VERSION = Rule(
    "CSEC-05/control-plane-version-supported",
    "The control plane runs a Kubernetes minor version AKS supports",
    Severity.HIGH,
    "aks",
)
POOL_VERSION = Rule(
    "CSEC-05/node-pool-version-supported",
    "Each node pool runs a Kubernetes minor version AKS supports",
    Severity.HIGH,
    "aks",
)
KEY_VAULT_PROVIDER = Rule(
    "CSEC-07/key-vault-secrets-provider",
    "The Azure Key Vault secrets provider add-on is enabled",
    Severity.MEDIUM,
    "aks",
)
SECRET_ROTATION = Rule(
    "CSEC-07/secret-rotation",
    "The Key Vault secrets provider refreshes rotated secrets",
    Severity.LOW,
    "aks",
)
SECURITY_MONITORING = Rule(
    "CSEC-08/defender-security-monitoring",
    "Microsoft Defender security monitoring is enabled on the cluster",
    Severity.MEDIUM,
    "aks",
)
IMAGE_CLEANER = Rule(
    "CSEC-09/image-cleaner",
    "Image Cleaner removes unused and vulnerable images from nodes",
    Severity.MEDIUM,
    "aks",
)
DEFENDER = Rule(
    "CSEC-10/defender-for-containers",
    "The Microsoft Defender for Containers sensor is enabled",
    Severity.HIGH,
    "aks",
)
AZURE_POLICY = Rule(
    "CSEC-11/azure-policy-add-on",
    "The Azure Policy add-on enforces policies inside the cluster",
    Severity.MEDIUM,
    "aks",
)
SYSTEM_POOL_TAINTED = Rule(
    "CSEC-12/system-pool-tainted",
    "System node pools carry the CriticalAddonsOnly taint",
    Severity.MEDIUM,
    "aks",
)
USER_POOL = Rule(
    "CSEC-12/user-pool-present",
    "Applications have a User node pool of their own",
    Severity.MEDIUM,
    "aks",
)

RULES: tuple[Rule, ...] = (
    AZURE_LINUX,
    DASHBOARD,
    KMS,
    CONTROL_PLANE_VERSION,
    POOL_VERSION,
    KEY_VAULT_PROVIDER,
    SECRET_ROTATION,
    SECURITY_MONITORING,
    IMAGE_CLEANER,
    DEFENDER,
    AZURE_POLICY,
    SYSTEM_POOL_TAINTED,
    USER_POOL,
)

AZURE_LINUX_SKUS = frozenset(
    {"azurelinux", "azurelinux3", "azurelinuxosguard", "azurecontainerlinux"}
)
KEY_VAULT_ADDON = "azureKeyvaultSecretsProvider"
CRITICAL_ADDONS_TAINT = "CriticalAddonsOnly"


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield from per_pool(
        AZURE_LINUX,
        cluster,
        _azure_linux,
        pools=cluster.linux_pools,
        none_selected="the cluster has no Linux node pools",
    )
    yield on_cluster(DASHBOARD, cluster, _dashboard(cluster))
    yield on_cluster(KMS, cluster, _kms(cluster))
    yield on_cluster(CONTROL_PLANE_VERSION, cluster, _control_plane_version(cluster, today))
    yield from per_pool(POOL_VERSION, cluster, lambda pool: _pool_version(cluster, pool, today))
    yield on_cluster(KEY_VAULT_PROVIDER, cluster, key_vault_provider(cluster))
    yield on_cluster(SECRET_ROTATION, cluster, _secret_rotation(cluster))
    yield on_cluster(SECURITY_MONITORING, cluster, defender_sensor(cluster))
    yield on_cluster(IMAGE_CLEANER, cluster, _image_cleaner(cluster))
    yield on_cluster(DEFENDER, cluster, defender_sensor(cluster))
    yield on_cluster(AZURE_POLICY, cluster, _azure_policy(cluster))
    yield from per_pool(
        SYSTEM_POOL_TAINTED,
        cluster,
        _system_pool_tainted,
        pools=cluster.system_pools,
        none_selected=(
            "no pool has mode System (clusters created before node pool modes existed); "
            "CSEC-12/user-pool-present covers the separation"
        ),
    )
    yield on_cluster(USER_POOL, cluster, _user_pool(cluster))


def _azure_linux(pool: AgentPool) -> Verdict:
    sku = pool.os_sku
    if sku is None:
        return Result.FAIL, (
            f"pool {pool.name} has no osSku, so it runs the default Ubuntu image; create pools "
            "with osSku AzureLinux"
        )
    if sku.lower() in AZURE_LINUX_SKUS:
        return Result.PASS, f"pool {pool.name} runs Azure Linux (osSku {sku})"
    if sku.lower() == "cblmariner":
        return Result.WARN, (
            f"pool {pool.name} uses osSku CBLMariner, the deprecated name of Azure Linux; "
            "move it to osSku AzureLinux"
        )
    return Result.FAIL, f"pool {pool.name} runs osSku {sku}, not Azure Linux"


def _dashboard(cluster: ManagedCluster) -> Verdict:
    addon = cluster.addon("kubeDashboard")
    if addon.enabled:
        return Result.FAIL, (
            "addonProfiles.kubeDashboard is enabled: the dashboard exposes cluster access "
            "through a web UI; disable the add-on"
        )
    if addon.present:
        return Result.PASS, "addonProfiles.kubeDashboard is present but disabled"
    return Result.PASS, "the Kubernetes dashboard add-on is not installed"


def _kms(cluster: ManagedCluster) -> Verdict:
    kms = cluster.security.section("azureKeyVaultKms")
    if kms.flag("enabled") is True:
        key = kms.text("keyId")
        if not key:
            return Result.WARN, (
                "securityProfile.azureKeyVaultKms is enabled but the document has no keyId; "
                "check which key encrypts etcd"
            )
        access = kms.text("keyVaultNetworkAccess") or "Public"
        return (
            Result.PASS,
            f"etcd is encrypted with Key Vault key {key} (key vault access {access})",
        )
    return Result.FAIL, (
        f"securityProfile.azureKeyVaultKms.enabled is {shown(kms.flag('enabled'))}: etcd is "
        "encrypted only with platform-managed keys; enable KMS with your own Key Vault key"
    )


def _long_term_support(cluster: ManagedCluster) -> bool:
    plan = cluster.props.text("supportPlan") or "KubernetesOfficial"
    return plan.lower() == "akslongtermsupport"


def _control_plane_version(cluster: ManagedCluster, today: date | None) -> Verdict:
    version = cluster.kubernetes_version
    if version is None:
        return Result.NOT_APPLICABLE, (
            "the document has neither currentKubernetesVersion nor kubernetesVersion"
        )
    supported, reason = is_supported(version, today, long_term_support=_long_term_support(cluster))
    verdict = Result.PASS if supported else Result.FAIL
    action = "" if supported else "; upgrade the control plane (az aks upgrade)"
    return verdict, f"control plane runs {version}: {reason}{action}"


def _pool_version(cluster: ManagedCluster, pool: AgentPool, today: date | None) -> Verdict:
    version = pool.version
    source = ""
    if version is None:
        version = cluster.kubernetes_version
        source = " (no orchestratorVersion on the pool; the control plane's version is used)"
    if version is None:
        return Result.NOT_APPLICABLE, f"pool {pool.name} has no orchestratorVersion"
    supported, reason = is_supported(version, today, long_term_support=_long_term_support(cluster))
    verdict = Result.PASS if supported else Result.FAIL
    action = "" if supported else "; upgrade the pool (az aks nodepool upgrade)"
    return verdict, f"pool {pool.name} runs {version}{source}: {reason}{action}"


def key_vault_provider(cluster: ManagedCluster) -> Verdict:
    """Shared with APP-08: the Secrets Store CSI driver add-on for Azure Key Vault."""
    if cluster.addon(KEY_VAULT_ADDON).enabled:
        return Result.PASS, (
            f"addonProfiles.{KEY_VAULT_ADDON} is enabled: pods can mount Key Vault secrets "
            "through the Secrets Store CSI driver"
        )
    return Result.WARN, (
        f"addonProfiles.{KEY_VAULT_ADDON} is not enabled; unless the Secrets Store CSI driver "
        "is installed another way (not visible in the document), secrets do not come from "
        "Azure Key Vault"
    )


def _secret_rotation(cluster: ManagedCluster) -> Verdict:
    addon = cluster.addon(KEY_VAULT_ADDON)
    if not addon.enabled:
        return Result.NOT_APPLICABLE, f"addonProfiles.{KEY_VAULT_ADDON} is not enabled"
    if addon.config.flag("enableSecretRotation") is True:
        interval = addon.config.text("rotationPollInterval") or "2m (default)"
        return Result.PASS, f"secret rotation is enabled (poll interval {interval})"
    return Result.WARN, (
        f"addonProfiles.{KEY_VAULT_ADDON}.config.enableSecretRotation is "
        f"{shown(addon.config.get('enableSecretRotation'))}: pods keep the secret values "
        "they mounted until restarted"
    )


def defender_sensor(cluster: ManagedCluster) -> Verdict:
    """Shared by CSEC-08 and CSEC-10: the Defender sensor is a cluster setting."""
    defender = cluster.security.section("defender")
    enabled = defender.flag("securityMonitoring", "enabled")
    if enabled is True:
        workspace = defender.text("logAnalyticsWorkspaceResourceId")
        where = f", reporting to {workspace.rsplit('/', 1)[-1]}" if workspace else ""
        return Result.PASS, f"the Microsoft Defender sensor is enabled{where}"
    return Result.FAIL, (
        f"securityProfile.defender.securityMonitoring.enabled is {shown(enabled)}: no Defender "
        "for Containers runtime protection or security alerts from the nodes"
    )


def _image_cleaner(cluster: ManagedCluster) -> Verdict:
    cleaner = cluster.security.section("imageCleaner")
    if cleaner.flag("enabled") is True:
        hours = cleaner.integer("intervalHours")
        every = f"every {hours} h" if hours else "on its default interval"
        return Result.PASS, f"Image Cleaner removes unused vulnerable images {every}"
    return Result.FAIL, (
        f"securityProfile.imageCleaner.enabled is {shown(cleaner.flag('enabled'))}: unused "
        "images with known vulnerabilities stay cached on the nodes"
    )


def _azure_policy(cluster: ManagedCluster) -> Verdict:
    if cluster.addon("azurepolicy").enabled:
        return Result.PASS, "addonProfiles.azurepolicy is enabled"
    return Result.FAIL, (
        "addonProfiles.azurepolicy is not enabled: Azure Policy assignments cannot audit or "
        "deny objects inside the cluster"
    )


def has_critical_addons_taint(pool: AgentPool) -> bool:
    return any(
        taint.split("=", 1)[0].split(":", 1)[0] == CRITICAL_ADDONS_TAINT
        and taint.rsplit(":", 1)[-1] in ("NoSchedule", "NoExecute")
        for taint in pool.node_taints
    )


def _system_pool_tainted(pool: AgentPool) -> Verdict:
    if has_critical_addons_taint(pool):
        return Result.PASS, f"system pool {pool.name} is tainted CriticalAddonsOnly"
    taints = ", ".join(pool.node_taints) or "none"
    return Result.FAIL, (
        f"system pool {pool.name} has no CriticalAddonsOnly=true:NoSchedule taint "
        f"(taints: {taints}), so application pods can land next to CoreDNS and other "
        "system components"
    )


def _user_pool(cluster: ManagedCluster) -> Verdict:
    if not cluster.pools:
        return Result.NOT_APPLICABLE, NO_POOLS
    users = cluster.user_pools
    if users:
        return Result.PASS, f"User pools for applications: {names(users)}"
    if not cluster.system_pools:
        return Result.WARN, (
            "no pool declares a mode, so system and application pods cannot be told apart; "
            "set mode System/User on the pools"
        )
    return Result.FAIL, (
        f"the cluster has only System pools ({names(cluster.system_pools)}): applications "
        "share nodes with system components; add a User pool"
    )
