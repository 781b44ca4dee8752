"""`aks-checklist scan` end to end: formats, exit codes, stdin, policies, broken inputs.

These run the real check engine over the fixture manifests; rule IDs used
here are the public ones (ARCHITECTURE.md), severities are read from the
output where a test depends on them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from aks_checklist.cli import main
from aks_checklist.commands.output_options import use_color
from aks_checklist.commands.scan import write_report

FIXTURES = Path(__file__).parent / "fixtures" / "manifests"
SHOP = str(FIXTURES / "shop")
BROKEN = str(FIXTURES / "broken")
GOOD = str(FIXTURES / "good")
API = str(FIXTURES / "shop" / "api.yaml")
WEB = str(FIXTURES / "shop" / "web-helm.yaml")
LEGACY = str(FIXTURES / "shop" / "legacy-apis.yaml")
WORKER_LIST = str(FIXTURES / "shop" / "worker-list.json")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, "--format", "json", *args)
    report: dict[str, Any] = json.loads(out)
    return code, report


def results_for(report: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """Rule ID -> result for one object (first container's result when there are several)."""
    found: dict[str, dict[str, Any]] = {}
    for result in report["results"]:
        if result["object"] and result["object"]["name"] == name:
            found.setdefault(result["rule"], result)
    return found


def write_policy(tmp_path: Path, spec: dict[str, Any]) -> str:
    path = tmp_path / "policy.yaml"
    document = {
        "apiVersion": "akschecklist.io/v1alpha1",
        "kind": "AksChecklistPolicy",
        "metadata": {"name": "ci"},
        "spec": spec,
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return str(path)


# --- formats ---------------------------------------------------------------------------------


def test_table_is_the_default_and_groups_by_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, API)
    assert code == 1
    lines = out.splitlines()
    # The path goes beside the title, or under it when both do not fit in 80 columns (how long
    # it is depends on where the repository is checked out); either way with its line.
    [title] = [i for i, line in enumerate(lines) if line.startswith("Deployment shop/api")]
    assert f"{API}:2" in lines[title] or lines[title + 1] == f"  {API}:2"
    assert "FAIL" in out
    assert "APP-01/liveness-probe" in out
    assert out.splitlines()[-1].startswith("2 objects: ")
    assert "\033[" not in out  # captured output is not a terminal


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, SHOP)
    assert code == 1
    assert set(report) == {"summary", "results", "errors"}
    assert report["summary"]["objects"] == 12
    assert report["summary"]["errors"] == 0
    assert report["summary"]["failed"]["High"] >= 1
    assert {r["result"] for r in report["results"]} <= {"Fail", "Warn", "Waived", "Error"}
    api = results_for(report, "api")["APP-01/liveness-probe"]
    assert api["result"] == "Fail"
    assert api["file"] == API
    assert api["container"] == "api"
    assert api["object"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "namespace": "shop",
        "name": "api",
    }


def test_show_passed_lists_passing_results(capsys: pytest.CaptureFixture[str]) -> None:
    _, hidden = run_json(capsys, GOOD)
    _, shown = run_json(capsys, GOOD, "--show-passed")
    assert hidden["results"] == []
    assert {r["result"] for r in shown["results"]} >= {"Pass"}
    assert len(shown["results"]) == hidden["summary"]["results"]["Pass"] + sum(
        hidden["summary"]["results"][k]
        for k in ("NotApplicable", "Fail", "Warn", "Error", "Waived")
    )


def test_sarif_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "sarif", API)
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    [run_] = sarif["runs"]
    rules = {rule["id"]: rule for rule in run_["tool"]["driver"]["rules"]}
    liveness = next(r for r in run_["results"] if r["ruleId"] == "APP-01/liveness-probe")
    assert liveness["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == API
    # Titles come from the engine's rules, not the bare ID.
    assert rules["APP-01/liveness-probe"]["shortDescription"]["text"] != "APP-01/liveness-probe"


def test_policyreport_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "policyreport", API, GOOD)
    assert code == 1
    document = yaml.safe_load(out)
    assert document["kind"] == "List"
    kinds = [(i["kind"], i["metadata"].get("namespace")) for i in document["items"]]
    # Findings on the Namespace object itself belong to that namespace's report.
    assert kinds == [("PolicyReport", "checkout"), ("PolicyReport", "shop")]
    shop = document["items"][1]
    assert shop["summary"]["fail"] == sum(1 for r in shop["results"] if r["result"] == "fail")
    assert {r["source"] for r in shop["results"]} == {"aks-checklist"}


