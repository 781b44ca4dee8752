"""Bursts of watch events become one pass per policy; full passes keep their deadline."""

from __future__ import annotations

import asyncio
import time

from aks_checklist.controller.coalescer import DEBOUNCE_SECONDS, Coalescer, PolicyQueue


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
    assert queue.namespaces == {}


def test_a_running_pass_takes_only_settled_namespaces_and_none_being_served() -> None:
    """Marked a debounce ago: taken; just marked, or served by a lane now: left for later."""

    async def scenario() -> tuple[list[str], list[str], set[str], bool]:
        queue = PolicyQueue()
        await queue.next()
        queue.mark("settled")
        queue.mark("served-now")
        await asyncio.sleep(DEBOUNCE_SECONDS + 0.05)
        queue.mark("just-marked")
        taken = queue.take_settled(busy={"served-now"})
        await asyncio.sleep(DEBOUNCE_SECONDS + 0.05)
        later = queue.take_settled(busy={"served-now"})
        return taken, later, set(queue.namespaces), queue.wake.is_set()

    taken, later, left, wake = asyncio.run(scenario())
    assert taken == ["settled"]
    assert later == ["just-marked"]
    assert left == {"served-now"}
    assert wake, "a namespace is still marked, so the next pass must come"


def test_taking_the_last_marked_namespace_lets_the_queue_sleep() -> None:
    async def scenario() -> tuple[list[str], bool]:
        queue = PolicyQueue()
        await queue.next()
        queue.mark("shop")
        await asyncio.sleep(DEBOUNCE_SECONDS + 0.05)
        return queue.take_settled(), queue.wake.is_set()

    assert asyncio.run(scenario()) == (["shop"], False)


def test_a_pass_serves_namespaces_marked_while_it_runs_until_its_time_is_up() -> None:
    """The lanes' iterator waits for what is marked meanwhile to settle, skips the unwanted,
    leaves busy namespaces to the next pass, and stops taking more when its time is up."""

    async def scenario(seconds: float) -> tuple[list[str], set[str]]:
        queue = PolicyQueue()
        await queue.next()
        served: list[str] = []
        async for namespace in queue.absorbing(
            ["first"], busy={"busy"}, wanted=lambda ns: ns != "kube-system", seconds=seconds
        ):
            served.append(namespace)
            if namespace == "first":
                for marked in ("created-meanwhile", "kube-system", "busy"):
                    queue.mark(marked)
        return served, set(queue.namespaces)

    assert asyncio.run(scenario(5.0)) == (["first", "created-meanwhile"], {"busy"})
    assert asyncio.run(scenario(0.0)) == (["first"], {"created-meanwhile", "kube-system", "busy"})
