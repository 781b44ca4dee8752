"""Kustomizations and Helm charts rendered by the real tools, and every verdict traced to its file.

The store app in tests/unit/fixtures/apps/store is written three ways, as
sample repositories ship it: one all-in-one file, a kustomize base with a
prod overlay, and a Helm chart. Installed in namespace ``store`` they create
the same objects, so the scanner must judge them the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from aks_checklist.checks.model import Finding, Result
from aks_checklist.cli import main
from aks_checklist.scan import scan
from tests.unit.renderers import no_renderers, renderer_dirs, renderers

__all__ = ["no_renderers", "renderer_dirs", "renderers"]  # fixtures, used by name

STORE = Path(__file__).parent / "fixtures" / "apps" / "store"
ALL_IN_ONE = str(STORE / "all-in-one.yaml")
OVERLAY = str(STORE / "kustomize" / "overlays" / "prod")
BASE = str(STORE / "kustomize" / "base")
CHART = str(STORE / "chart")

FORMS = [
    pytest.param(ALL_IN_ONE, id="all-in-one"),
    pytest.param(OVERLAY, id="kustomize-overlay"),
    pytest.param(CHART, id="helm-chart"),
]


def verdicts(findings: list[Finding]) -> set[tuple[str, str, str, str, str]]:
    return {(str(f.object), f.rule, str(f.result), f.container or "", f.message) for f in findings}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def document_at(path: str, line: int) -> str:
    """The text of the document starting at ``line`` of ``path`` (up to the next marker)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()[line - 1 :]
    document = [lines[0]]
    for text in lines[1:]:
        if text.startswith("---"):
            break
        document.append(text)
    return "\n".join(document)


# --- the same app three ways -----------------------------------------------------------------


@pytest.mark.usefixtures("renderers")
def test_overlay_chart_and_all_in_one_file_get_the_same_verdicts() -> None:
    results = {path: scan([path], namespace="store") for path in (ALL_IN_ONE, OVERLAY, CHART)}
    for result in results.values():
        assert result.errors == []
        assert result.objects_count == 6
    expected = verdicts(results[ALL_IN_ONE].findings)
    assert len(expected) > 50
    assert verdicts(results[OVERLAY].findings) == expected
    assert verdicts(results[CHART].findings) == expected


@pytest.mark.usefixtures("renderers")
@pytest.mark.parametrize("path", FORMS)
def test_every_verdict_points_at_the_line_that_writes_its_object(path: str) -> None:
    """file:line is where the object's document starts in the file a person edits."""
    result = scan([path], namespace="store")
    assert result.findings
    for finding in result.findings:
        assert finding.object is not None
        assert finding.file is not None, finding
        assert finding.line is not None, finding
        assert os.path.isfile(finding.file), finding.file
        document = document_at(finding.file, finding.line)
        assert document.startswith("apiVersion:"), (finding.file, finding.line)
        assert f"kind: {finding.object.kind}\n" in document
        if finding.object.kind != "Namespace":  # the chart templates the Namespace's name
            assert f"name: {finding.object.name}\n" in document


@pytest.mark.usefixtures("renderers")
def test_rendered_objects_are_traced_to_the_base_or_template_that_wrote_them() -> None:
    overlay = scan([OVERLAY], namespace="store").findings
    chart = scan([CHART], namespace="store").findings
    where = {(str(f.object), os.path.relpath(f.file or "", STORE), f.source) for f in overlay}
    assert ("Deployment/front", "kustomize/base/front.yaml", f"kustomize build {OVERLAY}") in where
    assert ("PodDisruptionBudget/front", "kustomize/overlays/prod/pdb.yaml", None) not in where
    assert (
        "PodDisruptionBudget/front",
        "kustomize/overlays/prod/pdb.yaml",
        f"kustomize build {OVERLAY}",
    ) in where
    templates = {(str(f.object), os.path.relpath(f.file or "", STORE), f.line) for f in chart}
    # front.yaml writes three documents; helm prints the PDB first, yet each keeps its own line.
    assert ("Deployment/front", "chart/templates/front.yaml", 2) in templates
    assert ("Service/front", "chart/templates/front.yaml", 26) in templates
    assert ("PodDisruptionBudget/front", "chart/templates/front.yaml", 37) in templates


@pytest.mark.usefixtures("renderers")
def test_the_origin_annotation_used_for_tracing_never_reaches_the_checks() -> None:
    result = scan([OVERLAY], namespace="store")
    assert not any("config.kubernetes.io/origin" in f.message for f in result.findings)


# --- a missing or failing renderer is never a clean pass ------------------------------------


@pytest.mark.usefixtures("no_renderers")
@pytest.mark.parametrize(
    ("path", "how"),
    [
        pytest.param(OVERLAY, f"kustomize build {OVERLAY} | aks-checklist scan -", id="overlay"),
        pytest.param(CHART, f"helm template {CHART} | aks-checklist scan -", id="chart"),
    ],
)
def test_a_directory_whose_renderer_is_missing_is_an_input_error(
    capsys: pytest.CaptureFixture[str], path: str, how: str
) -> None:
    code, out, err = run(capsys, path)
    assert code == 2
    assert how in err
    assert "was not judged" in err
    assert "Nothing to report" not in out
    assert out.splitlines()[-1].endswith("; 1 error")


@pytest.mark.usefixtures("renderers")
def test_a_chart_that_does_not_render_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chart = tmp_path / "broken"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text("kind: ConfigMap\nname: {{ .Values.x.y }}\n")
    code, _, err = run(capsys, str(chart))
    assert code == 2
    assert f"{chart}: helm template failed, so it was not judged: " in err
    assert "nil pointer" in err


