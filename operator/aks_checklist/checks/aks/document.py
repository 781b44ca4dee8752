"""A normalised, read-only view of an AKS managed-cluster document.

Two shapes of the same data reach the scanner:

* ``az aks show -o json``: the cluster settings sit at the top level and the
  CLI re-camel-cases key names from its Python SDK (``osSku``, ``enableFips``,
  ``authorizedIpRanges``, ``vnetSubnetId``);
* the ARM REST body (``GET .../managedClusters/<name>``, ARM templates, Resource
  Graph): the settings sit under ``properties`` and keys are spelled as in the
  REST spec (``osSKU``, ``enableFIPS``, ``authorizedIPRanges``, ``vnetSubnetID``).

Apart from the ``properties`` wrapper the two only differ in the case of key
names, so every lookup here is case-insensitive. ``null`` (usual in az output)
and a missing key (usual in ARM output) both read as "absent", which rules then
judge by the documented AKS default. Nothing here judges anything: rules do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aks_checklist.checks.model import ObjectRef

MANAGED_CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters"
# The ObjectRef api_version of findings about the cluster and its pools; AKS has
# no Kubernetes API group, this names the resource provider in Kubernetes style.
AKS_API_VERSION = "containerservice.azure.com/v1"

# Keys only a managed cluster's settings carry; one of them is enough to accept a
# document that has no ``type`` (a hand-trimmed export, a test fixture).
_CLUSTER_MARKERS = (
    "agentPoolProfiles",
    "kubernetesVersion",
    "currentKubernetesVersion",
    "networkProfile",
    "aadProfile",
    "addonProfiles",
    "apiServerAccessProfile",
    "autoUpgradeProfile",
    "securityProfile",
    "nodeResourceGroup",
    "dnsPrefix",
)

_RESOURCE_GROUP_IN_ID = re.compile(r"/resourcegroups/([^/]+)/", re.IGNORECASE)

Shape = Literal["az", "arm"]


class NotAManagedClusterError(ValueError):
    """The document is not (a readable form of) an AKS managed cluster."""


def json_kind(value: object) -> str:
    """How a JSON value is called in messages: 'an object', 'an array'..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


