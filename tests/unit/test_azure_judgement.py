"""The condition the operator shows for the Azure resources it could not read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from aks_checklist.azure.judgement import read_condition
from aks_checklist.azure.resources import ReadError, http_error
from aks_checklist.checks.model import Finding
from aks_checklist.conditions import PassResult, policy_conditions
from aks_checklist.controller.azure_refresh import AzureRefresh
from aks_checklist.policy import AzureTarget

TARGET = AzureTarget("00000000-0000-0000-0000-000000000000", "rg", "aks")


def test_everything_read_is_a_true_condition() -> None:
    assert read_condition(TARGET, {}) == (
        True,
        "Read",
        "managed cluster aks and its Azure resources were read",
    )


def test_forbidden_wins_the_reason_and_every_failed_part_is_named() -> None:
    errors = {
        "subnets": ReadError("subnet gone", reason="NotFound"),
        "defenderPricings": http_error(
            403, "/subscriptions/x/providers/Microsoft.Security/pricings", "AuthorizationFailed: no"
        ),
    }
    status, reason, message = read_condition(TARGET, errors)
    assert (status, reason) == (False, "Forbidden")
    assert "defenderPricings (Forbidden), subnets (NotFound)" in message
    assert "Reader role" in message


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        pytest.param(401, "Unauthenticated", id="401"),
        pytest.param(403, "Forbidden", id="403"),
        pytest.param(404, "NotFound", id="404"),
        pytest.param(503, "BadResponse", id="503"),
    ],
)
def test_http_errors_get_a_condition_reason(status: int, reason: str) -> None:
    error = http_error(status, "/subscriptions/x", "Code: message")
    assert error.reason == reason
    assert "/subscriptions/x" in str(error)


# --- the AzureResourcesRead condition on the policy -----------------------------------------


NOW = datetime(2026, 12, 1, tzinfo=UTC)


def resources_condition(result: PassResult) -> dict[str, Any] | None:
    conditions = policy_conditions([], result, generation=1, now=NOW)
    return next((c for c in conditions if c["type"] == "AzureResourcesRead"), None)


def test_a_forbidden_part_is_a_false_condition_naming_the_part() -> None:
    refresh = AzureRefresh(on_done=lambda: None)
    refresh.target, refresh.findings = TARGET, []
    refresh.read_errors = {
        "defenderPricings": ReadError("grant the Reader role", reason="Forbidden"),
    }
    condition = resources_condition(
        PassResult(selected=0, azure_resources=refresh.resources_condition(TARGET))
    )
    assert condition is not None
    assert (condition["status"], condition["reason"]) == ("False", "Forbidden")
    assert "defenderPricings (Forbidden)" in condition["message"]
    assert condition["observedGeneration"] == 1


@pytest.mark.parametrize(
    ("findings", "error", "expected"),
    [
        pytest.param(None, None, ("Unknown", "Reading"), id="first-read-under-way"),
        pytest.param([], None, ("True", "Read"), id="all-read"),
        pytest.param([], "could not reach ARM", ("False", "ClusterNotRead"), id="cluster-failed"),
    ],
)
def test_the_resources_condition_follows_the_read(
    findings: list[Finding] | None, error: str | None, expected: tuple[str, str]
) -> None:
    refresh = AzureRefresh(on_done=lambda: None)
    refresh.target, refresh.findings, refresh.error = TARGET, findings, error
    condition = resources_condition(
        PassResult(selected=0, azure_resources=refresh.resources_condition(TARGET))
    )
    assert condition is not None
    assert (condition["status"], condition["reason"]) == expected


def test_without_spec_azure_there_is_no_resources_condition() -> None:
    refresh = AzureRefresh(on_done=lambda: None)
    before = policy_conditions(
        [], PassResult(selected=0, azure_resources=(True, "Read", "read")), generation=1, now=NOW
    )
    after = policy_conditions(
        before,
        PassResult(selected=0, azure_resources=refresh.resources_condition(None)),
        generation=1,
        now=NOW,
    )
    assert "AzureResourcesRead" in {c["type"] for c in before}
    assert "AzureResourcesRead" not in {c["type"] for c in after}


def test_the_remedy_survives_a_long_path_in_the_condition_message() -> None:
    """ARM paths and error texts are long; the role to grant must come before the cut."""
    cluster = "/subscriptions/" + "4" * 36 + "/resourceGroups/rg-payments-prod" + "/x" * 60
    errors = {
        "diagnosticSettings": http_error(
            403, f"{cluster}/providers/Microsoft.Insights/diagnosticSettings", "no" * 200
        )
    }
    refresh = AzureRefresh(on_done=lambda: None)
    refresh.target, refresh.findings, refresh.read_errors = TARGET, [], errors
    condition = resources_condition(
        PassResult(selected=0, azure_resources=refresh.resources_condition(TARGET))
    )
    assert condition is not None
    assert "Reader role" in condition["message"]
    assert "az role assignment create" in condition["message"]
