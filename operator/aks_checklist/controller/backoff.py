"""Per-namespace retry delays: jittered exponential backoff, honouring Retry-After.

A namespace whose writes failed is requeued on its own, without waiting for the
next full pass and without hammering an API server that is throttling us.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from aks_checklist.retry_delay import retry_delay

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
        return retry_delay(
            attempt, base=self.base, cap=self.cap, rng=self.rng, retry_after=retry_after
        )

    def succeeded(self, key: str) -> None:
        self.attempts.pop(key, None)
