"""`aks-checklist aks FILE|-` end to end: formats, exit codes, stdin, unreadable input."""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aks_checklist.cli import main
from tests.unit.aks.builders import FIXTURES, load

HARDENED = str(FIXTURES / "hardened-production.json")
DEFAULT = str(FIXTURES / "default-az-aks-create.json")
AS_OF = ("--as-of", "2026-11-29")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["aks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, "--format", "json", *AS_OF, *args)
    report: dict[str, Any] = json.loads(out)
    return code, report


def write(tmp_path: Path, document: Any, name: str = "cluster.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_hardened_cluster_exits_zero_even_on_low(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, HARDENED, "--fail-on", "Low")
    assert code == 0
    # Only advisories are left open: they warn, and a Warn never fails the run.
    assert {r["result"] for r in report["results"]} == {"Warn"}
    assert report["summary"]["results"]["Fail"] == 0


def test_default_cluster_fails_on_high_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, DEFAULT)
    assert code == 1
    failed = {r["rule"] for r in report["results"] if r["result"] == "Fail"}
    assert "IDN-07/local-accounts-disabled" in failed
    assert all(r["file"] == DEFAULT for r in report["results"])


def _low_failures_only(tmp_path: Path) -> str:
    """The hardened cluster without tags: only Low-severity tag rules fail."""
    document = load("hardened-production.json")
    document.pop("tags")
    return write(tmp_path, document)


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        pytest.param("High", 0, id="high"),
        pytest.param("medium", 0, id="medium-any-case"),
        pytest.param("Low", 1, id="low"),
    ],
)
def test_fail_on_threshold(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, threshold: str, expected: int
) -> None:
    code, report = run_json(capsys, _low_failures_only(tmp_path), "--fail-on", threshold)
    assert code == expected
    failed = {r["rule"] for r in report["results"] if r["result"] == "Fail"}
    assert failed == {"APP-06/azure-tags", "MULTI-03/cluster-tags"}


def test_warnings_never_fail_the_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    document = load("hardened-production.json")
    document["properties"]["disableLocalAccounts"] = False
    code, report = run_json(capsys, write(tmp_path, document), "--fail-on", "Low")
    results = {r["rule"]: r["result"] for r in report["results"]}
    assert results["IDN-05/admin-credentials-restricted"] == "Warn"
    assert results["IDN-07/local-accounts-disabled"] == "Fail"
    assert code == 1
    document["properties"]["disableLocalAccounts"] = True
    document["properties"]["addonProfiles"].pop("omsagent")
    code, report = run_json(capsys, write(tmp_path, document), "--fail-on", "Low")
    assert {r["result"] for r in report["results"]} == {"Warn"}
    assert code == 0


def test_show_passed_lists_passing_and_not_applicable(capsys: pytest.CaptureFixture[str]) -> None:
    _, quiet = run_json(capsys, HARDENED)
    _, loud = run_json(capsys, HARDENED, "--show-passed")
    assert {r["result"] for r in quiet["results"]} == {"Warn"}
    assert {r["result"] for r in loud["results"]} == {"Pass", "NotApplicable", "Warn"}


def test_pool_findings_name_the_pool(capsys: pytest.CaptureFixture[str]) -> None:
    _, report = run_json(capsys, DEFAULT)
    pool_results = [r for r in report["results"] if r["object"]["kind"] == "AgentPool"]
    assert pool_results
    assert {r["object"]["name"] for r in pool_results} == {"nodepool1"}
    assert {r["object"]["apiVersion"] for r in pool_results} == {"containerservice.azure.com/v1"}


def test_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, (FIXTURES / "hardened-production.json").read_bytes())
    code, report = run_json(capsys, "-", "--show-passed")
    assert code == 0
    assert report["results"]
    assert {r["file"] for r in report["results"]} == {"<stdin>"}


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), id="utf8-bom"),
        pytest.param(lambda text: text.encode("utf-16"), id="utf16-powershell"),
    ],
)
def test_reads_files_written_by_windows_shells(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, encode: Any
) -> None:
    path = tmp_path / "cluster.json"
    path.write_bytes(encode((FIXTURES / "hardened-production.json").read_text(encoding="utf-8")))
    code, _ = run_json(capsys, str(path))
    assert code == 0


def test_reads_az_yaml_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump(load("default-az-aks-create.json")), encoding="utf-8")
    code, report = run_json(capsys, str(path))
    assert code == 1
    assert "IDN-07/local-accounts-disabled" in {r["rule"] for r in report["results"]}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        pytest.param('{"name": "x",', "not valid JSON", id="truncated-json"),
        pytest.param("", "the file is empty", id="empty"),
        pytest.param("just some words", "not valid JSON", id="prose"),
        pytest.param(
            '{"type": "Microsoft.Storage/storageAccounts", "name": "st"}',
            "expected Microsoft.ContainerService/managedClusters",
            id="storage-account",
        ),
        pytest.param('[{"name": "a"}]', "az aks list", id="cluster-list"),
    ],
)
def test_unreadable_or_wrong_input_exits_two_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "input.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "--format", "json", str(path))
    assert code == 2
    report = json.loads(out)
    assert report["results"] == []
    assert report["errors"][0]["file"] == str(path)
    assert fragment in report["errors"][0]["message"]
    assert str(path) in err
    assert fragment in err


def test_missing_file_exits_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    code, out, _ = run(capsys, missing)
    assert code == 2
    assert missing in out
    assert "No such file" in out


def test_binary_file_exits_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "blob.json"
    path.write_bytes(b"\xff\xfe\xfa\x00\x80\x81")
    code, out, _ = run(capsys, str(path))
    assert code == 2
    assert str(path) in out


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "policyreport"])
def test_every_format_renders(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "--format", fmt, *AS_OF, "--no-color", DEFAULT)
    assert code == 1
    assert "IDN-07/local-accounts-disabled" in out


def test_sarif_describes_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "sarif", *AS_OF, DEFAULT)
    sarif = json.loads(out)
    descriptors = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "IDN-07/local-accounts-disabled" in descriptors


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--fail-on", "Critical"), id="bad-severity"),
        pytest.param(("--as-of", "29/11/2026"), id="bad-date"),
        pytest.param(("--format", "xml"), id="bad-format"),
    ],
)
def test_bad_options_are_usage_errors(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["aks", DEFAULT, *args])
    assert raised.value.code == 2
    capsys.readouterr()


def test_as_of_moves_the_version_window(capsys: pytest.CaptureFixture[str]) -> None:
    """The default cluster runs 1.35, which leaves community support after March 2027."""
    _, now = run_json(capsys, DEFAULT, "--show-passed")
    code, later, _ = run(capsys, "--format", "json", "--as-of", "2027-04-01", DEFAULT)
    version_now = {r["result"] for r in now["results"] if r["rule"].startswith("CSEC-05/")}
    version_later = {
        r["result"] for r in json.loads(later)["results"] if r["rule"].startswith("CSEC-05/")
    }
    assert version_now == {"Pass"}
    assert version_later == {"Fail"}
    assert code == 1
