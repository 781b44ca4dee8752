"""One policy's reconcile loop: gather from indexes, compute purely, write only differences.

A pass takes the coalesced dirty namespaces (or all of them on a full pass),
and for each: decides whether the policy governs it and enforces there,
plans the baseline, applies the plan, judges the namespace and writes its
AksCompliance report if it changed. The policy status is written once, at
the end of the pass, and only if it changed.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import kopf
import structlog

from aks_checklist import azure
from aks_checklist.baseline.marks import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    POLICY_ANNOTATION,
    managing_policy,
)
from aks_checklist.baseline.plan import Action, Plan, plan_namespace
from aks_checklist.checks import cluster as cluster_checks
from aks_checklist.checks import storage
from aks_checklist.checks.engine import evaluate
from aks_checklist.checks.model import Finding, Severity
from aks_checklist.checks.snapshot import Obj, annotations_of, labels_of, meta
from aks_checklist.controller.coalescer import PolicyQueue, Work
from aks_checklist.controller.view import ClusterView
from aks_checklist.kube.writer import GROUP, VERSION, WriteError, Writer
from aks_checklist.observability import (
    BASELINE_OBJECTS,
    NAMESPACE_SCORE,
    RECONCILE_SECONDS,
    RULE_FAILURES,
)
from aks_checklist.policy import (
    Policy,
    PolicyError,
    apply_waivers,
    parse_policy,
    policy_selects_namespace,
)
from aks_checklist.report import (
    NamespaceReport,
    cluster_results,
    namespace_report,
    policy_aggregate,
    remove_condition,
    set_condition,
    status_digest,
)

log = structlog.get_logger("aks_checklist.worker")

BASELINE_FIELDS = {
    "NetworkPolicy": "spec.baseline.networkPolicy",
    "LimitRange": "spec.baseline.limitRange",
    "ResourceQuota": "spec.baseline.resourceQuota",
    "PodDisruptionBudget": "spec.baseline.podDisruptionBudget",
}
MAX_NAMES_IN_MESSAGE = 5


async def release(view: ClusterView, writer: Writer, namespace: str, policy: str, why: str) -> None:
    """Deletes the baseline objects and the report ``policy`` made in ``namespace``."""
    for obj in view.namespace_objects(namespace):
        if obj.get("kind") in BASELINE_FIELDS and managing_policy(obj) == policy:
            name = meta(obj)["name"]
            await asyncio.to_thread(
                writer.delete, obj["kind"], namespace, name, meta(obj).get("uid")
            )
            log.info(
                f"Deleted {obj['kind']}", namespace=namespace, name=name, policy=policy, reason=why
            )
    for report in view.reports(namespace):
        if meta(report).get("name") == policy and labels_of(report).get(MANAGED_BY_LABEL):
            await asyncio.to_thread(
                writer.delete_report, namespace, policy, meta(report).get("uid")
            )


def enforcing_policy(
    policies: list[Policy],
    namespace: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    operator_namespace: str,
) -> str | None:
    """The Enforce policy that owns a namespace's baseline: the first by name that selects it."""
    for policy in sorted(policies, key=lambda p: p.name):
        if policy.enforcement == "Enforce" and policy_selects_namespace(
            policy, namespace, labels, annotations, operator_namespace
        ):
            return policy.name
    return None


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMES_IN_MESSAGE])
    extra = len(items) - MAX_NAMES_IN_MESSAGE
    return shown + (f" and {extra} more" if extra > 0 else "")


