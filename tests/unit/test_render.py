"""Report formats (table, json, sarif, policyreport) and the exit-code rule."""

from __future__ import annotations

import json
import random
import re
import textwrap
from typing import Any

import pytest
import yaml

from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.render import EXIT_ERRORS, EXIT_FINDINGS, EXIT_OK, FORMATS, exit_code, render
from aks_checklist.render.table import _greedy, wrap
from aks_checklist.scan import ScanError

API = ObjectRef("apps/v1", "Deployment", "shop", "api")
WEB = ObjectRef("apps/v1", "Deployment", "shop", "web")
JOB = ObjectRef("batch/v1", "CronJob", "batch", "nightly")
DISK = ObjectRef("storage.k8s.io/v1", "StorageClass", None, "fast")
ANSI = re.compile(r"\033\[[0-9;]*m")


def make(
    rule: str,
    result: Result,
    severity: Severity = Severity.HIGH,
    ref: ObjectRef | None = API,
    *,
    message: str = "something about it",
    container: str | None = None,
    file: str | None = "apps/api.yaml",
) -> Finding:
    return Finding(rule, result, severity, message, ref, container=container, file=file)


FINDINGS = [
    make(
        "APP-01/liveness-probe",
        Result.FAIL,
        container="api",
        message="container api has no livenessProbe",
    ),
    make(
        "APP-03/readiness-probe",
        Result.PASS,
        container="api",
        message="container api has a readinessProbe",
    ),
    make(
        "APP-22/image-tag-pinned", Result.WARN, Severity.MEDIUM, message="image uses a floating tag"
    ),
    make(
        "RES-08/pdb-exists",
        Result.WAIVED,
        Severity.MEDIUM,
        WEB,
        file="apps/web.yaml",
        message="no PodDisruptionBudget; waived: batch only (until 2027-01-01)",
    ),
    make(
        "APP-05/replicas",
        Result.NOT_APPLICABLE,
        Severity.MEDIUM,
        JOB,
        file="jobs/nightly.yaml",
        message="CronJob has no replicas",
    ),
    make(
        "APP-12/run-as-non-root",
        Result.FAIL,
        Severity.LOW,
        JOB,
        file="jobs/nightly.yaml",
        message="pod may run as root",
    ),
    make(
        "STO-01/reclaim-policy",
        Result.ERROR,
        Severity.LOW,
        DISK,
        file="cluster/sc.yaml",
        message="could not read parameters",
    ),
    make(
        "CSEC-12/system-pool-tainted",
        Result.FAIL,
        Severity.MEDIUM,
        None,
        file=None,
        message="system pool has no CriticalAddonsOnly taint",
    ),
]
ERRORS = [ScanError("apps/broken.yaml", 1, "invalid YAML: mapping values are not allowed here")]


# --- exit codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("findings", "errors", "fail_on", "expected"),
    [
        pytest.param([], [], Severity.HIGH, EXIT_OK, id="nothing"),
        pytest.param(
            [make("A-01/x", Result.FAIL)], [], Severity.HIGH, EXIT_FINDINGS, id="high-fail"
        ),
        pytest.param(
            [make("A-01/x", Result.FAIL, Severity.MEDIUM)],
            [],
            Severity.HIGH,
            EXIT_OK,
            id="medium-fail-below-high-threshold",
        ),
        pytest.param(
            [make("A-01/x", Result.FAIL, Severity.MEDIUM)],
            [],
            Severity.MEDIUM,
            EXIT_FINDINGS,
            id="medium-fail-at-threshold",
        ),
        pytest.param(
            [make("A-01/x", Result.FAIL, Severity.HIGH)],
            [],
            Severity.LOW,
            EXIT_FINDINGS,
            id="high-fail-above-low-threshold",
        ),
        pytest.param(
            [make("A-01/x", Result.FAIL, Severity.LOW)],
            [],
            Severity.MEDIUM,
            EXIT_OK,
            id="low-fail-below-medium-threshold",
        ),
        pytest.param(
            [make("A-01/x", Result.WARN)], [], Severity.LOW, EXIT_OK, id="warn-never-fails"
        ),
        pytest.param(
            [make("A-01/x", Result.WAIVED)], [], Severity.LOW, EXIT_OK, id="waived-never-fails"
        ),
        pytest.param(
            [make("A-01/x", Result.ERROR)],
            [],
            Severity.LOW,
            EXIT_OK,
            id="rule-error-is-not-input-error",
        ),
        pytest.param([], ERRORS, Severity.HIGH, EXIT_ERRORS, id="unreadable-input"),
        pytest.param(
            [make("A-01/x", Result.FAIL)],
            ERRORS,
            Severity.HIGH,
            EXIT_ERRORS,
            id="unreadable-input-wins-over-failures",
        ),
    ],
)
def test_exit_code(
    findings: list[Finding], errors: list[ScanError], fail_on: Severity, expected: int
) -> None:
    assert exit_code(findings, errors, fail_on) == expected


