"""Creating and removing policies and namespaces in e2e tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.e2e.cluster import Cluster, eventually

LABEL = "e2e.akschecklist.io/test"
MANAGED = "app.kubernetes.io/managed-by=aks-checklist-operator"


def policy_body(name: str, selector_value: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "akschecklist.io/v1alpha1",
        "kind": "AksChecklistPolicy",
        "metadata": {"name": name},
        "spec": {
            "enforcement": "Enforce",
            "namespaceSelector": {"matchLabels": {LABEL: selector_value}},
            **spec,
        },
    }


@contextmanager
def policy(cluster: Cluster, name: str, selector_value: str, **spec: Any) -> Iterator[str]:
    """Applies a policy selecting namespaces labelled for this test; deletes it afterwards."""
    cluster.apply(policy_body(name, selector_value, **spec))
    try:
        yield name
    finally:
        cluster.kubectl("delete", "akspolicy", name, "--wait=true", "--timeout=60s", check=False)


def create_namespace(cluster: Cluster, name: str, selector_value: str, **annotations: str) -> str:
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": name,
                "labels": {LABEL: selector_value},
                "annotations": annotations,
            },
        }
    )
    return name


def names(cluster: Cluster, kind: str, namespace: str, *selector: str) -> set[str]:
    args = ["-n", namespace, *(["-l", selector[0]] if selector else [])]
    items = cluster.get_json(kind, *args)["items"]
    return {item["metadata"]["name"] for item in items}


def managed(cluster: Cluster, kind: str, namespace: str) -> set[str]:
    return names(cluster, kind, namespace, MANAGED)


def wait_baseline(cluster: Cluster, namespace: str, timeout: float = 30) -> None:
    eventually(
        lambda: (
            managed(cluster, "networkpolicy", namespace)
            and managed(cluster, "limitrange", namespace)
            and managed(cluster, "resourcequota", namespace)
        ),
        timeout=timeout,
        what=f"baseline objects in {namespace}",
    )


def deployment(name: str, namespace: str, replicas: int | None = 1) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {
                "containers": [
                    {"name": "app", "image": "mcr.microsoft.com/azurelinux/base/nginx:1.25"}
                ]
            },
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def condition(cluster: Cluster, policy_name: str, type_: str) -> dict[str, Any] | None:
    status = cluster.get_json("akspolicy", policy_name).get("status", {})
    return next((c for c in status.get("conditions", []) if c["type"] == type_), None)


def wait_condition(
    cluster: Cluster, policy_name: str, type_: str, timeout: float = 30, **expected: str
) -> dict[str, Any]:
    """Waits until the policy has condition ``type_`` with the ``expected`` fields; returns it."""

    def matching() -> dict[str, Any] | None:
        found = condition(cluster, policy_name, type_)
        if found and all(found.get(key) == value for key, value in expected.items()):
            return found
        return None

    shown = ", ".join(f"{key}={value}" for key, value in expected.items())
    return eventually(matching, timeout=timeout, what=f"{type_} ({shown}) on {policy_name}")


def patch(cluster: Cluster, kind: str, name: str, namespace: str, body: dict[str, Any]) -> None:
    cluster.kubectl("patch", kind, name, "-n", namespace, "--type=merge", "-p", json.dumps(body))