def test_color_only_for_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(False, Terminal())
    assert not use_color(True, Terminal())
    assert not use_color(False, io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(False, Terminal())


# --- exit codes ------------------------------------------------------------------------------


def test_exit_0_when_nothing_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, GOOD)
    assert code == 0
    assert "0 failed" in out.splitlines()[-1]


def test_fail_on_sets_the_threshold(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """With its High failures disabled, api.yaml fails only --fail-on Medium (or Low)."""
    _, report = run_json(capsys, API)
    failing = [r for r in report["results"] if r["result"] == "Fail"]
    high = sorted({r["rule"] for r in failing if r["severity"] == "High"})
    assert high, "api.yaml is expected to fail High rules"
    assert any(r["severity"] == "Medium" for r in failing), "and Medium ones"
    policy = write_policy(tmp_path, {"checks": {"disabled": high}})
    assert run(capsys, API)[0] == 1
    assert run(capsys, "--policy", policy, API)[0] == 0
    assert run(capsys, "--policy", policy, "--fail-on", "High", API)[0] == 0
    assert run(capsys, "--policy", policy, "--fail-on", "Medium", API)[0] == 1
    assert run(capsys, "--policy", policy, "--fail-on", "low", API)[0] == 1


def test_fail_on_rejects_unknown_severities(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["scan", "--fail-on", "Critical", GOOD])
    assert caught.value.code == 2
    assert "'Critical' is not High, Medium or Low" in capsys.readouterr().err


def test_directory_with_a_broken_file_still_reports_the_others(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "--format", "json", BROKEN)
    assert code == 2
    report = json.loads(out)
    errors = {(os.path.basename(e["file"]), e["document"]) for e in report["errors"]}
    assert errors == {("b-broken.yaml", 1), ("c-not-an-object.yaml", 0), ("d-invalid.json", 0)}
    assert report["summary"]["errors"] == 3
    judged = {(r["object"]["kind"], r["object"]["name"]) for r in report["results"]}
    assert ("Deployment", "orders") in judged  # document 2 of the broken file
    assert ("Service", "orders") in judged  # document 0 of the broken file
    assert f"{BROKEN}/b-broken.yaml (document 1): invalid YAML" in err


def test_table_reports_unreadable_documents_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, BROKEN)
    assert code == 2
    assert f"{BROKEN}/b-broken.yaml (document 1): invalid YAML" in err
    assert "invalid YAML" not in out
    assert out.splitlines()[-1].endswith("; 3 errors")
    assert "Deployment default/orders" in out


def test_missing_path_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, GOOD, "/nonexistent/dir")
    assert code == 2
    assert report["errors"] == [
        {"file": "/nonexistent/dir", "document": None, "message": "no such file or directory"}
    ]


# --- inputs ----------------------------------------------------------------------------------


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(Path(WEB).read_text()))
    _, report = run_json(capsys, "-")
    web = results_for(report, "web")
    assert web
    assert {r["file"] for r in web.values()} == {"<stdin>"}
    assert {r["object"]["namespace"] for r in web.values()} == {"default"}


def test_namespace_flag_places_objects_without_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(Path(WEB).read_text()))
    _, report = run_json(capsys, "--namespace", "storefront", "-")
    assert {r["object"]["namespace"] for r in report["results"] if r["object"]} == {"storefront"}


def test_helm_output_is_judged_as_one_release(capsys: pytest.CaptureFixture[str]) -> None:
    """The HPA and PDB of the chart count for its Deployment although in other documents."""
    _, report = run_json(capsys, "--show-passed", WEB)
    web = results_for(report, "web")
    assert web["APP-05/min-replicas"]["result"] == "Pass"
    assert web["RES-08/pdb-exists"]["result"] == "Pass"
    assert web["APP-01/liveness-probe"]["result"] == "Pass"


def test_list_kinds_are_expanded(capsys: pytest.CaptureFixture[str]) -> None:
    _, report = run_json(capsys, WORKER_LIST)
    worker = results_for(report, "worker")
    assert worker["APP-01/liveness-probe"]["result"] == "Fail"
    assert worker["APP-01/liveness-probe"]["file"] == WORKER_LIST


def test_legacy_api_versions_are_judged_by_kind(capsys: pytest.CaptureFixture[str]) -> None:
    """extensions/v1beta1, policy/v1beta1 and batch/v1beta1 objects are judged, not skipped."""
    code, report = run_json(capsys, "--show-passed", LEGACY)
    assert code in (0, 1)
    assert report["errors"] == []
    legacy = results_for(report, "legacy")
    assert legacy["APP-01/liveness-probe"]["object"]["apiVersion"] == "extensions/v1beta1"
    assert legacy["APP-01/liveness-probe"]["result"] == "Fail"
    # replicas absent: defaulted to 1, as the API server would.
    assert legacy["APP-05/min-replicas"]["result"] == "Fail"
    assert results_for(report, "cleanup")["APP-01/liveness-probe"]["object"]["apiVersion"] == (
        "batch/v1beta1"
    )


