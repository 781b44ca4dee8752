"""Which API resources the cluster serves, as ``<plural>.<group>`` names, from API discovery.

The evidence rules (checks/evidence.py) recognise installed tools by their
CustomResourceDefinitions: ``kustomizations.kustomize.toolkit.fluxcd.io`` means
Flux. Watching CRD objects would keep every CRD's OpenAPI schema in memory,
often megabytes; discovery answers the same question in one small request and
is polled on the full pass instead. Aggregated discovery (one document for all
groups, Kubernetes 1.30+) is asked for first; an older server answers with the
plain group list, and each group's preferred version is then read on its own.

A failed poll keeps the last answer: a tool does not vanish because the API
server was briefly unreachable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import structlog
from kubernetes.client import ApiClient

from aks_checklist.kube.rest import Rest

log = structlog.get_logger("aks_checklist.discovery")

AGGREGATED = ",".join(
    (
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
        "application/json",
    )
)


def aggregated_names(document: Mapping[str, Any]) -> set[str]:
    """``<plural>.<group>`` of every resource in an ``APIGroupDiscoveryList``."""
    found: set[str] = set()
    for group in document.get("items") or ():
        name = str((group.get("metadata") or {}).get("name") or "")
        for version in group.get("versions") or ():
            found.update(
                f"{resource['resource']}.{name}"
                for resource in version.get("resources") or ()
                if name and resource.get("resource")
            )
    return found


def preferred_versions(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(group, group/version)`` of each group's preferred version in an ``APIGroupList``."""
    found = []
    for group in document.get("groups") or ():
        preferred = (group.get("preferredVersion") or {}).get("groupVersion")
        if group.get("name") and preferred:
            found.append((str(group["name"]), str(preferred)))
    return found


def resource_names(group: str, document: Mapping[str, Any]) -> set[str]:
    """``<plural>.<group>`` of an ``APIResourceList``; subresources (``x/status``) left out."""
    return {
        f"{resource['name']}.{group}"
        for resource in document.get("resources") or ()
        if resource.get("name") and "/" not in str(resource["name"])
    }


class Discovery:
    """Polls the API groups the server serves; :attr:`names` is the last good answer."""

    def __init__(self, api: ApiClient) -> None:
        self.rest = Rest(api)
        self.names: frozenset[str] = frozenset()
        self.polled = False  # whether any poll has succeeded yet

    def poll(self) -> frozenset[str]:
        """Asks the API server again; on failure logs it and returns the last answer."""
        try:
            self.names = frozenset(self._discover())
            self.polled = True
        except Exception as error:  # any failure: keep the last answer, the next pass retries
            log.warning("Failed to discover the API groups", error=str(error))
        return self.names

    def _discover(self) -> Iterable[str]:
        document = self._get("/apis", AGGREGATED)
        if document.get("kind") == "APIGroupDiscoveryList":
            return aggregated_names(document)
        found: set[str] = set()
        for group, group_version in preferred_versions(document):
            found |= resource_names(group, self._get(f"/apis/{group_version}", "application/json"))
        return found

    def _get(self, path: str, accept: str) -> dict[str, Any]:
        document: dict[str, Any] = self.rest.get(path, accept=accept)
        return document
