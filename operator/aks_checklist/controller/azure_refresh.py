"""Reads a policy's AKS cluster from Azure in a task of its own, off the reconcile pass.

ARM and Entra can be slow or hang; awaited inside a pass, one slow read would
stall every namespace of the policy. The refresh runs beside the worker with an
overall timeout, keeps the last result, and wakes the worker when it is done so
the policy status shows it.

Each read covers the managed cluster and the Azure resources around it
(diagnostic settings, registries, Defender plans, alerts...; see
``azure/judgement.py``). A resource part that could not be read (a missing
role, a provider not registered) makes its items Error and is kept in
``read_errors`` for the ``AzureResourcesRead`` condition; only an unreadable
cluster fails the whole read.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import structlog

from aks_checklist import azure
from aks_checklist.azure.judgement import judge_with_resources, read_condition
from aks_checklist.azure.resources import ReadError
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding
from aks_checklist.policy import AzureTarget

log = structlog.get_logger("aks_checklist.azure")
TIMEOUT_ENV = "AKS_CHECKLIST_AZURE_TIMEOUT"  # seconds a whole read may take; default 60


@dataclass
class AzureRefresh:
    on_done: Callable[[], None]
    timeout: float = field(default_factory=lambda: float(os.environ.get(TIMEOUT_ENV, "60")))
    findings: list[Finding] | None = None
    error: str | None = None
    reason: str = "ReadFailed"
    target: AzureTarget | None = None
    # The resource parts the last good read could not read, by part name.
    read_errors: Mapping[str, ReadError] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def current(self, target: AzureTarget | None) -> list[Finding]:
        """The findings to report now: the last read of ``target``, or what says none was made."""
        if target is None:
            return azure.not_configured()
        if target != self.target:
            return []
        return list(self.findings or [])

    def start(
        self, target: AzureTarget | None, today: date, checks: CheckSettings | None = None
    ) -> None:
        """Starts a read of ``target`` unless one is already under way; judged with ``checks``."""
        if target is None:
            self.target, self.findings, self.error, self.read_errors = None, None, None, {}
            return
        if self.running:
            return
        if target != self.target:
            self.findings, self.error, self.read_errors = None, None, {}
        self.target = target
        self._task = asyncio.create_task(self._read(target, today, checks))

    def resources_condition(
        self, target: AzureTarget | None
    ) -> tuple[bool | None, str, str] | None:
        """``(status, reason, message)`` of ``AzureResourcesRead``; None without ``spec.azure``."""
        if target is None:
            return None
        if self.error is not None:
            return (
                False,
                "ClusterNotRead",
                f"the Azure resources around managed cluster {target.cluster_name} are read "
                "with the cluster, which could not be read",
            )
        if self.findings is None or target != self.target:
            return (
                None,
                "Reading",
                f"the Azure resources around managed cluster {target} are being read",
            )
        return read_condition(target, self.read_errors)

    async def _read(self, target: AzureTarget, today: date, checks: CheckSettings | None) -> None:
        try:
            judged = await asyncio.wait_for(
                judge_with_resources(target, today, checks=checks), self.timeout
            )
            self.findings, self.read_errors = judged.findings, dict(judged.read_errors)
            self.error = None
            for part, failure in sorted(self.read_errors.items()):
                log.warning(
                    "Failed to read a part of the managed cluster's Azure resources",
                    part=part,
                    reason=failure.reason,
                    error=str(failure),
                )
        except TimeoutError:
            self.error = (
                f"Azure did not answer for managed cluster {target} within {self.timeout:g}s"
            )
            self.reason = "Timeout"
            log.warning("Timed out reading the managed cluster from Azure", target=str(target))
        except azure.AzureError as error:
            self.error, self.reason = str(error), error.reason
            log.warning("Failed to read the managed cluster from Azure", error=str(error))
        self.on_done()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
