"""Reading a managed cluster from Azure Resource Manager, and what is said when that fails.

The HTTP cases run the real Azure SDK against the local HTTPS stand-in of
the e2e suite (``tests/e2e/fake_arm.py``), so the error mapping is checked
against what the SDK really raises, not against hand-built exceptions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import sys
import time
from collections.abc import Iterator
from datetime import date
from http.client import RemoteDisconnected
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

from aks_checklist import azure
from aks_checklist.azure import credentials, errors, fetch
from aks_checklist.catalog.loader import load_catalog
from aks_checklist.checks import aks
from aks_checklist.checks import cluster as cluster_checks
from aks_checklist.checks.engine import workload_rules
from aks_checklist.checks.model import Result
from aks_checklist.policy import AzureTarget
from tests.e2e.fake_arm import (
    FIXTURES,
    FORBIDDEN_RESOURCE_GROUP,
    UNAVAILABLE_RESOURCE_GROUP,
    UNREACHABLE_RESOURCE_GROUP,
    FakeArm,
)
from tests.e2e.operator_process import free_port

TODAY = date(2026, 6, 1)
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


def target(group: str = "rg-batch", name: str = "aks-win-batch") -> AzureTarget:
    return AzureTarget(subscription_id=SUBSCRIPTION, resource_group=group, cluster_name=name)


def fixture(stem: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / f"{stem}.json").read_text())
    return document


@pytest.fixture(scope="module")
def arm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeArm]:
    with FakeArm(tmp_path_factory.mktemp("arm")) as server:
        server.add_fixture("windows-and-spot")
        server.add_fixture("hardened-production")
        server.add(
            {
                "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-other/providers/"
                "Microsoft.Storage/storageAccounts/notacluster",
                "name": "notacluster",
                "type": "Microsoft.Storage/storageAccounts",
                "properties": {"accessTier": "Hot"},
            }
        )
        yield server


@pytest.fixture
def settings(arm: FakeArm) -> fetch.ArmSettings:
    return fetch.ArmSettings(endpoint=arm.endpoint, ca_bundle=str(arm.ca_bundle), token=arm.token)


@pytest.fixture
def no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failure cases need not wait for the SDK's back-off between attempts."""
    monkeypatch.setattr(fetch, "RETRIES", 0)


def judge(where: AzureTarget, settings: fetch.ArmSettings) -> list[Any]:
    return asyncio.run(azure.judge(where, TODAY, settings=settings))


def failure(where: AzureTarget, settings: fetch.ArmSettings) -> azure.AzureError:
    with pytest.raises(azure.AzureError) as caught:
        judge(where, settings)
    return caught.value


# --- reading and judging ---------------------------------------------------------------------


@pytest.mark.parametrize("stem", ["windows-and-spot", "hardened-production"])
def test_judge_gives_the_same_findings_as_the_offline_judge(
    stem: str, settings: fetch.ArmSettings
) -> None:
    """The SDK round trip loses nothing: findings equal those of the fixture file itself."""
    document = fixture(stem)
    where = target(document["id"].split("/")[4], document["name"])
    findings = judge(where, settings)
    assert findings == aks.evaluate_managed_cluster(document, today=TODAY)
    assert {f.rule for f in findings} >= {"IDN-07/local-accounts-disabled", "BCDR-07/uptime-sla"}


def test_judge_fails_and_passes_by_the_clusters_configuration(
    settings: fetch.ArmSettings,
) -> None:
    """The weak fixture fails IDN-07 where the hardened one passes it."""
    weak = judge(target(), settings)
    hardened = judge(target("rg-payments-prod", "aks-payments-prod"), settings)

    def idn07(findings: list[Any]) -> set[Result]:
        return {f.result for f in findings if f.rule == "IDN-07/local-accounts-disabled"}

    assert idn07(weak) == {Result.FAIL}
    assert idn07(hardened) == {Result.PASS}


def test_resource_names_are_matched_case_insensitively(settings: fetch.ArmSettings) -> None:
    """ARM ignores case in resource group and cluster names; so does reading through it."""
    assert judge(target("RG-Batch", "AKS-Win-Batch"), settings)


def test_requests_carry_the_static_token_and_our_user_agent(
    arm: FakeArm, settings: fetch.ArmSettings
) -> None:
    """The bearer token comes from AKS_CHECKLIST_AZURE_TOKEN; the SDK names our product."""
    before = len(arm.received("rg-batch"))
    judge(target(), settings)
    request = arm.received("rg-batch")[before]
    assert request.authorization == f"Bearer {arm.token}"
    assert request.user_agent is not None
    assert request.user_agent.startswith(fetch.USER_AGENT)
    assert "api-version=" in request.query
    assert request.path.endswith(
        "/resourceGroups/rg-batch/providers/Microsoft.ContainerService/managedClusters/aks-win-batch"
    )


