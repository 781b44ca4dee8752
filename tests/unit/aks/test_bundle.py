"""Bundles of `aks collect`: parts judged as far as they go, and the Azure-resource rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from aks_checklist.checks.aks import NotAManagedClusterError, evaluate_bundle
from aks_checklist.checks.model import Finding, Result
from aks_checklist.cli import main
from tests.unit.aks.builders import AS_OF, FIXTURES, load

BUNDLES = FIXTURES / "bundles"


def bundle(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BUNDLES / name).read_text(encoding="utf-8"))
    return data


def judged(document: Any) -> tuple[dict[str, list[Finding]], dict[str, str]]:
    findings, problems = evaluate_bundle(document, today=AS_OF)
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    return by_rule, problems


def results(document: Any, rule: str) -> set[Result]:
    return {f.result for f in judged(document)[0][rule]}


@pytest.mark.parametrize(
    ("name", "rule", "expected"),
    [
        pytest.param(
            "hardened.json", "OPS-20/audit-logs-exported", Result.PASS, id="hardened-audit"
        ),
        pytest.param("hardened.json", "CSEC-15/defender-cspm", Result.PASS, id="hardened-defender"),
        pytest.param(
            "hardened.json", "BCDR-09/registry-geo-replicated", Result.PASS, id="hardened-geo"
        ),
        pytest.param(
            "hardened.json", "CTR-05/registry-access-control", Result.PASS, id="hardened-acr-rbac"
        ),
        pytest.param(
            "hardened.json", "CTR-06/registry-not-public", Result.PASS, id="hardened-acr-net"
        ),
        pytest.param("hardened.json", "OPS-28/metric-alerts", Result.PASS, id="hardened-alerts"),
        pytest.param(
            "hardened.json", "OPS-30/resource-health-alert", Result.PASS, id="hardened-health"
        ),
        pytest.param("hardened.json", "OPS-31/event-grid-topic", Result.PASS, id="hardened-events"),
        pytest.param("hardened.json", "RES-13/quota-headroom", Result.PASS, id="hardened-quota"),
        pytest.param(
            "hardened.json", "STO-04/backup-configured", Result.PASS, id="hardened-backup"
        ),
        pytest.param("hardened.json", "OPS-12/flux-extension", Result.PASS, id="hardened-flux"),
        pytest.param("hardened.json", "OPS-03/extensions-healthy", Result.PASS, id="hardened-ext"),
        pytest.param(
            "hardened.json", "NET-02/subnet-capacity", Result.NOT_APPLICABLE, id="hardened-overlay"
        ),
        pytest.param(
            "hardened.json", "OPS-29/snat-alert", Result.NOT_APPLICABLE, id="hardened-nat"
        ),
        pytest.param("default.json", "OPS-20/audit-logs-exported", Result.FAIL, id="default-audit"),
        pytest.param("default.json", "CSEC-15/defender-cspm", Result.FAIL, id="default-defender"),
        pytest.param(
            "default.json", "CTR-01/registry-vulnerability-scanning", Result.FAIL, id="default-scan"
        ),
        pytest.param(
            "default.json", "CTR-05/registry-access-control", Result.FAIL, id="default-admin-push"
        ),
        pytest.param(
            "default.json", "NET-10/registry-not-public", Result.FAIL, id="default-public-acr"
        ),
        pytest.param(
            "default.json", "BCDR-09/registry-geo-replicated", Result.FAIL, id="default-basic-acr"
        ),
        pytest.param(
            "default.json", "CTR-04/registry-quarantine", Result.WARN, id="default-quarantine"
        ),
        pytest.param(
            "default.json", "OPS-22/advisor-recommendations", Result.FAIL, id="default-advisor"
        ),
        pytest.param("default.json", "OPS-29/snat-alert", Result.FAIL, id="default-snat"),
        pytest.param(
            "default.json", "OPS-30/resource-health-alert", Result.FAIL, id="default-health"
        ),
        pytest.param("default.json", "OPS-31/event-grid-topic", Result.WARN, id="default-events"),
        pytest.param("default.json", "OPS-03/extensions-healthy", Result.WARN, id="default-no-ext"),
        pytest.param("default.json", "OPS-12/flux-extension", Result.WARN, id="default-no-flux"),
        pytest.param(
            "default.json", "STO-04/backup-configured", Result.WARN, id="default-no-backup"
        ),
        pytest.param(
            "default.json", "CTR-06/registry-not-public", Result.FAIL, id="default-open-acr"
        ),
        pytest.param(
            "hardened.json", "CTR-01/registry-vulnerability-scanning", Result.PASS, id="hardened-va"
        ),
        pytest.param(
            "hardened.json", "CTR-04/registry-quarantine", Result.PASS, id="hardened-quarantine"
        ),
        pytest.param(
            "hardened.json", "OPS-22/advisor-recommendations", Result.PASS, id="hardened-advisor"
        ),
        pytest.param(
            "hardened.json", "NET-10/registry-not-public", Result.PASS, id="hardened-private-acr"
        ),
        pytest.param(
            "registry-without-geo-replication.json",
            "BCDR-09/registry-geo-replicated",
            Result.FAIL,
            id="premium-not-replicated",
        ),
        pytest.param("full-subnet.json", "NET-02/subnet-capacity", Result.FAIL, id="full-subnet"),
        pytest.param(
            "private.json", "NET-02/subnet-capacity", Result.PASS, id="private-subnets-fit"
        ),
        pytest.param(
            "private.json", "OPS-22/advisor-recommendations", Result.ERROR, id="private-forbidden"
        ),
        pytest.param("private.json", "OPS-28/metric-alerts", Result.ERROR, id="private-bad-part"),
        pytest.param(
            "windows-and-spot.json", "RES-13/quota-headroom", Result.FAIL, id="spot-quota"
        ),
        pytest.param(
            "windows-and-spot.json",
            "BCDR-09/registry-geo-replicated",
            Result.NOT_APPLICABLE,
            id="no-registry",
        ),
    ],
)
def test_bundle_fixture(name: str, rule: str, expected: Result) -> None:
    assert expected in results(bundle(name), rule)


def test_full_subnet_names_the_pools_and_the_shortfall() -> None:
    (sys_subnet, apps_subnet) = sorted(
        judged(bundle("full-subnet.json"))[0]["NET-02/subnet-capacity"], key=lambda f: f.result
    )
    assert {sys_subnet.result, apps_subnet.result} == {Result.FAIL, Result.PASS}
    failing = sys_subnet if sys_subnet.result is Result.FAIL else apps_subnet
    assert "27 usable" in failing.message
    assert failing.object is not None
    assert failing.object.name == "snet-aks-sys"


def test_plain_cluster_document_leaves_azure_items_not_evaluated_with_the_command() -> None:
    by_rule, problems = judged(load("private-cluster.json"))
    assert problems == {}
    (finding,) = by_rule["OPS-20/audit-logs-exported"]
    assert finding.result is Result.NOT_APPLICABLE
    assert finding.message.startswith("not evaluated")
    assert (
        "aks-checklist aks collect --subscription 00000000-0000-0000-0000-000000000000 "
        "--resource-group rg-core-net --name aks-core-private"
    ) in finding.message


@pytest.mark.parametrize(
    ("change", "part", "problem"),
    [
        pytest.param({"registries": "acrprod"}, "registries", "a string", id="wrong-type"),
        pytest.param({"subnets": [42]}, "subnets", "entry 0 is a number", id="bad-entry"),
        pytest.param({"backupInstances": None}, None, None, id="null-is-not-collected"),
        pytest.param({"surprise": []}, "surprise", "not a bundle part", id="unknown-part"),
    ],
)
def test_bad_parts_are_named_and_the_rest_is_judged(
    change: dict[str, Any], part: str | None, problem: str | None
) -> None:
    document = copy.deepcopy(bundle("hardened.json"))
    document.update(change)
    by_rule, problems = judged(document)
    if part is None:
        assert problems == {}
        assert results(document, "STO-04/backup-configured") == {Result.NOT_APPLICABLE}
    else:
        assert problem is not None
        assert problem in problems[part]
    assert results(document, "OPS-20/audit-logs-exported") == {Result.PASS}
    assert "IDN-07/local-accounts-disabled" in by_rule


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            {"kind": "AksChecklistBundle", "version": 1}, "no cluster part", id="no-cluster"
        ),
        pytest.param(
            {"kind": "AksChecklistBundle", "version": 1, "cluster": []},
            "cluster part",
            id="cluster-an-array",
        ),
        pytest.param(
            {"kind": "AksChecklistBundle", "version": 7, "cluster": {}}, "version 7", id="future"
        ),
    ],
)
def test_a_bundle_without_a_managed_cluster_is_refused(document: Any, message: str) -> None:
    with pytest.raises(NotAManagedClusterError, match=message):
        evaluate_bundle(document)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["aks", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_judges_a_bundle_and_names_bad_parts_without_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = bundle("hardened.json")
    document["registries"] = {"oops": True}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(document))
    code, out, err = run_cli(capsys, str(path), "--as-of", "2026-11-29", "-o", "json")
    assert code == 0
    assert "bundle part registries is an object, expected an array" in err
    rows = {(r["rule"], r["result"]) for r in json.loads(out)["results"]}
    assert ("BCDR-09/registry-geo-replicated", "Error") in rows


def test_cli_exits_2_only_without_a_managed_cluster(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"kind": "AksChecklistBundle", "version": 1, "cluster": None}))
    code, _, _ = run_cli(capsys, str(path))
    assert code == 2


def test_collect_refuses_a_malformed_target_before_reading_azure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "bundle.json"
    code, _, err = run_cli(
        capsys, "collect", "--subscription", "nope", "-g", "rg", "-n", "aks", "-o", str(out)
    )
    assert code == 2
    assert "is not a GUID" in err
    assert not out.exists()


def test_cli_fails_on_the_default_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, str(BUNDLES / "default.json"), "-o", "json", "--as-of", "2026-11-29"
    )
    assert code == 1
    failed = {r["rule"] for r in json.loads(out)["results"] if r["result"] == "Fail"}
    assert "OPS-20/audit-logs-exported" in failed