# --- json ------------------------------------------------------------------------------------


def as_json(show_passed: bool = False, **kwargs: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(
        render(FINDINGS, ERRORS, fmt="json", show_passed=show_passed, **kwargs)
    )
    return out


def test_json_has_the_documented_shape() -> None:
    report = as_json(objects=12)
    assert set(report) == {"summary", "results", "errors"}
    assert report["summary"] == {
        "objects": 12,
        "results": {
            "Pass": 1,
            "Fail": 3,
            "Warn": 1,
            "Waived": 1,
            "Attested": 0,
            "NotApplicable": 1,
            "Error": 1,
        },
        "failed": {"High": 1, "Medium": 1, "Low": 1},
        "errors": 1,
    }
    assert report["errors"] == [
        {"file": "apps/broken.yaml", "document": 1, "message": ERRORS[0].message}
    ]
    first = next(r for r in report["results"] if r["rule"] == "APP-01/liveness-probe")
    assert first == {
        "rule": "APP-01/liveness-probe",
        "item": "APP-01",
        "result": "Fail",
        "severity": "High",
        "object": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "namespace": "shop",
            "name": "api",
        },
        "container": "api",
        "file": "apps/api.yaml",
        "line": None,
        "document": None,
        "source": None,
        "copies": [],
        "message": "container api has no livenessProbe",
    }


def test_json_lists_pass_and_not_applicable_only_with_show_passed() -> None:
    hidden = {r["result"] for r in as_json()["results"]}
    assert hidden == {"Fail", "Warn", "Waived", "Error"}
    shown = {r["result"] for r in as_json(show_passed=True)["results"]}
    assert shown == {"Pass", "Fail", "Warn", "Waived", "NotApplicable", "Error"}


def test_json_cluster_findings_have_null_object_and_come_first() -> None:
    results = as_json()["results"]
    assert results[0]["object"] is None
    assert results[0]["rule"] == "CSEC-12/system-pool-tainted"
    cluster_scoped = next(
        r for r in results if r["object"] and r["object"]["kind"] == "StorageClass"
    )
    assert cluster_scoped["object"]["namespace"] is None


def test_json_order_does_not_depend_on_input_order() -> None:
    forward = render(FINDINGS, [], fmt="json", show_passed=True)
    backward = render(list(reversed(FINDINGS)), [], fmt="json", show_passed=True)
    assert forward == backward


def test_json_objects_default_to_distinct_objects_with_findings() -> None:
    assert as_json()["summary"]["objects"] == 4


# --- table -----------------------------------------------------------------------------------


def test_table_groups_findings_under_their_object_and_file() -> None:
    text = render(FINDINGS, ERRORS, fmt="table", show_passed=False, color=False, width=120)
    lines = text.splitlines()
    header = lines.index("Deployment shop/api  apps/api.yaml")
    block = lines[header + 1 : lines.index("", header)]
    assert len(block) == 2
    assert block[0].split()[:3] == ["FAIL", "High", "APP-01/liveness-probe"]
    assert block[0].endswith("container api has no livenessProbe")
    assert block[1].split()[:3] == ["WARN", "Medium", "APP-22/image-tag-pinned"]
    assert "StorageClass fast  cluster/sc.yaml" in lines
    assert lines[0] == "Cluster"


