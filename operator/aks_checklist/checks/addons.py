"""What recognises a cluster's add-ons and places its nodes, shared by cluster and evidence checks.

Split out of :mod:`aks_checklist.checks.cluster` so that
:mod:`aks_checklist.checks.evidence`, which every scan runs, does not import the
cluster checks and their Kubernetes version table just for these signatures;
``cluster`` still exports every name it defined here.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from aks_checklist.checks.model import ObjectRef
from aks_checklist.checks.snapshot import labels_of, meta
from aks_checklist.records import Frozen

CLUSTER_REF = ObjectRef(api_version="v1", kind="Cluster", namespace=None, name="cluster")


ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")


def node_name(node: Mapping[str, Any]) -> str:
    return str(meta(node).get("name") or "")


def availability_zone(node: Mapping[str, Any]) -> str | None:
    """The node's availability zone, or None when it has none.

    AKS labels nodes of pools created without zones with their fault domain
    number (``"0"``, ``"1"``): a bare number is not an availability zone.
    """
    labels = labels_of(node)
    value = next((labels[key].strip() for key in ZONE_LABELS if labels.get(key)), "")
    return None if not value or value.isdigit() else value


APP_LABELS = ("app.kubernetes.io/name", "k8s-app", "app", "app.kubernetes.io/part-of")


class AddonSignature(Frozen):
    """How to recognise one component by its workloads' names and labels."""

    _fields = __slots__ = ("what", "names", "prefixes", "fragments", "apps")
    what: str
    names: frozenset[str]
    prefixes: tuple[str, ...]
    fragments: tuple[str, ...]
    apps: frozenset[str]

    def __init__(
        self,
        what: str,
        names: frozenset[str] = frozenset(),
        prefixes: tuple[str, ...] = (),
        fragments: tuple[str, ...] = (),
        apps: frozenset[str] = frozenset(),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "what", what)
        set_field(self, "names", names)
        set_field(self, "prefixes", prefixes)
        set_field(self, "fragments", fragments)
        set_field(self, "apps", apps)

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return self.matches_named(str(meta(obj).get("name") or ""), labels_of(obj))

    def may_match(self, names: AbstractSet[str], apps: AbstractSet[str]) -> bool:
        """False when :meth:`matches_named` is false for every workload named in ``names``
        whose :data:`APP_LABELS` values are all in ``apps``, so those need not be asked.

        Names and apps are compared exactly, so without prefixes or fragments no match is
        possible unless the sets share a member.
        """
        return bool(
            self.prefixes
            or self.fragments
            or not self.names.isdisjoint(names)
            or (self.apps and not self.apps.isdisjoint(apps))
        )

    def matches_named(self, name: str, labels: Mapping[str, str]) -> bool:
        """:meth:`matches` for a workload whose name and labels are read already.

        Plain loops rather than any() over generators: every tool asks about every workload.
        """
        if name in self.names or name.startswith(self.prefixes):
            return True
        for fragment in self.fragments:
            if fragment in name:
                return True
        if self.apps:
            for key in APP_LABELS:
                if labels.get(key) in self.apps:
                    return True
        return False


AZURE_POLICY_ADDON = AddonSignature(
    "the Azure Policy add-on", names=frozenset({"azure-policy", "azure-policy-webhook"})
)
GATEKEEPER = AddonSignature(
    "Gatekeeper",
    names=frozenset({"gatekeeper-audit", "gatekeeper-controller", "gatekeeper-controller-manager"}),
)
DEFENDER_SENSOR = AddonSignature(
    "the Defender sensor", prefixes=("microsoft-defender-", "azuredefender-")
)
SECRETS_STORE_DRIVER = AddonSignature(
    "the Secrets Store CSI driver",
    fragments=("secrets-store-csi-driver",),
    names=frozenset({"csi-secrets-store"}),
)
AZURE_KEY_VAULT_PROVIDER = AddonSignature(
    "the Azure Key Vault provider", fragments=("secrets-store-provider-azure",)
)
ERASER = AddonSignature(
    "Image Cleaner (Eraser)", names=frozenset({"eraser"}), prefixes=("eraser-",)
)
KEDA_OPERATOR = AddonSignature(
    "KEDA", names=frozenset({"keda-operator", "keda"}), apps=frozenset({"keda-operator"})
)
CONTAINER_INSIGHTS = AddonSignature(
    "Container insights (ama-logs)", prefixes=("ama-logs", "omsagent")
)
MANAGED_PROMETHEUS = AddonSignature("managed Prometheus (ama-metrics)", prefixes=("ama-metrics",))
PROMETHEUS = AddonSignature(
    "Prometheus",
    names=frozenset({"prometheus", "prometheus-server"}),
    apps=frozenset({"prometheus"}),
)
LOG_AGENTS = AddonSignature(
    "a log agent (Fluent Bit, Fluentd, Vector, Promtail, Filebeat, Alloy)",
    names=frozenset({"fluent-bit", "fluentd", "vector", "promtail", "filebeat", "alloy"}),
    prefixes=("fluent-bit-", "fluentd-", "vector-agent", "promtail-", "filebeat-"),
    apps=frozenset({"fluent-bit", "fluentd", "vector", "promtail", "filebeat", "alloy"}),
)
DASHBOARD_APP = AddonSignature(
    "the Kubernetes dashboard",
    names=frozenset({"kubernetes-dashboard", "dashboard-metrics-scraper"}),
    prefixes=("kubernetes-dashboard-",),
    apps=frozenset({"kubernetes-dashboard", "dashboard-metrics-scraper"}),
)
