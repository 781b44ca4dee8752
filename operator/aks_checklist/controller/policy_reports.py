"""A policy's wgpolicyk8s.io PolicyReports, kept in step with its AksCompliance reports (opt-in).

Policy Reporter, its UI, Grafana dashboards and Slack or Teams alerts read
PolicyReports, so a policy with ``spec.reports.policyReport: true`` writes one
per namespace and a ClusterPolicyReport for the cluster scope, built by the
same bounded builder the scanner uses. They are written only when their
content changes (the first time after a start, the live report is read and
compared instead), carry a non-controller ownerReference to the policy so the
garbage collector removes them with it, and a same-named report without our
label is never touched. Without the CRDs nothing is written and the condition
says so; everything else goes on as before.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aks_checklist.baseline.marks import is_managed
from aks_checklist.kube.writer import WriteError, Writer

CRD_HINT = (
    "install the wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport CRDs "
    "(Policy Reporter's Helm chart ships them)"
)


def _digest(report: Mapping[str, Any]) -> str:
    content = {key: report.get(key) for key in ("scope", "summary", "results")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass
class PolicyReports:
    writer: Writer
    owner: Callable[[], dict[str, Any] | None]
    served: bool | None = None  # None: not checked yet
    errors: dict[str | None, str] = field(default_factory=dict)
    _digests: dict[str | None, str] = field(default_factory=dict)  # namespace (None: cluster)

    async def check_served(self) -> None:
        """Asks discovery whether the CRDs are installed (on full passes, not per namespace)."""
        self.served = await asyncio.to_thread(self.writer.policy_reports_served)

    async def write(self, body: dict[str, Any]) -> None:
        if not self.served:
            return
        namespace, name = body["metadata"].get("namespace"), body["metadata"]["name"]
        owner = self.owner()
        if owner is not None:
            body["metadata"]["ownerReferences"] = [owner]
        digest = _digest(body)
        if self._digests.get(namespace) == digest:
            return
        try:
            if namespace not in self._digests:
                live = await asyncio.to_thread(self.writer.read_policy_report, namespace, name)
                if live is not None and not is_managed(live):
                    where = f"{namespace}/{name}" if namespace else name
                    self.errors[namespace] = f"{body['kind']} {where} is not ours; left alone"
                    return
                if live is not None and _digest(live) == digest:
                    self._digests[namespace] = digest
                    self.errors.pop(namespace, None)
                    return
            await asyncio.to_thread(self.writer.apply_policy_report, body)
        except WriteError as error:
            self.errors[namespace] = str(error)
            return
        self._digests[namespace] = digest
        self.errors.pop(namespace, None)

    async def remove(self, namespace: str, name: str) -> None:
        """Deletes the namespace's report when the policy lets the namespace go."""
        self.errors.pop(namespace, None)
        if self._digests.pop(namespace, None) is None or not self.served:
            return
        try:
            await asyncio.to_thread(self.writer.delete_policy_report, namespace, name)
        except WriteError as error:
            self.errors[namespace] = str(error)

    def condition(self, enabled: bool) -> tuple[bool, str, str] | None:
        """The PolicyReportsWritten condition: None when the policy does not ask for them."""
        if not enabled:
            return None
        if self.served is False:
            return False, "CRDNotInstalled", f"no PolicyReports were written: {CRD_HINT}"
        if self.errors:
            first = sorted(self.errors.items(), key=lambda kv: kv[0] or "")[0][1]
            return False, "WriteFailed", f"{len(self.errors)} reports not written: {first}"
        return True, "Written", f"{len(self._digests)} PolicyReports are current"
