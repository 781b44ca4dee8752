"""The operator's own LIST and WATCH of every kind it indexes, the policies excepted.

Kopf handles each watch event in a task of the event's object, through its
whole handler machinery (causes, loggers, keyword arguments, memories). When
a cluster is being filled a watch delivers hundreds of events at once, Kopf
wakes hundreds of tasks together, and the loop does not come back to anything
else until all of them have run: 0.3 s of event-loop lag at 1,000 namespaces
and 0.6 s at 5,000, enough to miss a one-second liveness probe. Kopf's bound on
its tasks deadlocks with indexes (docs/scaling.md).

A feed decodes, slims and files each event itself, a few tens of microseconds,
and lets the loop run other work once it has computed for ``SLICE``. It works
as client-go's reflector does: LIST, then WATCH from the list's
resourceVersion; after 410 Gone it lists again and drops what the list no
longer has (so nothing lingers, as it could in Kopf's indexes); a broken
stream resumes from the last version seen; failures retry with a jittered,
capped backoff. Kopf still serves the policies: their daemons, finalizer and
deletion handler.

A feed is ready after its first LIST. Passes wait until every feed is ready,
as Kopf made every handler wait until its indexes were filled: a pass over a
half-listed cluster would miss objects that exist.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import structlog

from aks_checklist.checks.snapshot import meta
from aks_checklist.controller.changes import ChangeFilter
from aks_checklist.controller.resources import (
    NAMESPACES,
    POD_FOOTPRINTS,
    PODS,
    Watched,
    controlled,
    pack,
    slim,
)
from aks_checklist.controller.store import Key, Store
from aks_checklist.kube.rest import collection
from aks_checklist.kube.watching import GoneError, Http, ListWatchError
from aks_checklist.retry_delay import retry_delay

log = structlog.get_logger("aks_checklist.controller")

SLICE = 0.002  # seconds of decoding and filing before other tasks get the loop
NOT_SERVED_RECHECK = 300.0  # seconds before asking again for a kind the server lacks
RETRY_BASE, RETRY_CAP = 0.5, 30.0
SHORTEST_WATCH = 1.0  # seconds; a watch that ends sooner is retried with the backoff

Mark = Callable[[Watched, Key], None]


@dataclass(frozen=True)
class Sink:
    """One index a feed fills: the kind, its store, which objects belong, whether they mark."""

    watched: Watched
    store: Store
    accepts: Callable[[Mapping[str, Any]], bool] = lambda body: True
    marks: bool = True


class Feed:
    def __init__(
        self,
        watched: Watched,
        sinks: Iterable[Sink],
        *,
        http: Http,
        changes: ChangeFilter,
        mark: Mark,
        watches: Callable[[str], bool],
    ) -> None:
        self.watched = watched
        self.sinks = tuple(sinks)
        self.ready = asyncio.Event()
        self._path = collection(watched.group, watched.version, watched.plural)
        self._http = http
        self._changes = changes
        self._mark = mark
        self._watches = watches
        self._rng = random.Random()  # noqa: S311  # jitter, not secrets
        self._since = time.perf_counter()

    @property
    def name(self) -> str:
        group = self.watched.group
        return f"{self.watched.plural}.{group}" if group else self.watched.plural

    async def run(self) -> None:
        """Lists and watches until cancelled."""
        version = ""
        failures = 0
        while True:
            try:
                if not version:
                    version, dropped = await self._relist()
                    if self.ready.is_set():
                        log.info(
                            "Listed objects again after their watch expired",
                            kind=self.watched.kind,
                            dropped=dropped,
                        )
                    self.ready.set()
                started = time.monotonic()
                version = await self._follow(version)
                if time.monotonic() - started >= SHORTEST_WATCH:
                    failures = 0
                else:  # a server or proxy that ends every watch at once must not be hammered
                    failures = await self._back_off(failures, ListWatchError(0, "watch ended"))
            except GoneError:
                version = ""  # listed again at once: what was deleted meanwhile is dropped then
            except ListWatchError as error:
                if error.status == 404:  # the API server does not serve this kind: none exist
                    log.info(
                        "Found the kind not served; listing it again later",
                        kind=self.watched.kind,
                        resource=self.name,
                        seconds=NOT_SERVED_RECHECK,
                    )
                    self.ready.set()
                    await asyncio.sleep(NOT_SERVED_RECHECK)
                    continue
                failures = await self._back_off(failures, error)
            # A feed that stopped would leave its index stale for good: whatever went wrong
            # (a dropped connection, a refused request, an object it could not read), try again.
            except Exception as error:
                failures = await self._back_off(failures, error)

    async def _back_off(self, failures: int, error: Exception) -> int:
        delay = retry_delay(failures, base=RETRY_BASE, cap=RETRY_CAP, rng=self._rng)
        log.warning(
            "Failed to list or watch; trying again",
            kind=self.watched.kind,
            resource=self.name,
            error=f"{type(error).__name__}: {error}",
            seconds=round(delay, 2),
        )
        await asyncio.sleep(delay)
        return failures + 1

    async def _relist(self) -> tuple[str, int]:
        """Files every object of the kind, drops those gone; returns (version, how many went)."""
        seen: set[str] = set()
        version = ""
        async with aclosing(self._http.list(self._path)) as pages:
            async for items, version in pages:
                for body in items:
                    if self._admits(body):
                        seen.add(str(meta(body).get("uid")))
                        self._file(body, version)
                    await self._share_loop()
        gone = {uid for sink in self.sinks for uid in sink.store.uids() if uid not in seen}
        for sink in self.sinks:
            for uid in gone:
                self._drop(sink, uid)
        return version, len(gone)

    async def _follow(self, version: str) -> str:
        """Applies watch events until the stream ends; returns the last version seen."""
        async with aclosing(self._http.watch(self._path, version)) as events:
            async for event in events:
                version = self._apply(event, version)
                await self._share_loop()
        return version

    def _apply(self, event: Mapping[str, Any], version: str) -> str:
        """Files one watch event; returns the version it brings."""
        kind = event.get("type")
        body = event.get("object") or {}
        if kind == "ERROR":
            if body.get("code") == 410:
                raise GoneError(self._path)
            raise ListWatchError(int(body.get("code") or 500), str(body.get("message")))
        version = str(meta(body).get("resourceVersion") or version)
        if kind == "BOOKMARK" or not self._admits(body):
            return version
        if kind == "DELETED":
            for sink in self.sinks:
                self._drop(sink, str(meta(body).get("uid")))
        else:
            self._file(body, version)
        return version

    async def _share_loop(self) -> None:
        now = time.perf_counter()
        if now - self._since >= SLICE:
            await asyncio.sleep(0)
            self._since = time.perf_counter()

    def _admits(self, body: Mapping[str, Any]) -> bool:
        namespace = meta(body).get("namespace")
        return not self.watched.namespaced or self._watches(str(namespace))

    def _file(self, body: Mapping[str, Any], version: str) -> None:
        metadata = meta(body)
        object_version = str(metadata.get("resourceVersion") or version)
        for sink in self.sinks:
            if not sink.accepts(body):
                self._drop(sink, str(metadata.get("uid")))
                continue
            watched = sink.watched
            kept = slim(body, watched)
            packed = pack(kept)
            key = metadata.get("name") if watched is NAMESPACES else metadata.get("namespace")
            sink.store.put(key, packed)
            if sink.marks and self._changes.changed(watched.index_id, object_version, kept, packed):
                self._mark(watched, key)

    def _drop(self, sink: Sink, uid: str) -> None:
        removed = sink.store.remove(uid)
        if removed is not None and sink.marks:
            self._changes.forget(sink.watched.index_id, uid)
            self._mark(sink.watched, removed[0])


class Feeds:
    """Every feed of the operator, their stores by index id, and their common readiness.

    One feed per kind in ``kinds``; the Pods' feed fills the footprints' index as well.
    """

    def __init__(
        self,
        kinds: Iterable[Watched],
        *,
        http: Http,
        changes: ChangeFilter,
        mark: Mark,
        watches: Callable[[str], bool],
    ) -> None:
        self.stores: dict[str, Store] = {}
        self._http = http
        self._feeds: list[Feed] = []
        self._tasks: list[asyncio.Task[None]] = []
        for watched in kinds:
            sinks = [Sink(watched, self._store(watched))]
            if watched is PODS:
                # Every Pod as a footprint for preflight; only Pods no controller made are
                # judged (the rest follow their workloads) or worth a pass.
                sinks = [
                    Sink(POD_FOOTPRINTS, self._store(POD_FOOTPRINTS), marks=False),
                    Sink(PODS, self._store(PODS), accepts=lambda body: not controlled(body)),
                ]
            feed = Feed(watched, sinks, http=http, changes=changes, mark=mark, watches=watches)
            self._feeds.append(feed)

    def _store(self, watched: Watched) -> Store:
        return self.stores.setdefault(watched.index_id, Store())

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(feed.run(), name=f"feed {feed.name}") for feed in self._feeds
        ]

    async def ready(self) -> None:
        """Returns once every feed has listed its kind once."""
        await asyncio.gather(*(feed.ready.wait() for feed in self._feeds))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._http.close()