def test_table_hides_passes_unless_asked() -> None:
    assert "PASS" not in render(FINDINGS, [], fmt="table", show_passed=False, color=False)
    shown = render(FINDINGS, [], fmt="table", show_passed=True, color=False)
    assert "APP-03/readiness-probe" in shown
    assert "N/A" in shown


def test_table_reports_unreadable_inputs_with_document_index() -> None:
    text = render(FINDINGS, ERRORS, fmt="table", show_passed=False, color=False)
    assert "apps/broken.yaml (document 1): invalid YAML: mapping values" in text


def test_table_summary_counts_results_and_severities() -> None:
    text = render(FINDINGS, ERRORS, fmt="table", show_passed=False, color=False, objects=9)
    assert text.splitlines()[-1] == (
        "9 objects: 3 failed (High 1, Medium 1, Low 1), 1 warned, 1 waived, 0 attested, "
        "1 passed, 1 not applicable, 1 not evaluable; 1 error"
    )


def test_table_without_color_has_no_escape_codes() -> None:
    assert not ANSI.search(render(FINDINGS, ERRORS, fmt="table", show_passed=True, color=False))


def test_table_with_color_paints_results() -> None:
    text = render(FINDINGS, ERRORS, fmt="table", show_passed=True, color=True)
    assert "\033[31mFAIL" in text
    assert "\033[32mPASS" in text
    # Colour must not change the words: stripped, it is the plain report.
    assert ANSI.sub("", text) == render(
        FINDINGS, ERRORS, fmt="table", show_passed=True, color=False
    )


def test_table_says_so_when_there_is_nothing_to_report() -> None:
    passing = [make("APP-01/liveness-probe", Result.PASS)]
    text = render(passing, [], fmt="table", show_passed=False, color=False, objects=1)
    assert text.startswith("Nothing to report")
    assert text.splitlines()[-1].startswith("1 object: 0 failed")


# --- sarif -----------------------------------------------------------------------------------


def as_sarif(
    findings: list[Finding] = FINDINGS, errors: list[ScanError] = ERRORS, **kw: Any
) -> dict[str, Any]:
    kw.setdefault("show_passed", False)
    out: dict[str, Any] = json.loads(render(findings, errors, fmt="sarif", **kw))
    return out


def test_sarif_is_version_2_1_0_with_the_tool_and_rules() -> None:
    rules = [
        Rule("APP-01/liveness-probe", "Containers have a liveness probe", Severity.HIGH, "workload")
    ]
    sarif = as_sarif(rules=rules)
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "aks-checklist"
    assert driver["version"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))
    by_id = {rule["id"]: rule for rule in driver["rules"]}
    assert (
        by_id["APP-01/liveness-probe"]["shortDescription"]["text"]
        == "Containers have a liveness probe"
    )
    # Without a known Rule the descriptor still has a description: its ID.
    assert by_id["APP-22/image-tag-pinned"]["shortDescription"]["text"] == "APP-22/image-tag-pinned"
    assert by_id["APP-01/liveness-probe"]["properties"]["severity"] == "High"
    assert by_id["APP-01/liveness-probe"]["defaultConfiguration"]["level"] == "error"
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize(
    ("finding", "kind", "level"),
    [
        pytest.param(make("A-01/x", Result.FAIL, Severity.HIGH), "fail", "error", id="fail-high"),
        pytest.param(
            make("A-01/x", Result.FAIL, Severity.MEDIUM), "fail", "warning", id="fail-medium"
        ),
        pytest.param(make("A-01/x", Result.FAIL, Severity.LOW), "fail", "note", id="fail-low"),
        pytest.param(
            make("A-01/x", Result.WARN, Severity.HIGH), "fail", "warning", id="warn-high-capped"
        ),
        pytest.param(make("A-01/x", Result.WARN, Severity.LOW), "fail", "note", id="warn-low"),
        pytest.param(make("A-01/x", Result.WAIVED, Severity.HIGH), "fail", "error", id="waived"),
        pytest.param(make("A-01/x", Result.PASS), "pass", "none", id="pass"),
        pytest.param(make("A-01/x", Result.NOT_APPLICABLE), "notApplicable", "none", id="n-a"),
        pytest.param(make("A-01/x", Result.ERROR), "open", "none", id="could-not-evaluate"),
    ],
)
def test_sarif_result_kind_and_level(finding: Finding, kind: str, level: str) -> None:
    [result] = as_sarif([finding], [], show_passed=True)["runs"][0]["results"]
    assert (result["kind"], result["level"]) == (kind, level)


