"""OPS-15: apps do not live in the default namespace."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import operations
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result
from aks_checklist.checks.snapshot import split_by_namespace
from tests.unit.checks.builders import (
    cronjob,
    deployment,
    job,
    owner_reference,
    pod,
    replicaset,
    service,
)

Obj = dict[str, Any]
RULE = "OPS-15/not-default-namespace"


def ingress(name: str = "web", namespace: str = "default") -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"rules": [{"host": "shop.contoso.com"}]},
    }


def judge(*objs: Obj, default_namespace: str = "default") -> dict[str, Result]:
    """Splits objects by namespace like the scanner, then judges every namespace."""
    found: list[Finding] = []
    for snapshot in split_by_namespace(objs, default_namespace=default_namespace):
        found.extend(operations.check(snapshot, CheckSettings()))
    return {str(f.object): f.result for f in found if f.rule == RULE}


@pytest.mark.parametrize(
    ("obj", "result"),
    [
        pytest.param(deployment(namespace="default"), Result.FAIL, id="deployment-in-default"),
        pytest.param(deployment(namespace="shop"), Result.PASS, id="deployment-elsewhere"),
        pytest.param(deployment(namespace=None), Result.WARN, id="namespace-not-set"),
        pytest.param(service(namespace="default"), Result.FAIL, id="service-in-default"),
        pytest.param(service(namespace="shop"), Result.PASS, id="service-elsewhere"),
        pytest.param(ingress(), Result.FAIL, id="ingress-in-default"),
        pytest.param(ingress(namespace="shop"), Result.PASS, id="ingress-elsewhere"),
        pytest.param(cronjob(namespace="default"), Result.FAIL, id="cronjob-in-default"),
        pytest.param(pod(namespace="default"), Result.FAIL, id="bare-pod-in-default"),
    ],
)
def test_not_default_namespace(obj: Obj, result: Result) -> None:
    """Workloads, Services and Ingresses fail in ``default`` and pass anywhere else."""
    assert list(judge(obj).values()) == [result]


@pytest.mark.parametrize("default_namespace", ["default", "shop"])
def test_a_manifest_without_namespace_is_judged_as_namespace_not_set(
    default_namespace: str,
) -> None:
    """Where it lands is the applier's choice; the scanner's own default is no evidence."""
    found = [
        f
        for snapshot in split_by_namespace(
            [deployment(namespace=None)], default_namespace=default_namespace
        )
        for f in operations.check(snapshot, CheckSettings())
    ]
    [finding] = found
    assert finding.result is Result.WARN
    assert finding.message.startswith("Deployment/web does not set metadata.namespace")
    assert "--namespace" in finding.message


def test_api_server_service_is_skipped() -> None:
    kubernetes = service("kubernetes", namespace="default", selector={})
    assert judge(kubernetes) == {}


def test_a_service_named_kubernetes_elsewhere_is_judged() -> None:
    assert judge(service("kubernetes", namespace="shop")) == {"Service/kubernetes": Result.PASS}


def test_controlled_pods_and_replicasets_are_not_counted_twice() -> None:
    objs = [
        deployment(namespace="default"),
        replicaset(namespace="default", owner=owner_reference("Deployment", "web")),
        pod("web-1", namespace="default", owner=owner_reference("ReplicaSet", "web-5d9f")),
        job(namespace="default", owner=owner_reference("CronJob", "nightly")),
    ]
    assert judge(*objs) == {"Deployment/web": Result.FAIL}


def test_other_kinds_are_not_judged() -> None:
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt"}}
    assert judge(config) == {}


def test_failure_message_names_the_object() -> None:
    (snapshot,) = split_by_namespace([deployment(namespace="default")])
    (finding,) = operations.check(snapshot, CheckSettings())
    assert "Deployment/web" in finding.message
    assert "default namespace" in finding.message


def test_disabled_rule_yields_nothing() -> None:
    (snapshot,) = split_by_namespace([deployment(namespace="default")])
    assert list(operations.check(snapshot, CheckSettings(disabled=frozenset({"OPS-15"})))) == []


def test_objects_from_a_cluster_are_judged_in_their_namespace_even_when_slimmed() -> None:
    """The operator's snapshots are complete; a copy without metadata.namespace is still in it."""
    [snapshot] = split_by_namespace(
        [deployment(namespace=None)], default_namespace="default", complete=True
    )
    [finding] = operations.check(snapshot, CheckSettings())
    assert finding.result is Result.FAIL