def test_the_sdks_http_log_stays_quiet_unless_asked(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, settings: fetch.ArmSettings
) -> None:
    """Each read would log a dozen lines at INFO; they go to a logger that is off by default."""
    with caplog.at_level(logging.INFO):
        judge(target(), settings)
    assert not [r for r in caplog.records if r.name.startswith(("azure", "aks_checklist.azure"))]

    caplog.clear()
    monkeypatch.setattr(fetch.HTTP_LOG, "level", logging.INFO)
    with caplog.at_level(logging.INFO):
        judge(target(), settings)
    http = [r.getMessage() for r in caplog.records if r.name == fetch.HTTP_LOG.name]
    assert any("aks-win-batch" in message for message in http)


def test_a_document_that_is_no_managed_cluster_is_an_error(
    settings: fetch.ArmSettings,
) -> None:
    """Whatever the endpoint serves must be a managed cluster, or the read failed."""
    error = failure(target("rg-other", "notacluster"), settings)
    assert error.reason == "BadResponse"
    assert "rg-other/notacluster" in str(error)
    assert "Microsoft.Storage/storageAccounts" in str(error)


# --- failures --------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_retries")
@pytest.mark.parametrize(
    ("group", "reason", "fragments"),
    [
        pytest.param(
            UNREACHABLE_RESOURCE_GROUP,
            "Unreachable",
            ["could not reach Azure Resource Manager at https://127.0.0.1:", "closed connection"],
            id="hang-up",
        ),
        pytest.param(
            FORBIDDEN_RESOURCE_GROUP,
            "Forbidden",
            ["not authorized (403)", "Reader role", "AuthorizationFailed"],
            id="forbidden",
        ),
        pytest.param(
            "rg-missing", "NotFound", ["not found (404)", "ResourceNotFound"], id="not-found"
        ),
        pytest.param(
            UNAVAILABLE_RESOURCE_GROUP,
            "BadResponse",
            ["answered 503", "ServiceUnavailable"],
            id="unavailable",
        ),
    ],
)
def test_http_failures_say_what_failed_and_name_the_cluster(
    group: str, reason: str, fragments: list[str], settings: fetch.ArmSettings
) -> None:
    """Each failure gets its own reason and a message naming subscription, group and cluster."""
    error = failure(target(group, "aks-x"), settings)
    assert error.reason == reason
    message = str(error)
    assert f"{group}/aks-x" in message
    assert SUBSCRIPTION in message
    for fragment in fragments:
        assert fragment in message
    assert " at 0x" not in message


@pytest.mark.usefixtures("no_retries")
def test_a_rejected_token_is_unauthenticated(arm: FakeArm) -> None:
    """ARM's 401 says the operator's identity was not accepted."""
    wrong = fetch.ArmSettings(endpoint=arm.endpoint, ca_bundle=str(arm.ca_bundle), token="nope")
    error = failure(target(), wrong)
    assert error.reason == "Unauthenticated"
    assert "(401)" in str(error)
    assert "InvalidAuthenticationToken" in str(error)


@pytest.mark.usefixtures("no_retries")
def test_connection_refused_is_unreachable(arm: FakeArm) -> None:
    """Nothing listening at the endpoint: the message names the endpoint and the refusal."""
    endpoint = f"https://127.0.0.1:{free_port()}"
    error = failure(
        target(), fetch.ArmSettings(endpoint=endpoint, ca_bundle=str(arm.ca_bundle), token="t")
    )
    assert error.reason == "Unreachable"
    assert f"at {endpoint} to read managed cluster rg-batch/aks-win-batch" in str(error)
    assert str(error).endswith("connection refused")


@pytest.mark.usefixtures("no_retries")
def test_an_untrusted_certificate_is_unreachable(arm: FakeArm) -> None:
    """Without the CA bundle the stand-in's certificate is not trusted, and the error says so."""
    error = failure(target(), fetch.ArmSettings(endpoint=arm.endpoint, token=arm.token))
    assert error.reason == "Unreachable"
    assert "certificate verify failed" in str(error)
    assert "_ssl.c" not in str(error)


@pytest.mark.usefixtures("no_retries")
def test_a_missing_ca_bundle_file_is_reported_not_raised(arm: FakeArm, tmp_path: Path) -> None:
    """A CA bundle path that does not exist turns into an AzureError naming the path."""
    missing = tmp_path / "absent.pem"
    error = failure(
        target(),
        fetch.ArmSettings(endpoint=arm.endpoint, ca_bundle=str(missing), token=arm.token),
    )
    assert str(missing) in str(error)