def test_sarif_waived_results_are_suppressed_with_the_reason() -> None:
    results = as_sarif()["runs"][0]["results"]
    waived = next(r for r in results if r["ruleId"] == "RES-08/pdb-exists")
    assert waived["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": FINDINGS[3].message}
    ]
    assert all("suppressions" not in r for r in results if r is not waived)


def test_sarif_locations_point_at_the_file_and_the_object() -> None:
    results = as_sarif()["runs"][0]["results"]
    api = next(r for r in results if r["ruleId"] == "APP-01/liveness-probe")
    [location] = api["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "apps/api.yaml"
    assert location["logicalLocations"] == [
        {"name": "api", "fullyQualifiedName": "shop/Deployment/api", "kind": "resource"}
    ]
    assert api["message"]["text"] == "Deployment shop/api: container api has no livenessProbe"
    cluster = next(r for r in results if r["ruleId"] == "CSEC-12/system-pool-tainted")
    assert "locations" not in cluster


def test_sarif_uri_is_escaped_and_stdin_has_no_file() -> None:
    findings = [
        make("A-01/x", Result.FAIL, file="my apps\\api.yaml"),
        make("A-02/x", Result.FAIL, file="<stdin>"),
    ]
    results = {r["ruleId"]: r for r in as_sarif(findings, [])["runs"][0]["results"]}
    location = results["A-01/x"]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "my%20apps/api.yaml"
    assert "physicalLocation" not in results["A-02/x"]["locations"][0]


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    first = as_sarif()["runs"][0]["results"]
    second = as_sarif(list(reversed(FINDINGS)))["runs"][0]["results"]
    prints = [r["partialFingerprints"]["aksChecklistFinding/v1"] for r in first]
    assert prints == [r["partialFingerprints"]["aksChecklistFinding/v1"] for r in second]
    assert len(set(prints)) == len(prints)


def test_sarif_unreadable_inputs_are_execution_notifications() -> None:
    [invocation] = as_sarif()["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == ERRORS[0].message
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "apps/broken.yaml"
    assert note["properties"] == {"document": 1}
    assert as_sarif(errors=[])["runs"][0]["invocations"][0]["executionSuccessful"] is True


# --- policyreport ----------------------------------------------------------------------------


def as_reports(show_passed: bool = False) -> list[dict[str, Any]]:
    text = render(FINDINGS, ERRORS, fmt="policyreport", show_passed=show_passed)
    document = yaml.safe_load(text)
    assert document["apiVersion"] == "v1"
    assert document["kind"] == "List"
    items: list[dict[str, Any]] = document["items"]
    return items


def test_policyreport_one_report_per_namespace_and_one_for_the_cluster() -> None:
    reports = as_reports()
    assert [(r["kind"], r["metadata"].get("namespace")) for r in reports] == [
        ("PolicyReport", "batch"),
        ("PolicyReport", "shop"),
        ("ClusterPolicyReport", None),
    ]
    assert {r["apiVersion"] for r in reports} == {"wgpolicyk8s.io/v1alpha2"}
    assert {r["metadata"]["name"] for r in reports} == {"aks-checklist"}


def test_policyreport_results_use_the_policy_report_vocabulary() -> None:
    shop = as_reports(show_passed=True)[1]
    by_rule = {r["rule"]: r for r in shop["results"]}
    assert by_rule["APP-01/liveness-probe"] == {
        "source": "aks-checklist",
        "policy": "APP-01",
        "rule": "APP-01/liveness-probe",
        "category": "Application",
        "result": "fail",
        "severity": "high",
        "scored": True,
        "message": "container api has no livenessProbe",
        "resources": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "namespace": "shop"}
        ],
        "properties": {"result": "Fail", "container": "api", "file": "apps/api.yaml"},
    }
    assert by_rule["RES-08/pdb-exists"]["result"] == "skip"
    assert by_rule["RES-08/pdb-exists"]["properties"]["result"] == "Waived"
    assert by_rule["APP-22/image-tag-pinned"]["result"] == "warn"
    assert by_rule["APP-03/readiness-probe"]["result"] == "pass"


