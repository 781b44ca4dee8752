"""Paginated LISTs that confirm what the in-memory indexes believe exists.

Kopf's indexes are fed by watch events only. When a watch is re-established
after a 410 Gone, an API-server restart or a long pause, Kopf lists again but
does not drop the objects that disappeared meanwhile: they stay in the index
as ghosts. A deleted user LimitRange would still count as External, a deleted
policy could still own namespaces. The full pass therefore asks the API server
which uids really exist, a page at a time so memory stays flat.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kubernetes import client

PAGE = 500
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"

# (group, version, plural) of every kind whose ghosts would change a decision.
CONFIRMED = (
    ("", "v1", "namespaces"),
    ("akschecklist.io", "v1alpha1", "akschecklistpolicies"),
    ("", "v1", "limitranges"),
    ("", "v1", "resourcequotas"),
    ("networking.k8s.io", "v1", "networkpolicies"),
    ("policy", "v1", "poddisruptionbudgets"),
    ("apps", "v1", "deployments"),
    ("apps", "v1", "statefulsets"),
)


class Lister:
    def __init__(self, api: client.ApiClient) -> None:
        self.api = api

    def uids(self, kinds: Iterable[tuple[str, str, str]] = CONFIRMED) -> set[str]:
        """The uid of every object of ``kinds`` the API server holds now."""
        found: set[str] = set()
        for group, version, plural in kinds:
            path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
            token: str | None = None
            while True:
                query = [("limit", PAGE)] + ([("continue", token)] if token else [])
                request = self.api.param_serialize(
                    "GET",
                    f"{path}/{plural}",
                    query_params=query,
                    # Metadata only: the uids are all we need, whatever the objects weigh.
                    header_params={"Accept": METADATA_ONLY},
                    auth_settings=["BearerToken"],
                )
                response = self.api.call_api(*request)
                if response.status != 200:
                    raise RuntimeError(f"LIST {path}/{plural} answered {response.status}")
                page: dict[str, Any] = json.loads(response.read())  # type: ignore[no-untyped-call]  # the client ships no hints here
                found.update(str(item["metadata"]["uid"]) for item in page.get("items") or ())
                token = (page.get("metadata") or {}).get("continue")
                if not token:
                    break
        return found
