"""The one registry of baseline kinds: what each is called in the API, the policy and the report.

Plan, preflight, executor, reports and metrics all look kinds up here, so adding
or renaming a baseline kind is one edit, not four parallel dictionaries.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BaselineKind:
    kind: str
    api_version: str
    plural: str
    policy_field: str  # where the policy configures it
    status_key: str  # its key under AksCompliance .status.baseline
    singleton: str | None  # the one object's name, or None for one per workload

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]


NETWORK_POLICY = BaselineKind(
    "NetworkPolicy",
    "networking.k8s.io/v1",
    "networkpolicies",
    "spec.baseline.networkPolicy",
    "networkPolicy",
    "aks-checklist-default-deny",
)
LIMIT_RANGE = BaselineKind(
    "LimitRange",
    "v1",
    "limitranges",
    "spec.baseline.limitRange",
    "limitRange",
    "aks-checklist-limits",
)
RESOURCE_QUOTA = BaselineKind(
    "ResourceQuota",
    "v1",
    "resourcequotas",
    "spec.baseline.resourceQuota",
    "resourceQuota",
    "aks-checklist-quota",
)
POD_DISRUPTION_BUDGET = BaselineKind(
    "PodDisruptionBudget",
    "policy/v1",
    "poddisruptionbudgets",
    "spec.baseline.podDisruptionBudget",
    "podDisruptionBudgets",
    None,
)

# In write order: the LimitRange goes before the quota, whose admission needs its defaults.
BASELINE_KINDS: tuple[BaselineKind, ...] = (
    NETWORK_POLICY,
    LIMIT_RANGE,
    RESOURCE_QUOTA,
    POD_DISRUPTION_BUDGET,
)
BY_KIND = {k.kind: k for k in BASELINE_KINDS}
SINGLETONS = tuple(k for k in BASELINE_KINDS if k.singleton)
