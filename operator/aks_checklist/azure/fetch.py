"""Reads one managed cluster from Azure Resource Manager with the Azure SDK.

Blocking (the SDK's transport is synchronous): the operator calls it in a
thread. Retries and timeouts are kept short on purpose: a full pass waits for
this read, and an unreachable endpoint must turn into a condition on the
policy within seconds, not stall every namespace's report behind it. The next
full pass tries again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aks_checklist import __version__
from aks_checklist.azure.credentials import TOKEN_ENV, credential
from aks_checklist.azure.errors import AzureError, translate
from aks_checklist.policy import AzureTarget

ENDPOINT_ENV = "AKS_CHECKLIST_ARM_ENDPOINT"
CA_BUNDLE_ENV = "AKS_CHECKLIST_ARM_CA_BUNDLE"

RETRIES = 2
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 30
USER_AGENT = f"aks-checklist-operator/{__version__}"

# The SDK logs every request and response, headers and all, at INFO: one read would take a
# dozen lines of the operator's log each pass. Its HTTP log goes to this logger instead, quiet
# unless someone lowers its level to INFO to watch the ARM traffic.
HTTP_LOG = logging.getLogger("aks_checklist.azure.http")
HTTP_LOG.setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class ArmSettings:
    """Where and how to reach ARM; every field ``None`` means the SDK's defaults."""

    endpoint: str | None = None
    ca_bundle: str | None = None
    token: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ArmSettings:
        env = os.environ if environ is None else environ
        return cls(
            endpoint=env.get(ENDPOINT_ENV) or None,
            ca_bundle=env.get(CA_BUNDLE_ENV) or None,
            token=env.get(TOKEN_ENV) or None,
        )

    def describe_endpoint(self) -> str:
        """The endpoint as messages name it: the configured one or the SDK's default."""
        if self.endpoint:
            return self.endpoint
        try:
            from azure.core.settings import settings
            from azure.mgmt.core.tools import get_arm_endpoints

            endpoint = get_arm_endpoints(settings.azure_cloud())["resource_manager"]
            return str(endpoint).rstrip("/")
        except (ImportError, ValueError):  # no SDK, or a cloud it knows no endpoint for
            return "the default Azure Resource Manager endpoint"


def fetch_managed_cluster(target: AzureTarget, settings: ArmSettings) -> dict[str, Any]:
    """The cluster's ARM resource in its REST shape (``properties`` and all read-only fields).

    Raises :class:`AzureError` for anything that keeps the document from us.
    """
    try:
        from azure.core.exceptions import AzureError as SdkError
        from azure.mgmt.containerservice import ContainerServiceClient
        from azure.mgmt.core.policies import ARMHttpLoggingPolicy
    except ImportError as error:
        raise AzureError(
            f"cannot read managed cluster {target}: the operator was installed without its "
            f"'azure' extra ({error.name} is missing)",
            reason="NotInstalled",
        ) from error

    options: dict[str, Any] = {
        "connection_verify": settings.ca_bundle or True,
        "connection_timeout": CONNECT_TIMEOUT_SECONDS,
        "read_timeout": READ_TIMEOUT_SECONDS,
        "retry_total": RETRIES,
        "user_agent": USER_AGENT,
        "http_logging_policy": ARMHttpLoggingPolicy(logger=HTTP_LOG),
    }
    if settings.endpoint:
        options["base_url"] = settings.endpoint
    try:
        with ContainerServiceClient(
            credential(settings.token), target.subscription_id, **options
        ) as client:
            model = client.managed_clusters.get(target.resource_group, target.cluster_name)
    # OSError and ValueError: a CA bundle that cannot be read or an endpoint that is no URL
    # surface from the transport as themselves; they are read failures like any other.
    except (SdkError, OSError, ValueError) as error:
        raise translate(error, target, settings.describe_endpoint()) from error
    return rest_shape(model)


def rest_shape(model: Any) -> dict[str, Any]:
    """The REST (camelCase, ``properties``-nested) form of what the SDK returned.

    msrest-generated models (older SDK releases) have ``serialize``, whose
    ``as_dict`` would use Python attribute names instead; the newer generated
    models are mappings over the REST body and give it back with ``as_dict``.
    """
    if hasattr(model, "serialize"):
        return dict(model.serialize(keep_readonly=True))
    if hasattr(model, "as_dict"):
        return dict(model.as_dict())
    return dict(model)
