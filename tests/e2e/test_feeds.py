"""The operator's own feeds (controller/feeds.py) against the real API server, in this process.

Each test runs feeds on an event loop of its own and changes the cluster
with kubectl, then looks at what the stores hold and which namespaces were
marked for a pass.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client, config

from aks_checklist.controller.changes import ChangeFilter
from aks_checklist.controller.feeds import Feed, Feeds, Sink
from aks_checklist.controller.resources import (
    NAMESPACED,
    POD_FOOTPRINTS,
    PODS,
    Watched,
)
from aks_checklist.controller.store import Key, Store
from aks_checklist.kube.watching import Http
from tests.e2e.cluster import Cluster

LIMIT_RANGES = next(w for w in NAMESPACED if w.kind == "LimitRange")
QUOTAS = next(w for w in NAMESPACED if w.kind == "ResourceQuota")
NOT_SERVED = Watched("widgets.example.invalid", "v1", "widgets", "Widget")


@dataclass
class Marks:
    seen: list[tuple[str, Key]] = field(default_factory=list)

    def __call__(self, watched: Watched, key: Key) -> None:
        self.seen.append((watched.kind, key))


def http(cluster: Cluster) -> Http:
    configuration = client.Configuration()
    config.load_kube_config(  # type: ignore[no-untyped-call]  # the client ships no hints
        config_file=str(cluster.kubeconfig), client_configuration=configuration
    )
    return Http(configuration, server_timeout=30)


async def until(probe: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not probe():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def kubectl(cluster: Cluster, *args: str, stdin: str | None = None) -> None:
    await asyncio.to_thread(cluster.kubectl, *args, stdin=stdin)


def names(store: Store, key: Key) -> set[str]:
    return {packed.unpack()["metadata"]["name"] for packed in store.get(key, ())}


def limit_range(name: str, namespace: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "1"}}]},
        }
    )


def running(
    cluster: Cluster,
    kinds: Iterable[Watched],
    marks: Marks,
    body: Callable[[Feeds], Awaitable[None]],
    watches: Callable[[str], bool] = lambda namespace: True,
) -> None:
    async def main() -> None:
        changes = ChangeFilter()
        feeds = Feeds(kinds, http=http(cluster), changes=changes, mark=marks, watches=watches)
        feeds.start()
        try:
            await asyncio.wait_for(feeds.ready(), 30)
            await body(feeds)
        finally:
            await feeds.stop()

    asyncio.run(main())


def test_a_feed_lists_what_exists_then_follows_creations_changes_and_deletions(
    cluster: Cluster, namespace: str
) -> None:
    cluster.apply(limit_range("before", namespace))
    marks = Marks()

    async def body(feeds: Feeds) -> None:
        store = feeds.stores[LIMIT_RANGES.index_id]
        assert names(store, namespace) == {"before"}
        assert ("LimitRange", namespace) in marks.seen
        marks.seen.clear()
        await kubectl(cluster, "apply", "-f", "-", stdin=limit_range("after", namespace))
        await until(lambda: names(store, namespace) == {"before", "after"}, "the new LimitRange")
        assert marks.seen == [("LimitRange", namespace)]
        marks.seen.clear()
        await kubectl(cluster, "label", "limitrange", "before", "-n", namespace, "team=a")
        await until(lambda: marks.seen, "a mark for the new label")
        labels = {p.unpack()["metadata"].get("labels", {}).get("team") for p in store[namespace]}
        assert labels == {"a", None}
        marks.seen.clear()
        await kubectl(cluster, "delete", "limitrange", "after", "-n", namespace)
        await until(lambda: names(store, namespace) == {"before"}, "the LimitRange's deletion")
        assert marks.seen == [("LimitRange", namespace)]

    running(cluster, [LIMIT_RANGES], marks, body)


def test_status_written_by_the_control_plane_marks_nothing(
    cluster: Cluster, namespace: str
) -> None:
    """The quota controller writes each new ResourceQuota's status: nothing a check reads."""
    marks = Marks()
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q", "namespace": namespace},
        "spec": {"hard": {"pods": "10"}},
    }

    async def body(feeds: Feeds) -> None:
        store = feeds.stores[QUOTAS.index_id]
        await kubectl(cluster, "apply", "-f", "-", stdin=json.dumps(quota))

        def status_indexed() -> bool:
            live = cluster.get_json("resourcequota", "q", "-n", namespace)
            held = [p.unpack()["metadata"].get("resourceVersion") for p in store.get(namespace, ())]
            return "used" in (live.get("status") or {}) and held == [
                live["metadata"]["resourceVersion"]
            ]

        await until(status_indexed, "the quota's status, indexed")
        assert marks.seen.count(("ResourceQuota", namespace)) == 1

    running(cluster, [QUOTAS], marks, body)


