"""Bursts of watch events become one pass per policy."""

from __future__ import annotations

import asyncio

from aks_checklist.controller.coalescer import Coalescer


def test_a_burst_on_one_namespace_is_taken_as_one_unit_of_work() -> None:
    async def scenario() -> list[frozenset[str]]:
        coalescer = Coalescer()
        queue = coalescer.queue("baseline")
        await queue.next(timeout=1)  # the first, full pass of a new worker
        for _ in range(50):
            coalescer.mark("shop")
        coalescer.mark("legacy")
        first = await queue.next(timeout=1)
        assert not first.full
        taken = [first.namespaces]
        coalescer.mark("shop")
        taken.append((await queue.next(timeout=1)).namespaces)
        return taken

    assert asyncio.run(scenario()) == [frozenset({"shop", "legacy"}), frozenset({"shop"})]


def test_a_new_queue_starts_with_a_full_pass() -> None:
    async def scenario() -> tuple[bool, bool]:
        work = await Coalescer().queue("baseline").next(timeout=1)
        return work.full, work.cluster

    assert asyncio.run(scenario()) == (True, True)


def test_silence_until_the_timeout_means_a_full_pass() -> None:
    async def scenario() -> bool:
        queue = Coalescer().queue("baseline")
        await queue.next(timeout=1)
        return (await queue.next(timeout=0.05)).full

    assert asyncio.run(scenario()) is True


def test_cluster_scoped_events_reach_every_policy() -> None:
    async def scenario() -> tuple[bool, bool]:
        coalescer = Coalescer()
        first, second = coalescer.queue("a"), coalescer.queue("b")
        await first.next(timeout=1)
        await second.next(timeout=1)
        coalescer.mark(None)
        return (await first.next(timeout=1)).cluster, (await second.next(timeout=1)).cluster

    assert asyncio.run(scenario()) == (True, True)


def test_forgotten_policies_no_longer_receive_work() -> None:
    coalescer = Coalescer()
    queue = coalescer.queue("gone")
    queue.namespaces.clear()
    coalescer.forget("gone")
    coalescer.mark("shop")
    assert queue.namespaces == set()


def test_a_new_queue_does_not_wait_for_an_event() -> None:
    """A worker created after its policy's events were seen must still start at once."""

    async def scenario() -> bool:
        work = await Coalescer().queue("baseline").next(timeout=30)
        return work.full

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=5)) is True
