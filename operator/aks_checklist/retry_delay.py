"""The one retry delay of the project: jittered, exponential, capped, and never under Retry-After.

Two places wait before trying again: a namespace whose writes failed
(controller/backoff.py) and every writer after the API server said 429
(kube/throttle.py). They wait for different things, by the same rule.
"""

from __future__ import annotations

import random


def retry_delay(
    attempt: int, *, base: float, cap: float, rng: random.Random, retry_after: float | None = None
) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (``attempt`` failures so far, from 0).

    ``base * 2**attempt`` jittered by ±50 % so that many waiters do not come back
    together, at least the server's ``retry_after``, and at most ``cap``.
    """
    delay = min(cap, base * 2.0**attempt) * rng.uniform(0.5, 1.5)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(min(delay, cap))
