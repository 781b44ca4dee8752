"""Reads the Azure resources around a managed cluster: the parts of an ``aks collect`` bundle.

One plain ARM REST reader (azure-core's pipeline with a bearer-token policy,
retries and ARM's ``nextLink`` paging) serves every part, so the collector
needs no SDK package per resource provider. Each part is read on its own: a
part that fails (a missing role, a provider not registered) is recorded in the
bundle's ``errors`` with the reason and how to fix it, and the other parts are
still read. Only the managed cluster itself is required.

Blocking, like :mod:`aks_checklist.azure.fetch`; the operator would call it in a thread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from aks_checklist.azure.credentials import credential
from aks_checklist.azure.fetch import (
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    RETRIES,
    USER_AGENT,
    ArmSettings,
)
from aks_checklist.checks.aks.bundle import BUNDLE_KIND, BUNDLE_VERSION, PARTS
from aks_checklist.policy import AzureTarget

PUBLIC_ARM = "https://management.azure.com"
SCOPE = "https://management.azure.com/.default"
MAX_PAGES = 50

# The api-version each part is read with.
API_VERSIONS = {
    "cluster": "2025-07-01",
    "diagnosticSettings": "2021-05-01-preview",
    "extensions": "2023-05-01",
    "fluxConfigurations": "2023-05-01",
    "defenderPricings": "2024-01-01",
    "metricAlerts": "2018-03-01",
    "activityLogAlerts": "2020-10-01",
    "prometheusRuleGroups": "2023-03-01",
    "advisorRecommendations": "2023-01-01",
    "computeUsages": "2024-07-01",
    "vmSkus": "2021-07-01",
    "eventGridSystemTopics": "2022-06-15",
    "backupVaults": "2024-04-01",
    "registries": "2023-07-01",
    "roleAssignments": "2022-04-01",
    "subnets": "2024-05-01",
}


class ReadError(Exception):
    """One ARM read failed; ``reason`` is a condition-style word, the message says how to fix it.

    ``fix`` is the remedy alone (which role to grant), for messages that have no room for the
    path and ARM's own words: a condition message is cut at 512 characters.
    """

    def __init__(self, message: str, *, reason: str, fix: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.fix = fix


class ArmReader:
    """GETs ARM resources and collections as JSON."""

    def __init__(self, settings: ArmSettings) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline.policies import (
            BearerTokenCredentialPolicy,
            RetryPolicy,
            UserAgentPolicy,
        )

        self.endpoint = (settings.endpoint or PUBLIC_ARM).rstrip("/")
        self._verify: bool | str = settings.ca_bundle or True
        self._client: Any = PipelineClient(
            base_url=self.endpoint,
            policies=[
                UserAgentPolicy(base_user_agent=USER_AGENT),
                RetryPolicy(retry_total=RETRIES),
                BearerTokenCredentialPolicy(credential(settings.token), SCOPE),
            ],
        )

    def get(self, path: str, api_version: str, **params: str) -> dict[str, Any]:
        from azure.core.exceptions import AzureError as SdkError
        from azure.core.rest import HttpRequest

        url = path if path.startswith("http") else f"{self.endpoint}{path}"
        query = {} if "api-version=" in url else {"api-version": api_version}
        request = HttpRequest("GET", url, params={**query, **params})
        try:
            response = self._client.send_request(
                request,
                connection_verify=self._verify,
                connection_timeout=CONNECT_TIMEOUT_SECONDS,
                read_timeout=READ_TIMEOUT_SECONDS,
            )
        except (SdkError, OSError, ValueError) as error:
            raise ReadError(
                f"could not reach {self.endpoint}: {error}", reason="Unreachable"
            ) from error
        status = response.status_code
        if status >= 400:
            raise http_error(status, path, _arm_message(response))
        body = response.json()
        if not isinstance(body, dict):
            raise ReadError(
                f"GET {path} answered {type(body).__name__}, not an object", reason="BadResponse"
            )
        return body

    def list(self, path: str, api_version: str, **params: str) -> list[dict[str, Any]]:
        """Every entry of a collection, following ``nextLink``."""
        entries: list[dict[str, Any]] = []
        page: str | None = path
        for _ in range(MAX_PAGES):
            if page is None:
                break
            body = self.get(page, api_version, **(params if page == path else {}))
            entries.extend(entry for entry in body.get("value") or [] if isinstance(entry, dict))
            page = body.get("nextLink") or None
        return entries


def _arm_message(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return str(response.text())[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"{error.get('code')}: {error.get('message')}"
    return str(body)[:200]


def http_error(status: int, path: str, detail: str) -> ReadError:
    if status == 403:
        fix = (
            "give the identity the Reader role on the subscription, or on the resource group "
            "and the resources named here "
            "(az role assignment create --role Reader --assignee <identity> --scope <scope>)"
        )
        return ReadError(f"Forbidden reading {path} ({detail}): {fix}", reason="Forbidden", fix=fix)
    if status == 401:
        fix = "sign in (az login) or configure the workload identity"
        return ReadError(
            f"Unauthenticated reading {path} ({detail}): {fix}", reason="Unauthenticated", fix=fix
        )
    if status == 404:
        return ReadError(f"{path} was not found ({detail})", reason="NotFound")
    return ReadError(f"GET {path} answered HTTP {status} ({detail})", reason="BadResponse")


def cluster_id(target: AzureTarget) -> str:
    return (
        f"/subscriptions/{target.subscription_id}/resourceGroups/{target.resource_group}"
        f"/providers/Microsoft.ContainerService/managedClusters/{target.cluster_name}"
    )


def _subscription(target: AzureTarget) -> str:
    return f"/subscriptions/{target.subscription_id}"


def _provider_list(reader: ArmReader, path: str, part: str, **params: str) -> list[dict[str, Any]]:
    """A subscription-wide list; a provider that is not registered holds nothing (404)."""
    try:
        return reader.list(path, API_VERSIONS[part], **params)
    except ReadError as error:
        if error.reason == "NotFound":
            return []
        raise


def fetch_diagnostic_settings(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
) -> list[dict[str, Any]]:
    return reader.list(
        f"{cluster_id(target)}/providers/Microsoft.Insights/diagnosticSettings",
        API_VERSIONS["diagnosticSettings"],
    )


def fetch_extensions(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
) -> list[dict[str, Any]]:
    path = f"{cluster_id(target)}/providers/Microsoft.KubernetesConfiguration/extensions"
    return _provider_list(reader, path, "extensions")


def fetch_flux_configurations(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
) -> list[dict[str, Any]]:
    path = f"{cluster_id(target)}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations"
    return _provider_list(reader, path, "fluxConfigurations")


def _subscription_list(
    part: str, provider_path: str
) -> Callable[[ArmReader, AzureTarget, Mapping[str, Any]], list[dict[str, Any]]]:
    def fetch(
        reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        return _provider_list(reader, f"{_subscription(target)}/providers/{provider_path}", part)

    fetch.__name__ = f"fetch_{part}"
    return fetch


fetch_defender_pricings = _subscription_list("defenderPricings", "Microsoft.Security/pricings")
fetch_metric_alerts = _subscription_list("metricAlerts", "Microsoft.Insights/metricAlerts")
fetch_activity_log_alerts = _subscription_list(
    "activityLogAlerts", "Microsoft.Insights/activityLogAlerts"
)
fetch_prometheus_rule_groups = _subscription_list(
    "prometheusRuleGroups", "Microsoft.AlertsManagement/prometheusRuleGroups"
)
fetch_event_grid_system_topics = _subscription_list(
    "eventGridSystemTopics", "Microsoft.EventGrid/systemTopics"
)


def fetch_advisor_recommendations(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
) -> list[dict[str, Any]]:
    path = f"{_subscription(target)}/providers/Microsoft.Advisor/recommendations"
    return _provider_list(
        reader,
        path,
        "advisorRecommendations",
        **{"$filter": f"ResourceId eq '{cluster_id(target)}'"},
    )


def _location(cluster: Mapping[str, Any]) -> str:
    return str(cluster.get("location") or "").replace(" ", "").lower()


def _pools(cluster: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    props = cluster.get("properties") if isinstance(cluster.get("properties"), Mapping) else cluster
    pools = props.get("agentPoolProfiles") if isinstance(props, Mapping) else None
    return [p for p in pools or [] if isinstance(p, Mapping)]


def _pool_field(pool: Mapping[str, Any], name: str) -> Any:
    return next((value for key, value in pool.items() if key.lower() == name.lower()), None)


def fetch_compute_usages(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
) -> list[dict[str, Any]]:
    path = (
        f"{_subscription(target)}/providers/Microsoft.Compute/locations/{_location(cluster)}/usages"
    )
    return reader.list(path, API_VERSIONS["computeUsages"])


def fetch_vm_skus(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Only the sizes the pools use, and only their family and vCPUs: the full list is megabytes."""
    sizes = {str(_pool_field(p, "vmSize") or "").lower() for p in _pools(cluster)} - {""}
    path = f"{_subscription(target)}/providers/Microsoft.Compute/skus"
    skus = reader.list(
        path, API_VERSIONS["vmSkus"], **{"$filter": f"location eq '{_location(cluster)}'"}
    )
    kept: dict[str, dict[str, Any]] = {}
    for sku in skus:
        name = str(sku.get("name") or "")
        if sku.get("resourceType") != "virtualMachines" or name.lower() not in sizes:
            continue
        capabilities = [
            c
            for c in sku.get("capabilities") or []
            if isinstance(c, dict) and c.get("name") == "vCPUs"
        ]
        kept[name.lower()] = {
            "name": name,
            "family": sku.get("family"),
            "capabilities": capabilities,
        }
    return list(kept.values())


