"""Holds every write of the process for a while once the API server says 429.

A 429 comes from API Priority and Fairness (the operator's flow is out of
seats), from a server still initialising its storage, or from a rate limit in
front of it. Each is about the server, not the one request: retrying only that
request while the other lanes keep writing would make it worse. So the first
429 holds all writers until its Retry-After (or a jittered exponential delay,
growing while rejections continue) has passed; the failed write itself is
retried later by its namespace's own backoff.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from aks_checklist.retry_delay import retry_delay

BASE_SECONDS = 0.5
CAP_SECONDS = 30.0


class Throttle:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311  # jitter, not secrecy
        self._lock = threading.Lock()
        self._until = 0.0
        self._strikes = 0

    def wait(self) -> float:
        """Blocks the calling thread until no hold is in force; returns the seconds it waited."""
        waited = 0.0
        while True:
            with self._lock:
                left = self._until - self._clock()
            if left <= 0:
                return waited
            self._sleep(left)
            waited += left

    def rejected(self, retry_after: float | None) -> float:
        """Records a 429; returns how long writers are now held from this moment."""
        with self._lock:
            delay = retry_delay(
                self._strikes,
                base=BASE_SECONDS,
                cap=CAP_SECONDS,
                rng=self._rng,
                retry_after=retry_after,
            )
            self._strikes += 1
            self._until = max(self._until, self._clock() + delay)
            return self._until - self._clock()

    def accepted(self) -> None:
        """A write went through: the next rejection starts from the base delay again."""
        with self._lock:
            self._strikes = 0