class Section:
    """A JSON object read with case-insensitive keys; wrong types read as absent."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}

    def __bool__(self) -> bool:
        return bool(self._data)

    def __repr__(self) -> str:
        return f"Section({dict(self._data)!r})"

    @property
    def raw(self) -> Mapping[str, Any]:
        return self._data

    def has(self, *path: str) -> bool:
        """Whether the key exists at ``path`` (even when its value is null)."""
        *parents, last = path
        parent = self.get(*parents) if parents else self._data
        return isinstance(parent, Mapping) and _find_key(parent, last) is not None

    def get(self, *path: str) -> Any:
        """The value at ``path``, or None when any step is missing or not an object."""
        value: Any = self._data
        for key in path:
            if not isinstance(value, Mapping):
                return None
            original = _find_key(value, key)
            if original is None:
                return None
            value = value[original]
        return value

    def section(self, *path: str) -> Section:
        value = self.get(*path)
        return Section(value if isinstance(value, Mapping) else None)

    def text(self, *path: str) -> str | None:
        """A non-empty string value, else None."""
        value = self.get(*path)
        return value if isinstance(value, str) and value.strip() else None

    def flag(self, *path: str) -> bool | None:
        """A boolean value; the strings "true"/"false" (add-on config) count too."""
        value = self.get(*path)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return None

    def integer(self, *path: str) -> int | None:
        value = self.get(*path)
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return None

    def strings(self, *path: str) -> tuple[str, ...]:
        """The string entries of a list value (other entries are ignored)."""
        value = self.get(*path)
        if not isinstance(value, list):
            return ()
        return tuple(str(entry) for entry in value if isinstance(entry, str | int) and entry != "")

    def string_map(self, *path: str) -> dict[str, str]:
        """An object of scalar values (tags, labels) as strings; keys kept verbatim."""
        value = self.get(*path)
        if not isinstance(value, Mapping):
            return {}
        return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _find_key(mapping: Mapping[str, Any], key: str) -> str | None:
    if key in mapping:
        return key
    wanted = key.lower()
    return next((k for k in mapping if str(k).lower() == wanted), None)


def _equals(value: str | None, *expected: str) -> bool:
    return value is not None and value.lower() in {e.lower() for e in expected}


@dataclass(frozen=True, slots=True)
class Addon:
    """One entry of ``addonProfiles``; a missing add-on reads as disabled."""

    name: str
    present: bool
    enabled: bool
    config: Section


@dataclass(frozen=True, slots=True)
class AgentPool:
    """One entry of ``agentPoolProfiles``."""

    name: str
    raw: Section

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(
            api_version=AKS_API_VERSION, kind="AgentPool", namespace=None, name=self.name
        )

    @property
    def mode(self) -> str | None:
        """``System``, ``User`` or ``Gateway``; None when the document omits it."""
        return self.raw.text("mode")

    @property
    def is_system(self) -> bool:
        return _equals(self.mode, "System")

    @property
    def is_user(self) -> bool:
        return _equals(self.mode, "User")

    @property
    def os_type(self) -> str:
        """``Linux`` (the API default when absent) or ``Windows``."""
        return self.raw.text("osType") or "Linux"

    @property
    def is_windows(self) -> bool:
        return _equals(self.os_type, "Windows")

    @property
    def os_sku(self) -> str | None:
        return self.raw.text("osSku")

    @property
    def os_disk_type(self) -> str | None:
        return self.raw.text("osDiskType")

    @property
    def vm_size(self) -> str | None:
        return self.raw.text("vmSize")

    @property
    def availability_zones(self) -> tuple[str, ...]:
        return self.raw.strings("availabilityZones")

    @property
    def count(self) -> int | None:
        return self.raw.integer("count")

    @property
    def min_count(self) -> int | None:
        return self.raw.integer("minCount")

    @property
    def max_count(self) -> int | None:
        return self.raw.integer("maxCount")

    @property
    def autoscaling(self) -> bool:
        return self.raw.flag("enableAutoScaling") is True

    @property
    def max_pods(self) -> int | None:
        return self.raw.integer("maxPods")

    @property
    def node_taints(self) -> tuple[str, ...]:
        return self.raw.strings("nodeTaints")

    @property
    def tags(self) -> dict[str, str]:
        return self.raw.string_map("tags")

    @property
    def is_spot(self) -> bool:
        """``scaleSetPriority`` is ``Regular`` when absent."""
        return _equals(self.raw.text("scaleSetPriority"), "Spot")

    @property
    def version(self) -> str | None:
        """The running version if known, else the requested one."""
        return self.raw.text("currentOrchestratorVersion") or self.raw.text("orchestratorVersion")

    @property
    def vnet_subnet_id(self) -> str | None:
        return self.raw.text("vnetSubnetId")

    @property
    def pod_subnet_id(self) -> str | None:
        return self.raw.text("podSubnetId")


@dataclass(frozen=True, slots=True)
class ManagedCluster:
    """One managed cluster, whichever shape it was read from.

    ``top`` holds the ARM envelope (``name``, ``tags``, ``sku``, ``identity``),
    ``props`` the cluster settings: the ``properties`` object of the ARM shape,
    the top level itself in az's flattened shape.
    """

    name: str
    shape: Shape
    top: Section
    props: Section
    pools: tuple[AgentPool, ...]
    pools_listed: bool

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(
            api_version=AKS_API_VERSION, kind="ManagedCluster", namespace=None, name=self.name
        )

    @property
    def resource_id(self) -> str | None:
        return self.top.text("id")

    @property
    def location(self) -> str | None:
        return self.top.text("location")

    @property
    def resource_group(self) -> str | None:
        """az prints ``resourceGroup``; the ARM shape only has it inside ``id``."""
        explicit = self.top.text("resourceGroup")
        if explicit:
            return explicit
        match = _RESOURCE_GROUP_IN_ID.search(self.resource_id or "")
        return match.group(1) if match else None

    @property
    def tags(self) -> dict[str, str]:
        return self.top.string_map("tags")

    @property
    def sku_name(self) -> str | None:
        return self.top.text("sku", "name")

    @property
    def sku_tier(self) -> str | None:
        return self.top.text("sku", "tier")

    @property
    def identity_type(self) -> str | None:
        return self.top.text("identity", "type")

    @property
    def kubernetes_version(self) -> str | None:
        """The running version if known, else the requested one (may be ``1.34``)."""
        return self.props.text("currentKubernetesVersion") or self.props.text("kubernetesVersion")

    @property
    def network(self) -> Section:
        return self.props.section("networkProfile")

    @property
    def network_plugin(self) -> str | None:
        return self.network.text("networkPlugin")

    @property
    def network_plugin_mode(self) -> str | None:
        return self.network.text("networkPluginMode")

    @property
    def is_private(self) -> bool:
        return self.props.flag("apiServerAccessProfile", "enablePrivateCluster") is True

    @property
    def security(self) -> Section:
        return self.props.section("securityProfile")

    def addon(self, name: str) -> Addon:
        addons = self.props.section("addonProfiles")
        present = addons.has(name)
        entry = addons.section(name)
        return Addon(
            name=name,
            present=present,
            enabled=entry.flag("enabled") is True,
            config=entry.section("config"),
        )

    @property
    def windows_pools(self) -> tuple[AgentPool, ...]:
        return tuple(pool for pool in self.pools if pool.is_windows)

    @property
    def linux_pools(self) -> tuple[AgentPool, ...]:
        return tuple(pool for pool in self.pools if not pool.is_windows)

    @property
    def system_pools(self) -> tuple[AgentPool, ...]:
        return tuple(pool for pool in self.pools if pool.is_system)

    @property
    def user_pools(self) -> tuple[AgentPool, ...]:
        return tuple(pool for pool in self.pools if pool.is_user)


def parse_managed_cluster(doc: Any) -> ManagedCluster:
    """Reads either shape; raises :class:`NotAManagedClusterError` naming what is wrong."""
    if isinstance(doc, list):
        raise NotAManagedClusterError(
            "document is an array (the output of `az aks list`?), expected one managed "
            "cluster object (`az aks show -o json`)"
        )
    if not isinstance(doc, Mapping):
        raise NotAManagedClusterError(
            f"document is {json_kind(doc)}, expected an object describing a managed cluster"
        )
    top = Section(doc)
    resource_type = top.get("type")
    if resource_type is not None and (
        not isinstance(resource_type, str) or resource_type.lower() != MANAGED_CLUSTER_TYPE.lower()
    ):
        raise NotAManagedClusterError(
            f"document has type {resource_type}, expected {MANAGED_CLUSTER_TYPE}"
        )

    properties = top.get("properties")
    if properties is not None and not isinstance(properties, Mapping):
        raise NotAManagedClusterError(f"properties is {json_kind(properties)}, expected an object")
    shape: Shape = "arm" if properties is not None and not top.has("agentPoolProfiles") else "az"
    props = Section(properties) if shape == "arm" else top

    if resource_type is None and not any(props.has(key) for key in _CLUSTER_MARKERS):
        where = "properties" if shape == "arm" else "the top level"
        raise NotAManagedClusterError(
            f"document has no type and {where} has no agentPoolProfiles or other managed-cluster "
            f"settings: expected the JSON of `az aks show` or an ARM {MANAGED_CLUSTER_TYPE} "
            "resource"
        )

    return ManagedCluster(
        name=top.text("name") or "<unnamed>",
        shape=shape,
        top=top,
        props=props,
        pools=_pools(props),
        pools_listed=props.get("agentPoolProfiles") is not None,
    )


def _pools(props: Section) -> tuple[AgentPool, ...]:
    listed = props.get("agentPoolProfiles")
    if listed is None:
        return ()
    if not isinstance(listed, list):
        raise NotAManagedClusterError(
            f"agentPoolProfiles is {json_kind(listed)}, expected an array of agent pools"
        )
    pools: list[AgentPool] = []
    for index, entry in enumerate(listed):
        if not isinstance(entry, Mapping):
            raise NotAManagedClusterError(
                f"agentPoolProfiles[{index}] is {json_kind(entry)}, expected an object"
            )
        section = Section(entry)
        pools.append(AgentPool(name=section.text("name") or f"pool-{index + 1}", raw=section))
    return tuple(pools)