def test_an_unreachable_endpoint_is_retried_a_few_times(
    arm: FakeArm, settings: fetch.ArmSettings
) -> None:
    """A dropped connection is tried RETRIES more times, then reported, within seconds."""
    before = len(arm.received(UNREACHABLE_RESOURCE_GROUP))
    started = time.monotonic()
    failure(target(UNREACHABLE_RESOURCE_GROUP, "aks-retry"), settings)
    assert len(arm.received(UNREACHABLE_RESOURCE_GROUP)) - before == fetch.RETRIES + 1
    assert time.monotonic() - started < 20


def test_a_missing_azure_extra_is_reported(
    monkeypatch: pytest.MonkeyPatch, settings: fetch.ArmSettings
) -> None:
    """Without the azure packages the error says to install the extra, instead of crashing."""
    monkeypatch.setitem(sys.modules, "azure.mgmt.containerservice", None)
    error = failure(target(), settings)
    assert error.reason == "NotInstalled"
    assert "'azure' extra" in str(error)
    assert "azure.mgmt.containerservice" in str(error)


@pytest.mark.parametrize(
    ("error", "reason", "fragments"),
    [
        pytest.param(
            ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token"),
            "Unauthenticated",
            [
                "could not get an Azure token to read managed cluster rg-batch/aks-win-batch",
                "DefaultAzureCredential failed to retrieve a token",
            ],
            id="no-credential",
        ),
        pytest.param(
            ServiceRequestError("failed", error=ConnectionRefusedError(111, "Connection refused")),
            "Unreachable",
            ["could not reach Azure Resource Manager at https://arm.test to read", "refused"],
            id="inner-os-error",
        ),
        pytest.param(
            ValueError("Invalid URL 'arm': No scheme supplied"),
            "BadResponse",
            ["could not read managed cluster rg-batch/aks-win-batch", "No scheme supplied"],
            id="other",
        ),
    ],
)
def test_translate_without_a_response(error: Exception, reason: str, fragments: list[str]) -> None:
    """Failures before any HTTP answer (no token, no connection) are worded by their cause."""
    translated = errors.translate(error, target(), "https://arm.test")
    assert translated.reason == reason
    assert SUBSCRIPTION in str(translated)
    for fragment in fragments:
        assert fragment in str(translated)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "<urllib3.connection.HTTPSConnection object at 0x7f3a2c1d0e50>: Failed to connect",
            "failed to connect",
            id="object-address",
        ),
        pytest.param(
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: expired (_ssl.c:1000)",
            "certificate verify failed: expired",
            id="ssl-noise",
        ),
        pytest.param("ResourceNotFound: gone", "ResourceNotFound: gone", id="code-keeps-case"),
        pytest.param("Remote end  closed\nconnection", "remote end closed connection", id="space"),
        pytest.param("x" * 400, "x" * (errors.MAX_CAUSE - 1) + "…", id="truncated"),
    ],
)
def test_causes_are_short_and_stable(text: str, expected: str) -> None:
    """Messages drop what changes between attempts, so the condition is not rewritten each pass."""
    assert errors.cause_of(RuntimeError(text)) == expected


def test_cause_follows_the_chain_to_the_root() -> None:
    """The innermost error is the one that says what happened."""
    chained = ServiceRequestError("wrapped")
    chained.__cause__ = ssl.SSLError(1, "wrong version number")
    assert errors.cause_of(chained) == "wrong version number"
    # requests and urllib3 pass their cause as an argument instead of chaining it.
    as_argument = OSError("Connection aborted.", RemoteDisconnected("Remote end closed"))
    assert errors.cause_of(ServiceRequestError("x", error=as_argument)) == "remote end closed"


# --- credentials and settings ----------------------------------------------------------------


def test_static_token_credential_answers_any_scope_with_the_token() -> None:
    """The static credential gives its token, valid for a while, whatever is asked."""
    credential = credentials.StaticTokenCredential(" secret-token ")
    now = int(time.time())
    token = credential.get_token("https://management.azure.com/.default", tenant_id="t")
    info = credential.get_token_info("other/.default")
    assert token.token == info.token == "secret-token"
    assert token.expires_on >= now + credentials.STATIC_TOKEN_LIFETIME
    assert info.expires_on >= now + credentials.STATIC_TOKEN_LIFETIME
    assert "secret-token" not in repr(credential)


def test_static_token_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        credentials.StaticTokenCredential("  ")


def test_without_a_token_the_default_credential_is_used_and_kept() -> None:
    """The workload identity path: one DefaultAzureCredential per process, so tokens are cached."""
    from azure.identity import DefaultAzureCredential

    first = credentials.credential(None)
    assert isinstance(first, DefaultAzureCredential)
    assert credentials.credential(None) is first
    assert isinstance(credentials.credential("t"), credentials.StaticTokenCredential)


