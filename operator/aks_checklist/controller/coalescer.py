"""Turns bursts of watch events into few reconcile passes, on a clock events cannot stop.

Watch events only mark namespaces dirty; each policy's worker wakes up, waits
a short debounce so a burst (a Helm release creating 40 objects, a namespace
being labelled) settles, then takes the whole dirty set at once. While that
pass runs, its lanes also take the namespaces marked meanwhile once they have
settled for the same debounce (:meth:`PolicyQueue.take_settled`): a namespace
created just after a pass started is served in it, instead of waiting for
every other namespace of the pass and the policy's status write.

The next full pass has an absolute deadline (controller-runtime's SyncPeriod):
events arriving all the time must not postpone it, or Azure refreshes, waiver
expiry and retries would never happen on a busy cluster. Namespaces whose
writes failed are requeued on their own deadlines, with backoff.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterable
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
    namespaces: dict[str, float] = field(default_factory=dict)  # -> when first marked
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    full_due: float = float("inf")  # time.monotonic() of the next periodic full pass
    retries: dict[str, float] = field(default_factory=dict)  # namespace -> when to retry it
    marked: asyncio.Event = field(default_factory=asyncio.Event)  # set by each namespace marked

    def __post_init__(self) -> None:
        self.wake.set()  # the first pass starts at once, without waiting for an event

    def mark(self, namespace: str | None) -> None:
        if namespace is None:
            self.cluster = True
        else:
            self.namespaces.setdefault(namespace, time.monotonic())
            self.marked.set()
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
        work = Work(self.full, self.cluster or self.full, frozenset(self.namespaces.keys() | due))
        self.full = self.cluster = False
        self.namespaces = {}
        self.wake.clear()
        return work

    def take_settled(self, busy: Collection[str] = ()) -> list[str]:
        """Takes the namespaces marked at least a debounce ago, but none of ``busy``.

        A busy namespace is being served right now: it stays marked, for the
        next pass, so one namespace is never served twice at once.
        """
        settled = time.monotonic() - DEBOUNCE_SECONDS
        taken = sorted(
            ns for ns, marked in self.namespaces.items() if marked <= settled and ns not in busy
        )
        for namespace in taken:
            del self.namespaces[namespace]
        if not (self.namespaces or self.full or self.cluster):
            self.wake.clear()
        return taken

    async def absorbing(
        self,
        first: Iterable[str],
        *,
        busy: Collection[str],
        wanted: Callable[[str], bool],
        seconds: float,
    ) -> AsyncIterator[str]:
        """``first``, then the ``wanted`` namespaces marked meanwhile, as they settle.

        A pass's lanes share this iterator: a free lane takes the next
        namespace, so one marked during the pass is served in it. It ends after
        ``seconds``, or a debounce after nothing is left to settle: only ``busy``
        namespaces are marked, and the next pass serves them.
        """
        for namespace in first:
            yield namespace
        until = time.monotonic() + seconds
        while (now := time.monotonic()) < until:
            more = [ns for ns in self.take_settled(busy) if wanted(ns)]
            for namespace in more:
                yield namespace
            if more:
                continue
            settling = [at for ns, at in self.namespaces.items() if ns not in busy]
            if settling:
                await asyncio.sleep(max(0.0, min(settling) + DEBOUNCE_SECONDS - now))
                continue
            # A burst's namespaces arrive over a while: end only after a debounce without one.
            self.marked.clear()
            try:
                await asyncio.wait_for(self.marked.wait(), DEBOUNCE_SECONDS)
            except TimeoutError:
                return


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
