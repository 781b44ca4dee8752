"""Turns bursts of watch events into few reconcile passes, on a clock events cannot stop.

Watch events only mark namespaces dirty; each policy's worker wakes up, waits
a short debounce so a burst (a Helm release creating 40 objects, a namespace
being labelled) settles, then takes the whole dirty set at once.

The next full pass has an absolute deadline (controller-runtime's SyncPeriod):
events arriving all the time must not postpone it, or Azure refreshes, waiver
expiry and retries would never happen on a busy cluster. Namespaces whose
writes failed are requeued on their own deadlines, with backoff.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

DEBOUNCE_SECONDS = 0.2


@dataclass
class Work:
    full: bool
    cluster: bool
    namespaces: frozenset[str]

    @property
    def empty(self) -> bool:
        return not (self.full or self.cluster or self.namespaces)


@dataclass
class PolicyQueue:
    full: bool = True  # a new worker starts with a full pass
    cluster: bool = True
    namespaces: set[str] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    full_due: float = float("inf")  # time.monotonic() of the next periodic full pass
    retries: dict[str, float] = field(default_factory=dict)  # namespace -> when to retry it

    def __post_init__(self) -> None:
        self.wake.set()  # the first pass starts at once, without waiting for an event

    def mark(self, namespace: str | None) -> None:
        if namespace is None:
            self.cluster = True
        else:
            self.namespaces.add(namespace)
        self.wake.set()

    def mark_full(self) -> None:
        self.full = True
        self.wake.set()

    def schedule_full(self, seconds: float) -> None:
        """Sets the deadline of the next full pass, ``seconds`` from now."""
        self.full_due = time.monotonic() + seconds

    def requeue(self, namespace: str, seconds: float) -> None:
        """Retries ``namespace`` in ``seconds``, unless an earlier retry is already due."""
        due = time.monotonic() + seconds
        self.retries[namespace] = min(due, self.retries.get(namespace, due))

    def _next_deadline(self) -> float:
        return min([self.full_due, *self.retries.values()])

    async def next(self) -> Work:
        """Waits for events or the earliest deadline, then takes everything that is due."""
        while not self.wake.is_set():
            remaining = self._next_deadline() - time.monotonic()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self.wake.wait(), min(remaining, 3600.0))
            except TimeoutError:
                continue
        await asyncio.sleep(DEBOUNCE_SECONDS)
        now = time.monotonic()
        if now >= self.full_due:
            self.full = True
        due = {ns for ns, at in self.retries.items() if at <= now}
        for namespace in due:
            del self.retries[namespace]
        work = Work(self.full, self.cluster or self.full, frozenset(self.namespaces | due))
        self.full = self.cluster = False
        self.namespaces = set()
        self.wake.clear()
        return work


class Coalescer:
    """Fans watch events out to every policy's queue."""

    def __init__(self) -> None:
        self._queues: dict[str, PolicyQueue] = {}

    def queue(self, policy: str) -> PolicyQueue:
        return self._queues.setdefault(policy, PolicyQueue())

    def forget(self, policy: str) -> None:
        self._queues.pop(policy, None)

    def mark(self, namespace: str | None) -> None:
        for queue in self._queues.values():
            queue.mark(namespace)

    def mark_full(self, policy: str | None = None) -> None:
        for name, queue in self._queues.items():
            if policy is None or name == policy:
                queue.mark_full()
