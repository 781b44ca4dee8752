"""Every write the operator makes, counted, and nothing else.

Baseline objects are server-side applied with our field manager; deletes
carry a uid precondition so that only the very object we saw (with our
label) can be deleted. Each call increments ``aks_checklist_api_writes_total``
so an idle cluster can be proven to cost zero writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from aks_checklist.baseline.marks import FIELD_MANAGER
from aks_checklist.observability import API_WRITES

GROUP, VERSION = "akschecklist.io", "v1alpha1"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"


@dataclass
class WriteError(Exception):
    kind: str
    namespace: str | None
    name: str
    status: int
    reason: str

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where} was rejected ({self.status}): {self.reason}"


def _reason(error: ApiException) -> str:
    try:
        return str(json.loads(error.body or "{}").get("message") or error.reason)
    except ValueError:
        return str(error.reason)


class Writer:
    def __init__(self, api: client.ApiClient) -> None:
        self.core = client.CoreV1Api(api)
        self.networking = client.NetworkingV1Api(api)
        self.policy = client.PolicyV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def _call(
        self,
        kind: str,
        verb: str,
        namespace: str | None,
        name: str,
        call: Callable[[], Any],
        *,
        missing_ok: bool = False,
    ) -> Any:
        API_WRITES.labels(kind=kind, verb=verb).inc()
        try:
            return call()
        except ApiException as error:
            # 404: already gone. 409 on delete: the uid precondition failed, so the
            # object is not the one we saw; either way there is nothing for us to do.
            if missing_ok and error.status in (404, 409):
                return None
            raise WriteError(kind, namespace, name, error.status, _reason(error)) from error

    # -- baseline objects -------------------------------------------------------------------

    def apply(self, body: dict[str, Any]) -> str | None:
        """Server-side applies ``body``; returns the uid of the object."""
        kind = body["kind"]
        namespace, name = body["metadata"]["namespace"], body["metadata"]["name"]
        patch = {
            "NetworkPolicy": self.networking.patch_namespaced_network_policy,
            "LimitRange": self.core.patch_namespaced_limit_range,
            "ResourceQuota": self.core.patch_namespaced_resource_quota,
            "PodDisruptionBudget": self.policy.patch_namespaced_pod_disruption_budget,
        }[kind]
        applied = self._call(
            kind,
            "apply",
            namespace,
            name,
            lambda: patch(
                name,
                namespace,
                body,
                field_manager=FIELD_MANAGER,
                force=True,
                _content_type=APPLY,
            ),
        )
        metadata = getattr(applied, "metadata", None)
        return str(metadata.uid) if metadata is not None and metadata.uid else None

    def delete(self, kind: str, namespace: str, name: str, uid: str | None) -> None:
        remove = {
            "NetworkPolicy": self.networking.delete_namespaced_network_policy,
            "LimitRange": self.core.delete_namespaced_limit_range,
            "ResourceQuota": self.core.delete_namespaced_resource_quota,
            "PodDisruptionBudget": self.policy.delete_namespaced_pod_disruption_budget,
        }[kind]
        options = client.V1DeleteOptions(
            preconditions=client.V1Preconditions(uid=uid) if uid else None
        )
        self._call(
            kind,
            "delete",
            namespace,
            name,
            lambda: remove(name, namespace, body=options),
            missing_ok=True,
        )

    # -- reports and policy status ----------------------------------------------------------

    def create_report(
        self, namespace: str, name: str, owner: dict[str, Any], labels: dict[str, str]
    ) -> None:
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "AksCompliance",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": labels,
                "ownerReferences": [owner],
            },
        }

        def create() -> None:
            try:
                self.custom.create_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    namespace,
                    "akscompliances",
                    body,
                    field_manager=FIELD_MANAGER,
                )
            except ApiException as error:
                if (
                    error.status != 409
                ):  # created by an earlier pass whose event is still on its way
                    raise

        self._call("AksCompliance", "create", namespace, name, create)

    def patch_report_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        self._call(
            "AksCompliance",
            "patch",
            namespace,
            name,
            lambda: self.custom.patch_namespaced_custom_object_status(
                GROUP,
                VERSION,
                namespace,
                "akscompliances",
                name,
                {"status": status},
                field_manager=FIELD_MANAGER,
                _content_type=MERGE,
            ),
        )

    def delete_report(self, namespace: str, name: str, uid: str | None) -> None:
        options = client.V1DeleteOptions(
            preconditions=client.V1Preconditions(uid=uid) if uid else None
        )
        self._call(
            "AksCompliance",
            "delete",
            namespace,
            name,
            lambda: self.custom.delete_namespaced_custom_object(
                GROUP,
                VERSION,
                namespace,
                "akscompliances",
                name,
                body=options,
            ),
            missing_ok=True,
        )

    def patch_policy_status(self, name: str, status: dict[str, Any]) -> None:
        self._call(
            "AksChecklistPolicy",
            "patch",
            None,
            name,
            lambda: self.custom.patch_cluster_custom_object_status(
                GROUP,
                VERSION,
                "akschecklistpolicies",
                name,
                {"status": status},
                field_manager=FIELD_MANAGER,
                _content_type=MERGE,
            ),
            missing_ok=True,
        )

    def server_version(self) -> str:
        info = client.VersionApi(self.core.api_client).get_code()
        return str(info.git_version)