@dataclass
class PolicyWorker:
    name: str
    writer: Writer
    queue: PolicyQueue
    operator_namespace: str
    reports: dict[str, NamespaceReport] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # baseline writes the API refused
    failures: dict[str, str] = field(default_factory=dict)  # anything else that went wrong
    conflicts: dict[str, str] = field(default_factory=dict)
    cluster_findings: list[Finding] = field(default_factory=list)
    server_version: str | None = None
    policy_ref: dict[str, Any] | None = None
    azure_findings: list[Finding] | None = None
    azure_error: str | None = None
    azure_error_reason: str = "ReadFailed"
    _policies_cache: dict[tuple[str, Any], Policy] = field(default_factory=dict)
    changes: Counter[tuple[str, str]] = field(default_factory=Counter)

    async def run(self, body: kopf.Body, view: ClusterView, stopped: kopf.DaemonStopped) -> None:
        timeout = 600.0
        # Wait for work and for Kopf's stop request together, so a deleted policy's
        # worker exits at once instead of being cancelled after a grace period.
        stop = asyncio.ensure_future(_until(stopped))
        try:
            while not stopped:
                waiting = asyncio.ensure_future(self.queue.next(timeout))
                await asyncio.wait({waiting, stop}, return_when=asyncio.FIRST_COMPLETED)
                if stopped or not waiting.done():
                    waiting.cancel()
                    return
                started = time.monotonic()
                policy = await self.reconcile(body, view, waiting.result())
                RECONCILE_SECONDS.labels(policy=self.name).observe(time.monotonic() - started)
                timeout = self._next_wakeup(policy)
        finally:
            stop.cancel()

    def _next_wakeup(self, policy: Policy | None) -> float:
        if policy is None:
            return 600.0
        seconds = policy.reevaluate_every.total_seconds()
        if any(w.expires for w in policy.waivers):
            # Waivers expire at midnight UTC; wake up then so they lapse without an event.
            now = datetime.now(UTC)
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            seconds = min(seconds, (midnight - now).total_seconds() + 1)
        return max(seconds, 1.0)

    # -- one pass ---------------------------------------------------------------------------

    async def reconcile(self, body: kopf.Body, view: ClusterView, work: Work) -> Policy | None:
        raw = copy.deepcopy(dict(body))  # one consistent version for the whole pass
        self.policy_ref = {
            "apiVersion": raw.get("apiVersion"),
            "kind": raw.get("kind"),
            "metadata": {"name": self.name, "uid": meta(raw).get("uid")},
        }
        try:
            policy = parse_policy(raw)
        except PolicyError as error:
            await self._write_policy_status(raw, ready=(False, "InvalidSpec", str(error)))
            return None

        policies = self._all_policies(view, policy)
        namespaces = view.namespaces()
        targets = (
            set(namespaces) | set(self.reports) | view.report_namespaces()
            if work.full
            else set(work.namespaces)
        )
        today = datetime.now(UTC).date()
        for namespace in sorted(targets):
            try:
                await self._reconcile_namespace(
                    policy, policies, view, namespace, namespaces.get(namespace), today
                )
                self.failures.pop(namespace, None)
            except Exception as error:  # one namespace must not stop the others or the daemon
                self.failures[namespace] = f"namespace {namespace}: {error}"
                log.exception(
                    "Failed to reconcile namespace", namespace=namespace, policy=self.name
                )
        if work.cluster or work.full:
            try:
                self.cluster_findings = await self._cluster_findings(
                    view, policy, today, refresh=work.full
                )
                self.failures.pop("", None)
            except Exception as error:  # same: report it, keep serving
                self.failures[""] = f"cluster-scope checks: {error}"
                log.exception("Failed to evaluate cluster-scope checks", policy=self.name)
        self._export_metrics()
        self._announce_pass()
        ready = (True, "Reconciled", f"{len(self.reports)} namespaces selected")
        if self.failures:
            ready = (False, "ReconcileFailed", _names(sorted(self.failures.values())))
        if self.errors:
            ready = (False, "BaselineRejected", _names(sorted(self.errors.values())))
        await self._write_policy_status(raw, ready=ready, policy=policy)
        return policy

    def _all_policies(self, view: ClusterView, own: Policy) -> list[Policy]:
        """Every valid policy, parsed once per generation; invalid ones own nothing."""
        parsed = [own]
        for obj in view.policies():
            name = meta(obj).get("name")
            if name == own.name or meta(obj).get("deletionTimestamp"):
                continue
            key = (str(name), meta(obj).get("generation"))
            if key not in self._policies_cache:
                try:
                    self._policies_cache[key] = parse_policy(obj)
                except PolicyError:
                    continue
            parsed.append(self._policies_cache[key])
        return parsed

    async def _reconcile_namespace(
        self,
        policy: Policy,
        policies: list[Policy],
        view: ClusterView,
        namespace: str,
        ns_obj: Obj | None,
        today: date,
    ) -> None:
        terminating = ns_obj is None or meta(ns_obj).get("deletionTimestamp") is not None
        labels = labels_of(ns_obj) if ns_obj else {}
        annotations = annotations_of(ns_obj) if ns_obj else {}
        selected = not terminating and policy_selects_namespace(
            policy, namespace, labels, annotations, self.operator_namespace
        )
        if not selected:
            self.reports.pop(namespace, None)
            self.errors.pop(namespace, None)
            self.conflicts.pop(namespace, None)
            if not terminating:
                await release(
                    view, self.writer, namespace, policy.name, "namespace no longer selected"
                )
            return

        owner = enforcing_policy(policies, namespace, labels, annotations, self.operator_namespace)
        enforce = policy.enforcement == "Enforce" and owner == policy.name
        if policy.enforcement == "Enforce" and owner != policy.name and owner is not None:
            self.conflicts[namespace] = owner
        else:
            self.conflicts.pop(namespace, None)

        snapshot = view.snapshot(namespace, ns_obj)
        plan = plan_namespace(policy, snapshot, enforce=enforce)
        await self._execute(plan, namespace)
        for problem in plan.problems:
            log.warning("Skipped a baseline object", namespace=namespace, problem=problem)

        findings = apply_waivers(evaluate([snapshot], policy.checks), policy.waivers, today)
        report = namespace_report(
            policy.name,
            namespace,
            findings,
            workloads=len(snapshot.workloads),
            baseline=plan.state.as_status(),
        )
        previous = self.reports.get(namespace)
        self.reports[namespace] = report.compact()
        await self._write_report(view, policy, namespace, report, previous)

    async def _execute(self, plan: Plan, namespace: str) -> None:
        self.errors.pop(namespace, None)
        for action in plan.actions:
            try:
                uid = await asyncio.to_thread(self._perform, action)
            except WriteError as error:
                self.errors[namespace] = f"{BASELINE_FIELDS[action.kind]}: {error}"
                log.warning(
                    "Failed to apply baseline object",
                    kind=action.kind,
                    namespace=namespace,
                    name=action.name,
                    error=str(error),
                )
                continue
            verb = "Deleted"
            if action.verb == "apply":
                verb = "Created" if action.new else "Repaired"
            self.changes[(verb, action.kind)] += 1
            log.info(
                f"{verb} {action.kind}",
                namespace=namespace,
                name=action.name,
                policy=self.name,
                reason=action.reason,
            )
            if uid:
                kopf.info(
                    _body(
                        {
                            "apiVersion": action.body["apiVersion"] if action.body else "v1",
                            "kind": action.kind,
                            "metadata": {"name": action.name, "namespace": namespace, "uid": uid},
                        }
                    ),
                    reason=verb,
                    message=f"{verb} by AksChecklistPolicy {self.name}: {action.reason}",
                )

    def _announce_pass(self) -> None:
        """One Event on the policy per pass that changed objects, not one per object."""
        if not self.changes or self.policy_ref is None:
            return
        for verb in ("Created", "Repaired", "Deleted"):
            kinds = sorted((kind, n) for (v, kind), n in self.changes.items() if v == verb)
            if kinds:
                what = ", ".join(f"{n} {kind}" for kind, n in kinds)
                kopf.info(_body(self.policy_ref), reason=verb, message=f"{verb} {what}")
        self.changes.clear()

    def _perform(self, action: Action) -> str | None:
        """Executes one action; returns the uid of an applied object."""
        if action.verb == "apply":
            assert action.body is not None
            return self.writer.apply(action.body)
        self.writer.delete(action.kind, action.namespace, action.name, action.uid)
        return None

    # -- reports ----------------------------------------------------------------------------

    async def _write_report(
        self,
        view: ClusterView,
        policy: Policy,
        namespace: str,
        report: NamespaceReport,
        previous: NamespaceReport | None,
    ) -> None:
        live = next(
            (r for r in view.reports(namespace) if meta(r).get("name") == policy.name), None
        )
        if live is not None and not labels_of(live).get(MANAGED_BY_LABEL):
            return  # someone else's object with our report's name: never touch it
        if live is None:
            await asyncio.to_thread(
                self.writer.create_report,
                namespace,
                policy.name,
                self._owner(view, policy),
                {MANAGED_BY_LABEL: MANAGED_BY_VALUE, POLICY_ANNOTATION: policy.name},
            )
        elif live.get("statusDigest") == status_digest(report.status):
            return
        await asyncio.to_thread(
            self.writer.patch_report_status,
            namespace,
            policy.name,
            _with_removals(live.get("statusKeys", ()) if live else (), report.status),
        )
        self._announce_changes(namespace, policy.name, previous, report, live)

    def _owner(self, view: ClusterView, policy: Policy) -> dict[str, Any]:
        obj = next(p for p in view.policies() if meta(p).get("name") == policy.name)
        return {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "AksChecklistPolicy",
            "name": policy.name,
            "uid": meta(obj)["uid"],
            "controller": True,
            "blockOwnerDeletion": False,
        }

    def _announce_changes(
        self,
        namespace: str,
        policy: str,
        previous: NamespaceReport | None,
        report: NamespaceReport,
        live: Obj | None,
    ) -> None:
        """Events when a namespace's score drops or a High rule starts failing."""
        if previous is None or live is None:
            return
        target = _body(
            {
                "apiVersion": f"{GROUP}/{VERSION}",
                "kind": "AksCompliance",
                "metadata": {"name": policy, "namespace": namespace, "uid": meta(live).get("uid")},
            }
        )
        if report.score < previous.score:
            kopf.warn(
                target,
                reason="ScoreDropped",
                message=f"Compliance score dropped from {previous.score} to {report.score}",
            )
        before = _failing_high(previous)
        started = sorted(_failing_high(report) - before)
        if started:
            kopf.warn(
                target,
                reason="HighRuleFailing",
                message=f"High-severity rules started failing: {_names(started)}",
            )

    # -- cluster scope and policy status ----------------------------------------------------

    async def _cluster_findings(
        self, view: ClusterView, policy: Policy, today: date, *, refresh: bool
    ) -> list[Finding]:
        if refresh or self.server_version is None:
            self.server_version = await asyncio.to_thread(self.writer.server_version)
        version = self.server_version
        nodes = tuple(view.cluster_objects({"Node"}))
        addons = tuple(
            obj
            for ns in cluster_checks.ADDON_NAMESPACES
            for obj in view.namespace_objects(ns)
            if cluster_checks.is_addon_candidate(obj)
        )
        findings = cluster_checks.check_cluster(
            cluster_checks.ClusterSnapshot(version=version, nodes=nodes, addons=addons, today=today)
        )
        storage_classes = view.cluster_objects({"StorageClass"})
        findings.extend(storage.check_cluster_objects(storage_classes, policy.checks))
        findings.extend(await self._azure_findings(policy, today, refresh=refresh))
        return [f for f in findings if policy.checks.enabled(f.rule)]

    async def _azure_findings(self, policy: Policy, today: date, *, refresh: bool) -> list[Finding]:
        """The AKS configuration judged from Azure, fetched on full passes only."""
        if policy.azure is None:
            self.azure_error = None
            self.azure_findings = azure.not_configured()
        elif refresh or self.azure_findings is None:
            try:
                self.azure_findings = await azure.judge(policy.azure, today)
                self.azure_error = None
            except azure.AzureError as error:
                self.azure_error = str(error)
                self.azure_error_reason = error.reason
                self.azure_findings = []
                log.warning("Failed to read the managed cluster from Azure", error=str(error))
        return list(self.azure_findings or [])

    async def _write_policy_status(
        self, raw: Obj, *, ready: tuple[bool, str, str], policy: Policy | None = None
    ) -> None:
        current = dict(raw.get("status") or {})
        generation = meta(raw).get("generation")
        now = datetime.now(UTC)
        conditions = set_condition(
            current.get("conditions") or [],
            type_="Ready",
            status=ready[0],
            reason=ready[1],
            message=ready[2],
            generation=generation,
            now=now,
        )
        status: dict[str, Any] = {"observedGeneration": generation}
        if policy is not None:
            if self.conflicts:
                owners = sorted(set(self.conflicts.values()))
                message = (
                    f"namespaces {_names(sorted(self.conflicts))} are enforced by "
                    f"{_names(owners)}, which sorts first by name"
                )
                conditions = set_condition(
                    conditions,
                    type_="BaselineConflict",
                    status=True,
                    reason="OtherPolicyEnforces",
                    message=message,
                    generation=generation,
                    now=now,
                )
            else:
                conditions = set_condition(
                    conditions,
                    type_="BaselineConflict",
                    status=False,
                    reason="NoConflict",
                    message="no other policy enforces these namespaces",
                    generation=generation,
                    now=now,
                )
            if policy.azure is None:
                conditions = remove_condition(conditions, "AzureConfigurationRead")
            else:
                conditions = set_condition(
                    conditions,
                    type_="AzureConfigurationRead",
                    status=self.azure_error is None,
                    reason="Read" if self.azure_error is None else self.azure_error_reason,
                    message=self.azure_error
                    or f"managed cluster {policy.azure.cluster_name} was read and judged",
                    generation=generation,
                    now=now,
                )
            status.update(policy_aggregate(self.reports.values()))
            status["cluster"] = cluster_results(self.cluster_findings)
        status["conditions"] = conditions
        if all(current.get(key) == value for key, value in status.items()):
            return
        try:
            await asyncio.to_thread(self.writer.patch_policy_status, self.name, status)
        except WriteError as error:  # retried on the next pass (an event or the periodic one)
            log.warning(
                "Failed to write AksChecklistPolicy status", policy=self.name, error=str(error)
            )
            return
        if ready[0] is False and (current_ready(current) != (False, ready[1])):
            kopf.warn(_body(raw), reason=ready[1], message=ready[2])

    def _export_metrics(self) -> None:
        failures: Counter[tuple[str, str]] = Counter()
        states: Counter[tuple[str, str]] = Counter()
        for namespace, report in self.reports.items():
            NAMESPACE_SCORE.labels(policy=self.name, namespace=namespace).set(report.score)
            for rule, severity, count in report.failures:
                failures[(rule, severity)] += count
            baseline = report.status.get("baseline", {})
            for kind in ("networkPolicy", "limitRange", "resourceQuota"):
                states[(kind, baseline.get(kind, "Missing"))] += 1
        for (rule, severity), count in failures.items():
            RULE_FAILURES.labels(policy=self.name, rule=rule, severity=severity).set(count)
        for (kind, state), count in states.items():
            BASELINE_OBJECTS.labels(policy=self.name, kind=kind, state=state).set(count)


def _body(raw: Mapping[str, Any]) -> kopf.Body:
    """Kopf's event API takes a Body; ours are plain dicts with the same shape."""
    return kopf.Body(cast("kopf.RawBody", raw))


async def _until(stopped: kopf.DaemonStopped) -> None:
    await stopped.wait()


def current_ready(status: Mapping[str, Any]) -> tuple[bool, str] | None:
    for condition in status.get("conditions") or ():
        if condition.get("type") == "Ready":
            return (condition.get("status") == "True", str(condition.get("reason")))
    return None


def _failing_high(report: NamespaceReport) -> set[str]:
    return {rule for rule, severity, _ in report.failures if severity == Severity.HIGH.value}


def _with_removals(old_keys: Iterable[str], new: dict[str, Any]) -> dict[str, Any]:
    """A merge patch body: keys present before but gone now are sent as null to remove them."""
    patch = dict(new)
    for key in old_keys:
        if key not in new:
            patch[key] = None
    return patch
