"""Kopf's per-event diff base is built for our policies only: nothing else has change handlers."""

from __future__ import annotations

from typing import Any, cast

import kopf

from aks_checklist.controller.diffbase import PolicyDiffBase

FIELD = "status.kopf.last-handled-configuration"


def body(api_version: str, kind: str, spec: dict[str, Any]) -> kopf.Body:
    raw = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": "x", "labels": {"team": "shop"}},
        "spec": spec,
        "status": {"replicas": 2},
    }
    return kopf.Body(cast("kopf.RawBody", raw))


def test_a_policy_gets_kopfs_own_essence() -> None:
    policy = body("akschecklist.io/v1alpha1", "AksChecklistPolicy", {"enforcement": "Enforce"})

    built = PolicyDiffBase(field=FIELD).build(body=policy)

    assert built == kopf.StatusDiffBaseStorage(field=FIELD).build(body=policy)
    assert dict(built)["spec"] == {"enforcement": "Enforce"}


def test_a_watched_builtin_gets_an_empty_essence_instead_of_a_deep_copy() -> None:
    deployment = body("apps/v1", "Deployment", {"replicas": 2})

    assert PolicyDiffBase(field=FIELD).build(body=deployment) == {}


def test_a_kind_of_the_same_name_in_another_group_is_not_taken_for_a_policy() -> None:
    other = body("example.com/v1", "AksChecklistPolicy", {"enforcement": "Enforce"})

    assert PolicyDiffBase(field=FIELD).build(body=other) == {}
