"""Fixtures of the e2e suite: one real control plane per session, CRDs installed once.

With ``AKS_CHECKLIST_E2E_KUBECONFIG`` set, the suite runs against that
cluster (kind, AKS) instead of starting its own.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aks_checklist.testing import ControlPlane
from tests.e2e.cluster import Cluster
from tests.e2e.fake_arm import FakeArm
from tests.e2e.operator_process import OPERATOR_NAMESPACE, OperatorProcess

CRD_NAMES = ("akschecklistpolicies.akschecklist.io", "akscompliances.akschecklist.io")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    external = os.environ.get("AKS_CHECKLIST_E2E_KUBECONFIG")
    if external:
        kubectl = shutil.which("kubectl")
        assert kubectl, "kubectl must be on PATH to test an existing cluster"
        yield Cluster(kubeconfig=Path(external), kubectl_path=Path(kubectl), plane=None)
        return
    with ControlPlane() as plane:
        yield Cluster(kubeconfig=plane.kubeconfig, kubectl_path=plane.binaries.kubectl, plane=plane)


@pytest.fixture(scope="session")
def crds(cluster: Cluster) -> Cluster:
    cluster.install_crds()
    return cluster


@pytest.fixture
def namespace(cluster: Cluster) -> Iterator[str]:
    """A fresh namespace for one test, deleted afterwards (without waiting)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture(scope="session")
def fake_arm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeArm]:
    """A local HTTPS stand-in for Azure Resource Manager serving the ARM-shaped AKS fixtures."""
    with FakeArm(tmp_path_factory.mktemp("fake-arm")) as arm:
        yield arm


@pytest.fixture(scope="session")
def operator(
    crds: Cluster, fake_arm: FakeArm, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OperatorProcess]:
    """The operator, running cluster-wide in its own process for the whole session.

    Its Azure client points at ``fake_arm``, never at Azure.
    """
    crds.kubectl("create", "namespace", OPERATOR_NAMESPACE, check=False)
    process = OperatorProcess(
        crds.kubeconfig,
        tmp_path_factory.mktemp("operator") / "operator.log",
        # A whole Azure read may take 10 s here, so a stalled ARM is given up on quickly.
        env={**fake_arm.env(), "AKS_CHECKLIST_AZURE_TIMEOUT": "10"},
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def selector_label() -> str:
    """A label value unique to one test, so its policy selects only its own namespaces."""
    return uuid.uuid4().hex[:10]
