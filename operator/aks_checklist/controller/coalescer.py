"""Turns bursts of watch events into few reconcile passes.

Watch events only mark namespaces dirty; each policy's worker wakes up,
waits a short debounce so a burst (a Helm release creating 40 objects, a
namespace being labelled) settles, then takes the whole dirty set at once.
"""

from __future__ import annotations

import asyncio
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

    async def next(self, timeout: float) -> Work:
        """Waits for events (or ``timeout``, which means a full pass), then takes them all."""
        try:
            await asyncio.wait_for(self.wake.wait(), timeout)
        except TimeoutError:
            self.full = True
        await asyncio.sleep(DEBOUNCE_SECONDS)
        work = Work(self.full, self.cluster or self.full, frozenset(self.namespaces))
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
