"""A held-out corpus: manifests shaped like public samples, each with a golden JSON report.

tests/unit/fixtures/corpus holds what real repositories hold - a Helm-rendered
stream, an all-in-one sample, a ``kubectl get -o yaml`` List, CRDs mixed in
with their custom resources, Jobs, a JSON DaemonSet, a kustomize base with an
overlay and a Helm chart - written for this project. Each input's full report
(``--show-passed``) is kept next to it as ``<name>.golden.json`` and was read
through by hand when it was written; a change to any verdict, message, file or
line shows up here as a diff to review. After reviewing one, rewrite the
goldens with ``AKS_CHECKLIST_UPDATE_GOLDEN=1 pytest tests/unit/test_scan_corpus.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aks_checklist.cli import main
from tests.unit.renderers import renderer_dirs, renderers

__all__ = ["renderer_dirs", "renderers"]  # fixtures, used by name

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
INPUTS = sorted(path.name for path in CORPUS.iterdir() if not path.name.endswith(".golden.json"))


def test_the_corpus_has_every_shape_the_scanner_must_read() -> None:
    assert len(INPUTS) >= 8
    assert {"chart-webapp", "kustomize-overlay", "kubectl-get-list.yaml"} <= set(INPUTS)


@pytest.mark.usefixtures("renderers")
@pytest.mark.parametrize("name", INPUTS)
def test_report_matches_its_reviewed_golden(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)  # paths in the report are relative, as a user would type them
    code = main(["scan", "--format", "json", "--show-passed", name])
    out, err = capsys.readouterr()
    assert err == ""
    assert code == 1
    golden = CORPUS / f"{name}.golden.json"
    if os.environ.get("AKS_CHECKLIST_UPDATE_GOLDEN") == "1":
        golden.write_text(out, encoding="utf-8")
    assert golden.exists(), f"no golden for {name}: review the report, then write it"
    assert out == golden.read_text(encoding="utf-8")
