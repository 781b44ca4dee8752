"""Paginated LISTs that confirm what Kopf's index of the policies believes exists.

Kopf's indexes are fed by watch events only. When a watch is re-established
after a 410 Gone, an API-server restart or a long pause, Kopf lists again but
does not drop the objects that disappeared meanwhile: they stay in the index
as ghosts, and a deleted policy could still own namespaces. The full pass
therefore asks the API server which policies really exist, a page at a time.
Every other kind is fed by the operator's own list and watch
(controller/feeds.py), which drops what a new list no longer has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubernetes.client import ApiClient

from aks_checklist.kube.rest import Rest, collection

PAGE = 500
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"

# (group, version, plural) of the kinds Kopf indexes: the policies.
CONFIRMED = (("akschecklist.io", "v1alpha1", "akschecklistpolicies"),)


class Lister:
    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.rest = Rest(api)

    def uids(self, kinds: Iterable[tuple[str, str, str]] = CONFIRMED) -> set[str]:
        """The uid of every object of ``kinds`` the API server holds now."""
        found: set[str] = set()
        for group, version, plural in kinds:
            token: str | None = None
            while True:
                query = [("limit", str(PAGE))] + ([("continue", token)] if token else [])
                # Metadata only: the uids are all we need, whatever the objects weigh.
                page: dict[str, Any] = self.rest.get(
                    collection(group, version, plural), query=query, accept=METADATA_ONLY
                )
                found.update(str(item["metadata"]["uid"]) for item in page.get("items") or ())
                token = (page.get("metadata") or {}).get("continue")
                if not token:
                    break
        return found
