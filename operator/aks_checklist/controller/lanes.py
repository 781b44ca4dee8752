"""Runs one coroutine per item on a few lanes at once, so a pass writes in parallel, bounded.

Writes of one namespace depend on each other (a report follows the objects it
describes), writes of different namespaces do not. A pass therefore gives each
namespace to one lane, which handles it from start to end, and runs a small,
fixed number of lanes together: the API server sees at most that many requests
from us at a time, whatever the size of the burst.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def each(items: Iterable[T], work: Callable[[T], Awaitable[None]], *, lanes: int) -> None:
    """Awaits ``work(item)`` for every item, at most ``lanes`` at a time, in the items' order.

    ``work`` handles its own errors: one that escapes cancels the other lanes and is raised.
    """
    pending = iter(items)

    async def lane() -> None:
        for item in pending:  # the lanes share the iterator: each takes the next item
            await work(item)
            await asyncio.sleep(0)  # let watch events and probes in between items

    async with asyncio.TaskGroup() as group:
        for _ in range(max(1, lanes)):
            group.create_task(lane())
