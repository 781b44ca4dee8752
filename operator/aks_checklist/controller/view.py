"""Read-only access to the in-memory indexes, shaped as the pure layers want it.

The indexes are the feeds' stores (controller/store.py) and Kopf's index of
the policies; both map a key to the objects under it, packed
(``resources.Packed``). Every object the view returns is unpacked for its
caller, a fresh copy it may keep or change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aks_checklist.checks.snapshot import Obj, Snapshot
from aks_checklist.controller.resources import (
    CLUSTER_SCOPED,
    CONFIRMED,
    EVIDENCE_NAMESPACED,
    NAMESPACED,
    NAMESPACES,
    POD_FOOTPRINTS,
    POLICIES,
    REPORTS,
    Watched,
)


class ClusterView:
    """Wraps the indexes, by index id.

    Objects whose uid is in ``ghosts()`` (gone from the API server, still in an
    index after a re-list) are left out of everything the view returns.
    """

    def __init__(
        self, indexes: Mapping[str, Any], ghosts: Callable[[], frozenset[str]] = frozenset
    ) -> None:
        self._indexes = indexes
        self._ghosts = ghosts

    def _values(self, watched: Watched, key: str | None) -> list[Obj]:
        index = self._indexes[watched.index_id]
        if key not in index:
            return []
        ghosts = self._ghosts()
        return [packed.unpack() for packed in index[key] if packed.uid not in ghosts]

    def confirmable_uids(self) -> set[str]:
        """The uids of every indexed object of the kinds the full pass confirms."""
        uids: set[str] = set()
        for watched in CONFIRMED:
            for values in self._indexes[watched.index_id].values():
                uids.update(packed.uid for packed in values if packed.uid)
        return uids

    def pods(self, namespace: str) -> list[Obj]:
        """Every Pod of the namespace, controller-made too, as footprints."""
        return self._values(POD_FOOTPRINTS, namespace)

    def namespace_names(self) -> set[str]:
        """The namespaces indexed, without unpacking them (thousands, on every pass)."""
        ghosts = self._ghosts()
        return {
            name
            for name, objects in self._indexes[NAMESPACES.index_id].items()
            if any(packed.uid not in ghosts for packed in objects)
        }

    def namespace(self, name: str) -> Obj | None:
        found = self._values(NAMESPACES, name)
        return found[0] if found else None

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

    def evidence_objects(self) -> Callable[[], list[Obj]]:
        """What checks/evidence.py reads, from every namespace and from the cluster scope.

        Workloads, claims and Ingresses of all namespaces, the cluster-scoped kinds
        and the policies (OPS-06). Taken now, on the event loop, while the indexes
        cannot change; unpacked by the returned function, which a thread may call:
        at thousands of Deployments, unpacking them all takes a tenth of a second.
        """
        ghosts = self._ghosts()
        taken: list[Any] = []
        for watched in NAMESPACED:
            if watched.kind in EVIDENCE_NAMESPACED:
                for values in self._indexes[watched.index_id].values():
                    taken.extend(values)
        for watched in (*CLUSTER_SCOPED, POLICIES):
            for values in self._indexes[watched.index_id].values():
                taken.extend(values)
        return lambda: [packed.unpack() for packed in taken if packed.uid not in ghosts]

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
