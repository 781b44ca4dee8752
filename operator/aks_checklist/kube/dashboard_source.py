"""Reads the policies and reports from the API server for the dashboard.

Lists are paged, and each AksCompliance is reduced to what the page shows as
soon as it arrives, so a cluster with thousands of namespaces is never held
in memory as full objects. A read that fails (RBAC, a missing CRD) becomes an
error shown on the page, not a crash: the other kind may still be readable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from aks_checklist.dashboard.view import NamespaceView, Snapshot, read_report, snapshot

GROUP = "akschecklist.io"
VERSION = "v1alpha1"
PAGE_SIZE = 250
TIMEOUT = (5, 30)  # connect, read (seconds)


def api_client(kubeconfig: str | None = None, context: str | None = None) -> client.ApiClient:
    """In-cluster config when running in a pod (and nothing is asked for), else the kubeconfig."""
    if kubeconfig is None and context is None:
        configuration = client.Configuration()
        try:
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]  # client ships no hints
            return client.ApiClient(configuration)
        except config.ConfigException:
            pass
    api: client.ApiClient = config.new_client_from_config(config_file=kubeconfig, context=context)  # type: ignore[no-untyped-call]  # client ships no hints
    return api


class ClusterSource:
    """A callable returning a fresh :class:`Snapshot` of the cluster's policies and reports."""

    def __init__(self, api: client.ApiClient) -> None:
        self._objects = client.CustomObjectsApi(api)

    def _pages(self, plural: str) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": PAGE_SIZE, "_request_timeout": TIMEOUT}
            if token:
                kwargs["_continue"] = token
            page = cast(
                dict[str, Any],
                self._objects.list_cluster_custom_object(GROUP, VERSION, plural, **kwargs),
            )
            yield from page.get("items") or []
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return

    def __call__(self) -> Snapshot:
        errors: list[str] = []
        policies: list[dict[str, Any]] = []
        reports: list[NamespaceView] = []
        try:
            policies = list(self._pages("akschecklistpolicies"))
        except ApiException as error:
            errors.append(_failure("AksChecklistPolicy", error))
        try:
            for raw in self._pages("akscompliances"):
                view = read_report(raw)
                if view is not None:
                    reports.append(view)
        except ApiException as error:
            errors.append(_failure("AksCompliance", error))
        return snapshot(policies, reports, read_at=datetime.now(UTC), errors=errors)


def _failure(kind: str, error: ApiException) -> str:
    return f"Failed to list {kind}: {error.status} {error.reason}".strip()
