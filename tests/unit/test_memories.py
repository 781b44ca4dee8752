"""Kopf keeps a record between events for our policies only: nothing else has daemons."""

from __future__ import annotations

import asyncio
from typing import Any

import kopf
import pytest

from aks_checklist.controller.memories import memories


def raw(api_version: str, kind: str, uid: str) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "uid": uid}}


def recalled_twice(body: dict[str, Any]) -> tuple[Any, Any, int]:
    kept = memories()
    assert kept is not None, "Kopf's inventory module moved: controller/memories.py needs a look"
    base = kopf.Memo(state="shared")

    async def twice() -> tuple[Any, Any]:
        first = await kept.recall(body, memobase=base, noticed_by_listing=True)
        second = await kept.recall(body, memobase=base)
        return first, second

    first, second = asyncio.run(twice())
    return first, second, len(list(kept.iter_all_memories()))


def test_a_policy_keeps_one_record_across_events() -> None:
    first, second, held = recalled_twice(raw("akschecklist.io/v1alpha1", "AksChecklistPolicy", "p"))

    assert first is second
    assert held == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(raw("apps/v1", "Deployment", "d"), id="deployment"),
        pytest.param(raw("v1", "Namespace", "n"), id="namespace"),
        pytest.param(raw("akschecklist.io/v1alpha1", "AksCompliance", "r"), id="report"),
        pytest.param(raw("example.com/v1", "AksChecklistPolicy", "o"), id="same-kind-other-group"),
    ],
)
def test_other_kinds_get_a_record_for_the_event_only(body: dict[str, Any]) -> None:
    first, second, held = recalled_twice(body)

    assert first is not second
    assert held == 0
    assert first.memo.state == "shared"  # handlers still reach the operator's state
