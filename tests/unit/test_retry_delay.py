"""The shared retry rule: grows, jitters within ±50 %, honours Retry-After, never past the cap."""

from __future__ import annotations

import random

import pytest

from aks_checklist.retry_delay import retry_delay


@pytest.mark.parametrize(
    ("attempt", "retry_after", "low", "high"),
    [
        pytest.param(0, None, 0.5, 1.5, id="first-retry-around-base"),
        pytest.param(3, None, 4.0, 12.0, id="doubles-per-attempt"),
        pytest.param(20, None, 30.0, 60.0, id="capped-even-with-jitter"),
        pytest.param(0, 7.0, 7.0, 7.0, id="retry-after-wins-over-a-shorter-delay"),
        pytest.param(0, 900.0, 60.0, 60.0, id="retry-after-capped-too"),
    ],
)
def test_delays_stay_within_their_bounds(
    attempt: int, retry_after: float | None, low: float, high: float
) -> None:
    rng = random.Random(7)  # noqa: S311  # jitter, seeded for a repeatable test
    delays = [
        retry_delay(attempt, base=1.0, cap=60.0, rng=rng, retry_after=retry_after)
        for _ in range(200)
    ]
    assert low <= min(delays) <= max(delays) <= high
