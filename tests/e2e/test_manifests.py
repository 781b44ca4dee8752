"""Everything under manifests/ is accepted by a real API server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cluster import REPO, Cluster

MANIFESTS = REPO / "manifests"
YAML_FILES = sorted(path for path in MANIFESTS.rglob("*.yaml") if path.name != "kustomization.yaml")


@pytest.fixture(scope="module")
def prepared(crds: Cluster) -> Cluster:
    """CRDs and namespaces the manifests refer to, created for real (dry runs create nothing)."""
    crds.kubectl("apply", "-f", str(REPO / "crds" / "clusterkopfpeerings.yaml"))
    for fixture in ("gitops-crds.yaml", "monitoring-crds.yaml"):
        crds.kubectl("apply", "-f", str(REPO / "tests" / "e2e" / "fixtures" / fixture))
    crds.kubectl(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/clusterkopfpeerings.kopf.dev",
        "crd/applications.argoproj.io",
        "crd/kustomizations.kustomize.toolkit.fluxcd.io",
        "crd/prometheusrules.monitoring.coreos.com",
        "crd/servicemonitors.monitoring.coreos.com",
    )
    for namespace in ("aks-checklist-system", "argocd", "flux-system"):
        crds.kubectl("create", "namespace", namespace, check=False)
    return crds


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(MANIFESTS)))
def test_manifest_file_passes_server_dry_run(prepared: Cluster, path: Path) -> None:
    prepared.kubectl("apply", "--dry-run=server", "-f", str(path))


@pytest.mark.parametrize("overlay", ["base", "samples", "monitoring"])
def test_kustomization_passes_server_dry_run(prepared: Cluster, overlay: str) -> None:
    prepared.kubectl("apply", "--dry-run=server", "-k", str(MANIFESTS / overlay))


def test_there_are_manifests_to_check() -> None:
    assert len(YAML_FILES) >= 12
