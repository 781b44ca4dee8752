"""Identity rules on the ARM document: Entra sign-in, authorisation, local accounts, identities."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.model import Result
from tests.unit.aks.builders import cluster, only

MANAGED_AAD = {"managed": True, "adminGroupObjectIDs": ["7a8b9c0d-0000-4000-8000-000000000001"]}
SP_ID = "2f3e4d5c-6b7a-4898-a7b6-c5d4e3f2a1b0"


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param({"aadProfile": MANAGED_AAD}, Result.PASS, "1 admin group", id="managed"),
        pytest.param(
            {"aadProfile": {"managed": True}},
            Result.PASS,
            "no admin group set",
            id="managed-no-groups",
        ),
        pytest.param({}, Result.FAIL, "aadProfile is absent", id="absent"),
        pytest.param({"aadProfile": None}, Result.FAIL, "aadProfile is absent", id="null"),
        pytest.param(
            {"aadProfile": {"clientAppId": "c", "serverAppId": "s", "tenantID": "t"}},
            Result.FAIL,
            "legacy integration",
            id="legacy",
        ),
        pytest.param(
            {"aadProfile": {"managed": False, "tenantID": "t"}},
            Result.FAIL,
            "aadProfile.managed is false",
            id="managed-false",
        ),
    ],
)
def test_aad_managed_integration(
    properties: dict[str, Any], expected: Result, fragment: str
) -> None:
    finding = only(cluster(**properties), "IDN-01/aad-managed-integration")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param(
            {"aadProfile": {**MANAGED_AAD, "enableAzureRBAC": True}},
            Result.PASS,
            "enableAzureRbac is true",
            id="azure-rbac",
        ),
        pytest.param(
            {"aadProfile": {**MANAGED_AAD, "enableAzureRBAC": False}},
            Result.FAIL,
            "enableAzureRbac is false",
            id="kubernetes-rbac-only",
        ),
        pytest.param(
            {"aadProfile": MANAGED_AAD}, Result.FAIL, "enableAzureRbac is absent", id="unset"
        ),
        pytest.param({}, Result.FAIL, "aadProfile is absent", id="no-entra"),
    ],
)
def test_azure_rbac_authorization(
    properties: dict[str, Any], expected: Result, fragment: str
) -> None:
    finding = only(cluster(**properties), "IDN-02/azure-rbac-authorization")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("properties", "expected", "fragment"),
    [
        pytest.param({"enableRBAC": True}, Result.PASS, "enableRbac is true", id="on"),
        pytest.param({}, Result.PASS, "by default", id="absent-default-on"),
        pytest.param({"enableRBAC": False}, Result.FAIL, "enableRbac is false", id="off"),
    ],
)
def test_kubernetes_rbac_enabled(
    properties: dict[str, Any], expected: Result, fragment: str
) -> None:
    finding = only(cluster(**properties), "IDN-02/kubernetes-rbac-enabled")
    assert finding.result == expected
    assert fragment in finding.message


KUBELET = {
    "kubeletidentity": {
        "resourceId": "/subscriptions/0/resourceGroups/rg-id/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id-kubelet",
        "clientId": "c",
        "objectId": "o",
    }
}


@pytest.mark.parametrize(
    ("document", "expected", "fragment"),
    [
        pytest.param(
            cluster(identityProfile=KUBELET, envelope={"identity": {"type": "SystemAssigned"}}),
            Result.PASS,
            "kubelet managed identity id-kubelet",
            id="kubelet-identity",
        ),
        pytest.param(
            cluster(servicePrincipalProfile={"clientId": SP_ID}),
            Result.WARN,
            f"service principal {SP_ID}",
            id="service-principal",
        ),
        pytest.param(
            cluster(envelope={"identity": {"type": "SystemAssigned"}}),
            Result.PASS,
            "identityProfile.kubeletidentity is absent",
            id="managed-identity-without-profile",
        ),
    ],
)
def test_kubelet_managed_identity(
    document: dict[str, Any], expected: Result, fragment: str
) -> None:
    finding = only(document, "IDN-03/kubelet-managed-identity")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("document", "expected", "fragment"),
    [
        pytest.param(
            cluster(envelope={"identity": {"type": "SystemAssigned"}}),
            Result.PASS,
            "SystemAssigned managed identity",
            id="system-assigned",
        ),
        pytest.param(
            cluster(
                envelope={"identity": {"type": "UserAssigned"}},
                servicePrincipalProfile={"clientId": "msi"},
            ),
            Result.PASS,
            "UserAssigned",
            id="user-assigned",
        ),
        pytest.param(
            cluster(
                envelope={"identity": {"type": "None"}},
                servicePrincipalProfile={"clientId": SP_ID},
            ),
            Result.FAIL,
            f"service principal {SP_ID} (identity.type None)",
            id="identity-none",
        ),
        pytest.param(
            cluster(servicePrincipalProfile={"clientId": SP_ID}),
            Result.FAIL,
            f"service principal {SP_ID}",
            id="sp-without-identity-block",
        ),
        pytest.param(
            cluster(servicePrincipalProfile={"clientId": "msi"}),
            Result.PASS,
            "system-assigned managed identity by default",
            id="msi-marker-only",
        ),
        pytest.param(cluster(), Result.PASS, "by default", id="absent"),
    ],
)
def test_managed_identity(document: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(document, "IDN-04/managed-identity")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        pytest.param({"disableLocalAccounts": True}, Result.PASS, id="disabled"),
        pytest.param({"disableLocalAccounts": False}, Result.WARN, id="enabled"),
        pytest.param({}, Result.WARN, id="absent"),
    ],
)
def test_admin_credentials_restricted(properties: dict[str, Any], expected: Result) -> None:
    finding = only(cluster(**properties), "IDN-05/admin-credentials-restricted")
    assert finding.result == expected
    if expected == Result.WARN:
        assert "listClusterAdminCredential" in finding.message


@pytest.mark.parametrize(
    ("properties", "expected", "fragments"),
    [
        pytest.param(
            {"disableLocalAccounts": True, "aadProfile": MANAGED_AAD},
            Result.PASS,
            ("disableLocalAccounts is true",),
            id="disabled",
        ),
        pytest.param(
            {"disableLocalAccounts": False, "aadProfile": MANAGED_AAD},
            Result.FAIL,
            ("disableLocalAccounts is false",),
            id="enabled-with-entra",
        ),
        pytest.param(
            {},
            Result.FAIL,
            ("disableLocalAccounts is absent", "enable the AKS-managed Entra integration first"),
            id="absent-without-entra",
        ),
    ],
)
def test_local_accounts_disabled(
    properties: dict[str, Any], expected: Result, fragments: tuple[str, ...]
) -> None:
    finding = only(cluster(**properties), "IDN-07/local-accounts-disabled")
    assert finding.result == expected
    for fragment in fragments:
        assert fragment in finding.message


def test_local_accounts_message_does_not_ask_for_entra_when_it_is_there() -> None:
    finding = only(cluster(aadProfile=MANAGED_AAD), "IDN-07/local-accounts-disabled")
    assert "Entra integration first" not in finding.message