def test_module_entry_point_reads_stdin() -> None:
    """`python -m aks_checklist scan -` as CI would call it, in a real process."""
    done = subprocess.run(
        [sys.executable, "-m", "aks_checklist", "scan", "--format", "json", "-"],
        input=Path(API).read_text(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["summary"]["objects"] == 2


# --- policies --------------------------------------------------------------------------------


def test_policy_waivers_and_disabled_rules_apply(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, before = run_json(capsys, API)
    high = sorted(
        {r["rule"] for r in before["results"] if r["result"] == "Fail" and r["severity"] == "High"}
    )
    assert high, "api.yaml is expected to fail at least one High rule"
    policy = write_policy(
        tmp_path,
        {
            "checks": {"disabled": ["APP-01"]},
            "waivers": [
                {"rule": rule, "namespace": "shop", "name": "api", "reason": "migrating in Q3"}
                for rule in high
            ],
        },
    )
    code, after = run_json(capsys, "--policy", policy, API)
    assert code == 0
    assert not [r for r in after["results"] if r["item"] == "APP-01"]
    waived = {r["rule"] for r in after["results"] if r["result"] == "Waived"}
    assert set(high) <= waived
    assert all(
        "waived: migrating in Q3" in r["message"] for r in after["results"] if r["rule"] in high
    )
    assert after["summary"]["results"]["Waived"] >= len(high)


def test_policy_with_expired_waiver_still_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = write_policy(
        tmp_path,
        {"waivers": [{"rule": "APP-11", "name": "api", "reason": "r", "expires": "2020-01-01"}]},
    )
    code, report = run_json(capsys, "--policy", policy, API)
    assert code == 1
    memory = results_for(report, "api")["APP-11/memory-limit"]
    assert memory["result"] == "Fail"
    assert memory["message"].endswith("waiver expired on 2020-01-01")


def attestation(item: str, expires: str) -> dict[str, str]:
    return {
        "item": item,
        "by": "Dana (platform team)",
        "evidence": "https://wiki.example.com/aks/" + item.lower(),
        "expires": expires,
    }


def test_policy_attestations_make_advisory_and_attestation_items_attested(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An attested advisory Warn reads Attested; an attestation-only item gets its own row."""
    _, before = run_json(capsys, API)
    assert results_for(before, "api")["OPS-16/recommended-labels"]["result"] == "Warn"
    assert not [r for r in before["results"] if r["item"] == "BCDR-01"]
    policy = write_policy(
        tmp_path,
        {
            "attestations": [
                attestation("OPS-16", "2099-12-31"),
                attestation("BCDR-01", "2099-12-31"),
            ]
        },
    )
    code, after = run_json(capsys, "--policy", policy, API)
    assert code == 1  # attestations never hide a Fail
    labels = results_for(after, "api")["OPS-16/recommended-labels"]
    assert labels["result"] == "Attested"
    assert labels["message"].endswith(
        "; attested by Dana (platform team) (evidence: https://wiki.example.com/aks/ops-16) "
        "until 2099-12-31"
    )
    (backup,) = [r for r in after["results"] if r["item"] == "BCDR-01"]
    assert (backup["result"], backup["object"], backup["file"]) == ("Attested", None, None)
    # What is not attested is untouched: another advisory still warns.
    assert results_for(after, "api")["CSEC-14/private-registry"]["result"] == "Warn"
    assert after["summary"]["results"]["Attested"] == 2
    assert after["summary"]["results"]["Warn"] == before["summary"]["results"]["Warn"] - 1
    assert after["summary"]["results"]["Fail"] == before["summary"]["results"]["Fail"]


def test_policy_expired_attestations_lapse(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Past its expiry an attestation no longer counts, and the Warn says when it lapsed."""
    policy = write_policy(
        tmp_path,
        {
            "attestations": [
                attestation("OPS-16", "2020-01-01"),
                attestation("BCDR-01", "2020-01-01"),
            ]
        },
    )
    _, report = run_json(capsys, "--policy", policy, API)
    labels = results_for(report, "api")["OPS-16/recommended-labels"]
    assert labels["result"] == "Warn"
    assert labels["message"].endswith("; attestation expired on 2020-01-01")
    (backup,) = [r for r in report["results"] if r["item"] == "BCDR-01"]
    assert backup["result"] == "Warn"
    assert backup["message"].startswith(
        "attestation by Dana (platform team) expired on 2020-01-01: renew it once"
    )
    assert report["summary"]["results"]["Attested"] == 0


def test_policy_attestations_leave_waivers_fails_and_disabled_items_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A waived Warn stays Waived, a required advisory's Fail stays Fail, a disabled item silent."""
    policy = write_policy(
        tmp_path,
        {
            "checks": {"disabled": ["BCDR-01"], "require": ["CSEC-14"]},
            "waivers": [{"rule": "OPS-16", "name": "api", "reason": "labels come with v2"}],
            "attestations": [
                attestation("OPS-16", "2099-12-31"),
                attestation("CSEC-14", "2099-12-31"),
                attestation("BCDR-01", "2099-12-31"),
            ],
        },
    )
    _, report = run_json(capsys, "--policy", policy, API)
    found = results_for(report, "api")
    assert found["OPS-16/recommended-labels"]["result"] == "Waived"
    assert found["CSEC-14/private-registry"]["result"] == "Fail"
    assert not [r for r in report["results"] if r["item"] == "BCDR-01"]
    assert report["summary"]["results"]["Attested"] == 0


def test_table_counts_attested_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = write_policy(tmp_path, {"attestations": [attestation("BCDR-01", "2099-12-31")]})
    _, out, _ = run(capsys, "--policy", policy, GOOD)
    assert "ATTESTED" in out
    assert ", 1 attested, " in out.splitlines()[-1]


def test_policy_allowed_registries_apply(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, before = run_json(capsys, API)
    assert results_for(before, "api")["CTR-02/allowed-registries"]["result"] == "Fail"
    policy = write_policy(tmp_path, {"checks": {"allowedRegistries": ["docker.io"]}})
    _, after = run_json(capsys, "--show-passed", "--policy", policy, API)
    assert results_for(after, "api")["CTR-02/allowed-registries"]["result"] == "Pass"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            {"spec": {"baseline": {"resourceQuota": {"hard": {"requests.cpu": "eight"}}}}},
            'spec.baseline.resourceQuota.hard["requests.cpu"]: '
            '"eight" is not a Kubernetes quantity',
            id="invalid-field",
        ),
        pytest.param({"kind": "ConfigMap"}, "no AksChecklistPolicy in the file", id="no-policy"),
        pytest.param(
            {"spec": {"attestations": [attestation("APP-01", "2099-12-31")]}},
            "spec.attestations[0].item: APP-01 is strict: its rules judge it, only advisory, "
            "conflicting or attestation items can be attested",
            id="attested-strict-item",
        ),
        pytest.param(
            {"spec": {"attestations": [{**attestation("BCDR-01", "2099-12-31"), "expires": None}]}},
            'spec.attestations[0].expires: is required: the last day it holds, like "2027-06-01"',
            id="attestation-without-expiry",
        ),
    ],
)
def test_invalid_policy_exits_2_naming_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: dict[str, Any], expected: str
) -> None:
    document: dict[str, Any] = {
        "apiVersion": "akschecklist.io/v1alpha1",
        "kind": "AksChecklistPolicy",
        "metadata": {"name": "ci"},
        **content,
    }
    path = tmp_path / "bad-policy.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    code, out, err = run(capsys, "--policy", str(path), GOOD)
    assert code == 2
    assert out == ""
    assert err.strip() == f"aks-checklist scan: policy {path}: {expected}"


def test_missing_policy_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--policy", str(tmp_path / "nope.yaml"), GOOD)
    assert code == 2
    assert "No such file or directory" in err


# --- diagnostics, width, start-up ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "policyreport"])
def test_errors_go_to_stderr_and_never_into_the_report(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code, out, err = run(capsys, "--format", fmt, BROKEN)
    assert code == 2
    assert f"aks-checklist scan: error: {BROKEN}/b-broken.yaml (document 1): invalid YAML" in err
    assert "aks-checklist scan: error:" not in out


@pytest.mark.parametrize("width", [80, 100, 132])
def test_table_lines_fit_the_width(capsys: pytest.CaptureFixture[str], width: int) -> None:
    from aks_checklist.render import render
    from aks_checklist.scan import scan

    result = scan([SHOP])
    text = render(result.findings, fmt="table", show_passed=True, objects=1, width=width)
    lines = text.splitlines()[:-1]  # the summary line is one sentence, never cut
    assert max(len(line) for line in lines) <= width
    assert max(len(line) for line in lines) > width - 20  # and uses it


def test_table_is_80_columns_when_stdout_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a terminal's width, but this is not a terminal
    _, out, _ = run(capsys, "--show-passed", SHOP)
    assert max(len(line) for line in out.splitlines()[:-1]) <= 80


def test_table_takes_the_terminal_width_from_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    from aks_checklist.commands.scan import table_width

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "132")
    assert table_width(Terminal()) == 132
    assert table_width(io.StringIO()) == 80


def test_not_applicable_rows_show_with_their_reason_and_are_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, hidden = run_json(capsys, LEGACY)
    _, shown = run_json(capsys, "--show-passed", LEGACY)
    skipped = [r for r in shown["results"] if r["result"] == "NotApplicable"]
    assert any(
        r["rule"] == "BCDR-08/pod-spread"
        and r["message"].startswith("Deployment/legacy sets no spec.replicas, which defaults to 1")
        for r in skipped
    )
    assert not [r for r in hidden["results"] if r["result"] == "NotApplicable"]
    assert hidden["summary"]["results"]["NotApplicable"] == len(skipped)


def test_scan_imports_only_what_it_needs() -> None:
    """The operator, the AKS checks, the demo and the other formats stay unimported.

    So do the catalog loader (a scan reads the generated verdict kinds) and the cluster
    checks with their version table: start-up is most of a small file's scan. Plain block
    YAML and a plain command line need neither PyYAML nor argparse, and the checks' value
    classes are records, not dataclasses (which import inspect).
    """
    probe = (
        "import contextlib, io, sys\n"
        "from aks_checklist.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['scan', {API!r}])\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "aks_checklist.scan" in loaded
    unwanted = {
        "aks_checklist.commands.run",
        "aks_checklist.commands.aks",
        "aks_checklist.commands.demo",
        "aks_checklist.commands.checks",
        "aks_checklist.checks.aks",
        "aks_checklist.checks.dockerfile",
        "aks_checklist.policy",
        "aks_checklist.render.sarif",
        "aks_checklist.render.policyreport",
        "aks_checklist.sources.render",
        "aks_checklist.catalog.loader",
        "aks_checklist.checks.cluster",
        "aks_checklist.checks.versions",
        "importlib.resources",
        "kopf",
        "kubernetes",
        "asyncio",
        "subprocess",
        "hashlib",
        "yaml",
        "argparse",
        "dataclasses",
        "inspect",
    }
    assert loaded & unwanted == set()


def test_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "scan", "checks", "aks", "demo"):
        assert f"    {command} " in out


def test_each_command_module_has_the_help_text_the_cli_lists() -> None:
    import argparse
    import importlib

    from aks_checklist.cli import COMMANDS

    for name, summary in COMMANDS.items():
        parser = argparse.ArgumentParser()
        importlib.import_module(f"aks_checklist.commands.{name}").register(parser.add_subparsers())
        [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        assert action._choices_actions[0].help == summary, name


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({}, id="empty"),
        pytest.param({"main.jsonnet": "{}", "README.md": "# deploy"}, id="no-manifest-suffix"),
        pytest.param({".github/ci.yaml": "on: push\n"}, id="only-hidden"),
    ],
)
def test_a_directory_with_nothing_to_judge_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, str]
) -> None:
    """Exit 0 would tell CI the directory is compliant, when nothing in it was read."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2
    assert f"{tmp_path}: holds no manifest (.yaml, .yml, .json), kustomization" in err
    assert "Nothing to report" not in out


@pytest.mark.parametrize("text", ["", "# Source: nothing rendered\n---\n"])
def test_empty_stdin_is_an_input_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """`helm template broken | aks-checklist scan -`: helm printed nothing, CI must not pass."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code, _, err = run(capsys, "-")
    assert code == 2
    assert "<stdin>: held no Kubernetes object, so nothing was judged" in err


class _Recording(io.StringIO):
    """A text stream that keeps each write and flush it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return super().write(text)

    def flush(self) -> None:
        self.calls.append("<flush>")
        super().flush()


@pytest.mark.parametrize(
    ("text", "writes"),
    [
        pytest.param("1 object: 0 failed\n", 1, id="short"),
        pytest.param("x" * 100_000 + "\n", 2, id="long-ascii-in-pieces"),
        pytest.param("\u00e9" * 100_000 + "\n", 1, id="long-non-ascii-whole"),
    ],
)
def test_the_report_is_written_exactly_and_flushed(text: str, writes: int) -> None:
    stream = _Recording()
    write_report(stream, text)
    assert stream.getvalue() == text
    assert len(stream.calls) == writes + 1
    assert stream.calls[-1] == "<flush>"
