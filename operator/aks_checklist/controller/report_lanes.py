"""Reports after baselines: what a pass writes first when the API server is the bottleneck.

A burst of new namespaces needs three baseline objects and a report each; the
baseline objects are what protects a namespace, the report is what a person
looks at. A pass's lanes therefore hand each namespace's report to a few report
lanes and move on to the next baseline, and a report waits while any lane is
writing a baseline, but never for longer than ``patience``: under constant
churn (a cluster being filled) the lanes are never idle, and reports must
still come. At most ``pending`` reports wait at once; beyond that the lane
waits too, which bounds what the waiting reports hold in memory (each keeps its
namespace's snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType


class ReportLanes:
    def __init__(self, *, at_once: int, pending: int, patience: float) -> None:
        self._at_once = asyncio.Semaphore(at_once)
        self._pending = asyncio.Semaphore(pending)
        self._patience = patience
        self._writing = 0
        self._baselines_written = asyncio.Event()
        self._baselines_written.set()
        self._group = asyncio.TaskGroup()

    async def __aenter__(self) -> ReportLanes:
        await self._group.__aenter__()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Waits for every submitted report."""
        await self._group.__aexit__(kind, error, trace)

    @contextlib.contextmanager
    def writing_baseline(self) -> Iterator[None]:
        """Marks a lane writing a baseline; reports wait (for a while) until none is."""
        self._writing += 1
        self._baselines_written.clear()
        try:
            yield
        finally:
            self._writing -= 1
            if not self._writing:
                self._baselines_written.set()

    async def submit(self, report: Callable[[], Awaitable[None]]) -> None:
        """Schedules ``report``; waits first while ``pending`` reports are already waiting.

        ``report`` handles its own errors: one that escapes cancels the pass.
        """
        await self._pending.acquire()
        self._group.create_task(self._run(report))

    async def _run(self, report: Callable[[], Awaitable[None]]) -> None:
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._baselines_written.wait(), self._patience)
            async with self._at_once:
                await report()
        finally:
            self._pending.release()