def test_policyreport_summary_counts_every_result() -> None:
    batch, shop, cluster = as_reports()
    assert shop["summary"] == {"pass": 1, "fail": 1, "warn": 1, "error": 0, "skip": 1}
    assert batch["summary"] == {"pass": 0, "fail": 1, "warn": 0, "error": 0, "skip": 1}
    assert cluster["summary"] == {"pass": 0, "fail": 1, "warn": 0, "error": 1, "skip": 0}
    # Passing and not-applicable results are counted but only listed with --show-passed.
    assert [r["result"] for r in batch["results"]] == ["fail"]


def test_policyreport_cluster_findings_have_no_namespace() -> None:
    cluster = as_reports()[2]
    disk = next(r for r in cluster["results"] if r["rule"] == "STO-01/reclaim-policy")
    assert disk["resources"] == [
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "name": "fast"}
    ]
    no_object = next(r for r in cluster["results"] if r["rule"] == "CSEC-12/system-pool-tainted")
    assert "resources" not in no_object


def test_policyreport_lists_unreadable_inputs_as_comments() -> None:
    text = render(FINDINGS, ERRORS, fmt="policyreport", show_passed=False)
    assert text.startswith("# error: apps/broken.yaml (document 1): invalid YAML")


# --- dispatch --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_an_empty_scan(fmt: str) -> None:
    assert render([], [], fmt=fmt, show_passed=False, color=False).strip()


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(FINDINGS, [], fmt="xml")


def test_policyreport_puts_namespace_findings_in_that_namespace() -> None:
    """A missing default-deny is judged on the Namespace object, a cluster-scoped kind."""
    namespace = ObjectRef("v1", "Namespace", None, "shop")
    findings = [
        make("NET-08/default-deny", Result.FAIL, ref=namespace),
        make("A-01/x", Result.FAIL),
    ]
    [shop] = yaml.safe_load(render(findings, [], fmt="policyreport"))["items"]
    assert (shop["kind"], shop["metadata"]["namespace"]) == ("PolicyReport", "shop")
    assert shop["summary"]["fail"] == 2
    assert shop["results"][0]["resources"] == [
        {"apiVersion": "v1", "kind": "Namespace", "name": "shop"}
    ]


def test_table_lists_the_worst_results_first_within_an_object() -> None:
    findings = [
        make("A-01/a", Result.PASS, Severity.HIGH),
        make("A-02/b", Result.WARN, Severity.HIGH),
        make("A-03/c", Result.FAIL, Severity.LOW),
        make("A-04/d", Result.FAIL, Severity.HIGH),
        make("A-05/e", Result.WAIVED, Severity.HIGH),
    ]
    lines = render(findings, [], fmt="table", show_passed=True, color=False).splitlines()
    assert [line.split()[2] for line in lines[1:6]] == [
        "A-04/d",
        "A-03/c",
        "A-02/b",
        "A-05/e",
        "A-01/a",
    ]


# --- serialisation ---------------------------------------------------------------------------

AWKWARD_STRINGS = [
    "",
    " leading space",
    "trailing space ",
    "key: value",
    "- dash",
    "# hash",
    "yes",
    "No",
    "on",
    "null",
    "~",
    "123",
    "1.5",
    "0x1f",
    "2027-03-01",
    "1e3",
    "multi\nline",
    "tab\there",
    'quote " and \\ backslash',
    "unicode: caf\u00e9 \u6f22\u5b57 \U0001f600",
    "line separator \u2028 and next line \x85",
    "control \x01 \x7f",
    "{flow}",
    "[flow]",
    "*alias",
    "&anchor",
    "!tag",
    "%directive",
    "@at",
    "`backtick",
    "a|b>c",
    "APP-01/liveness-probe",
    "wgpolicyk8s.io/v1alpha2",
]


