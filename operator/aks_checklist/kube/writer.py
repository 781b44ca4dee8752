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
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from aks_checklist.baseline.marks import FIELD_MANAGER
from aks_checklist.kube.rest import Rest, collection
from aks_checklist.kube.throttle import Throttle
from aks_checklist.observability import API_THROTTLED, API_WRITE_SECONDS, API_WRITES

log = structlog.get_logger("aks_checklist.writer")

GROUP, VERSION = "akschecklist.io", "v1alpha1"
REPORTS_GROUP, REPORTS_VERSION = "wgpolicyk8s.io", "v1alpha2"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"


TRANSIENT_STATUSES = frozenset({0, 409, 429, 500, 502, 503, 504})

# (group, version, plural) of the kinds the writer creates, applies or deletes by kind.
BASELINE_PATHS = {
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies"),
    "LimitRange": ("", "v1", "limitranges"),
    "ResourceQuota": ("", "v1", "resourcequotas"),
    "PodDisruptionBudget": ("policy", "v1", "poddisruptionbudgets"),
}
OWNER_PATHS = {
    "Deployment": ("apps", "v1", "deployments"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
}
MANAGED = (("fieldManager", FIELD_MANAGER),)
FORCED = (("fieldManager", FIELD_MANAGER), ("force", "true"))


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
    def __init__(self, api: ApiClient, throttle: Throttle | None = None) -> None:
        self.throttle = throttle or Throttle()
        self.rest = Rest(api)

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

    def create(self, body: dict[str, Any]) -> str | None:
        """Creates ``body``; fails with a 409 WriteError when the name is taken. Returns the uid."""
        kind, namespace, name = _where(body)
        path = collection(*BASELINE_PATHS[kind], namespace)
        created = self._call(
            kind,
            "create",
            namespace,
            name,
            lambda: self.rest.request("POST", path, query=MANAGED, body=body),
        )
        return _uid(created)

    def update(self, body: dict[str, Any], resource_version: str | None) -> str | None:
        """Applies ``body`` over our own object, only if it is still at ``resource_version``."""
        kind, namespace, name = _where(body)
        body = {**body, "metadata": {**body["metadata"], "resourceVersion": resource_version}}
        path = f"{collection(*BASELINE_PATHS[kind], namespace)}/{name}"
        applied = self._call(
            kind,
            "apply",
            namespace,
            name,
            # force: the fields are ours (the label and the resourceVersion prove it), and
            # another manager's claim on them (a kubectl edit) is the drift being repaired.
            lambda: self.rest.request("PATCH", path, query=FORCED, body=body, content_type=APPLY),
        )
        return _uid(applied)

    def delete(
        self, kind: str, namespace: str, name: str, uid: str | None, resource_version: str | None
    ) -> None:
        path = f"{collection(*BASELINE_PATHS[kind], namespace)}/{name}"
        options = _delete_options({"uid": uid, "resourceVersion": resource_version})
        self._call(
            kind,
            "delete",
            namespace,
            name,
            lambda: self.rest.request("DELETE", path, body=options),
            missing_ok=True,
        )

    def owner_uid(self, kind: str, namespace: str, name: str) -> str | None:
        """The live uid of a Deployment or StatefulSet (a read), or None when it is gone."""
        path = f"{collection(*OWNER_PATHS[kind], namespace)}/{name}"
        try:
            return _uid(self.rest.request("GET", path))
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
        path = collection(GROUP, VERSION, "akscompliances", namespace)

        def create() -> str | None:
            try:
                created = self.rest.request("POST", path, query=MANAGED, body=body)
            except ApiException as error:
                if error.status != 409:  # 409: an earlier pass made it, its event is on its way
                    raise
                return None
            return _uid(created)

        uid: str | None = self._call("AksCompliance", "create", namespace, name, create)
        return uid

    def patch_report_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        path = f"{collection(GROUP, VERSION, 'akscompliances', namespace)}/{name}/status"
        self._call(
            "AksCompliance",
            "patch",
            namespace,
            name,
            lambda: self.rest.request(
                "PATCH", path, query=MANAGED, body={"status": status}, content_type=MERGE
            ),
        )

    def delete_report(self, namespace: str, name: str, uid: str | None) -> None:
        path = f"{collection(GROUP, VERSION, 'akscompliances', namespace)}/{name}"
        options = _delete_options({"uid": uid} if uid else {})
        self._call(
            "AksCompliance",
            "delete",
            namespace,
            name,
            lambda: self.rest.request("DELETE", path, body=options),
            missing_ok=True,
        )

    def patch_policy_status(self, name: str, status: dict[str, Any]) -> None:
        path = f"{collection(GROUP, VERSION, 'akschecklistpolicies')}/{name}/status"
        self._call(
            "AksChecklistPolicy",
            "patch",
            None,
            name,
            lambda: self.rest.request(
                "PATCH", path, query=MANAGED, body={"status": status}, content_type=MERGE
            ),
            missing_ok=True,
        )

    # -- wgpolicyk8s.io PolicyReports (opt-in) ----------------------------------------------

    def policy_reports_served(self) -> bool:
        """Whether the API server serves wgpolicyk8s.io/v1alpha2 (its CRDs are installed)."""
        try:
            self.rest.request("GET", f"/apis/{REPORTS_GROUP}/{REPORTS_VERSION}")
        except (ApiException, OSError, urllib3.exceptions.HTTPError):
            return False
        return True

    def read_policy_report(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The live report (a read), or None when there is none."""
        try:
            found = self.rest.get(_policy_report_path(namespace, name))
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
        path = _policy_report_path(namespace, name)
        self._call(
            kind,
            "apply",
            namespace,
            name,
            lambda: self.rest.request("PATCH", path, query=FORCED, body=body, content_type=APPLY),
        )

    def delete_policy_report(self, namespace: str, name: str) -> None:
        path = _policy_report_path(namespace, name)
        self._call(
            "PolicyReport",
            "delete",
            namespace,
            name,
            lambda: self.rest.request("DELETE", path),
            missing_ok=True,
        )

    def server_version(self) -> str:
        return str(self.rest.get("/version")["gitVersion"])


def _where(body: dict[str, Any]) -> tuple[str, str, str]:
    return body["kind"], body["metadata"]["namespace"], body["metadata"]["name"]


def _policy_report_path(namespace: str | None, name: str) -> str:
    plural = "policyreports" if namespace else "clusterpolicyreports"
    return f"{collection(REPORTS_GROUP, REPORTS_VERSION, plural, namespace)}/{name}"


def _delete_options(preconditions: dict[str, str | None]) -> dict[str, Any]:
    """DeleteOptions that let only the very object we judged be deleted."""
    options: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions"}
    kept = {key: value for key, value in preconditions.items() if value}
    if kept:
        options["preconditions"] = kept
    return options


def _uid(data: bytes | None) -> str | None:
    """The uid in a raw answer, read without building the client's typed models."""
    body = json.loads(data or b"{}")
    uid = (body.get("metadata") or {}).get("uid") if isinstance(body, dict) else None
    return str(uid) if uid else None
