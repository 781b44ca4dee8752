"""What the operator keeps of a watched object: less memory, the same verdicts.

The indexes hold every watched object of the cluster, so ``slim`` drops what
no check reads and ``pack`` holds the rest as bytes; a check must never judge
a slimmed object differently from the object as the API server sent it.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

from aks_checklist.checks.engine import evaluate
from aks_checklist.checks.snapshot import Snapshot
from aks_checklist.controller.resources import (
    CLUSTER_SCOPED,
    LAST_APPLIED,
    NAMESPACED,
    Watched,
    pack,
    slim,
)
from tests.unit.checks.builders import deployment

FIXTURES = Path(__file__).parent / "fixtures"
WATCHED: dict[str, Watched] = {w.kind: w for w in (*NAMESPACED, *CLUSTER_SCOPED)}


def as_served(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with what the API server and kubectl add: managedFields, status, last-applied."""
    served = copy.deepcopy(obj)
    metadata = served.setdefault("metadata", {})
    metadata.setdefault("annotations", {})[LAST_APPLIED] = yaml.safe_dump(obj) * 3
    metadata["managedFields"] = [
        {"manager": "kubectl", "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
        {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:metadata": {}}},
    ]
    metadata["resourceVersion"] = "123"
    served["status"] = {"observedGeneration": 1, "replicas": 2, "conditions": [{"type": "x"}]}
    return served


def corpus_objects() -> list[dict[str, Any]]:
    objects = []
    for path in sorted([*FIXTURES.glob("corpus/**/*.yaml"), *FIXTURES.glob("manifests/**/*.yaml")]):
        try:
            docs = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError:
            continue  # the broken-input fixtures
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") in WATCHED:
                objects.append(doc)
    return objects


def test_slimmed_corpus_objects_get_the_verdicts_of_the_objects_as_served() -> None:
    objects = corpus_objects()
    assert len(objects) > 30  # the corpus holds a realistic mix of watched kinds

    def verdicts(objs: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for obj in objs:
            by_namespace.setdefault(obj["metadata"].get("namespace", "default"), []).append(obj)
        found = evaluate(
            Snapshot(ns, members, complete=True) for ns, members in by_namespace.items()
        )
        return sorted((f.rule, f.result.value, f.message) for f in found)

    served = [as_served(obj) for obj in objects]
    slimmed = [slim(obj, WATCHED[obj["kind"]]) for obj in served]

    assert verdicts(slimmed) == verdicts(served)


def test_what_no_check_reads_is_dropped_and_other_annotations_are_kept() -> None:
    body = as_served(deployment("web", annotations={"team": "payments"}))

    kept = slim(body, WATCHED["Deployment"])

    assert kept["metadata"]["managedFields"] == [{"manager": "kubectl"}]
    assert "status" not in kept
    assert kept["metadata"]["annotations"] == {"team": "payments"}
    assert body["metadata"]["annotations"][LAST_APPLIED]  # the event's own body is untouched


def test_a_packed_object_unpacks_to_an_equal_fresh_copy_in_a_third_of_the_memory() -> None:
    web = deployment("web", annotations={"team": "payments"})
    web["metadata"]["uid"] = "5c0e2d1e-0000-4000-8000-000000000001"
    kept = slim(as_served(web), WATCHED["Deployment"])

    packed = pack(kept)
    first, second = packed.unpack(), packed.unpack()

    assert first == second == kept
    assert first is not second  # a pass may change what it unpacked
    assert packed.uid == "5c0e2d1e-0000-4000-8000-000000000001"
    assert len(packed.data) * 3 < _held(kept)


def _held(value: Any) -> int:
    """Bytes the value and everything in it hold as Python objects."""
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(_held(k) + _held(v) for k, v in value.items())
    if isinstance(value, list):
        return sys.getsizeof(value) + sum(_held(v) for v in value)
    return sys.getsizeof(value)
