"""Identity items judged on the ARM document: sign-in, authorisation, the cluster's identity.

Sign-in and authorisation are cluster settings (``aadProfile``, ``enableRbac``,
``disableLocalAccounts``); the cluster's own Azure identity shows in
``identity`` and ``servicePrincipalProfile``. Role assignments (AcrPull,
listClusterAdminCredential) live in Azure RBAC, outside the document, so the
rules that depend on them say so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import Verdict, on_cluster, shown
from aks_checklist.checks.aks.document import ManagedCluster
from aks_checklist.checks.model import Finding, Result, Rule, Severity

AAD_MANAGED = Rule(
    "IDN-01/aad-managed-integration",
    "Authentication uses the AKS-managed Microsoft Entra ID integration",
    Severity.HIGH,
    "aks",
)
AZURE_RBAC = Rule(
    "IDN-02/azure-rbac-authorization",
    "Kubernetes authorization uses Azure RBAC",
    Severity.HIGH,
    "aks",
)
KUBERNETES_RBAC = Rule(
    "IDN-02/kubernetes-rbac-enabled",
    "Kubernetes RBAC is enabled",
    Severity.HIGH,
    "aks",
)
KUBELET_IDENTITY = Rule(
    "IDN-03/kubelet-managed-identity",
    "Nodes pull images with a managed identity instead of a stored password",
    Severity.MEDIUM,
    "aks",
)
MANAGED_IDENTITY = Rule(
    "IDN-04/managed-identity",
    "The cluster uses a managed identity, not a service principal",
    Severity.MEDIUM,
    "aks",
)
ADMIN_CREDENTIALS = Rule(
    "IDN-05/admin-credentials-restricted",
    "No static cluster-admin kubeconfig can be downloaded",
    Severity.HIGH,
    "aks",
)
LOCAL_ACCOUNTS = Rule(
    "IDN-07/local-accounts-disabled",
    "Local (non-Entra) Kubernetes accounts are disabled",
    Severity.HIGH,
    "aks",
)

RULES: tuple[Rule, ...] = (
    AAD_MANAGED,
    AZURE_RBAC,
    KUBERNETES_RBAC,
    KUBELET_IDENTITY,
    MANAGED_IDENTITY,
    ADMIN_CREDENTIALS,
    LOCAL_ACCOUNTS,
)

_MANAGED_IDENTITY_TYPES = {"systemassigned", "userassigned", "systemassigned, userassigned"}


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield on_cluster(AAD_MANAGED, cluster, _aad_managed(cluster))
    yield on_cluster(AZURE_RBAC, cluster, _azure_rbac(cluster))
    yield on_cluster(KUBERNETES_RBAC, cluster, _kubernetes_rbac(cluster))
    yield on_cluster(KUBELET_IDENTITY, cluster, _kubelet_identity(cluster))
    yield on_cluster(MANAGED_IDENTITY, cluster, _managed_identity(cluster))
    yield on_cluster(ADMIN_CREDENTIALS, cluster, _admin_credentials(cluster))
    yield on_cluster(LOCAL_ACCOUNTS, cluster, _local_accounts(cluster))


def has_managed_aad(cluster: ManagedCluster) -> bool:
    return cluster.props.flag("aadProfile", "managed") is True


def service_principal(cluster: ManagedCluster) -> str | None:
    """The client id of the service principal the cluster runs as, or None for managed identity.

    Managed-identity clusters show ``identity.type`` SystemAssigned/UserAssigned
    and ``servicePrincipalProfile.clientId == "msi"``. With neither field in
    the document the AKS default (a system-assigned identity) applies.
    """
    identity_type = (cluster.identity_type or "").lower()
    client_id = cluster.props.text("servicePrincipalProfile", "clientId")
    if identity_type in _MANAGED_IDENTITY_TYPES:
        return None
    if client_id and client_id.lower() != "msi":
        return client_id
    if identity_type == "none":
        return client_id or "(client id not in the document)"
    return None


def local_accounts_disabled(cluster: ManagedCluster) -> bool:
    return cluster.props.flag("disableLocalAccounts") is True


def _aad_managed(cluster: ManagedCluster) -> Verdict:
    aad = cluster.props.section("aadProfile")
    if not aad:
        return Result.FAIL, (
            "aadProfile is absent: users sign in with Kubernetes certificates, not Microsoft "
            "Entra ID; enable the AKS-managed Entra integration"
        )
    if aad.flag("managed") is True:
        groups = aad.strings("adminGroupObjectIds")
        admins = f"{len(groups)} admin group(s)" if groups else "no admin group set"
        return Result.PASS, f"AKS-managed Entra ID integration is enabled ({admins})"
    if aad.text("serverAppId") or aad.text("clientAppId"):
        return Result.FAIL, (
            "aadProfile uses the legacy integration with your own server/client app "
            "registrations (aadProfile.managed is not true); migrate to the AKS-managed integration"
        )
    return Result.FAIL, (
        f"aadProfile.managed is {shown(aad.flag('managed'))}: the AKS-managed Entra ID "
        "integration is not enabled"
    )


def _azure_rbac(cluster: ManagedCluster) -> Verdict:
    if cluster.props.flag("aadProfile", "enableAzureRbac") is True:
        return Result.PASS, (
            "aadProfile.enableAzureRbac is true: Azure role assignments authorize Kubernetes access"
        )
    if not cluster.props.section("aadProfile"):
        return Result.FAIL, (
            "aadProfile is absent, so Azure RBAC cannot authorize Kubernetes access; enable the "
            "AKS-managed Entra integration (IDN-01), then aadProfile.enableAzureRbac"
        )
    value = cluster.props.flag("aadProfile", "enableAzureRbac")
    return Result.FAIL, (
        f"aadProfile.enableAzureRbac is {shown(value)}: "
        "access is authorized only by in-cluster RoleBindings, not by Azure RBAC"
    )


def _kubernetes_rbac(cluster: ManagedCluster) -> Verdict:
    enabled = cluster.props.flag("enableRbac")
    if enabled is False:
        return Result.FAIL, (
            "enableRbac is false: every authenticated user is authorized for everything; "
            "Kubernetes RBAC can only be chosen when the cluster is created, so recreate it"
        )
    if enabled is None:
        return Result.PASS, "enableRbac is absent; AKS enables Kubernetes RBAC by default"
    return Result.PASS, "enableRbac is true"


def _kubelet_identity(cluster: ManagedCluster) -> Verdict:
    kubelet = cluster.props.section("identityProfile", "kubeletidentity")
    resource_id = kubelet.text("resourceId")
    if resource_id or kubelet.text("clientId") or kubelet.text("objectId"):
        label = resource_id.rsplit("/", 1)[-1] if resource_id else kubelet.text("clientId")
        return Result.PASS, (
            f"nodes authenticate to registries with the kubelet managed identity {label}; "
            "its AcrPull role assignment is outside the document"
        )
    client_id = service_principal(cluster)
    if client_id is not None:
        return Result.WARN, (
            f"nodes pull with service principal {client_id}, whose secret must be rotated; grant "
            "it AcrPull rather than using image pull secrets, or move to managed identity (IDN-04)"
        )
    return Result.PASS, (
        "identityProfile.kubeletidentity is absent; a managed-identity cluster gets a kubelet "
        "identity from AKS, attach registries with it (az aks update --attach-acr)"
    )


def _managed_identity(cluster: ManagedCluster) -> Verdict:
    client_id = service_principal(cluster)
    if client_id is not None:
        return Result.FAIL, (
            f"the cluster authenticates to Azure with service principal {client_id} "
            f"(identity.type {shown(cluster.identity_type)}); switch to a managed identity"
        )
    if cluster.identity_type:
        return Result.PASS, f"the cluster uses a {cluster.identity_type} managed identity"
    return Result.PASS, (
        "identity is absent and no service principal is configured; AKS gives clusters a "
        "system-assigned managed identity by default"
    )


def _admin_credentials(cluster: ManagedCluster) -> Verdict:
    if local_accounts_disabled(cluster):
        return Result.PASS, (
            "disableLocalAccounts is true: `az aks get-credentials --admin` cannot return a "
            "static cluster-admin credential"
        )
    return Result.WARN, (
        "local accounts are enabled: anyone allowed the listClusterAdminCredential action gets "
        "a static cluster-admin kubeconfig; restrict that Azure role or disable local "
        "accounts (IDN-07)"
    )


def _local_accounts(cluster: ManagedCluster) -> Verdict:
    value = cluster.props.flag("disableLocalAccounts")
    if value is True:
        return Result.PASS, "disableLocalAccounts is true: only Entra ID identities can sign in"
    message = (
        f"disableLocalAccounts is {shown(value)} (local accounts stay enabled unless it is true): "
        "static admin credentials bypass Entra ID and its audit"
    )
    if not has_managed_aad(cluster):
        message += "; enable the AKS-managed Entra integration first (IDN-01)"
    return Result.FAIL, message
