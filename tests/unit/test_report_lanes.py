"""Reports come after baselines, but never wait forever, and only so many wait at once."""

from __future__ import annotations

import asyncio

from aks_checklist.controller.report_lanes import ReportLanes


def test_a_report_waits_while_a_baseline_is_written_and_goes_once_it_is() -> None:
    async def scenario() -> list[str]:
        events: list[str] = []

        async def report() -> None:
            events.append("report")

        async with ReportLanes(at_once=2, pending=4, patience=5.0) as lanes:
            with lanes.writing_baseline():
                await lanes.submit(report)
                await asyncio.sleep(0.05)
                events.append("baseline written")
        return events

    assert asyncio.run(scenario()) == ["baseline written", "report"]


def test_under_constant_baseline_writes_a_report_goes_after_its_patience() -> None:
    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        ran_at: list[float] = []

        async def report() -> None:
            ran_at.append(loop.time() - started)

        async with ReportLanes(at_once=2, pending=4, patience=0.1) as lanes:
            with lanes.writing_baseline():
                await lanes.submit(report)
                await asyncio.sleep(0.5)  # the lanes never stop writing baselines meanwhile
        return ran_at[0]

    assert 0.1 <= asyncio.run(scenario()) < 0.4


def test_a_lane_waits_when_too_many_reports_are_waiting_and_leaving_waits_for_all() -> None:
    """The pending bound is what caps the snapshots waiting reports hold in memory."""

    async def scenario() -> tuple[int, int, int]:
        release = asyncio.Event()
        done = 0
        peak = running = 0

        async def report() -> None:
            nonlocal done, peak, running
            running += 1
            peak = max(peak, running)
            await release.wait()
            running -= 1
            done += 1

        async with ReportLanes(at_once=2, pending=3, patience=0.0) as lanes:
            for _ in range(3):
                await lanes.submit(report)
            fourth = asyncio.ensure_future(lanes.submit(report))
            await asyncio.sleep(0.05)
            blocked = int(not fourth.done())
            release.set()
            await fourth
        return blocked, peak, done

    assert asyncio.run(scenario()) == (1, 2, 4)
