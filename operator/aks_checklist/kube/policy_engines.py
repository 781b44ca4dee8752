"""Kyverno policies that verify images, listed on the full pass when the cluster serves them.

CSEC-06 (strict) passes when something verifies images at admission: Ratify,
found by its CRDs, or a Kyverno policy with a ``verifyImages`` rule. Kyverno
policies are custom resources that exist only where Kyverno is installed, so
they are not watched: when discovery lists ``clusterpolicies.kyverno.io`` or
``policies.kyverno.io`` they are listed, a page at a time, and reduced to
the rules that verify images. A failed list keeps the last answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import structlog
from kubernetes.client import ApiClient

from aks_checklist.kube.rest import Rest

log = structlog.get_logger("aks_checklist.discovery")

PAGE = 500
GROUP_VERSION = "kyverno.io/v1"
KINDS = {"clusterpolicies.kyverno.io": "ClusterPolicy", "policies.kyverno.io": "Policy"}


def verifying(policy: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    """The policy as CSEC-06 reads it, with only its verifyImages rules; None when it has none."""
    rules = [
        {"name": rule.get("name"), "verifyImages": rule["verifyImages"]}
        for rule in (policy.get("spec") or {}).get("rules") or ()
        if isinstance(rule, Mapping) and rule.get("verifyImages")
    ]
    if not rules:
        return None
    metadata = policy.get("metadata") or {}
    return {
        "apiVersion": GROUP_VERSION,
        "kind": kind,
        "metadata": {key: metadata[key] for key in ("name", "namespace", "uid") if key in metadata},
        "spec": {"rules": rules},
    }


class PolicyEngines:
    """Polls Kyverno's image-verifying policies; :attr:`objects` is the last good answer."""

    def __init__(self, api: ApiClient) -> None:
        self.rest = Rest(api)
        self.objects: tuple[dict[str, Any], ...] = ()

    def poll(self, served: Iterable[str]) -> tuple[dict[str, Any], ...]:
        """Lists the kinds of :data:`KINDS` among ``served``; on failure keeps the last answer."""
        try:
            found: list[dict[str, Any]] = []
            for name in sorted(set(served) & set(KINDS)):
                plural = name.split(".", 1)[0]
                found.extend(
                    slim
                    for item in self._list(plural)
                    if (slim := verifying(item, KINDS[name])) is not None
                )
            self.objects = tuple(found)
        except Exception as error:  # keep the last answer; the next full pass retries
            log.warning("Failed to list Kyverno policies", error=str(error))
        return self.objects

    def _list(self, plural: str) -> Iterable[Mapping[str, Any]]:
        token: str | None = None
        while True:
            query = [("limit", str(PAGE))] + ([("continue", token)] if token else [])
            page: dict[str, Any] = self.rest.get(f"/apis/{GROUP_VERSION}/{plural}", query=query)
            yield from page.get("items") or ()
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return
