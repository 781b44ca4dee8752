"""The operator works with exactly the permissions manifests/base grants it, and no more.

manifests/base is installed for real on a control plane of its own (so the
session's cluster-admin operator does not reconcile alongside), then the
operator runs authenticated as its ServiceAccount with a requested token.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aks_checklist.testing import ControlPlane
from tests.e2e.cluster import REPO, Cluster, eventually
from tests.e2e.operator_process import OPERATOR_NAMESPACE, OperatorProcess
from tests.e2e.policies import (
    create_namespace,
    deployment,
    managed,
    policy,
    wait_baseline,
    wait_condition,
)

SERVICE_ACCOUNT = "aks-checklist-operator"
IDENTITY = f"system:serviceaccount:{OPERATOR_NAMESPACE}:{SERVICE_ACCOUNT}"


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    # Always a local control plane, even when the suite targets an existing cluster:
    # installing manifests/base there would run a second operator next to the session's.
    with ControlPlane() as plane:
        cluster = Cluster(plane.kubeconfig, plane.binaries.kubectl, plane)
        # CRDs first: the peering object in the same kustomization needs its CRD established.
        cluster.kubectl("apply", "-k", str(REPO / "crds"))
        cluster.kubectl("apply", "-f", str(REPO / "crds" / "clusterkopfpeerings.yaml"))
        cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
        cluster.kubectl("apply", "-k", str(REPO / "manifests" / "base"))
        yield cluster


def service_account_kubeconfig(admin: Cluster, path: Path) -> Path:
    token = admin.kubectl(
        "create", "token", SERVICE_ACCOUNT, "-n", OPERATOR_NAMESPACE, "--duration=2h"
    ).stdout.strip()
    config = json.loads(admin.kubeconfig.read_text())
    config["users"] = [{"name": "operator", "user": {"token": token}}]
    config["contexts"][0]["context"]["user"] = "operator"
    path.write_text(json.dumps(config))
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def as_operator(admin: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    kubeconfig = service_account_kubeconfig(admin, tmp_path_factory.mktemp("sa") / "kubeconfig")
    return Cluster(kubeconfig, admin.kubectl_path, None)


@pytest.fixture(scope="module")
def operator_as_sa(
    as_operator: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OperatorProcess]:
    process = OperatorProcess(
        as_operator.kubeconfig,
        tmp_path_factory.mktemp("operator-sa") / "operator.log",
        peering=SERVICE_ACCOUNT,
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_baseline_scenarios_work_under_the_service_account(
    admin: Cluster, operator_as_sa: OperatorProcess, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    with policy(admin, name, selector_label):
        ns = create_namespace(admin, f"ns-{selector_label}", selector_label)
        admin.apply(deployment("web", ns, replicas=3))
        wait_baseline(admin, ns, timeout=60)
        eventually(lambda: managed(admin, "pdb", ns), what="PDB made under the operator's identity")
        eventually(
            lambda: admin.kubectl("get", "aksc", name, "-n", ns, check=False).returncode == 0,
            what="the report",
        )
        ready = wait_condition(admin, name, "Ready")
        assert ready["status"] == "True", ready
    log = operator_as_sa.log_tail(400)
    assert "Forbidden" not in log
    assert " 403" not in log


@pytest.mark.parametrize(
    ("verb", "resource"),
    [
        pytest.param("get", "secrets", id="read-secrets"),
        pytest.param("list", "secrets", id="list-secrets"),
        pytest.param("create", "pods", id="create-pods"),
        pytest.param("create", "pods/exec", id="exec-into-pods"),
        pytest.param("patch", "deployments.apps", id="modify-deployments"),
        pytest.param("patch", "namespaces", id="modify-namespaces"),
        pytest.param("delete", "configmaps", id="delete-configmaps"),
    ],
)
def test_service_account_is_denied(as_operator: Cluster, verb: str, resource: str) -> None:
    answer = as_operator.kubectl("auth", "can-i", verb, resource, "-A", check=False)
    assert answer.stdout.strip() == "no", (verb, resource, answer.stdout, answer.stderr)


def test_reading_secrets_is_refused_by_the_api(as_operator: Cluster) -> None:
    result = as_operator.kubectl("get", "secrets", "-A", check=False)
    assert result.returncode != 0
    assert "forbidden" in result.stderr.lower()
    assert IDENTITY in result.stderr


@pytest.mark.parametrize(
    ("verb", "resource"),
    [
        pytest.param("patch", "resourcequotas", id="apply-quota"),
        pytest.param("create", "networkpolicies.networking.k8s.io", id="create-netpol"),
        pytest.param("delete", "poddisruptionbudgets.policy", id="delete-pdb"),
        pytest.param("patch", "akschecklistpolicies.akschecklist.io/status", id="policy-status"),
    ],
)
def test_service_account_may_do_what_the_operator_needs(
    as_operator: Cluster, verb: str, resource: str
) -> None:
    answer = as_operator.kubectl("auth", "can-i", verb, resource, "-A", check=False)
    assert answer.stdout.strip() == "yes", (verb, resource, answer.stdout, answer.stderr)


def test_second_replica_stays_passive(
    admin: Cluster,
    as_operator: Cluster,
    operator_as_sa: OperatorProcess,
    tmp_path_factory: pytest.TempPathFactory,
    selector_label: str,
) -> None:
    """With peering, two replicas run and only one of them writes."""
    second = OperatorProcess(
        as_operator.kubeconfig,
        tmp_path_factory.mktemp("operator-sa-2") / "operator.log",
        peering=SERVICE_ACCOUNT,
    )
    second.start()
    try:
        time.sleep(5)  # peers see each other and the lower priority pauses
        before = (operator_as_sa.writes(), second.writes())
        with policy(admin, f"p-{selector_label}", selector_label):
            ns = create_namespace(admin, f"ns-{selector_label}", selector_label)
            wait_baseline(admin, ns, timeout=60)
            time.sleep(1)
            deltas = (operator_as_sa.writes() - before[0], second.writes() - before[1])
        assert sorted(delta > 0 for delta in deltas) == [False, True], deltas
    finally:
        second.stop()


def _refuse_writes_in_namespaces(name: str) -> list[dict[str, object]]:
    """API Priority and Fairness objects leaving the operator's namespaced writes one seat."""
    return [
        {
            "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
            "kind": "PriorityLevelConfiguration",
            "metadata": {"name": name},
            "spec": {
                "type": "Limited",
                "limited": {
                    "nominalConcurrencyShares": 0,
                    "lendablePercent": 0,
                    "borrowingLimitPercent": 0,
                    "limitResponse": {"type": "Reject"},
                },
            },
        },
        {
            "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
            "kind": "FlowSchema",
            "metadata": {"name": name},
            "spec": {
                "matchingPrecedence": 100,
                "priorityLevelConfiguration": {"name": name},
                "rules": [
                    {
                        "subjects": [
                            {
                                "kind": "ServiceAccount",
                                "serviceAccount": {
                                    "name": SERVICE_ACCOUNT,
                                    "namespace": OPERATOR_NAMESPACE,
                                },
                            }
                        ],
                        "resourceRules": [
                            {
                                "verbs": ["create", "update", "patch", "delete"],
                                "apiGroups": ["*"],
                                "resources": ["*"],
                                "namespaces": ["*"],
                            }
                        ],
                    }
                ],
            },
        },
    ]


