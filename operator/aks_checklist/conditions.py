"""The policy's conditions, built purely from what one pass found and did.

Conditions follow the Kubernetes API conventions (metav1.Condition). Reasons
tell a reader what to do: ``WriteRetrying`` heals by itself (throttling, a
timeout, an object changed under us), ``BaselineRejected`` needs the policy
or the cluster changed, ``BaselineBlocked`` names the workloads a baseline
object would have hurt. ``AzureResourcesRead`` names the Azure resource reads
that failed (``Forbidden`` says which role to grant); their items are Error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aks_checklist.report import remove_condition, set_condition

MAX_NAMES = 5


def names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_NAMES])
    extra = len(items) - MAX_NAMES
    return shown + (f" and {extra} more" if extra > 0 else "")


@dataclass(frozen=True)
class PassResult:
    """What a policy's pass found, namespace by namespace (messages keyed by namespace)."""

    selected: int
    failures: Mapping[str, str] = field(default_factory=dict)  # unexpected errors
    rejected: Mapping[str, str] = field(default_factory=dict)  # writes the API refused
    retrying: Mapping[str, str] = field(default_factory=dict)  # transient write failures
    conflicts: Mapping[str, str] = field(default_factory=dict)  # namespace -> enforcing policy
    blocked: Mapping[str, str] = field(default_factory=dict)  # namespace -> what was not written
    # (read, reason, message), read None while the first read is under way; None: not configured
    azure: tuple[bool | None, str, str] | None = None
    # The same for the Azure resources around the cluster (registries, alerts, Defender...).
    azure_resources: tuple[bool | None, str, str] | None = None
    policy_reports: tuple[bool, str, str] | None = None  # None: the policy asks for none


def ready(result: PassResult) -> tuple[bool, str, str]:
    if result.rejected:
        return False, "BaselineRejected", names(sorted(result.rejected.values()))
    if result.failures:
        return False, "ReconcileFailed", names(sorted(result.failures.values()))
    if result.retrying:
        return False, "WriteRetrying", names(sorted(result.retrying.values()))
    return True, "Reconciled", f"{result.selected} namespaces selected"


def policy_conditions(
    current: Sequence[Mapping[str, Any]],
    result: PassResult,
    *,
    generation: Any,
    now: datetime,
) -> list[dict[str, Any]]:
    def put(conditions: Any, type_: str, status: bool | None, reason: str, message: str) -> Any:
        return set_condition(
            conditions,
            type_=type_,
            status=status,
            reason=reason,
            message=message,
            generation=generation,
            now=now,
        )

    conditions = put(current, "Ready", *ready(result))
    if result.conflicts:
        owners = sorted(set(result.conflicts.values()))
        conditions = put(
            conditions,
            "BaselineConflict",
            True,
            "OtherPolicyEnforces",
            f"namespaces {names(sorted(result.conflicts))} are enforced by {names(owners)}, "
            "which sorts first by name",
        )
    else:
        conditions = put(
            conditions,
            "BaselineConflict",
            False,
            "NoConflict",
            "no other policy enforces these namespaces",
        )
    if result.blocked:
        conditions = put(
            conditions,
            "BaselineBlocked",
            True,
            "WouldBreakWorkloads",
            names([f"{ns}: {what}" for ns, what in sorted(result.blocked.items())]),
        )
    else:
        conditions = put(
            conditions,
            "BaselineBlocked",
            False,
            "NothingBlocked",
            "no baseline object would refuse or block existing Pods",
        )
    if result.azure is None:
        conditions = remove_condition(conditions, "AzureConfigurationRead")
    else:
        conditions = put(conditions, "AzureConfigurationRead", *result.azure)
    if result.azure_resources is None:
        conditions = remove_condition(conditions, "AzureResourcesRead")
    else:
        conditions = put(conditions, "AzureResourcesRead", *result.azure_resources)
    if result.policy_reports is None:
        conditions = remove_condition(conditions, "PolicyReportsWritten")
    else:
        conditions = put(conditions, "PolicyReportsWritten", *result.policy_reports)
    return list(conditions)


def invalid_spec_conditions(
    current: Sequence[Mapping[str, Any]], message: str, *, generation: Any, now: datetime
) -> list[dict[str, Any]]:
    return list(
        set_condition(
            current,
            type_="Ready",
            status=False,
            reason="InvalidSpec",
            message=message,
            generation=generation,
            now=now,
        )
    )
