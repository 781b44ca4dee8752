"""Read-only access to Kopf's in-memory indexes, shaped as the pure layers want it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aks_checklist.checks.snapshot import Obj, Snapshot, meta
from aks_checklist.controller.resources import (
    CLUSTER_SCOPED,
    NAMESPACED,
    NAMESPACES,
    POLICIES,
    REPORTS,
    Watched,
)


class ClusterView:
    """Wraps the ``kopf.Index`` objects a handler receives as keyword arguments."""

    def __init__(self, indexes: Mapping[str, Any]) -> None:
        self._indexes = indexes

    def _values(self, watched: Watched, key: str | None) -> list[Obj]:
        index = self._indexes[watched.index_id]
        return list(index[key]) if key in index else []

    def namespaces(self) -> dict[str, Obj]:
        return {meta(ns)["name"]: ns for ns in self._values(NAMESPACES, None)}

    def policies(self) -> list[Obj]:
        return self._values(POLICIES, None)

    def namespace_objects(self, namespace: str) -> list[Obj]:
        found: list[Obj] = []
        for watched in NAMESPACED:
            found.extend(self._values(watched, namespace))
        return found

    def cluster_objects(self, kinds: Iterable[str] | None = None) -> list[Obj]:
        wanted = set(kinds) if kinds is not None else None
        found: list[Obj] = []
        for watched in CLUSTER_SCOPED:
            if wanted is None or watched.kind in wanted:
                found.extend(self._values(watched, None))
        return found

    def reports(self, namespace: str) -> list[Obj]:
        return self._values(REPORTS, namespace)

    def report_namespaces(self) -> set[str]:
        return {key for key in self._indexes[REPORTS.index_id] if key is not None}

    def snapshot(self, namespace: str, namespace_obj: Obj | None) -> Snapshot:
        cluster = self.cluster_objects({"StorageClass"})
        if namespace_obj is not None:
            cluster.append(namespace_obj)
        return Snapshot(
            namespace=namespace,
            objects=self.namespace_objects(namespace),
            cluster_objects=cluster,
            complete=True,
        )
