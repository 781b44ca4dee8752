"""Carries out a plan's actions and says what each one did.

The plan decided; this module only writes. A namespace's actions are
independent of each other (each object is created, repaired or deleted on its
own merits), so a few are in flight at once and a failed write stops none of
the others. Every outcome, good or bad, goes back to the caller, whose report
and conditions are built from outcomes, not from intentions. Before a
PodDisruptionBudget owned by a workload is created, the workload's uid is
confirmed with the API server: a ghost left in an index would otherwise get a
budget the garbage collector deletes again at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import kopf
import structlog

from aks_checklist.baseline.plan import Action, Outcome
from aks_checklist.controller.lanes import each
from aks_checklist.kube.writer import WriteError, Writer

log = structlog.get_logger("aks_checklist.executor")


ACTIONS_AT_ONCE = 4  # a namespace's writes in flight together (its lane's share)


async def execute(writer: Writer, actions: Sequence[Action], policy: str) -> list[Outcome]:
    """Every action's outcome, in the actions' order; the writes themselves overlap."""
    outcomes: dict[int, Outcome] = {}

    async def perform(numbered: tuple[int, Action]) -> None:
        index, action = numbered
        outcomes[index] = await _execute_one(writer, action, policy)

    await each(enumerate(actions), perform, lanes=ACTIONS_AT_ONCE)
    return [outcomes[index] for index in range(len(actions))]


async def _execute_one(writer: Writer, action: Action, policy: str) -> Outcome:
    try:
        uid = await asyncio.to_thread(_perform, writer, action)
    except WriteError as error:
        log.warning(
            f"Failed to write {action.kind}",
            namespace=action.namespace,
            name=action.name,
            verb=action.verb,
            error=str(error),
        )
        return Outcome(action, str(error), error.transient, error.retry_after)
    except OwnerGoneError as gone:
        return Outcome(action, str(gone), transient=True)
    log.info(
        f"{action.past_tense} {action.kind}",
        namespace=action.namespace,
        name=action.name,
        policy=policy,
        reason=action.reason,
    )
    return Outcome(action, uid=uid)


@dataclass(frozen=True, slots=True)
class Written:
    """An object a pass created or repaired, kept without its body until the pass announces it."""

    api_version: str
    kind: str
    namespace: str
    name: str
    uid: str
    past_tense: str
    reason: str


def written(outcomes: Iterable[Outcome]) -> list[Written]:
    return [
        Written(
            o.action.body["apiVersion"] if o.action.body else "v1",
            o.action.kind,
            o.action.namespace,
            o.action.name,
            o.uid,
            o.action.past_tense,
            o.action.reason,
        )
        for o in outcomes
        if o.ok and o.uid
    ]


def announce(objects: Iterable[Written], policy: str) -> None:
    """An Event on each object written, saying why: posted once the pass's writes are done.

    In a burst of 100 namespaces, 300 Events posted as the objects were
    created competed with the writes that protect the namespaces.
    """
    for obj in objects:
        raw = {
            "apiVersion": obj.api_version,
            "kind": obj.kind,
            "metadata": {"name": obj.name, "namespace": obj.namespace, "uid": obj.uid},
        }
        kopf.info(
            kopf.Body(cast("kopf.RawBody", raw)),
            reason=obj.past_tense,
            message=f"{obj.past_tense} by AksChecklistPolicy {policy}: {obj.reason}",
        )


class OwnerGoneError(Exception):
    pass


def _perform(writer: Writer, action: Action) -> str | None:
    """Executes one action; returns the uid of a created or updated object."""
    if action.verb == "delete":
        writer.delete(
            action.kind, action.namespace, action.name, action.uid, action.resource_version
        )
        return None
    assert action.body is not None
    if action.verb == "update":
        return writer.update(action.body, action.resource_version)
    for owner in action.body["metadata"].get("ownerReferences") or ():
        if owner["kind"] in ("Deployment", "StatefulSet"):
            live = writer.owner_uid(owner["kind"], action.namespace, owner["name"])
            if live != owner["uid"]:
                raise OwnerGoneError(
                    f"{owner['kind']} {owner['name']} is no longer the object that was judged"
                )
    return writer.create(action.body)
