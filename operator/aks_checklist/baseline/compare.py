"""Decides whether a live object already matches what we would apply.

A pass that finds everything in place must make no write at all, so the
comparison has to see through what the API server does to what we send:
quantities come back canonicalised (``1000m`` as ``1``) and other tools may
add labels or annotations of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aks_checklist.policy import parse_quantity


def _same_value(desired: Any, live: Any) -> bool:
    if isinstance(desired, Mapping):
        return (
            isinstance(live, Mapping)
            and desired.keys() == live.keys()
            and all(_same_value(desired[key], live[key]) for key in desired)
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(desired) == len(live)
            and all(_same_value(d, v) for d, v in zip(desired, live, strict=True))
        )
    if desired == live:
        return True
    if isinstance(desired, str) and isinstance(live, str):
        try:
            return parse_quantity(desired) == parse_quantity(live)
        except ValueError:  # not quantities ("UDP", "Ingress", "25%"): they simply differ
            return False
    return False


def _normalised_spec(obj: Mapping[str, Any]) -> dict[str, Any]:
    spec = dict(obj.get("spec") or {})
    # Empty rule lists and absent ones mean the same thing to the API server.
    for key in ("ingress", "egress"):
        if spec.get(key) in (None, []):
            spec.pop(key, None)
    return spec


def _owners(obj: Mapping[str, Any]) -> set[str]:
    return {str(ref.get("uid")) for ref in obj.get("metadata", {}).get("ownerReferences") or ()}


def in_place(desired: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    """True when applying ``desired`` would change nothing we care about in ``live``."""
    desired_meta, live_meta = desired.get("metadata", {}), live.get("metadata", {})
    for key in ("labels", "annotations"):
        wanted, present = desired_meta.get(key) or {}, live_meta.get(key) or {}
        if any(present.get(k) != v for k, v in wanted.items()):
            return False
    if not _owners(desired) <= _owners(live):
        return False
    return _same_value(_normalised_spec(desired), _normalised_spec(live))
