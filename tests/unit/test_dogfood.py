"""The operator's own install manifests pass its own checklist."""

from __future__ import annotations

from pathlib import Path

from aks_checklist.checks.model import Result
from aks_checklist.scan import scan

MANIFESTS = Path(__file__).resolve().parents[2] / "manifests"


def test_install_manifests_have_no_failing_rule() -> None:
    result = scan([str(MANIFESTS)])
    assert result.errors == []
    assert result.objects_count > 10
    failing = [
        f"{f.rule} {f.object}: {f.message}"
        for f in result.findings
        if f.result in (Result.FAIL, Result.ERROR)
    ]
    assert failing == []


def test_install_manifests_are_actually_judged() -> None:
    """Guards the test above against passing because nothing was evaluated."""
    result = scan([str(MANIFESTS)])
    passed = {f.rule for f in result.findings if f.result is Result.PASS}
    assert {
        "APP-12/run-as-non-root",
        "RES-08/pdb-exists",
        "NET-08/default-deny",
        "RES-05/resource-quota",
        "APP-01/liveness-probe",
    } <= passed
