"""Bursts of watch events become one pass per policy; full passes keep their deadline."""

from __future__ import annotations

import asyncio
import time

from aks_checklist.controller.coalescer import Coalescer, PolicyQueue


def test_a_burst_on_one_namespace_is_taken_as_one_unit_of_work() -> None:
    async def scenario() -> list[frozenset[str]]:
        coalescer = Coalescer()
        queue = coalescer.queue("baseline")
        await queue.next()  # the first, full pass of a new worker
        for _ in range(50):
            coalescer.mark("shop")
        coalescer.mark("legacy")
        first = await queue.next()
        assert not first.full
        taken = [first.namespaces]
        coalescer.mark("shop")
        taken.append((await queue.next()).namespaces)
        return taken

    assert asyncio.run(scenario()) == [frozenset({"shop", "legacy"}), frozenset({"shop"})]


def test_a_new_queue_starts_with_a_full_pass_without_waiting_for_an_event() -> None:
    async def scenario() -> tuple[bool, bool]:
        work = await Coalescer().queue("baseline").next()
        return work.full, work.cluster

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=5)) == (True, True)


def test_the_full_pass_comes_at_its_deadline() -> None:
    async def scenario() -> bool:
        queue = Coalescer().queue("baseline")
        await queue.next()
        queue.schedule_full(0.05)
        return (await asyncio.wait_for(queue.next(), timeout=5)).full

    assert asyncio.run(scenario()) is True


def test_steady_events_do_not_postpone_the_full_pass() -> None:
    """A namespace changing every 50 ms must not keep a 0.6 s resync from ever firing."""

    async def scenario() -> float:
        queue = PolicyQueue()
        await queue.next()
        queue.schedule_full(0.6)
        started = time.monotonic()

        async def churn() -> None:
            while True:
                queue.mark("busy")
                await asyncio.sleep(0.05)

        task = asyncio.create_task(churn())
        try:
            while not (await queue.next()).full:
                assert time.monotonic() - started < 5, "the full pass never came"
        finally:
            task.cancel()
        return time.monotonic() - started

    assert 0.55 < asyncio.run(scenario()) < 1.5


def test_a_requeued_namespace_comes_back_on_its_own_after_the_delay() -> None:
    async def scenario() -> tuple[frozenset[str], bool]:
        queue = PolicyQueue()
        await queue.next()
        queue.requeue("flaky", 0.05)
        work = await asyncio.wait_for(queue.next(), timeout=5)
        return work.namespaces, work.full

    assert asyncio.run(scenario()) == (frozenset({"flaky"}), False)


def test_an_earlier_requeue_wins_over_a_later_one() -> None:
    queue = PolicyQueue()
    queue.requeue("ns", 100)
    queue.requeue("ns", 0.01)
    queue.requeue("ns", 50)
    assert queue.retries["ns"] - time.monotonic() < 1


def test_cluster_scoped_events_reach_every_policy() -> None:
    async def scenario() -> tuple[bool, bool]:
        coalescer = Coalescer()
        first, second = coalescer.queue("a"), coalescer.queue("b")
        await first.next()
        await second.next()
        coalescer.mark(None)
        return (await first.next()).cluster, (await second.next()).cluster

    assert asyncio.run(scenario()) == (True, True)


def test_forgotten_policies_no_longer_receive_work() -> None:
    coalescer = Coalescer()
    queue = coalescer.queue("gone")
    queue.namespaces.clear()
    coalescer.forget("gone")
    coalescer.mark("shop")
    assert queue.namespaces == set()