def test_yaml_text_round_trips_awkward_values() -> None:
    from aks_checklist.render.serialize import yaml_text

    document = {
        "strings": AWKWARD_STRINGS,
        "by_key": {value or "empty": value for value in AWKWARD_STRINGS},
        "numbers": [0, -1, 42],
        "flags": [True, False, None],
        "empty": {"map": {}, "list": []},
        "nested": [{"a": [{"b": {"c": ["d"]}}], "e": 1}, ["x", ["y"]], {}],
    }
    assert yaml.safe_load(yaml_text(document)) == document


def test_json_text_round_trips_and_inlines_where_asked() -> None:
    from aks_checklist.render.serialize import json_text

    document = {"a": {"b": [1, 2], "c": {}}, "rows": [{"x": s} for s in AWKWARD_STRINGS]}
    text = json_text(document, inline=lambda path: len(path) >= 2)
    assert json.loads(text) == document
    lines = text.split("\n")  # not splitlines(): U+2028 inside a string is not a line break
    assert lines[2] == '    "b": [1, 2],'
    # 6 lines of outer structure, one line per row, 2 closing lines and the final newline.
    assert len(lines) == 6 + len(AWKWARD_STRINGS) + 2 + 1


WRAP_CASES = [
    pytest.param("fits exactly in twenty", 22, "", id="fits-exactly"),
    pytest.param("one word too many for it", 22, "", id="one-over"),
    pytest.param("a fairly long message that wraps", 30, "      ", id="indent-counts"),
    pytest.param("  leading blanks", 40, "", id="leading-blanks"),
    pytest.param("trailing blanks  ", 40, "", id="trailing-blanks"),
    pytest.param("tab\tand\nnewline", 40, "", id="tab-and-newline"),
    pytest.param("non\xa0breaking\xa0", 40, "", id="nbsp"),
    pytest.param("", 40, "", id="empty"),
    pytest.param("   ", 40, "", id="blank"),
    pytest.param(
        "Deployment/app-00012 has well-known, co-located pods--twice", 24, "", id="hyphens"
    ),
    pytest.param("averyveryverylongwordthatcannotfitanywhere at all", 20, "  ", id="long-word"),
]


@pytest.mark.parametrize(("text", "width", "indent"), WRAP_CASES)
def test_table_wrap_is_textwrap(text: str, width: int, indent: str) -> None:
    """The table's one-line shortcut gives exactly what textwrap gives, at and past the edge."""
    assert wrap(text, width, indent) == textwrap.wrap(
        text, width, initial_indent=indent, subsequent_indent=indent
    )


def test_table_wrap_is_textwrap_on_random_messages() -> None:
    rng = random.Random(13)  # noqa: S311  # test data, not cryptography
    alphabet = ["a", "b", "-", " ", "  ", ".", "/", ":", "\t", "\xa0", "(", "Z", "0"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        indent = rng.choice(["", "  ", "      "])
        # Wider than the indent, as the table always is (textwrap loops forever otherwise).
        width = rng.randint(len(indent) + 4, 70)
        expected = textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)
        assert wrap(text, width, indent) == expected, (text, width, indent)


def test_table_wrap_is_textwrap_on_random_sentences() -> None:
    """Word by word, where the greedy shortcut runs: hyphens at line ends, over-long words."""
    rng = random.Random(13)  # noqa: S311  # test data, not cryptography
    words = ["a", "is", "not", "read-only", "non-root", "x--y", "--z", "-n", "e-", "-", "---"]
    words += ["app-01213", "NET-09", "Deployment/app-00001", "a-b-c-d", "w" * 30, "q" * 75]
    shortcut = 0
    for _ in range(5000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 25)))
        indent = rng.choice(["", "  ", "      "])
        width = rng.randint(len(indent) + 4, 100)
        expected = textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)
        assert wrap(text, width, indent) == expected, (text, width, indent)
        shortcut += len(expected) > 1 and _greedy(text, width - len(indent), indent) is not None
    assert shortcut > 500  # the shortcut is taken, not only textwrap


