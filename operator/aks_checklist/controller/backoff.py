"""Per-namespace retry delays: jittered exponential backoff, honouring Retry-After.

A namespace whose writes failed is requeued on its own, without waiting for the
next full pass and without hammering an API server that is throttling us.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

BASE_SECONDS = 1.0
CAP_SECONDS = 300.0


@dataclass
class Backoff:
    base: float = BASE_SECONDS
    cap: float = CAP_SECONDS
    attempts: dict[str, int] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)

    def failed(self, key: str, retry_after: float | None = None) -> float:
        """Records a failure of ``key``; returns the seconds to wait before retrying it."""
        attempt = self.attempts.get(key, 0)
        self.attempts[key] = attempt + 1
        delay = min(self.cap, self.base * 2.0**attempt) * self.rng.uniform(0.5, 1.5)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return float(min(delay, self.cap))

    def succeeded(self, key: str) -> None:
        self.attempts.pop(key, None)
