"""After a 429 every writer waits; the hold honours Retry-After and grows while rejections go on."""

from __future__ import annotations

import random

import pytest

from aks_checklist.kube.throttle import BASE_SECONDS, CAP_SECONDS, Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def throttle(clock: Clock) -> Throttle:
    return Throttle(clock=clock, sleep=clock.sleep, rng=random.Random(7))  # noqa: S311  # seeded jitter


def test_without_a_rejection_nobody_waits() -> None:
    clock = Clock()
    assert throttle(clock).wait() == 0
    assert clock.slept == []


@pytest.mark.parametrize(
    ("retry_after", "at_least"),
    [
        pytest.param(4.0, 4.0, id="retry-after-is-honoured"),
        pytest.param(None, BASE_SECONDS * 0.5, id="without-header-a-jittered-base-delay"),
        pytest.param(3600.0, CAP_SECONDS, id="a-huge-retry-after-is-capped"),
    ],
)
def test_a_rejection_holds_the_next_writer(retry_after: float | None, at_least: float) -> None:
    clock = Clock()
    gate = throttle(clock)

    held = gate.rejected(retry_after)
    waited = gate.wait()

    assert waited == pytest.approx(held)
    assert at_least <= held <= max(at_least, CAP_SECONDS)
    assert gate.wait() == 0  # the hold is over once waited out


def test_repeated_rejections_hold_longer_until_a_write_goes_through() -> None:
    clock = Clock()
    gate = throttle(clock)
    holds = []
    for _ in range(5):
        holds.append(gate.rejected(None))
        gate.wait()
    gate.accepted()
    after_success = gate.rejected(None)

    assert holds[-1] > 4 * holds[0]
    assert after_success < holds[-1] / 4


def test_a_second_rejection_never_shortens_a_hold_in_force() -> None:
    clock = Clock()
    gate = throttle(clock)
    long = gate.rejected(10.0)
    short = gate.rejected(0.1)
    assert short == pytest.approx(long)