def _throttled(operator: OperatorProcess) -> float:
    found = re.search(r"^aks_checklist_api_throttled_total (\S+)$", operator.metrics(), re.M)
    return float(found.group(1)) if found else 0.0


def test_writes_refused_by_priority_and_fairness_are_held_then_resumed(
    admin: Cluster, as_operator: Cluster, operator_as_sa: OperatorProcess, selector_label: str
) -> None:
    """429s from API Priority and Fairness hold every writer; once seats return, all converge."""
    gate = f"e2e-one-seat-{selector_label}"
    objects = _refuse_writes_in_namespaces(gate)
    for obj in objects:
        admin.apply(obj)
    try:
        # Priority and Fairness judges a request before authorisation: a write the
        # ServiceAccount may not make answers 429 instead of 403 once the schema is in force.
        eventually(
            lambda: (
                "429"
                in as_operator.kubectl(
                    "create", "configmap", "probe", "-n", "default", "-v=6", check=False
                ).stderr
            ),
            what="the FlowSchema in force",
            timeout=90,  # the API server's flow-control config controller picks it up on a resync
        )
        name = f"p-{selector_label}"
        with policy(admin, name, selector_label):
            namespaces = [
                create_namespace(admin, f"ns-{i}-{selector_label}", selector_label)
                for i in range(12)
            ]
            eventually(lambda: _throttled(operator_as_sa) > 0, what="a throttled write")
            attempts_before = operator_as_sa.writes()
            time.sleep(8)
            attempts = operator_as_sa.writes() - attempts_before
            # A level without seats of its own still admits one request at a time: writes
            # trickle through. 12 namespaces x 5 writes retried by 8 lanes without a shared
            # hold would be hundreds of requests in 8 s; held, the lanes try a few times.
            assert attempts < 60, attempts

            for obj in reversed(objects):
                admin.kubectl("delete", str(obj["kind"]).lower(), gate, check=False)
            for ns in namespaces:
                wait_baseline(admin, ns, timeout=90)
            wait_condition(admin, name, "Ready", status="True", timeout=60)
    finally:
        for obj in reversed(objects):
            admin.kubectl("delete", str(obj["kind"]).lower(), gate, check=False)


def kyverno_crd(plural: str, kind: str, scope: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.kyverno.io"},
        "spec": {
            "group": "kyverno.io",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "scope": scope,
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def test_kyverno_image_verification_is_read_under_the_service_account(
    admin: Cluster, operator_as_sa: OperatorProcess, selector_label: str
) -> None:
    """CSEC-06 finds a Kyverno verifyImages policy with only the list verb the RBAC grants."""
    for crd in (
        kyverno_crd("clusterpolicies", "ClusterPolicy", "Cluster"),
        kyverno_crd("policies", "Policy", "Namespaced"),
    ):
        admin.apply(crd)
    admin.kubectl(
        "wait", "--for=condition=Established", "--timeout=60s", "crd", "clusterpolicies.kyverno.io"
    )
    admin.apply(
        {
            "apiVersion": "kyverno.io/v1",
            "kind": "ClusterPolicy",
            "metadata": {"name": "verify-signatures"},
            "spec": {
                "rules": [
                    {"name": "audit-labels", "validate": {"message": "labels"}},
                    {
                        "name": "signed",
                        "verifyImages": [{"imageReferences": ["contoso.azurecr.io/*"]}],
                    },
                ]
            },
        }
    )
    name = f"p-{selector_label}"
    with policy(admin, name, selector_label):

        def gate() -> dict[str, Any] | None:
            rows = admin.get_json("akspolicy", name).get("status", {}).get("cluster", [])
            return next((r for r in rows if r["rule"] == "CSEC-06/image-admission-gate"), None)

        found = eventually(gate, timeout=60, what="the CSEC-06 row")
        assert found["result"] == "Pass", found
        assert "Kyverno ClusterPolicy verify-signatures (verifyImages)" in found["message"]
    log = operator_as_sa.log_tail(400)
    assert "Forbidden" not in log
    assert "Failed to list Kyverno policies" not in log
