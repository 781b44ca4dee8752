"""Workload and namespace practices: passing and failing cases of every rule."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import practices
from aks_checklist.checks.model import Result
from tests.unit.checks.builders import (
    container,
    deployment,
    limitrange,
    namespace,
    networkpolicy,
    run,
    statefulset,
)

Obj = dict[str, Any]

RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
PROBE = {"httpGet": {"path": "/ready", "port": 8080}}
GOOD = container(resources=RESOURCES, readinessProbe=PROBE)
WINDOWS = {"nodeSelector": {"kubernetes.io/os": "windows"}}
HOST_PROCESS = {"windowsOptions": {"hostProcess": True}}


def results(rule: str, *objects: Obj) -> list[Result]:
    return [f.result for f in run(practices.check, *objects, rule=rule)]


@pytest.mark.parametrize(
    ("rule", "obj", "expected"),
    [
        pytest.param(
            "APP-10/not-in-default-namespace",
            deployment(namespace="default"),
            [Result.FAIL],
            id="app10-default",
        ),
        pytest.param(
            "APP-10/not-in-default-namespace", deployment(), [Result.PASS], id="app10-own-namespace"
        ),
        pytest.param(
            "APP-10/not-in-default-namespace", deployment(namespace=None), [], id="app10-unstated"
        ),
        pytest.param(
            "APP-13/core-practices", deployment(containers=[GOOD]), [Result.PASS], id="app13-good"
        ),
        pytest.param(
            "APP-13/core-practices",
            deployment(
                containers=[container(image="nginx", resources=RESOURCES, readinessProbe=PROBE)]
            ),
            [Result.WARN],
            id="app13-latest-image",
        ),
        pytest.param("CSEC-14/private-registry", deployment(), [Result.PASS], id="csec14-acr"),
        pytest.param(
            "CSEC-14/private-registry",
            deployment(containers=[container(image="docker.io/library/redis:7")]),
            [Result.WARN],
            id="csec14-docker-hub",
        ),
        pytest.param(
            "OPS-13/deployed-by-pipeline",
            {
                **deployment(),
                "metadata": {
                    "name": "web",
                    "namespace": "shop",
                    "managedFields": [{"manager": "helm"}],
                },
            },
            [Result.PASS],
            id="ops13-helm",
        ),
        pytest.param(
            "OPS-13/deployed-by-pipeline",
            {
                **deployment(),
                "metadata": {
                    "name": "web",
                    "namespace": "shop",
                    "managedFields": [{"manager": "helm"}, {"manager": "kubectl-edit"}],
                },
            },
            [Result.WARN],
            id="ops13-kubectl-edit",
        ),
        pytest.param("OPS-13/deployed-by-pipeline", deployment(), [], id="ops13-no-managed-fields"),
        pytest.param(
            "OPS-16/recommended-labels",
            deployment(
                labels={"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop"}
            ),
            [Result.PASS],
            id="ops16-labelled",
        ),
        pytest.param(
            "OPS-16/recommended-labels",
            deployment(labels={"app": "web"}),
            [Result.WARN],
            id="ops16-bare",
        ),
        pytest.param(
            "OPS-23/tool-generated-manifests",
            deployment(labels={"helm.sh/chart": "web-1.0.0"}),
            [Result.PASS],
            id="ops23-helm",
        ),
        pytest.param(
            "OPS-23/tool-generated-manifests", deployment(), [Result.WARN], id="ops23-hand"
        ),
        pytest.param(
            "RES-07/memory-requests-and-limits",
            deployment(containers=[GOOD]),
            [Result.PASS],
            id="res07-set",
        ),
        pytest.param(
            "RES-07/memory-requests-and-limits", deployment(), [Result.FAIL], id="res07-missing"
        ),
        pytest.param(
            "STO-08/state-outside-cluster",
            statefulset(spec_extra={"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}),
            [Result.WARN],
            id="sto08-stateful",
        ),
        pytest.param(
            "STO-08/state-outside-cluster", deployment(), [Result.PASS], id="sto08-stateless"
        ),
        pytest.param(
            "WIN-03/no-privileged-windows",
            deployment(
                containers=[container(securityContext={"privileged": True})], pod_spec_extra=WINDOWS
            ),
            [Result.FAIL],
            id="win03-privileged",
        ),
        pytest.param(
            "WIN-03/no-privileged-windows",
            deployment(pod_spec_extra=WINDOWS),
            [Result.PASS],
            id="win03-plain",
        ),
        pytest.param("WIN-03/no-privileged-windows", deployment(), [], id="win03-linux"),
        pytest.param(
            "WIN-04/windows-memory-limits",
            deployment(containers=[GOOD], pod_spec_extra=WINDOWS),
            [Result.PASS],
            id="win04-limited",
        ),
        pytest.param(
            "WIN-04/windows-memory-limits",
            deployment(pod_spec_extra=WINDOWS),
            [Result.FAIL],
            id="win04-unlimited",
        ),
        pytest.param(
            "WIN-09/host-process-restricted",
            deployment(pod_spec_extra={**WINDOWS, "securityContext": HOST_PROCESS}),
            [Result.FAIL],
            id="win09-host-process-in-app-namespace",
        ),
        pytest.param(
            "WIN-09/host-process-restricted",
            deployment(
                namespace="kube-system", pod_spec_extra={**WINDOWS, "securityContext": HOST_PROCESS}
            ),
            [Result.PASS],
            id="win09-kube-system",
        ),
        pytest.param(
            "WIN-09/host-process-restricted",
            deployment(pod_spec_extra=WINDOWS),
            [Result.PASS],
            id="win09-none",
        ),
    ],
)
def test_workload_practice(rule: str, obj: Obj, expected: list[Result]) -> None:
    assert results(rule, obj) == expected


def test_limit_range_defaults_count_as_memory_settings() -> None:
    defaults = limitrange(default={"memory": "512Mi"}, default_request={"memory": "256Mi"})
    assert results("RES-07/memory-requests-and-limits", deployment(), defaults) == [Result.PASS]


@pytest.mark.parametrize(
    ("storage_class", "expected"),
    [
        pytest.param("managed-csi", Result.PASS, id="dynamic"),
        pytest.param("", Result.WARN, id="static"),
    ],
)
def test_claims_are_provisioned_dynamically(storage_class: str, expected: Result) -> None:
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop"},
        "spec": {"storageClassName": storage_class},
    }
    assert results("STO-03/dynamic-provisioning", claim) == [expected]


ROLE_BINDING = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "RoleBinding",
    "metadata": {"name": "devs", "namespace": "shop"},
}
QUOTA = {
    "apiVersion": "v1",
    "kind": "ResourceQuota",
    "metadata": {"name": "q", "namespace": "shop"},
}
DENY = networkpolicy("deny", pod_selector={}, policy_types=["Ingress", "Egress"])


def test_isolated_namespace_passes() -> None:
    assert results(
        "MULTI-01/namespace-isolation", namespace("shop"), ROLE_BINDING, QUOTA, DENY
    ) == [Result.PASS]


def test_namespace_without_its_own_rbac_and_quota_warns() -> None:
    (finding,) = run(practices.check, namespace("shop"), DENY, rule="MULTI-01/namespace-isolation")
    assert finding.result is Result.WARN
    assert "RoleBinding" in finding.message
    assert "ResourceQuota" in finding.message


def test_undeclared_namespace_of_a_manifest_set_is_not_judged() -> None:
    assert results("MULTI-01/namespace-isolation", deployment()) == []
