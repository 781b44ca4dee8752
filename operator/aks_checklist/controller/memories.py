"""Kopf's per-object memories, kept only for the kind that needs them: our policies.

Kopf remembers every object it has seen an event of until the object is
deleted: a record with a copy of the operator's memo, an error throttler and
the state of its daemons, timers and resumable handlers. Of the kinds the
operator watches only the policies have daemons and change handlers; every
other kind has an index and a tap for deletions, which read nothing of that
record between two events. At 1,000 namespaces x 5 applications that is 25,000
records of about 1.1 KB each, a seventh of the operator's memory, for nothing.

For those kinds the record is made for the event and dropped after it (Kopf's
own "ephemeral" recall, made for admission webhooks). What is lost is the
throttling of an object's repeated processing errors across events, which
Kopf logs either way.

The class lives in a private Kopf module: if a Kopf release moves it, the
operator runs with Kopf's own memories (and a test of this module fails).
"""

from __future__ import annotations

from typing import Any

import structlog

from aks_checklist.controller.resources import POLICIES

log = structlog.get_logger("aks_checklist.controller")


def remembers(raw_body: Any) -> bool:
    """Whether Kopf should keep the object's record between events: policies only."""
    return bool(
        raw_body.get("kind") == POLICIES.kind and raw_body.get("apiVersion") == POLICIES.api_version
    )


def memories() -> Any:
    """What ``kopf.run(memories=...)`` takes: ours, or None for Kopf's own."""
    try:
        from kopf._core.reactor.inventory import ResourceMemories, ResourceMemory
    except ImportError:  # pragma: no cover - a Kopf release that moved it
        log.warning("Kept Kopf's own per-object memories: its inventory module has moved")
        return None

    class PolicyMemories(ResourceMemories):
        async def recall(
            self, raw_body: Any, *, ephemeral: bool = False, **kwargs: Any
        ) -> ResourceMemory:
            ephemeral = ephemeral or not remembers(raw_body)
            return await super().recall(raw_body, ephemeral=ephemeral, **kwargs)

    return PolicyMemories()