def test_settings_come_from_the_environment() -> None:
    """Each variable fills its field; unset or empty ones leave the SDK's defaults."""
    env = {
        azure.ENDPOINT_ENV: "https://arm.example.test",
        azure.CA_BUNDLE_ENV: "/etc/ssl/arm.pem",
        azure.TOKEN_ENV: "tok",
    }
    assert fetch.ArmSettings.from_env(env) == fetch.ArmSettings(
        endpoint="https://arm.example.test", ca_bundle="/etc/ssl/arm.pem", token="tok"
    )
    empty = {azure.ENDPOINT_ENV: "", azure.CA_BUNDLE_ENV: "", azure.TOKEN_ENV: ""}
    assert fetch.ArmSettings.from_env(empty) == fetch.ArmSettings()
    assert fetch.ArmSettings.from_env({}) == fetch.ArmSettings()


@pytest.mark.parametrize(
    "cloud", ["AZURE_PUBLIC_CLOUD", "AZURE_CHINA_CLOUD", "AZURE_US_GOVERNMENT"]
)
def test_the_default_endpoint_is_the_sdks_for_the_configured_cloud(
    cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages name the SDK's endpoint for the cloud azure-core is set to, when none is given."""
    from azure.core import AzureClouds
    from azure.mgmt.core.tools import get_arm_endpoints

    monkeypatch.setenv("AZURE_SDK_CLOUD_CONF", cloud)
    expected = get_arm_endpoints(AzureClouds[cloud])["resource_manager"]
    assert fetch.ArmSettings().describe_endpoint() == expected.rstrip("/")
    assert fetch.ArmSettings(endpoint="https://x.test").describe_endpoint() == "https://x.test"


def test_an_unknown_cloud_still_gives_a_readable_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cloud the SDK has no endpoint for does not turn an error message into a crash."""
    monkeypatch.setattr(
        "azure.mgmt.core.tools.get_arm_endpoints",
        lambda cloud: (_ for _ in ()).throw(ValueError(f"Unknown cloud setting: {cloud}")),
    )
    assert fetch.ArmSettings().describe_endpoint() == "the default Azure Resource Manager endpoint"


class _MsrestModel:
    def serialize(self, keep_readonly: bool = False) -> dict[str, Any]:
        return {"properties": {"kept": keep_readonly}}

    def as_dict(self) -> dict[str, Any]:
        return {"python_attribute_names": True}


class _MappingModel(dict[str, Any]):
    def as_dict(self) -> dict[str, Any]:
        return dict(self)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        pytest.param(_MsrestModel(), {"properties": {"kept": True}}, id="msrest-serialize"),
        pytest.param(_MappingModel(properties={"a": 1}), {"properties": {"a": 1}}, id="as-dict"),
        pytest.param({"properties": {}}, {"properties": {}}, id="plain-mapping"),
    ],
)
def test_rest_shape_of_both_sdk_model_generations(model: Any, expected: dict[str, Any]) -> None:
    """Older models serialize with read-only fields kept; newer ones are already REST mappings."""
    assert fetch.rest_shape(model) == expected


# --- not configured --------------------------------------------------------------------------


def test_not_configured_has_one_row_per_aks_item() -> None:
    """Every item only Azure can fully answer gets one NotApplicable row, named by its ID."""
    catalog = load_catalog()
    findings = azure.not_configured()
    expected = [item.id for item in catalog if item.automation in ("aks", "both")]
    assert [f.rule for f in findings] == expected
    assert {f.rule for f in findings} >= {rule.item for rule in aks.RULES}
    for finding in findings:
        assert finding.result is Result.NOT_APPLICABLE
        assert finding.severity is catalog[finding.rule].severity
        assert finding.object is None
        assert azure.HOW_TO_ENABLE in finding.message
        assert "spec.azure {subscriptionId, resourceGroup, clusterName}" in finding.message


def test_not_configured_says_when_the_in_cluster_part_is_still_judged() -> None:
    """A `both` item with in-cluster rules says those still run; an `aks` item does not."""
    in_cluster = {rule.item for rule in (*workload_rules(), *cluster_checks.RULES)}
    catalog = load_catalog()
    by_id = {f.rule: f for f in azure.not_configured()}
    assert by_id["IDN-07"].message.startswith("not evaluated: ")
    assert "in-cluster rules are still judged" in by_id["CSEC-05"].message
    for rule, finding in by_id.items():
        said = "in-cluster rules are still judged" in finding.message
        assert said == (catalog[rule].automation == "both" and rule in in_cluster), rule


def test_not_configured_returns_a_fresh_list() -> None:
    """Callers may change the list they got without changing the next caller's."""
    first = azure.not_configured()
    first.clear()
    assert azure.not_configured()
