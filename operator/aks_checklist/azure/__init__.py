"""Judges the AKS cluster a policy names in ``spec.azure`` from its Azure configuration.

Like ``kube/`` for the API server, this package is the only code that talks
to Azure: it reads the managed cluster from Azure Resource Manager and hands
the document to the pure judge in ``checks.aks``, the same one behind
``aks-checklist aks``. It is not a pure layer.

The operator authenticates as its workload identity (``DefaultAzureCredential``),
which needs the Reader role on the cluster. Environment variables:

``AKS_CHECKLIST_ARM_ENDPOINT``
    Base URL of Azure Resource Manager; default: the SDK's endpoint for the
    configured cloud (the public cloud unless ``AZURE_SDK_CLOUD_CONF`` says otherwise).
``AKS_CHECKLIST_ARM_CA_BUNDLE``
    PEM file of the CAs to trust for that endpoint (a TLS-inspecting proxy, a test server).
``AKS_CHECKLIST_AZURE_TOKEN``
    A fixed bearer token instead of the workload identity, for tests and for
    proxies that authenticate on the operator's behalf.
"""

from __future__ import annotations

import asyncio
from datetime import date

from aks_checklist.azure.coverage import HOW_TO_ENABLE, not_configured
from aks_checklist.azure.credentials import TOKEN_ENV, StaticTokenCredential
from aks_checklist.azure.errors import AzureError
from aks_checklist.azure.fetch import (
    CA_BUNDLE_ENV,
    ENDPOINT_ENV,
    ArmSettings,
    fetch_managed_cluster,
)
from aks_checklist.checks.aks import NotAManagedClusterError, evaluate_managed_cluster
from aks_checklist.checks.model import Finding
from aks_checklist.policy import AzureTarget

__all__ = [
    "CA_BUNDLE_ENV",
    "ENDPOINT_ENV",
    "HOW_TO_ENABLE",
    "TOKEN_ENV",
    "ArmSettings",
    "AzureError",
    "AzureTarget",
    "StaticTokenCredential",
    "fetch_managed_cluster",
    "judge",
    "not_configured",
]


async def judge(
    target: AzureTarget, today: date, *, settings: ArmSettings | None = None
) -> list[Finding]:
    """Reads ``target`` from ARM (in a thread) and judges it as of ``today``.

    ``settings`` default to the environment variables above. Raises
    :class:`AzureError` when the cluster cannot be read or what came back is
    not a managed cluster.
    """
    settings = settings or ArmSettings.from_env()
    document = await asyncio.to_thread(fetch_managed_cluster, target, settings)
    try:
        return evaluate_managed_cluster(document, today=today)
    except NotAManagedClusterError as error:
        raise AzureError(
            f"Azure Resource Manager answered for managed cluster {target} with something "
            f"that is not a managed cluster: {error}",
            reason="BadResponse",
        ) from error
