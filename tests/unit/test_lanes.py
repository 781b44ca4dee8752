"""Bounded parallel passes: every namespace once, never more than the lanes at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from aks_checklist.controller.lanes import each


@pytest.mark.parametrize(
    ("items", "lanes", "peak"),
    [
        pytest.param(20, 4, 4, id="more-items-than-lanes"),
        pytest.param(3, 8, 3, id="fewer-items-than-lanes"),
        pytest.param(5, 1, 1, id="one-lane-is-sequential"),
        pytest.param(0, 4, 0, id="nothing-to-do"),
    ],
)
def test_every_item_is_worked_once_with_at_most_lanes_at_a_time(
    items: int, lanes: int, peak: int
) -> None:
    done: list[int] = []
    running = 0
    highest = 0

    async def work(item: int) -> None:
        nonlocal running, highest
        running += 1
        highest = max(highest, running)
        await asyncio.sleep(0.001)
        running -= 1
        done.append(item)

    asyncio.run(each(range(items), work, lanes=lanes))

    assert sorted(done) == list(range(items))
    assert highest == peak


def test_items_are_started_in_order() -> None:
    started: list[int] = []

    async def work(item: int) -> None:
        started.append(item)
        await asyncio.sleep(0.001 * (item % 3))

    asyncio.run(each(range(12), work, lanes=3))

    assert started == list(range(12))


def test_an_escaping_error_stops_the_other_lanes_and_is_raised() -> None:
    done: list[int] = []

    async def work(item: int) -> None:
        if item == 2:
            raise RuntimeError("boom")
        await asyncio.sleep(0.01)
        done.append(item)

    with pytest.raises(ExceptionGroup) as raised:
        asyncio.run(each(range(50), work, lanes=4))

    assert raised.group_contains(RuntimeError, match="boom")
    assert len(done) < 50


def test_lanes_share_an_asynchronous_source_that_waits_for_more() -> None:
    """Items that arrive while the lanes work are handed out once each, in order."""
    started: list[int] = []

    async def arriving() -> AsyncIterator[int]:
        for item in range(10):
            if item % 3 == 0:
                await asyncio.sleep(0.005)  # more arrive later
            yield item

    async def work(item: int) -> None:
        started.append(item)
        await asyncio.sleep(0.002)

    asyncio.run(each(arriving(), work, lanes=4))

    assert started == list(range(10))
