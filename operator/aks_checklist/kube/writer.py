"""Every write the operator makes, counted, and nothing else.

New baseline objects are created (POST), so an object someone else made in the
meantime is never taken over: the create fails with 409 instead. Updates are
server-side applies that carry the resourceVersion the plan judged, and deletes
carry its uid and resourceVersion: only the very object we saw, with our label,
can change. Each call increments ``aks_checklist_api_writes_total`` so an idle
cluster can be proven to cost zero writes.

Errors are classified for the retry logic: throttling (429, with its
Retry-After), server errors, timeouts and lost connections are transient, as
is a 409 (the object changed since it was judged: judge again); anything else
the API refused (400, 403, 422) is a rejection that retrying will not fix.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import structlog
import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from aks_checklist.baseline.marks import FIELD_MANAGER
from aks_checklist.kube.throttle import Throttle
from aks_checklist.observability import API_THROTTLED, API_WRITE_SECONDS, API_WRITES

log = structlog.get_logger("aks_checklist.writer")

GROUP, VERSION = "akschecklist.io", "v1alpha1"
REPORTS_GROUP, REPORTS_VERSION = "wgpolicyk8s.io", "v1alpha2"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"


TRANSIENT_STATUSES = frozenset({0, 409, 429, 500, 502, 503, 504})


@dataclass
class WriteError(Exception):
    kind: str
    namespace: str | None
    name: str
    status: int  # 0 when no HTTP answer came back (timeout, connection lost)
    reason: str
    retry_after: float | None = None

    @property
    def transient(self) -> bool:
        return self.status in TRANSIENT_STATUSES

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        verb = "could not be written" if self.transient else "was rejected"
        return f"{self.kind} {where} {verb} ({self.status or 'no answer'}): {self.reason}"


def _retry_after(error: ApiException) -> float | None:
    headers = error.headers or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _reason(error: ApiException) -> str:
    try:
        return str(json.loads(error.body or "{}").get("message") or error.reason)
    except ValueError:
        return str(error.reason)


class Writer:
    def __init__(self, api: client.ApiClient, throttle: Throttle | None = None) -> None:
        self.throttle = throttle or Throttle()
        self.core = client.CoreV1Api(api)
        self.networking = client.NetworkingV1Api(api)
        self.policy = client.PolicyV1Api(api)
        self.apps = client.AppsV1Api(api)
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
        self.throttle.wait()
        API_WRITES.labels(kind=kind, verb=verb).inc()
        try:
            with API_WRITE_SECONDS.labels(verb=verb).time():
                result = call()
        except ApiException as error:
            # 404 on delete: already gone, nothing to do.
            if missing_ok and error.status == 404:
                return None
            if error.status == 429:
                held = self.throttle.rejected(_retry_after(error))
                API_THROTTLED.inc()
                log.warning(
                    "Held writes after the API server throttled a request",
                    kind=kind,
                    namespace=namespace,
                    name=name,
                    seconds=round(held, 2),
                )
            raise WriteError(
                kind, namespace, name, error.status, _reason(error), _retry_after(error)
            ) from error
        except (OSError, urllib3.exceptions.HTTPError) as error:
            raise WriteError(kind, namespace, name, 0, str(error)) from error
        self.throttle.accepted()
        return result

    # -- baseline objects -------------------------------------------------------------------

    def _baseline_call(self, kind: str, verb: str) -> Callable[..., Any]:
        api = {
            "NetworkPolicy": (self.networking, "network_policy"),
            "LimitRange": (self.core, "limit_range"),
            "ResourceQuota": (self.core, "resource_quota"),
            "PodDisruptionBudget": (self.policy, "pod_disruption_budget"),
        }
        target, suffix = api[kind]
        method: Callable[..., Any] = getattr(target, f"{verb}_namespaced_{suffix}")
        return method

    def create(self, body: dict[str, Any]) -> str | None:
        """Creates ``body``; fails with a 409 WriteError when the name is taken. Returns the uid."""
        kind, namespace, name = _where(body)
        create = self._baseline_call(kind, "create")
        created = self._call(
            kind,
            "create",
            namespace,
            name,
            lambda: create(namespace, body, field_manager=FIELD_MANAGER, _preload_content=False),
        )
        return _uid(created)

    def update(self, body: dict[str, Any], resource_version: str | None) -> str | None:
        """Applies ``body`` over our own object, only if it is still at ``resource_version``."""
        kind, namespace, name = _where(body)
        body = {**body, "metadata": {**body["metadata"], "resourceVersion": resource_version}}
        patch = self._baseline_call(kind, "patch")
        applied = self._call(
            kind,
            "apply",
            namespace,
            name,
            # force: the fields are ours (the label and the resourceVersion prove it), and
            # another manager's claim on them (a kubectl edit) is the drift being repaired.
            lambda: patch(
                name,
                namespace,
                body,
                field_manager=FIELD_MANAGER,
                force=True,
                _content_type=APPLY,
                _preload_content=False,
            ),
        )
        return _uid(applied)

    def delete(
        self, kind: str, namespace: str, name: str, uid: str | None, resource_version: str | None
    ) -> None:
        remove = self._baseline_call(kind, "delete")
        options = client.V1DeleteOptions(
            preconditions=client.V1Preconditions(uid=uid, resource_version=resource_version)
        )
        self._call(
            kind,
            "delete",
            namespace,
            name,
            lambda: remove(name, namespace, body=options, _preload_content=False),
            missing_ok=True,
        )

    def owner_uid(self, kind: str, namespace: str, name: str) -> str | None:
        """The live uid of a Deployment or StatefulSet (a read), or None when it is gone."""
        read = {
            "Deployment": self.apps.read_namespaced_deployment,
            "StatefulSet": self.apps.read_namespaced_stateful_set,
        }[kind]
        try:
            return _uid(read(name, namespace, _preload_content=False))
        except ApiException as error:
            if error.status == 404:
                return None
            raise WriteError(kind, namespace, name, error.status, _reason(error)) from error

    # -- reports and policy status ----------------------------------------------------------

    def create_report(
        self, namespace: str, name: str, owner: dict[str, Any], labels: dict[str, str]
    ) -> str | None:
        """Creates an empty report; returns its uid, or None when it already existed."""
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

        def create() -> str | None:
            try:
                created: Any = self.custom.create_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    namespace,
                    "akscompliances",
                    body,
                    field_manager=FIELD_MANAGER,
                )
            except ApiException as error:
                if error.status != 409:  # 409: an earlier pass made it, its event is on its way
                    raise
                return None
            return str(created["metadata"]["uid"])

        uid: str | None = self._call("AksCompliance", "create", namespace, name, create)
        return uid

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

    # -- wgpolicyk8s.io PolicyReports (opt-in) ----------------------------------------------

    def policy_reports_served(self) -> bool:
        """Whether the API server serves wgpolicyk8s.io/v1alpha2 (its CRDs are installed)."""
        try:
            resources = self.custom.api_client.call_api(
                *self.custom.api_client.param_serialize(
                    "GET", f"/apis/{REPORTS_GROUP}/{REPORTS_VERSION}", auth_settings=["BearerToken"]
                )
            )
        except (OSError, urllib3.exceptions.HTTPError):
            return False
        return bool(resources.status == 200)

    def read_policy_report(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The live report (a read), or None when there is none."""
        found: Any
        try:
            if namespace is None:
                found = self.custom.get_cluster_custom_object(
                    REPORTS_GROUP, REPORTS_VERSION, "clusterpolicyreports", name
                )
            else:
                found = self.custom.get_namespaced_custom_object(
                    REPORTS_GROUP, REPORTS_VERSION, namespace, "policyreports", name
                )
        except ApiException as error:
            if error.status == 404:
                return None
            raise WriteError(
                "PolicyReport", namespace, name, error.status, _reason(error)
            ) from error
        return cast("dict[str, Any]", found)

    def apply_policy_report(self, body: dict[str, Any]) -> None:
        """Server-side applies one of our PolicyReports or ClusterPolicyReports."""
        kind, name = body["kind"], body["metadata"]["name"]
        namespace = body["metadata"].get("namespace")

        def apply() -> Any:
            if namespace is None:
                return self.custom.patch_cluster_custom_object(
                    REPORTS_GROUP,
                    REPORTS_VERSION,
                    "clusterpolicyreports",
                    name,
                    body,
                    field_manager=FIELD_MANAGER,
                    force=True,
                    _content_type=APPLY,
                )
            return self.custom.patch_namespaced_custom_object(
                REPORTS_GROUP,
                REPORTS_VERSION,
                namespace,
                "policyreports",
                name,
                body,
                field_manager=FIELD_MANAGER,
                force=True,
                _content_type=APPLY,
            )

        self._call(kind, "apply", namespace, name, apply)

    def delete_policy_report(self, namespace: str, name: str) -> None:
        self._call(
            "PolicyReport",
            "delete",
            namespace,
            name,
            lambda: self.custom.delete_namespaced_custom_object(
                REPORTS_GROUP, REPORTS_VERSION, namespace, "policyreports", name
            ),
            missing_ok=True,
        )

    def server_version(self) -> str:
        info = client.VersionApi(self.core.api_client).get_code()
        return str(info.git_version)


def _where(body: dict[str, Any]) -> tuple[str, str, str]:
    return body["kind"], body["metadata"]["namespace"], body["metadata"]["name"]


def _uid(response: Any) -> str | None:
    """The uid in a raw response: turning it into the client's typed models would cost
    more CPU than the write itself, with the GIL held while the event loop waits."""
    body = json.loads(response.data or b"{}")
    uid = (body.get("metadata") or {}).get("uid") if isinstance(body, dict) else None
    return str(uid) if uid else None
