"""`aks-checklist scan` on Dockerfiles: discovery, errors, settings, waivers, formats, exits."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from aks_checklist.checks.dockerfile import RULES
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result
from aks_checklist.cli import main
from aks_checklist.policy import Waiver
from aks_checklist.scan import ScanError, load_documents, scan

FIXTURES = Path(__file__).parent / "fixtures" / "dockerfiles"
REPO = FIXTURES / "repo"
CLEAN = str(REPO / "Dockerfile")
API = str(REPO / "services" / "api.Dockerfile")
WORKER = str(REPO / "Containerfile.worker")
SETTINGS = str(REPO / "settings.yaml")
BROKEN = str(FIXTURES / "broken" / "Dockerfile")
RULE_IDS = [rule.id for rule in RULES]


def by_file(findings: list[Finding]) -> dict[str, dict[str, Result]]:
    """Dockerfile path -> rule ID -> result."""
    found: dict[str, dict[str, Result]] = {}
    for finding in findings:
        if finding.object is not None and finding.object.kind == "Dockerfile":
            assert finding.file == finding.object.name
            found.setdefault(finding.object.name, {})[finding.rule] = finding.result
    return found


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- discovery --------------------------------------------------------------------------------


def test_directory_scan_judges_dockerfiles_beside_the_manifests() -> None:
    """Dockerfile, *.Dockerfile and Containerfile.* are judged; the per-Dockerfile ignore file,
    templates and hidden directories are not, and YAML is still read as manifests."""
    result = scan([str(REPO)])
    assert result.errors == []
    judged = by_file(result.findings)
    assert sorted(judged) == sorted([CLEAN, API, WORKER])
    for rules in judged.values():
        assert list(rules) == RULE_IDS
    assert result.objects_count == 4  # three Dockerfiles and the ConfigMap
    assert any(f.object is not None and f.object.kind == "Namespace" for f in result.findings)


def test_each_dockerfile_is_judged_on_its_own_content() -> None:
    judged = by_file(scan([str(REPO)]).findings)
    assert judged[CLEAN]["APP-14/non-root-user"] is Result.PASS
    assert judged[CLEAN]["CTR-07/distroless-runtime"] is Result.PASS
    assert judged[API]["APP-14/non-root-user"] is Result.FAIL
    assert judged[API]["APP-14/base-image-pinned"] is Result.FAIL
    assert judged[API]["APP-14/package-cache-cleaned"] is Result.FAIL
    assert judged[API]["APP-14/exec-form-entrypoint"] is Result.FAIL
    assert judged[WORKER]["APP-14/non-root-user"] is Result.WARN


def test_load_documents_hands_dockerfiles_back_instead_of_reading_them_as_yaml() -> None:
    dockerfiles: list[str] = []
    objects, errors = load_documents([str(REPO)], dockerfiles=dockerfiles)
    assert errors == []
    assert sorted(dockerfiles) == sorted([CLEAN, API, WORKER])
    assert [o.obj["kind"] for o in objects] == ["ConfigMap"]


def test_load_documents_without_a_dockerfile_list_only_reads_manifests() -> None:
    objects, errors = load_documents([str(REPO)])
    assert errors == []
    assert [o.obj["kind"] for o in objects] == ["ConfigMap"]


def test_explicit_dockerfile_paths_are_judged_and_counted_once() -> None:
    result = scan([API, str(REPO / "services"), SETTINGS])
    assert result.errors == []
    assert list(by_file(result.findings)) == [API]
    assert result.objects_count == 2


def test_an_explicit_file_with_another_name_is_still_read_as_a_manifest(tmp_path: Path) -> None:
    path = tmp_path / "build.txt"
    path.write_text("FROM python:3.11\n", encoding="utf-8")
    result = scan([str(path)])
    assert by_file(result.findings) == {}
    assert [e.message for e in result.errors] == ["not a Kubernetes object but a string"]


# --- errors ------------------------------------------------------------------------------------


def test_an_invalid_dockerfile_is_an_error_naming_file_and_line() -> None:
    result = scan([BROKEN, CLEAN])
    assert result.errors == [
        ScanError(BROKEN, None, "invalid Dockerfile: line 2: RUN comes before the first FROM")
    ]
    assert list(by_file(result.findings)) == [CLEAN]
    assert result.objects_count == 1


def test_a_dockerfile_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"FROM python:3.11\nLABEL x=\xff\n")
    result = scan([str(path)])
    assert result.errors == [ScanError(str(path), None, "not UTF-8 text")]
    assert result.findings == []


def test_an_unreadable_dockerfile_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.symlink_to(tmp_path / "missing")  # listed in the directory, but opening it fails
    result = scan([str(tmp_path)])
    assert result.errors == [ScanError(str(path), None, "cannot read: No such file or directory")]
    assert result.findings == []


# --- settings and waivers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disabled", "gone"),
    [
        pytest.param("APP-14/non-root-user", {"APP-14/non-root-user"}, id="rule"),
        pytest.param("APP-14", {r for r in RULE_IDS if r.startswith("APP-14/")}, id="item"),
    ],
)
def test_disabled_rules_are_dropped_for_dockerfiles(disabled: str, gone: set[str]) -> None:
    result = scan([API], settings=CheckSettings(disabled=frozenset({disabled})))
    assert set(by_file(result.findings)[API]) == set(RULE_IDS) - gone


def test_waivers_match_dockerfiles_by_kind_and_path_glob() -> None:
    accepted = Waiver(
        rule="APP-14/non-root-user",
        reason="runs under OpenShift UID ranges",
        kind="Dockerfile",
        name="*/api.Dockerfile",
    )
    waivers = [
        accepted,
        Waiver(rule="APP-14/base-image-pinned", reason="wrong namespace", namespace="shop"),
        Waiver(rule="APP-14/exec-form-entrypoint", reason="expired", expires=date(2020, 1, 1)),
    ]
    result = scan([API], waivers=waivers, today=date(2026, 1, 1))
    findings = {f.rule: f for f in result.findings}
    assert findings["APP-14/non-root-user"].result is Result.WAIVED
    assert "runs under OpenShift UID ranges" in findings["APP-14/non-root-user"].message
    # A Dockerfile has no namespace, so a waiver limited to one never covers it.
    assert findings["APP-14/base-image-pinned"].result is Result.FAIL
    assert findings["APP-14/exec-form-entrypoint"].result is Result.FAIL
    assert "waiver expired on 2020-01-01" in findings["APP-14/exec-form-entrypoint"].message


# --- formats and exit codes ---------------------------------------------------------------------


def test_table_shows_a_block_per_dockerfile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, API)
    assert code == 1
    lines = out.splitlines()
    assert f"Dockerfile {API}" in lines
    assert any("FAIL" in line and "APP-14/non-root-user" in line for line in lines)
    assert lines[-1].startswith("1 object: ")


def test_json_names_the_dockerfile_as_the_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json", "--show-passed", str(REPO))
    assert code == 1
    report: dict[str, Any] = json.loads(out)
    results = [r for r in report["results"] if r["file"] == API]
    assert {r["rule"] for r in results} == set(RULE_IDS)
    user = next(r for r in results if r["rule"] == "APP-14/non-root-user")
    assert user["object"] == {
        "apiVersion": "",
        "kind": "Dockerfile",
        "namespace": None,
        "name": API,
    }
    assert user["result"] == "Fail"
    assert user["severity"] == "High"
    assert user["item"] == "APP-14"
    assert report["summary"]["objects"] == 4


def test_sarif_points_at_the_dockerfile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "sarif", API)
    assert code == 1
    (sarif_run,) = json.loads(out)["runs"]
    result = next(r for r in sarif_run["results"] if r["ruleId"] == "APP-14/non-root-user")
    (location,) = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == API
    assert result["level"] == "error"
    assert result["message"]["text"].startswith(f"Dockerfile {API}: ")


def test_policyreport_puts_dockerfiles_in_the_cluster_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--format", "policyreport", str(REPO))
    assert code == 1
    reports = yaml.safe_load(out)["items"]
    cluster = [r for r in reports if r["kind"] == "ClusterPolicyReport"]
    assert len(cluster) == 1
    results = cluster[0]["results"]
    (user,) = [
        r for r in results if r["rule"] == "APP-14/non-root-user" and r["properties"]["file"] == API
    ]
    assert user["resources"] == [{"apiVersion": "", "kind": "Dockerfile", "name": API}]
    assert user["result"] == "fail"
    namespaced = [r for r in reports if r["kind"] == "PolicyReport"]
    kinds = {res["kind"] for r in namespaced for x in r["results"] for res in x["resources"]}
    assert namespaced
    assert "Dockerfile" not in kinds


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param((CLEAN, SETTINGS), 0, id="clean-dockerfile-and-manifest"),
        pytest.param((WORKER,), 0, id="warnings-only"),
        pytest.param((API,), 1, id="high-failure"),
        pytest.param((str(REPO),), 1, id="directory-with-a-failing-dockerfile"),
        pytest.param((CLEAN, BROKEN), 2, id="invalid-dockerfile"),
        pytest.param((API, "--fail-on", "High", "--policy", "DISABLE-USER"), 0, id="disabled"),
    ],
)
def test_exit_codes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], expected: int
) -> None:
    if "DISABLE-USER" in args:
        policy = tmp_path / "policy.yaml"
        policy.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "akschecklist.io/v1alpha1",
                    "kind": "AksChecklistPolicy",
                    "metadata": {"name": "ci"},
                    "spec": {"checks": {"disabled": ["APP-14/non-root-user"]}},
                }
            ),
            encoding="utf-8",
        )
        args = tuple(str(policy) if arg == "DISABLE-USER" else arg for arg in args)
    code, _, err = run(capsys, *args)
    assert code == expected, err


def test_sarif_regions_point_at_the_offending_instruction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "--format", "sarif", API)
    lines = Path(API).read_text(encoding="utf-8").splitlines()
    results = json.loads(out)["runs"][0]["results"]
    by_rule = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"] for r in results}
    assert lines[by_rule["APP-14/exec-form-entrypoint"]["startLine"] - 1].startswith("CMD ")
    assert lines[by_rule["APP-14/package-cache-cleaned"]["startLine"] - 1].startswith("RUN pip")
    assert by_rule["APP-14/non-root-user"] == {"startLine": 1}  # the file as a whole
