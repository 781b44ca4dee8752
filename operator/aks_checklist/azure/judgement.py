"""Judges a cluster together with the Azure resources around it, for the operator's full pass.

:func:`judge_with_resources` reads the same bundle ``aks-checklist aks collect``
writes (:func:`aks_checklist.azure.resources.collect_bundle`) and judges it
with the same rules as ``aks-checklist aks bundle.json``; :func:`read_condition`
turns the reads that failed into one condition (status, reason, message) that
names every failed part and how to grant what is missing. A failed part makes
its items Error, never a false Pass; only an unreadable cluster is an
:class:`~aks_checklist.azure.errors.AzureError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from aks_checklist.azure.errors import AzureError
from aks_checklist.azure.fetch import ArmSettings
from aks_checklist.azure.resources import ReadError, collect_bundle
from aks_checklist.checks.aks import NotAManagedClusterError, evaluate_bundle
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding
from aks_checklist.policy import AzureTarget

# The order in which one failed reason wins the condition's reason when several parts fail.
_REASON_ORDER = ("Unauthenticated", "Forbidden", "Unreachable", "NotFound", "BadResponse")


@dataclass(frozen=True)
class AzureJudgement:
    """Findings of the cluster and its resources; ``read_errors`` maps failed parts to why."""

    findings: list[Finding]
    read_errors: Mapping[str, ReadError] = field(default_factory=dict)


async def judge_with_resources(
    target: AzureTarget,
    today: date,
    *,
    settings: ArmSettings | None = None,
    checks: CheckSettings | None = None,
) -> AzureJudgement:
    """Reads the cluster and every bundle part (in a thread) and judges them as of ``today``."""
    settings = settings or ArmSettings.from_env()
    try:
        collected = await asyncio.to_thread(collect_bundle, target, settings)
    except ReadError as error:
        raise AzureError(
            f"could not read managed cluster {target}: {error}", reason=error.reason
        ) from error
    try:
        findings, _ = evaluate_bundle(collected.bundle, settings=checks, today=today)
    except NotAManagedClusterError as error:
        raise AzureError(
            f"Azure Resource Manager answered for managed cluster {target} with something that "
            f"is not a managed cluster: {error}",
            reason="BadResponse",
        ) from error
    return AzureJudgement(findings=findings, read_errors=dict(collected.errors))


def read_condition(target: AzureTarget, errors: Mapping[str, ReadError]) -> tuple[bool, str, str]:
    """``(status, reason, message)`` of an ``AzureResourcesRead``-style condition."""
    if not errors:
        return (
            True,
            "Read",
            f"managed cluster {target.cluster_name} and its Azure resources were read",
        )
    reasons = {error.reason for error in errors.values()}
    reason = next((r for r in _REASON_ORDER if r in reasons), sorted(reasons)[0])
    parts = ", ".join(f"{part} ({error.reason})" for part, error in sorted(errors.items()))
    first = next(error for _, error in sorted(errors.items()) if error.reason == reason)
    # The remedy before the failing path and ARM's words, which a long message loses first.
    fix = f"To fix: {first.fix}. First failure: {first}" if first.fix else str(first)
    return False, reason, f"could not read {parts}; their items are Error. {fix}"