# --- the fast paths of large reports -----------------------------------------------------------


def random_findings(seed: int, count: int) -> list[Finding]:
    """Findings in no order, sharing objects, files and rules as a scan's do, with odd text."""
    rng = random.Random(seed)  # noqa: S311  # test data, not cryptography
    refs: list[ObjectRef | None] = [API, WEB, JOB, DISK, None]
    refs += [
        ObjectRef("v1", "Service", rng.choice([None, "", "a", "b"]), f"s{i}") for i in range(6)
    ]
    texts = [*AWKWARD_STRINGS, "ünïcode", "tab\there", 'say "hi"', "back\\slash", "\u2028"]
    found = []
    for _ in range(count):
        found.append(
            Finding(
                rng.choice(["APP-01/liveness-probe", "NET-07/egress", "A-1/x", "ünï/é"]),
                rng.choice(list(Result)),
                rng.choice(list(Severity)),
                rng.choice(texts),
                rng.choice(refs),
                rng.choice([None, "api", "", "ü"]),
                rng.choice([None, "apps/api.yaml", "b.yaml", 'q"uote.yaml']),
                line=rng.choice([None, 0, 1, 7, 1200]),
                document=rng.choice([None, 0, 3]),
                source=rng.choice([None, "kustomize build overlays/dev", "helm template x"]),
                copies=rng.choice([(), ("a.yaml:1",), ("a.yaml:1", 'b"\u00e9.yaml:2')]),
            )
        )
    return found


@pytest.mark.parametrize("seed", [pytest.param(seed, id=f"seed-{seed}") for seed in range(4)])
def test_shown_orders_as_sorting_by_the_sort_key(seed: int) -> None:
    from aks_checklist.render.summary import shown, sort_key, visible

    findings = random_findings(seed, 600)
    for show_passed in (False, True):
        expected = sorted((f for f in findings if visible(f, show_passed)), key=sort_key)
        listed = shown(findings, show_passed)
        # The same findings in the same order, equal keys included (a stable sort's order).
        assert [id(f) for f in listed] == [id(f) for f in expected]


@pytest.mark.parametrize("seed", [pytest.param(seed, id=f"seed-{seed}") for seed in range(4)])
def test_json_rows_are_the_compact_encoding_of_each_result(seed: int) -> None:
    from aks_checklist.render.json_format import finding_json, report
    from aks_checklist.render.serialize import compact, json_text

    findings = random_findings(seed, 400)
    for show_passed in (False, True):
        text = render(findings, ERRORS, fmt="json", show_passed=show_passed, objects=9)
        # What the report was written as before its rows were encoded by hand.
        document = report(findings, ERRORS, show_passed=show_passed, objects=9)
        assert text == json_text(document, inline=lambda path: len(path) >= 2)
    # Every result listed, each on its own line as the encoder writes it alone.
    rows = {line.strip().removesuffix(",") for line in text.split("\n")}  # U+2028 is no break
    assert all(compact(finding_json(finding)) in rows for finding in findings)


@pytest.mark.parametrize(
    "inline_from",
    [pytest.param(1, id="inline-list"), pytest.param(2, id="expanded-list")],
)
def test_json_text_writes_encoded_items_where_it_writes_their_values(inline_from: int) -> None:
    from aks_checklist.render.serialize import Encoded, compact, json_text

    rows = [{"x": s, "n": [1, None]} for s in AWKWARD_STRINGS]
    document = {"rows": rows, "none": [], "also": [{"k": "v"}]}
    encoded = {"rows": Encoded(map(compact, rows)), "none": Encoded(), "also": [{"k": "v"}]}

    def inline(path: tuple[str | int, ...]) -> bool:
        return len(path) >= inline_from

    assert json_text(encoded, inline=inline) == json_text(document, inline=inline)
