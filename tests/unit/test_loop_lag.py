"""The event-loop lag histogram records a step that blocks the loop for its duration."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import REGISTRY

from aks_checklist.controller.loop_lag import watch_lag


def _observed() -> tuple[float, float]:
    count = REGISTRY.get_sample_value("aks_checklist_event_loop_lag_seconds_count") or 0.0
    total = REGISTRY.get_sample_value("aks_checklist_event_loop_lag_seconds_sum") or 0.0
    return count, total


def test_a_blocking_step_shows_up_as_lag() -> None:
    async def scenario() -> None:
        monitor = asyncio.create_task(watch_lag(0.01))
        await asyncio.sleep(0.05)
        time.sleep(0.2)  # a pass computing without yielding
        await asyncio.sleep(0.05)
        monitor.cancel()

    count_before, sum_before = _observed()
    asyncio.run(scenario())
    count, total = _observed()

    assert count > count_before
    assert total - sum_before >= 0.15
