"""The condition the operator shows for the Azure resources it could not read."""

from __future__ import annotations

import pytest

from aks_checklist.azure.judgement import read_condition
from aks_checklist.azure.resources import ReadError, http_error
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
