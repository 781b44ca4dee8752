"""Measures how late the event loop runs: the operator's own sign of work that does not yield.

Everything the operator does (watch streams, the liveness endpoint, the
peering heartbeat, every policy's pass) shares one event loop. A step that
computes for 200 ms without awaiting delays all of them by 200 ms. A timer
that asks to wake every ``INTERVAL`` seconds and notes how much later it
actually woke measures exactly that delay, at the cost of one wake-up per
interval; the histogram is ``aks_checklist_event_loop_lag_seconds``.
"""

from __future__ import annotations

import asyncio
import time

from aks_checklist.observability import EVENT_LOOP_LAG

INTERVAL = 0.25


async def watch_lag(interval: float = INTERVAL) -> None:
    """Runs until cancelled, observing each wake-up's delay."""
    while True:
        started = time.monotonic()
        await asyncio.sleep(interval)
        EVENT_LOOP_LAG.observe(max(0.0, time.monotonic() - started - interval))
