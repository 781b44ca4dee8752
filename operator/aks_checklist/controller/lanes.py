"""Runs one coroutine per item on a few lanes at once, so a pass writes in parallel, bounded.

Writes of one namespace depend on each other (a report follows the objects it
describes), writes of different namespaces do not. A pass therefore gives each
namespace to one lane, which handles it from start to end, and runs a small,
fixed number of lanes together: the API server sees at most that many requests
from us at a time, whatever the size of the burst.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


async def each(
    items: Iterable[T] | AsyncIterable[T], work: Callable[[T], Awaitable[None]], *, lanes: int
) -> None:
    """Awaits ``work(item)`` for every item, at most ``lanes`` at a time, in the items' order.

    ``items`` may be asynchronous, waiting for more to arrive: the lanes take
    turns asking it. ``work`` handles its own errors: one that escapes cancels
    the other lanes and is raised.
    """
    pending = _Shared(items)

    async def lane() -> None:
        async for item in pending:  # the lanes share the iterator: each takes the next item
            await work(item)
            await asyncio.sleep(0)  # let watch events and probes in between items

    async with asyncio.TaskGroup() as group:
        for _ in range(max(1, lanes)):
            group.create_task(lane())


class _Shared(Generic[T]):
    """One iterator several lanes can ask at once: they wait their turn for the next item.

    (An async generator cannot be: a second lane's ``anext`` while the first
    one's is suspended raises ``RuntimeError``.)
    """

    def __init__(self, items: Iterable[T] | AsyncIterable[T]) -> None:
        self._items: Iterator[T] | None = None
        self._source: AsyncIterator[T] | None = None
        if isinstance(items, AsyncIterable):
            self._source = aiter(items)
        else:
            self._items = iter(items)
        self._turn = asyncio.Lock()

    def __aiter__(self) -> _Shared[T]:
        return self

    async def __anext__(self) -> T:
        if self._items is not None:
            try:
                return next(self._items)
            except StopIteration:
                raise StopAsyncIteration from None
        assert self._source is not None
        async with self._turn:
            return await anext(self._source)