def test_a_feed_listing_again_drops_what_was_deleted_while_it_was_away(
    cluster: Cluster, namespace: str
) -> None:
    cluster.apply(limit_range("stays", namespace))
    cluster.apply(limit_range("goes", namespace))
    store, marks, changes = Store(), Marks(), ChangeFilter()

    async def listed_once() -> None:
        session = http(cluster)
        feed = Feed(
            LIMIT_RANGES,
            [Sink(LIMIT_RANGES, store)],
            http=session,
            changes=changes,
            mark=marks,
            watches=lambda namespace: True,
        )
        task = asyncio.create_task(feed.run())
        await asyncio.wait_for(feed.ready.wait(), 30)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await session.close()

    asyncio.run(listed_once())
    assert names(store, namespace) == {"stays", "goes"}
    cluster.kubectl("delete", "limitrange", "goes", "-n", namespace)
    marks.seen.clear()
    asyncio.run(listed_once())
    assert names(store, namespace) == {"stays"}
    assert marks.seen == [("LimitRange", namespace)]


def test_a_kind_the_server_does_not_serve_is_ready_and_empty(cluster: Cluster) -> None:
    async def body(feeds: Feeds) -> None:
        assert dict(feeds.stores[NOT_SERVED.index_id]) == {}

    running(cluster, [NOT_SERVED], Marks(), body)


def test_a_feed_keeps_only_the_namespaces_the_operator_watches(
    cluster: Cluster, namespace: str
) -> None:
    other = f"{namespace}-other"
    cluster.kubectl("create", "namespace", other)
    try:
        cluster.apply(limit_range("here", namespace))
        cluster.apply(limit_range("there", other))

        async def body(feeds: Feeds) -> None:
            store = feeds.stores[LIMIT_RANGES.index_id]
            await kubectl(cluster, "label", "limitrange", "there", "-n", other, "seen=no")
            await kubectl(cluster, "label", "limitrange", "here", "-n", namespace, "seen=yes")
            await until(lambda: len(marks.seen) == 2, "the label's mark")
            assert set(store) == {namespace}
            assert marks.seen == [("LimitRange", namespace)] * 2

        marks = Marks()
        running(cluster, [LIMIT_RANGES], marks, body, watches=lambda ns: ns == namespace)
    finally:
        cluster.kubectl("delete", "namespace", other, "--wait=false", check=False)


def test_every_pod_is_a_footprint_and_only_pods_no_controller_made_are_judged(
    cluster: Cluster, namespace: str
) -> None:
    bare: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bare", "namespace": namespace},
        "spec": {"containers": [{"name": "c", "image": "registry.invalid/app:1"}]},
    }
    owned = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "owned", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "owned"}},
            "template": {"metadata": {"labels": {"app": "owned"}}, "spec": bare["spec"]},
        },
    }
    marks = Marks()

    async def body(feeds: Feeds) -> None:
        footprints = feeds.stores[POD_FOOTPRINTS.index_id]
        judged = feeds.stores[PODS.index_id]
        await kubectl(cluster, "apply", "-f", "-", stdin=json.dumps(owned))
        await until(lambda: len(footprints.get(namespace, ())) == 1, "the ReplicaSet's Pod")
        assert namespace not in judged
        assert marks.seen == []
        await until(lambda: _created(cluster, bare), "the bare Pod (its ServiceAccount first)")
        await until(lambda: names(judged, namespace) == {"bare"}, "the bare Pod, judged")
        assert len(footprints[namespace]) == 2
        assert marks.seen == [("Pod", namespace)]

    running(cluster, [PODS], marks, body)


def _created(cluster: Cluster, body: dict[str, Any]) -> bool:
    return cluster.kubectl("apply", "-f", "-", stdin=json.dumps(body), check=False).returncode == 0
