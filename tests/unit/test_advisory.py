"""Advisory and conflicting items, spec.checks.require, attestations and the per-category status."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from aks_checklist.catalog import load_catalog
from aks_checklist.checks.aks import evaluate_managed_cluster
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result, Severity
from aks_checklist.checks.verdicts import apply_requirements
from aks_checklist.policy import (
    Attestation,
    PolicyError,
    apply_attestations,
    attestation_findings,
    parse_spec,
)
from aks_checklist.report import (
    category_status,
    item_results,
    item_state,
    merge_item_results,
    namespace_report,
    score,
)
from tests.unit.aks.builders import cluster

TODAY = date(2026, 12, 1)


def finding(rule: str, result: Result, message: str = "seen") -> Finding:
    return Finding(rule=rule, result=result, severity=Severity.MEDIUM, message=message)


# --- spec.checks.require ---------------------------------------------------------------------


def test_required_advisory_turns_warn_into_fail() -> None:
    (out,) = apply_requirements([finding("NET-20/http-proxy-configured", Result.WARN)], {"NET-20"})
    assert out.result is Result.FAIL
    assert "spec.checks.require" in out.message


def test_advisory_not_required_keeps_its_warn() -> None:
    (out,) = apply_requirements([finding("NET-20/http-proxy-configured", Result.WARN)], frozenset())
    assert out.result is Result.WARN


def test_conflicting_item_fails_only_when_required() -> None:
    nat = finding("NET-16/nat-gateway-outbound", Result.FAIL, "no NAT gateway")
    (advisory,) = apply_requirements([nat], frozenset())
    assert advisory.result is Result.WARN
    assert "conflicts with NET-09" in advisory.message
    (strict,) = apply_requirements([nat], frozenset({"NET-16"}))
    assert strict.result is Result.FAIL


def test_strict_items_are_left_alone() -> None:
    fail = finding("APP-01/liveness-probe", Result.FAIL)
    assert apply_requirements([fail], frozenset()) == [fail]


def test_one_affected_finding_among_many_is_still_changed_and_the_order_kept() -> None:
    others = [finding(f"APP-0{n}/rule", result) for n in range(1, 6) for result in Result]
    nat = finding("NET-16/nat-gateway-outbound", Result.FAIL, "no NAT gateway")
    proxy = finding("NET-20/http-proxy-configured", Result.WARN)
    out = apply_requirements([*others, nat, *others, proxy], frozenset({"NET-20"}))
    assert out[: len(others)] == others
    assert out[len(others)].result is Result.WARN
    assert out[len(others) + 1 : -1] == others
    assert out[-1].result is Result.FAIL
    unaffected = apply_requirements(iter(others), frozenset({"NET-20"}))
    assert unaffected == others
    assert [a is b for a, b in zip(unaffected, others, strict=True)] == [True] * len(others)


def test_require_reaches_the_cluster_document_judge() -> None:
    document = cluster(networkProfile={"outboundType": "loadBalancer"})
    settings = CheckSettings(required=frozenset({"NET-09"}))
    results = {f.rule: f.result for f in evaluate_managed_cluster(document, settings=settings)}
    assert results["NET-09/egress-through-firewall"] is Result.FAIL
    assert results["NET-16/nat-gateway-outbound"] is Result.WARN


@pytest.mark.parametrize(
    ("require", "message"),
    [
        pytest.param(["NET-09", "NET-16"], "require one side, not both", id="both-sides"),
        pytest.param(["APP-01"], "only advisory or conflicting", id="strict-item"),
        pytest.param(["BCDR-01"], "only advisory or conflicting", id="attestation-item"),
        pytest.param(["XYZ-01"], "not a checklist item", id="unknown-item"),
        pytest.param("NET-09", "must be a list", id="not-a-list"),
    ],
)
def test_require_is_validated(require: Any, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as caught:
        parse_spec({"checks": {"require": require}})
    assert caught.value.field_path.startswith("spec.checks.require")


def test_require_is_read_into_the_check_settings() -> None:
    policy = parse_spec({"checks": {"require": ["NET-09", "OPS-27"]}})
    assert policy.checks.required == frozenset({"NET-09", "OPS-27"})


# --- spec.attestations -----------------------------------------------------------------------

ATTESTATION = {
    "item": "BCDR-01",
    "by": "platform-team@example.com",
    "evidence": "https://wiki.example.com/slo",
    "expires": "2027-06-01",
}


def test_attestations_are_parsed() -> None:
    policy = parse_spec({"attestations": [ATTESTATION]})
    assert policy.attestations == (
        Attestation(
            item="BCDR-01",
            by="platform-team@example.com",
            evidence="https://wiki.example.com/slo",
            expires=date(2027, 6, 1),
        ),
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        pytest.param({"item": "APP-01"}, "item", "is strict", id="strict-item"),
        pytest.param({"item": "ZZZ-01"}, "item", "not a checklist item", id="unknown-item"),
        pytest.param({"expires": None}, "expires", "is required", id="no-expiry"),
        pytest.param({"expires": "soon"}, "expires", "not a date", id="bad-expiry"),
        pytest.param({"by": None}, "by", "is required", id="nobody"),
        pytest.param({"evidence": ""}, "evidence", "non-empty", id="no-evidence"),
        pytest.param({"color": "red"}, "color", "unknown field", id="unknown-field"),
    ],
)
def test_attestations_are_validated(change: dict[str, Any], field: str, message: str) -> None:
    entry = {**ATTESTATION, **change}
    if change.get("expires", "") is None:
        del entry["expires"]
    with pytest.raises(PolicyError, match=message) as caught:
        parse_spec({"attestations": [entry]})
    assert caught.value.field_path == f"spec.attestations[0].{field}"


def test_attestation_only_item_is_attested_until_it_expires() -> None:
    attestation = Attestation("BCDR-01", "ops", "https://x.example/sla", date(2027, 6, 1))
    (active,) = attestation_findings([attestation], TODAY)
    assert active.result is Result.ATTESTED
    assert "attested by ops" in active.message
    (lapsed,) = attestation_findings([attestation], date(2027, 6, 2))
    assert lapsed.result is Result.WARN
    assert "expired on 2027-06-01" in lapsed.message


def test_attested_advisory_warn_becomes_attested_and_lapses_like_a_waiver() -> None:
    warn = finding("OPS-02/proximity-placement-group", Result.WARN)
    attestation = Attestation("OPS-02", "ops", "https://x.example/latency", date(2027, 1, 1))
    (attested,) = apply_attestations([warn], [attestation], TODAY)
    assert attested.result is Result.ATTESTED
    (lapsed,) = apply_attestations([warn], [attestation], date(2027, 1, 2))
    assert lapsed.result is Result.WARN
    assert "attestation expired on 2027-01-01" in lapsed.message


def test_a_failure_is_never_attested() -> None:
    fail = finding("OPS-02/proximity-placement-group", Result.FAIL)
    attestation = Attestation("OPS-02", "ops", "https://x.example", date(2027, 1, 1))
    assert apply_attestations([fail], [attestation], TODAY) == [fail]


# --- how results count -------------------------------------------------------------------------


def test_warn_never_lowers_the_score() -> None:
    assert score(passed=9, failed=1) == 90
    # Warns are not part of either count: the score is the same with any number of them.
    assert score(passed=9, failed=1) == score(passed=9, failed=1)


@pytest.mark.parametrize(
    ("verdict", "results", "state"),
    [
        pytest.param("strict", {Result.PASS}, "passed", id="strict-pass"),
        pytest.param("strict", {Result.PASS, Result.FAIL}, "failed", id="strict-any-fail"),
        pytest.param("strict", {Result.NOT_APPLICABLE}, None, id="strict-not-applicable"),
        pytest.param("advisory", {Result.PASS}, "met", id="advisory-met"),
        pytest.param("advisory", {Result.PASS, Result.WARN}, "open", id="advisory-open"),
        pytest.param("advisory", {Result.FAIL}, "failed", id="advisory-required"),
        pytest.param("advisory", {Result.ATTESTED}, "attested", id="advisory-attested"),
        pytest.param("conflicting", {Result.WARN}, "open", id="conflicting-open"),
        pytest.param("attestation", {Result.ATTESTED}, "attested", id="attested"),
        pytest.param("attestation", set(), "unattested", id="unattested"),
    ],
)
def test_item_state(verdict: str, results: set[Result], state: str | None) -> None:
    assert item_state(verdict, results) == state


def test_category_status_counts_every_kind_per_category() -> None:
    findings = [
        finding("NET-01/azure-cni", Result.PASS),
        finding("NET-07/network-policy-engine", Result.FAIL),
        finding("NET-20/http-proxy-configured", Result.WARN),
        finding("NET-21/http-proxy-configured", Result.PASS),
        finding("NET-13", Result.ATTESTED),
    ]
    rows = {row["category"]: row for row in category_status(item_results(findings))}
    assert len(rows) == 11
    networking = rows["Networking"]
    assert networking["strict"] == {"passed": 1, "failed": 1}
    assert networking["advisories"] == {"met": 1, "open": 1}
    assert networking["attested"] == 1
    manual = sum(1 for i in load_catalog() if i.prefix == "NET" and i.verdict == "attestation")
    assert networking["unattested"] == manual - 1


# --- the CRD agrees with the catalog -----------------------------------------------------------

CRD = Path(__file__).resolve().parents[2] / "crds" / "akschecklistpolicies.yaml"


def _spec_schema() -> dict[str, Any]:
    crd = yaml.safe_load(CRD.read_text(encoding="utf-8"))
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema["properties"]["spec"]["properties"]  # type: ignore[no-any-return]


def test_crd_lets_only_advisory_and_conflicting_items_be_required() -> None:
    enum = _spec_schema()["checks"]["properties"]["require"]["items"]["enum"]
    expected = [i.id for i in load_catalog() if i.verdict in ("advisory", "conflicting")]
    assert enum == expected


def test_crd_lets_only_non_strict_items_be_attested_with_an_expiry() -> None:
    attestation = _spec_schema()["attestations"]["items"]
    assert attestation["properties"]["item"]["enum"] == [
        i.id for i in load_catalog() if i.attestable
    ]
    assert set(attestation["required"]) == {"item", "by", "evidence", "expires"}


def test_category_status_merges_namespace_reports_with_cluster_findings() -> None:
    report = namespace_report(
        "p",
        "shop",
        [finding("OPS-13/deployed-by-pipeline", Result.WARN)],
        workloads=1,
        baseline=None,
    )
    compact = report.compact()
    assert compact.item_results == {"OPS-13": frozenset({Result.WARN})}
    cluster = [finding("OPS-12/gitops-agent", Result.PASS)]
    attested = attestation_findings(
        [Attestation("OPS-14", "ops", "https://x.example/tools", date(2027, 1, 1))], TODAY
    )
    rows = {
        r["category"]: r for r in category_status(merge_item_results([compact], cluster, attested))
    }
    operations = rows["Operations"]
    assert operations["advisories"] == {"met": 1, "open": 1}
    assert operations["attested"] == 1
    assert operations["unattested"] == 0