@pytest.mark.usefixtures("renderers")
def test_a_kustomization_that_does_not_build_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert f"{tmp_path}: kustomize build failed, so it was not judged: " in err
    assert "missing.yaml" in err


@pytest.mark.usefixtures("no_renderers")
def test_kustomize_never_reads_the_files_as_written_and_warns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report_text, err = run(capsys, "--kustomize=never", "--format", "json", BASE)
    report: dict[str, Any] = json.loads(report_text)
    assert f"warning: {BASE}: read as plain manifests, not rendered" in err
    assert report["errors"] == []
    # front.yaml (2), worker.yaml, db.yaml; kustomization.yaml itself is not an object.
    assert report["summary"]["objects"] == 4
    assert code == 1


@pytest.mark.usefixtures("renderers")
def test_kustomize_always_refuses_a_directory_without_a_kustomization(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--kustomize=always", str(tmp_path))
    assert code == 2
    assert f"{tmp_path}: has no kustomization.yaml, and --kustomize=always" in err


def test_a_component_named_alone_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
    )
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert "is a kustomize Component, which only renders inside an overlay" in err


# --- helm values --------------------------------------------------------------------------------


@pytest.mark.usefixtures("renderers")
def test_helm_values_files_are_passed_to_helm_template(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    values = tmp_path / "single.yaml"
    values.write_text("front:\n  replicas: 1\n  serviceType: ClusterIP\n")
    code, out, _ = run(
        capsys,
        "-n",
        "store",
        "--helm-values",
        str(values),
        "--format",
        "json",
        "--show-passed",
        CHART,
    )
    report: dict[str, Any] = json.loads(out)
    kinds = {r["object"]["kind"] for r in report["results"]}
    assert "PodDisruptionBudget" not in kinds  # the template only writes it for 2+ replicas
    [pdb] = [
        r
        for r in report["results"]
        if r["rule"] == "RES-08/pdb-exists" and r["object"]["name"] == "front"
    ]
    assert pdb["result"] == "NotApplicable"
    assert pdb["message"].startswith("Deployment/front runs 1 replica: ")
    assert code == 1


# --- one verdict per object per source ------------------------------------------------------


@pytest.mark.usefixtures("renderers")
def test_a_repository_reports_each_copy_under_its_own_source() -> None:
    """all-in-one, the base, the overlay and the chart each get their own Deployment/front."""
    result = scan([str(STORE)])
    assert result.errors == []
    places = {
        (os.path.relpath(f.file or "", STORE), f.source is not None)
        for f in result.findings
        if f.rule == "APP-01/liveness-probe" and str(f.object) == "Deployment/front"
    }
    assert places == {
        ("all-in-one.yaml", False),
        ("kustomize/base/front.yaml", True),
        ("chart/templates/front.yaml", True),
    }
    sources = {
        f.source
        for f in result.findings
        if f.rule == "APP-01/liveness-probe" and str(f.object) == "Deployment/front"
    }
    assert sources == {
        None,
        f"kustomize build {BASE}",
        f"kustomize build {OVERLAY}",
        f"helm template {CHART}",
    }


@pytest.mark.usefixtures("renderers")
def test_dedupe_folds_identical_copies_and_lists_every_place() -> None:
    result = scan([ALL_IN_ONE, OVERLAY, CHART], namespace="store", dedupe=True)
    [liveness] = [
        f
        for f in result.findings
        if f.rule == "APP-01/liveness-probe" and str(f.object) == "Deployment/front"
    ]
    assert liveness.file == ALL_IN_ONE
    assert liveness.line == 8
    assert sorted(liveness.copies) == [
        f"{CHART}/templates/front.yaml:2 (helm template {CHART})",
        f"{BASE}/front.yaml:2 (kustomize build {OVERLAY})",
    ]
    assert verdicts(result.findings) == verdicts(scan([ALL_IN_ONE], namespace="store").findings)


def test_the_same_object_in_two_files_is_judged_under_each(tmp_path: Path) -> None:
    """Each copy is judged with the rest of the files as context (here: the PDB)."""
    deployment = (STORE / "all-in-one.yaml").read_text().split("\n---\n")[1]
    pdb = (STORE / "all-in-one.yaml").read_text().split("\n---\n")[3]
    (tmp_path / "a.yaml").write_text(deployment + "\n")
    (tmp_path / "b.yaml").write_text("# a copy\n" + deployment + "\n")
    (tmp_path / "pdb.yaml").write_text(pdb + "\n")
    result = scan([str(tmp_path)])
    covered = [f for f in result.findings if f.rule == "RES-08/pdb-exists"]
    assert sorted((os.path.basename(f.file or ""), f.line, f.result) for f in covered) == [
        ("a.yaml", 1, Result.PASS),
        ("b.yaml", 2, Result.PASS),
    ]
    folded = scan([str(tmp_path)], dedupe=True)
    [one] = [f for f in folded.findings if f.rule == "RES-08/pdb-exists"]
    assert one.copies == (f"{tmp_path / 'b.yaml'}:2",)


# --- SARIF against the file -------------------------------------------------------------------


@pytest.mark.usefixtures("renderers")
@pytest.mark.parametrize("path", FORMS)
def test_sarif_start_lines_land_on_the_object_in_the_file(
    capsys: pytest.CaptureFixture[str], path: str
) -> None:
    code, out, _ = run(capsys, "--format", "sarif", "--show-passed", "-n", "store", path)
    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    assert len(results) > 50
    for result in results:
        [location] = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        start = physical["region"]["startLine"]
        document = document_at(uri, start)
        [logical] = location["logicalLocations"]
        kind = logical["fullyQualifiedName"].split("/")[-2]
        assert document.startswith("apiVersion:"), (uri, start)
        assert f"kind: {kind}\n" in document, (uri, start, kind)
        assert isinstance(result["properties"]["document"], int)