def fetch_backup_instances(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
) -> list[dict[str, Any]]:
    vaults = _provider_list(
        reader,
        f"{_subscription(target)}/providers/Microsoft.DataProtection/backupVaults",
        "backupVaults",
    )
    instances: list[dict[str, Any]] = []
    for vault in vaults:
        instances.extend(
            reader.list(f"{vault['id']}/backupInstances", API_VERSIONS["backupVaults"])
        )
    return instances


def fetch_subnets(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any]
) -> list[dict[str, Any]]:
    ids = sorted(
        {
            str(_pool_field(p, "vnetSubnetID"))
            for p in _pools(cluster)
            if _pool_field(p, "vnetSubnetID")
        }
    )
    return [reader.get(subnet, API_VERSIONS["subnets"]) for subnet in ids]


def _kubelet_object_id(cluster: Mapping[str, Any]) -> str:
    props = cluster.get("properties") if isinstance(cluster.get("properties"), Mapping) else cluster
    identity = (props or {}).get("identityProfile") or {}
    kubelet = identity.get("kubeletidentity") if isinstance(identity, Mapping) else None
    return str((kubelet or {}).get("objectId") or "").lower()


def fetch_registries(
    reader: ArmReader, target: AzureTarget, cluster: Mapping[str, Any], names: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Registries the kubelet identity may pull from (a role assignment on them), plus ``names``.

    Each entry is ``{"registry": ..., "replications": [...], "roleAssignments": [...]}``.
    """
    wanted = {name.lower() for name in names}
    kubelet = _kubelet_object_id(cluster)
    found = []
    registries = _provider_list(
        reader,
        f"{_subscription(target)}/providers/Microsoft.ContainerRegistry/registries",
        "registries",
    )
    for registry in registries:
        assignments = reader.list(
            f"{registry['id']}/providers/Microsoft.Authorization/roleAssignments",
            API_VERSIONS["roleAssignments"],
            **{"$filter": "atScope()"},
        )
        pulls = any(
            str((a.get("properties") or {}).get("principalId") or "").lower() == kubelet
            for a in assignments
        )
        if not pulls and str(registry.get("name") or "").lower() not in wanted:
            continue
        replications = reader.list(f"{registry['id']}/replications", API_VERSIONS["registries"])
        found.append(
            {"registry": registry, "replications": replications, "roleAssignments": assignments}
        )
    return found


FETCHERS: Mapping[
    str, Callable[[ArmReader, AzureTarget, Mapping[str, Any]], list[dict[str, Any]]]
] = {
    "diagnosticSettings": fetch_diagnostic_settings,
    "subnets": fetch_subnets,
    "defenderPricings": fetch_defender_pricings,
    "metricAlerts": fetch_metric_alerts,
    "activityLogAlerts": fetch_activity_log_alerts,
    "prometheusRuleGroups": fetch_prometheus_rule_groups,
    "advisorRecommendations": fetch_advisor_recommendations,
    "computeUsages": fetch_compute_usages,
    "vmSkus": fetch_vm_skus,
    "extensions": fetch_extensions,
    "fluxConfigurations": fetch_flux_configurations,
    "eventGridSystemTopics": fetch_event_grid_system_topics,
    "backupInstances": fetch_backup_instances,
}


@dataclasses.dataclass(frozen=True)
class Collected:
    bundle: dict[str, Any]
    errors: dict[str, ReadError]


def collect_bundle(
    target: AzureTarget,
    settings: ArmSettings,
    *,
    registries: Iterable[str] = (),
    now: datetime | None = None,
) -> Collected:
    """The whole bundle; raises :class:`ReadError` only when the cluster itself cannot be read."""
    reader = ArmReader(settings)
    cluster = reader.get(cluster_id(target), API_VERSIONS["cluster"])
    bundle: dict[str, Any] = {
        "kind": BUNDLE_KIND,
        "version": BUNDLE_VERSION,
        "collectedAt": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cluster": cluster,
    }
    errors: dict[str, ReadError] = {}
    wanted = tuple(registries)
    for part in PARTS:
        try:
            if part == "registries":
                bundle[part] = fetch_registries(reader, target, cluster, wanted)
            else:
                bundle[part] = FETCHERS[part](reader, target, cluster)
        except ReadError as error:
            errors[part] = error
    if errors:
        bundle["errors"] = {part: f"{error.reason}: {error}" for part, error in errors.items()}
    return Collected(bundle=bundle, errors=errors)
