"""Only events that change what the checks see are worth a namespace pass."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from aks_checklist.controller.changes import ChangeFilter
from aks_checklist.controller.resources import NAMESPACED, pack, slim

DEPLOYMENTS = next(w for w in NAMESPACED if w.kind == "Deployment")
NETWORK_POLICIES = next(w for w in NAMESPACED if w.kind == "NetworkPolicy")


def served(kind: str, version: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "apps/v1" if kind == "Deployment" else "networking.k8s.io/v1",
        "kind": kind,
        "metadata": {
            "name": "shop",
            "namespace": "team-a",
            "uid": "0b5f8e9c-1",
            "resourceVersion": version,
            "labels": {"app": "shop"},
        },
        "spec": {"replicas": 2},
        "status": {"readyReplicas": 0},
    }
    for path, value in changes.items():
        section, key = path.split("__")
        body[section][key] = value
    return body


def seen(changes: ChangeFilter, body: dict[str, Any]) -> bool:
    watched = DEPLOYMENTS if body["kind"] == "Deployment" else NETWORK_POLICIES
    kept = slim(body, watched)
    return changes.changed(watched.index_id, body["metadata"]["resourceVersion"], kept, pack(kept))


@pytest.mark.parametrize(
    ("kind", "second", "news"),
    [
        pytest.param("Deployment", served("Deployment", "1"), False, id="same-version-again"),
        pytest.param(
            "Deployment",
            served("Deployment", "2", status__readyReplicas=2),
            False,
            id="status-only",
        ),
        pytest.param(
            "Deployment", served("Deployment", "2", metadata__labels={}), True, id="labels-changed"
        ),
        pytest.param("Deployment", served("Deployment", "2", spec__replicas=3), True, id="spec"),
        pytest.param(
            "NetworkPolicy", served("NetworkPolicy", "2"), False, id="our-write-version-only"
        ),
        pytest.param(
            "NetworkPolicy",
            served("NetworkPolicy", "2", spec__replicas=1),
            True,
            id="baseline-object-edited",
        ),
    ],
)
def test_an_event_is_news_only_when_the_slim_form_changes(
    kind: str, second: dict[str, Any], news: bool
) -> None:
    changes = ChangeFilter()
    assert seen(changes, served(kind, "1")) is True  # first sight

    assert seen(changes, second) is news


def test_a_forgotten_object_is_news_again() -> None:
    changes = ChangeFilter()
    body = served("Deployment", "1")
    seen(changes, body)

    changes.forget(DEPLOYMENTS.index_id, body["metadata"]["uid"])

    assert seen(changes, copy.deepcopy(body)) is True
    assert len(changes) == 1
