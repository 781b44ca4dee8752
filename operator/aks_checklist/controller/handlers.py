"""Kopf handler registration: the policies' index, tap, daemon and deletion; the feeds.

Kopf watches the policies only. Every other kind reaches the indexes through
the operator's own feeds (controller/feeds.py), started with the operator.
Importing this module registers the handlers on Kopf's default registry;
``aks-checklist run`` imports it and starts Kopf.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kopf
import structlog

from aks_checklist.checks.snapshot import meta
from aks_checklist.controller.feeds import Feeds
from aks_checklist.controller.loop_lag import watch_lag
from aks_checklist.controller.resources import (
    CLUSTER_SCOPED,
    NAMESPACED,
    NAMESPACES,
    POLICIES,
    REPORTS,
    Watched,
    pack,
    slim,
)
from aks_checklist.controller.state import OperatorState
from aks_checklist.controller.view import ClusterView
from aks_checklist.controller.worker import PolicyWorker, release
from aks_checklist.kube.client import api_client
from aks_checklist.kube.lister import Lister
from aks_checklist.kube.watching import Http
from aks_checklist.kube.writer import Writer

log = structlog.get_logger("aks_checklist.controller")
FINALIZER = "akschecklist.io/finalizer"
EVENT_POSTERS = 2  # Events posted at once
EVENT_POSTER_IDLE_SECONDS = 0.01
WATCH_SECONDS = 300  # how long the API server keeps a watch open before it is renewed
# What the feeds index: every watched kind but the policies, which Kopf serves (the Pods'
# feed fills the footprints' index too).
FED = (NAMESPACES, REPORTS, *NAMESPACED, *CLUSTER_SCOPED)


@kopf.on.startup()
async def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    # Kopf keeps its bookkeeping in our own policy's status, never in annotations.
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.StatusProgressStorage(field="status.kopf.progress")
    settings.persistence.diffbase_storage = kopf.StatusDiffBaseStorage(
        field="status.kopf.last-handled-configuration"
    )
    settings.posting.reporting_component = "aks-checklist-operator"
    # Kopf logs every handled watch event at INFO ("Handler ... succeeded"); on a
    # busy cluster that is thousands of lines a minute with nothing to act on.
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)
    settings.posting.level = logging.INFO
    # Kopf posts each object's Events from a worker of its own, unbounded by default: a burst
    # of 300 created objects opened 300 connections (128 KiB of TLS buffers each) that
    # competed with the baseline writes. Events can wait; the writes cannot.
    settings.posting.worker_limit = EVENT_POSTERS
    # A poster holds its slot for this long after its object's last Event: Kopf's 1 s made
    # two slots post two Events a second, and a 1,000-namespace fill's Events were still
    # being posted minutes after the last write, queued in memory meanwhile.
    settings.posting.idle_timeout = EVENT_POSTER_IDLE_SECONDS
    settings.watching.server_timeout = WATCH_SECONDS
    # Unbounded: every worker waits for all indexes to be filled before its first handler, so
    # a bound smaller than the policies at startup would leave the rest waiting forever.
    settings.queueing.worker_limit = None
    # A standby takes over once the active replica's record expires: keep that short.
    settings.peering.lifetime = int(memo.get("peering_lifetime", 20))
    lanes = int(memo.get("lanes", 8))
    # Writes run in threads, one connection each: these threads bound the writes in flight
    # (two per lane), with room for the Azure read and the full pass's LISTs beside them.
    threads = 2 * lanes + 4
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(threads, thread_name_prefix="aks-checklist"))
    # Importing the client's API classes takes seconds of CPU: not on the event loop.
    api = await asyncio.to_thread(api_client, connections=threads)
    writer, lister = await asyncio.to_thread(lambda: (Writer(api), Lister(api)))
    state = OperatorState(
        writer=writer,
        lister=lister,
        operator_namespace=str(memo.get("operator_namespace", "")),
        watched_namespaces=tuple(memo.get("watched_namespaces", ())),
        lanes=lanes,
    )
    memo.state = state
    memo.feeds = Feeds(
        FED,
        http=Http(api.configuration, server_timeout=settings.watching.server_timeout),
        changes=state.changes,
        mark=lambda watched, key: _mark(state, watched, key),
        watches=state.watches,
    )
    memo.feeds.start()
    memo.lag_monitor = asyncio.create_task(watch_lag())


@kopf.on.cleanup()
async def stop_background_tasks(memo: kopf.Memo, **_: Any) -> None:
    monitor: asyncio.Task[None] | None = memo.get("lag_monitor")
    if monitor is not None:
        monitor.cancel()
    feeds: Feeds | None = memo.get("feeds")
    if feeds is not None:
        await feeds.stop()


def _state(memo: kopf.Memo) -> OperatorState:
    state: OperatorState = memo.state
    return state


def _register_policies() -> None:
    """The policies' index, and a tap that tells a changed policy from its own status write.

    Every other kind is indexed by the operator's own feeds (controller/feeds.py).
    """

    async def index(body: kopf.Body, **_: Any) -> Any:
        return {None: pack(slim(body, POLICIES))}

    async def policy_tap(body: kopf.Body, type: str | None, memo: kopf.Memo, **_: Any) -> None:
        state = _state(memo)
        if _policy_changed(state, body, type):
            state.coalescer.mark_full()  # who enforces which namespace may have changed

    index.__name__ = index.__qualname__ = POLICIES.index_id
    kopf.index(*_resource(POLICIES), id=POLICIES.index_id)(index)
    policy_tap.__name__ = policy_tap.__qualname__ = f"{POLICIES.index_id}_tap"
    kopf.on.event(*_resource(POLICIES), id=policy_tap.__name__)(policy_tap)


def _mark(state: OperatorState, watched: Watched, key: str | None) -> None:
    if watched.namespaced and key is None:
        return  # an event without a namespace: nothing to serve
    state.coalescer.mark(key)
    if watched.kind == "DaemonSet":
        # Runtime agents are DaemonSets (CTR-03, strict): judge the cluster again at
        # once. Other namespaced evidence (tools' Deployments) waits for the full pass.
        state.coalescer.mark(None)


def _policy_changed(state: OperatorState, body: kopf.Body, event_type: str | None) -> bool:
    """Spec changes, creation and deletion matter to every worker; status writes do not.

    Without this filter each policy's own status write would trigger a full
    pass of every policy, so every report change would cost a full pass.
    """
    name = str(meta(body).get("name"))
    if event_type == "DELETED":
        state.policy_versions.pop(name, None)
        return True
    version = (meta(body).get("generation"), bool(meta(body).get("deletionTimestamp")))
    changed = state.policy_versions.get(name) != version
    state.policy_versions[name] = version
    return changed


def _resource(watched: Watched) -> tuple[str, ...]:
    if watched.group:
        return (watched.group, watched.version, watched.plural)
    return (watched.version, watched.plural)


_register_policies()


def _view(memo: kopf.Memo, kopf_indexes: dict[str, Any]) -> ClusterView:
    feeds: Feeds = memo.feeds
    state = _state(memo)
    indexes = {**feeds.stores, POLICIES.index_id: kopf_indexes[POLICIES.index_id]}
    return ClusterView(indexes, ghosts=lambda: state.ghosts)


async def _fed(memo: kopf.Memo, stopped: kopf.DaemonStopped | None = None) -> bool:
    """Waits until every feed has listed its kind; False if the daemon was stopped first."""
    feeds: Feeds = memo.feeds
    ready = asyncio.ensure_future(feeds.ready())
    waits: set[asyncio.Future[Any]] = {ready}
    if stopped is not None:
        waits.add(asyncio.ensure_future(stopped.wait()))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    return ready.done() and not ready.cancelled()


@kopf.daemon(POLICIES.group, POLICIES.version, POLICIES.plural, cancellation_timeout=5.0)
async def policy_daemon(
    name: str, body: kopf.Body, stopped: kopf.DaemonStopped, memo: kopf.Memo, **kwargs: Any
) -> None:
    """Runs the policy's worker for as long as the policy exists (and we hold the peering)."""
    state = _state(memo)
    worker = PolicyWorker(name=name, state=state, queue=state.coalescer.queue(name))
    try:
        if await _fed(memo, stopped):
            await worker.run(body, _view(memo, kwargs), stopped)
    finally:
        state.coalescer.forget(name)


@kopf.on.delete(POLICIES.group, POLICIES.version, POLICIES.plural)
async def policy_deleted(name: str, memo: kopf.Memo, **kwargs: Any) -> None:
    """Removes every object and report the policy made, then lets other policies take over."""
    state = _state(memo)
    await _fed(memo)
    view = _view(memo, kwargs)
    for namespace in sorted(view.namespace_names() | view.report_namespaces()):
        outcomes = await release(view, state, namespace, name, "policy deleted")
        failed = [o for o in outcomes if not o.ok]
        if failed:  # Kopf retries the handler (with its own backoff), finalizer kept
            raise kopf.TemporaryError(f"namespace {namespace}: {failed[0].error}", delay=5)
    state.coalescer.mark_full()
