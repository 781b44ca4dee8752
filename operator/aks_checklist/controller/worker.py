"""One policy's reconcile loop: gather from the indexes, let pure code decide, write, report.

A pass takes the coalesced dirty namespaces (or all of them on a full pass)
and, for each: gathers its snapshot and Pods, asks ``baseline.ownership`` who
enforces there and ``baseline.plan`` what to write (preflight included), hands
the actions to the executor, and builds the namespace's report from what the
writes did. The policy status and its conditions are written once, at the end
of the pass, and only if they changed.

Failed writes requeue their namespace with backoff; the next full pass comes
on an absolute deadline, confirms the indexes against the API server (ghosts
dropped) and restarts the Azure read, which runs in its own task.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import kopf
import structlog

from aks_checklist.baseline.kinds import BY_KIND
from aks_checklist.baseline.marks import MANAGED_BY_LABEL, MANAGED_BY_VALUE, POLICY_ANNOTATION
from aks_checklist.baseline.ownership import enforcing_policy, own_report, release_actions
from aks_checklist.baseline.plan import Outcome, applied, plan_namespace, settle
from aks_checklist.baseline.preflight import Blocked
from aks_checklist.checks import cluster as cluster_checks
from aks_checklist.checks import storage
from aks_checklist.checks.engine import evaluate
from aks_checklist.checks.evidence import ClusterEvidence, check_evidence
from aks_checklist.checks.model import Finding, Severity
from aks_checklist.checks.snapshot import Obj, Snapshot, annotations_of, labels_of, meta
from aks_checklist.conditions import PassResult, invalid_spec_conditions, policy_conditions
from aks_checklist.controller.azure_refresh import AzureRefresh
from aks_checklist.controller.backoff import Backoff
from aks_checklist.controller.coalescer import PolicyQueue, Work
from aks_checklist.controller.executor import Written, announce, execute, written
from aks_checklist.controller.lanes import each
from aks_checklist.controller.metrics import PolicyMetrics
from aks_checklist.controller.policy_reports import PolicyReports
from aks_checklist.controller.report_lanes import ReportLanes
from aks_checklist.controller.resources import pack
from aks_checklist.controller.state import OperatorState
from aks_checklist.controller.view import ClusterView
from aks_checklist.kube.discovery import Discovery
from aks_checklist.kube.policy_engines import PolicyEngines
from aks_checklist.kube.writer import GROUP, VERSION, WriteError
from aks_checklist.observability import RECONCILE_SECONDS
from aks_checklist.policy import (
    Policy,
    PolicyError,
    apply_attestations,
    apply_waivers,
    attestation_findings,
    parse_policy,
    policy_selects_namespace,
)
from aks_checklist.render.policyreport import (
    cluster_policy_report,
    namespace_policy_report,
    report_name,
)
from aks_checklist.report import (
    NamespaceReport,
    category_status,
    cluster_results,
    namespace_report,
    status_digest,
)
from aks_checklist.report_book import ReportBook

log = structlog.get_logger("aks_checklist.worker")
# How long a pass keeps taking the namespaces marked after it started: then it ends, so the
# policy's status and the metrics stay current under constant churn.
ABSORB_SECONDS = 5.0
# Reports judged and written at once beside the lanes writing baselines, and how long one
# waits for the lanes to finish writing baselines before it goes anyway (report_lanes.py).
REPORTS_AT_ONCE = 2
REPORT_PATIENCE_SECONDS = 1.0
REPORTS_WAITING = 256  # then a lane waits too: each waiting report holds its packed namespace
# Events on the objects a pass wrote; the policy's Events count the rest.
ANNOUNCED_PER_PASS = 100


@dataclass(frozen=True)
class Judged:
    """A namespace judged in a thread: its report, compact form and digest, its PolicyReport."""

    report: NamespaceReport
    compact: NamespaceReport
    digest: str
    policy_report: dict[str, Any] | None


async def release(
    view: ClusterView, state: OperatorState, namespace: str, policy: str, why: str
) -> list[Outcome]:
    """Deletes the baseline objects and the report ``policy`` made in ``namespace``."""
    actions = release_actions(view.namespace_objects(namespace), namespace, policy, why)
    outcomes = await execute(state.writer, actions, policy)
    report = own_report(view.reports(namespace), policy)
    if report is not None:
        await asyncio.to_thread(
            state.writer.delete_report, namespace, policy, meta(report).get("uid")
        )
    return outcomes


@dataclass
class PolicyWorker:
    name: str
    state: OperatorState
    queue: PolicyQueue
    reports: ReportBook = field(default_factory=ReportBook)
    failures: dict[str, str] = field(default_factory=dict)  # unexpected errors, by namespace
    rejected: dict[str, str] = field(default_factory=dict)  # writes the API refused
    retrying: dict[str, str] = field(default_factory=dict)  # transient write failures
    conflicts: dict[str, str] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    cluster_findings: list[Finding] = field(default_factory=list)
    server_version: str | None = None
    policy_uid: str | None = None
    backoff: Backoff = field(default_factory=Backoff)
    metrics: PolicyMetrics = field(init=False)
    azure: AzureRefresh = field(init=False)
    policy_reports: PolicyReports = field(init=False)
    discovery: Discovery = field(init=False)
    engines: PolicyEngines = field(init=False)
    _policies_cache: dict[tuple[str, Any], Policy] = field(default_factory=dict)
    changes: dict[tuple[str, str], int] = field(default_factory=dict)
    written: list[Written] = field(default_factory=list)  # announced at the end of the pass
    serving: set[str] = field(default_factory=set)  # namespaces a lane is serving now

    def __post_init__(self) -> None:
        self.metrics = PolicyMetrics(self.name)
        self.azure = AzureRefresh(on_done=lambda: self.queue.mark(None))
        self.policy_reports = PolicyReports(self.state.writer, owner=self._owner_ref)
        self.discovery = Discovery(self.state.lister.api)
        self.engines = PolicyEngines(self.state.lister.api)

    async def run(self, body: kopf.Body, view: ClusterView, stopped: kopf.DaemonStopped) -> None:
        # Wait for work and for Kopf's stop request together, so a deleted policy's
        # worker exits at once instead of being cancelled after a grace period.
        stop = asyncio.ensure_future(stopped.wait())
        try:
            while not stopped:
                waiting = asyncio.ensure_future(self.queue.next())
                await asyncio.wait({waiting, stop}, return_when=asyncio.FIRST_COMPLETED)
                if stopped or not waiting.done():
                    waiting.cancel()
                    return
                work = waiting.result()
                started = time.monotonic()
                policy = await self.reconcile(body, view, work)
                RECONCILE_SECONDS.labels(policy=self.name).observe(time.monotonic() - started)
                log.debug(
                    "Reconciled namespaces",
                    policy=self.name,
                    namespaces="all" if work.full else len(work.namespaces),
                    seconds=round(time.monotonic() - started, 3),
                )
                if work.full:
                    self.queue.schedule_full(full_pass_interval(policy, datetime.now(UTC)))
        finally:
            stop.cancel()
            self.azure.cancel()
            self.metrics.clear()

    # -- one pass ---------------------------------------------------------------------------

    async def reconcile(self, body: kopf.Body, view: ClusterView, work: Work) -> Policy | None:
        raw = copy.deepcopy(dict(body))  # one consistent version for the whole pass
        self.policy_uid = meta(raw).get("uid")
        try:
            policy = parse_policy(raw)
        except PolicyError as error:
            await self._write_invalid_status(raw, str(error))
            return None
        today = datetime.now(UTC).date()
        if work.full:
            await self._heal(view)
            self.azure.start(policy.azure, today, policy.checks)
        if policy.policy_reports and (work.full or self.policy_reports.served is None):
            await self.policy_reports.check_served()
        policies = self._all_policies(view, policy)
        targets = (
            view.namespace_names() | set(self.reports) | view.report_namespaces()
            if work.full
            else set(work.namespaces)
        )
        if work.full:  # what is said about namespaces that are gone goes with them
            for registry in (self.failures, self.rejected, self.retrying, self.blocked):
                for gone in set(registry) - targets - {""}:
                    del registry[gone]

        await self._serve(
            sorted(t for t in targets if self.state.watches(t)), policy, policies, view, today
        )
        if work.cluster or work.full:
            try:
                self.cluster_findings = await self._cluster_findings(
                    view, policy, today, refresh=work.full
                )
                if policy.policy_reports:
                    await self.policy_reports.write(
                        cluster_policy_report(policy.name, self.cluster_findings)
                    )
                self.failures.pop("", None)
            except Exception as error:  # same: report it, keep serving
                self.failures[""] = f"cluster-scope checks: {error}"
                log.exception("Failed to evaluate cluster-scope checks", policy=self.name)
        self.metrics.export(self.reports)
        self._announce_pass()
        await self._write_policy_status(raw, policy)
        return policy

    async def _serve(
        self,
        targets: list[str],
        policy: Policy,
        policies: list[Policy],
        view: ClusterView,
        today: date,
    ) -> None:
        """Serves ``targets`` and what is marked meanwhile on the lanes; reports after."""

        reports = ReportLanes(
            at_once=REPORTS_AT_ONCE,
            pending=REPORTS_WAITING,
            patience=REPORT_PATIENCE_SECONDS,
        )

        def failed(namespace: str, error: Exception) -> None:
            self.failures[namespace] = f"namespace {namespace}: {error}"
            self.queue.requeue(namespace, self.backoff.failed(namespace))
            log.exception("Failed to reconcile namespace", namespace=namespace, policy=self.name)

        async def report(namespace: str, step: Callable[[], Awaitable[None]]) -> None:
            try:
                await step()
                self.failures.pop(namespace, None)
            except Exception as error:  # one namespace must not stop the others or the daemon
                failed(namespace, error)
            finally:
                self.serving.discard(namespace)  # busy until its report is written

        async def serve(namespace: str) -> None:
            self.serving.add(namespace)
            try:
                with reports.writing_baseline():
                    step = await self._reconcile_namespace(
                        policy, policies, view, namespace, view.namespace(namespace), today
                    )
            except Exception as error:  # same
                failed(namespace, error)
                self.serving.discard(namespace)
                return
            if step is None:  # released: nothing to report
                self.failures.pop(namespace, None)
                self.serving.discard(namespace)
                return
            await reports.submit(lambda: report(namespace, step))

        async with reports:  # the pass ends when every report is written
            await each(
                # A namespace created while the pass runs waits for a free lane, not the pass.
                self.queue.absorbing(
                    targets,
                    busy=self.serving,
                    wanted=self.state.watches,
                    seconds=ABSORB_SECONDS,
                ),
                serve,
                lanes=self.state.lanes,
            )

    async def _heal(self, view: ClusterView) -> None:
        """Drops from this process's view what the indexes hold but the API server does not."""
        believed = view.confirmable_uids()
        try:
            live = await asyncio.to_thread(self.state.lister.uids)
        except Exception as error:  # keep the old view; the next full pass tries again
            log.warning("Failed to confirm the indexes against the API server", error=str(error))
            return
        ghosts = frozenset(believed - live)
        if ghosts != self.state.ghosts:
            log.info("Dropped ghost objects from the indexes", count=len(ghosts))
        self.state.ghosts = ghosts

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

    def _forget(self, namespace: str) -> None:
        for registry in (self.reports, self.rejected, self.retrying, self.conflicts, self.blocked):
            registry.pop(namespace, None)

    async def _reconcile_namespace(
        self,
        policy: Policy,
        policies: list[Policy],
        view: ClusterView,
        namespace: str,
        ns_obj: Obj | None,
        today: date,
    ) -> Callable[[], Awaitable[None]] | None:
        """Writes the namespace's baseline; returns what reports it, to be run after.

        The report waits because in a burst the baseline objects are what
        protects the namespace: its lane moves on to the next namespace's
        baseline while a few report lanes judge and write the reports.
        """
        terminating = ns_obj is None or meta(ns_obj).get("deletionTimestamp") is not None
        labels = labels_of(ns_obj) if ns_obj else {}
        annotations = annotations_of(ns_obj) if ns_obj else {}
        operator_namespace = self.state.operator_namespace
        selected = not terminating and policy_selects_namespace(
            policy, namespace, labels, annotations, operator_namespace
        )
        if not selected:
            self._forget(namespace)
            if not terminating:
                outcomes = await release(
                    view, self.state, namespace, policy.name, "namespace no longer selected"
                )
                self._record_writes(namespace, outcomes)
                await self.policy_reports.remove(namespace, report_name(policy.name))
            return None

        owner = enforcing_policy(policies, namespace, labels, annotations, operator_namespace)
        enforce = policy.enforcing and owner == policy.name
        if policy.enforcing and owner not in (policy.name, None):
            self.conflicts[namespace] = str(owner)
        else:
            self.conflicts.pop(namespace, None)

        snapshot = view.snapshot(namespace, ns_obj)
        plan = plan_namespace(
            policy, snapshot, enforce=enforce, pods=view.pods(namespace), owner=self._owner_ref()
        )
        for problem in plan.problems:
            log.warning("Skipped a baseline object", namespace=namespace, problem=problem)
        self._record_blocked(namespace, ns_obj, plan.state.blocked)
        outcomes = await execute(self.state.writer, plan.actions, policy.name)
        self._record_writes(namespace, outcomes)

        # A report may wait a while for its lane (report_lanes.py): its namespace's objects
        # wait packed, as in the indexes, rather than as the dicts the plan read.
        after = applied(snapshot, outcomes)
        objects, cluster_objects = [pack(obj) for obj in after.objects], after.cluster_objects
        complete, baseline = after.complete, settle(plan.state, outcomes).as_status()

        def judge() -> Judged:
            judged = Snapshot(
                namespace, [o.unpack() for o in objects], cluster_objects, complete=complete
            )
            findings = apply_attestations(
                apply_waivers(evaluate([judged], policy.checks), policy.waivers, today),
                policy.attestations,
                today,
            )
            report = namespace_report(
                policy.name,
                namespace,
                findings,
                workloads=len(judged.workloads),
                baseline=baseline,
            )
            policy_report = (
                namespace_policy_report(policy.name, namespace, findings)
                if policy.policy_reports
                else None
            )
            return Judged(report, report.compact(), status_digest(report.status), policy_report)

        async def report_step() -> None:
            # Judging a namespace computes for milliseconds without a pause: in a thread,
            # the loop (watch streams, probes, the other lanes) keeps running meanwhile.
            loop = asyncio.get_running_loop()
            judged = await loop.run_in_executor(self.state.judging, judge)
            if judged.policy_report is not None:
                await self.policy_reports.write(judged.policy_report)
            previous = self.reports.get(namespace)
            self.reports[namespace] = judged.compact
            try:
                await self._write_report(view, policy, namespace, judged, previous)
            except WriteError as error:
                # The report on the cluster is still the previous one: so is what we compare with.
                if previous is None:
                    del self.reports[namespace]
                else:
                    self.reports[namespace] = previous
                self._retry(namespace, error.transient, str(error), error.retry_after)

        return report_step

    def _record_writes(self, namespace: str, outcomes: Iterable[Outcome]) -> None:
        failed = [o for o in outcomes if not o.ok]
        room = ANNOUNCED_PER_PASS - len(self.written)
        if room > 0:
            self.written.extend(written(outcomes)[:room])
        for outcome in outcomes:
            if outcome.ok:
                key = (outcome.action.past_tense, outcome.action.kind)
                self.changes[key] = self.changes.get(key, 0) + 1
        self.rejected.pop(namespace, None)
        self.retrying.pop(namespace, None)
        if not failed:
            self.backoff.succeeded(namespace)
            return
        transient = [o for o in failed if o.transient]
        worst = ([o for o in failed if not o.transient] or transient)[0]
        retry_after = max((o.retry_after or 0.0 for o in transient), default=0.0) or None
        where = BY_KIND[worst.action.kind].policy_field
        self._retry(namespace, worst.transient, f"{where}: {worst.error}", retry_after)

    def _retry(self, namespace: str, transient: bool, message: str, after: float | None) -> None:
        (self.retrying if transient else self.rejected)[namespace] = message
        self.queue.requeue(namespace, self.backoff.failed(namespace, after))

    def _record_blocked(
        self, namespace: str, ns_obj: Obj | None, blocked: Sequence[Blocked]
    ) -> None:
        """Keeps the pass's blocked objects; an Event when one becomes blocked, not every pass."""
        if not blocked:
            self.blocked.pop(namespace, None)
            return
        before = self.blocked.get(namespace, "")
        new = [b for b in blocked if f"{b.kind} {b.name}:" not in before]
        if new and ns_obj is not None:
            text = "; ".join(f"{b.kind} {b.name}: {b.reason}" for b in new)
            kopf.warn(_body(ns_obj), reason="BaselineBlocked", message=f"Not written: {text}")
        self.blocked[namespace] = "; ".join(f"{b.kind} {b.name}: {b.reason}" for b in blocked)

    def _announce_pass(self) -> None:
        """An Event on each object written (up to a bound), one on the policy per pass that wrote.

        A first pass over 5,000 namespaces writes 17,000 objects: an Event on
        each would be 17,000 more writes, minutes of posting after the pass. The
        policy's Events count them all.
        """
        announce(self.written, self.name)
        announced, self.written = len(self.written), []
        if not self.changes or self.policy_uid is None:
            return
        total = sum(n for (verb, _), n in self.changes.items() if verb != "Deleted")
        for verb in ("Created", "Repaired", "Deleted"):
            kinds = sorted((kind, n) for (v, kind), n in self.changes.items() if v == verb)
            if kinds:
                what = ", ".join(f"{n} {kind}" for kind, n in kinds)
                if verb != "Deleted" and total > announced:
                    what += f" (an Event on each of the first {announced} only)"
                kopf.info(_body(self._policy_ref()), reason=verb, message=f"{verb} {what}")
        self.changes.clear()

    def _policy_ref(self) -> dict[str, Any]:
        return {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "AksChecklistPolicy",
            "metadata": {"name": self.name, "uid": self.policy_uid},
        }

    def _owner_ref(self, *, controller: bool = False) -> dict[str, Any] | None:
        """The policy as an owner: GC removes what a lost finalizer would leave behind."""
        if not self.policy_uid:
            return None
        return {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "AksChecklistPolicy",
            "name": self.name,
            "uid": self.policy_uid,
            "controller": controller,
            "blockOwnerDeletion": False,
        }

    # -- reports ----------------------------------------------------------------------------

    async def _write_report(
        self,
        view: ClusterView,
        policy: Policy,
        namespace: str,
        judged: Judged,
        previous: NamespaceReport | None,
    ) -> None:
        report = judged.report
        live = next(
            (r for r in view.reports(namespace) if meta(r).get("name") == policy.name), None
        )
        if live is not None and not labels_of(live).get(MANAGED_BY_LABEL):
            return  # someone else's object with our report's name: never touch it
        uid = meta(live).get("uid") if live is not None else None
        if live is None:
            uid = await asyncio.to_thread(
                self.state.writer.create_report,
                namespace,
                policy.name,
                self._owner_ref(controller=True) or {},
                {MANAGED_BY_LABEL: MANAGED_BY_VALUE, POLICY_ANNOTATION: policy.name},
            )
        elif live.get("statusDigest") == judged.digest:
            return
        await asyncio.to_thread(
            self.state.writer.patch_report_status,
            namespace,
            policy.name,
            _with_removals(live.get("statusKeys", ()) if live else (), report.status),
        )
        self._announce_changes(namespace, policy.name, previous, report, uid)

    def _announce_changes(
        self,
        namespace: str,
        policy: str,
        previous: NamespaceReport | None,
        report: NamespaceReport,
        uid: str | None,
    ) -> None:
        """Events when a namespace's score drops or a High rule starts failing."""
        if previous is None:
            return
        target = _body(
            {
                "apiVersion": f"{GROUP}/{VERSION}",
                "kind": "AksCompliance",
                "metadata": {"name": policy, "namespace": namespace, "uid": uid},
            }
        )
        if report.score < previous.score:
            kopf.warn(
                target,
                reason="ScoreDropped",
                message=f"Compliance score dropped from {previous.score} to {report.score}",
            )
        started = sorted(_failing_high(report) - _failing_high(previous))
        if started:
            kopf.warn(
                target,
                reason="HighRuleFailing",
                message=f"High-severity rules started failing: {', '.join(started[:5])}",
            )

    # -- cluster scope and policy status ----------------------------------------------------

    async def _cluster_findings(
        self, view: ClusterView, policy: Policy, today: date, *, refresh: bool
    ) -> list[Finding]:
        if refresh or self.server_version is None:
            self.server_version = await asyncio.to_thread(self.state.writer.server_version)
        nodes = tuple(view.cluster_objects({"Node"}))
        addons = tuple(
            obj
            for ns in cluster_checks.ADDON_NAMESPACES
            for obj in view.namespace_objects(ns)
            if cluster_checks.is_addon_candidate(obj)
        )
        findings = cluster_checks.check_cluster(
            cluster_checks.ClusterSnapshot(
                version=self.server_version, nodes=nodes, addons=addons, today=today
            ),
            settings=policy.checks,  # checks.require makes advisory cluster items strict
        )
        storage_classes = view.cluster_objects({"StorageClass"})
        findings.extend(storage.check_cluster_objects(storage_classes, policy.checks))
        findings.extend(await self._evidence_findings(view, policy, refresh=refresh))
        findings.extend(self.azure.current(policy.azure))
        findings = apply_attestations(findings, policy.attestations, today)
        return [f for f in findings if policy.checks.enabled(f.rule)]

    async def _evidence_findings(
        self, view: ClusterView, policy: Policy, *, refresh: bool
    ) -> list[Finding]:
        """Installed tools, nodes and storage of the whole cluster (checks/evidence.py).

        CRD names come from discovery, and Kyverno's image-verifying policies from a
        list when discovery shows Kyverno: both are polled on full passes only.
        Watching a few namespaces (``run -n``) sees only part of the cluster: what is
        missing there may be elsewhere, so absence is then not judged.
        """
        if refresh or not self.discovery.polled:
            await asyncio.to_thread(self.discovery.poll)
            await asyncio.to_thread(self.engines.poll, self.discovery.names)
        unpack, engines = view.evidence_objects(), self.engines.objects
        crds, complete = self.discovery.names, not self.state.watched_namespaces

        def judge() -> list[Finding]:  # O(workloads x tools): off the event loop
            objects = [*unpack(), *engines]
            evidence = ClusterEvidence.of(objects, crds=crds, complete=complete)
            return check_evidence(evidence, policy.checks)

        return await asyncio.to_thread(judge)

    def _azure_condition(self, policy: Policy) -> tuple[bool | None, str, str] | None:
        if policy.azure is None:
            return None
        if self.azure.error is not None:
            return False, self.azure.reason, self.azure.error
        if self.azure.findings is None:
            return None, "Reading", f"managed cluster {policy.azure} is being read"
        return True, "Read", f"managed cluster {policy.azure.cluster_name} was read and judged"

    async def _write_invalid_status(self, raw: Obj, message: str) -> None:
        current = dict(raw.get("status") or {})
        generation = meta(raw).get("generation")
        conditions = invalid_spec_conditions(
            current.get("conditions") or [],
            message,
            generation=generation,
            now=datetime.now(UTC),
        )
        await self._patch_status(raw, {"observedGeneration": generation, "conditions": conditions})

    async def _write_policy_status(self, raw: Obj, policy: Policy) -> None:
        current = dict(raw.get("status") or {})
        generation = meta(raw).get("generation")
        result = PassResult(
            selected=len(self.reports),
            failures=dict(self.failures),
            rejected=dict(self.rejected),
            retrying=dict(self.retrying),
            conflicts=dict(self.conflicts),
            blocked=dict(self.blocked),
            azure=self._azure_condition(policy),
            azure_resources=self.azure.resources_condition(policy.azure),
            policy_reports=self.policy_reports.condition(policy.policy_reports),
        )
        status: dict[str, Any] = {"observedGeneration": generation}
        attested = attestation_findings(policy.attestations, datetime.now(UTC).date())
        status.update(_summaries(self.reports, self.cluster_findings, attested))
        status["conditions"] = policy_conditions(
            current.get("conditions") or [], result, generation=generation, now=datetime.now(UTC)
        )
        await self._patch_status(raw, status)

    async def _patch_status(self, raw: Obj, status: dict[str, Any]) -> None:
        current = dict(raw.get("status") or {})
        if all(current.get(key) == value for key, value in status.items()):
            return
        try:
            await asyncio.to_thread(self.state.writer.patch_policy_status, self.name, status)
        except WriteError as error:  # retried on the next pass (an event or the periodic one)
            log.warning(
                "Failed to write AksChecklistPolicy status", policy=self.name, error=str(error)
            )
            self.queue.mark(None)
            return
        ready, before = _ready(status), _ready(current)
        if ready is not None and not ready[0] and (before is None or before[:2] != ready[:2]):
            kopf.warn(_body(raw), reason=ready[1], message=ready[2])


def full_pass_interval(policy: Policy | None, now: datetime) -> float:
    """Seconds until the next full pass: ``reevaluateEvery``, or sooner when a waiver lapses."""
    if policy is None:
        return 600.0
    seconds = policy.reevaluate_every.total_seconds()
    if any(w.expires for w in policy.waivers):
        # Waivers expire at midnight UTC; come back then so they lapse without an event.
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        seconds = min(seconds, (midnight - now).total_seconds() + 1)
    return max(seconds, 1.0)


def _body(raw: Mapping[str, Any]) -> kopf.Body:
    """Kopf's event API takes a Body; ours are plain dicts with the same shape."""
    return kopf.Body(cast("kopf.RawBody", raw))


def _ready(status: Mapping[str, Any]) -> tuple[bool, str, str] | None:
    for condition in status.get("conditions") or ():
        if condition.get("type") == "Ready":
            return (
                condition.get("status") == "True",
                str(condition.get("reason")),
                str(condition.get("message")),
            )
    return None


def _summaries(
    reports: ReportBook, cluster: list[Finding], attested: list[Finding]
) -> dict[str, Any]:
    """The policy status' sums over every namespace report (and cluster, attestations)."""
    return {
        **reports.aggregate(),
        "cluster": cluster_results(cluster),
        "categories": category_status(reports.item_results(cluster, attested)),
    }


def _failing_high(report: NamespaceReport) -> set[str]:
    return {rule for rule, severity, _ in report.failures if severity == Severity.HIGH.value}


def _with_removals(old_keys: Iterable[str], new: dict[str, Any]) -> dict[str, Any]:
    """A merge patch body: keys present before but gone now are sent as null to remove them.

    A merge patch merges nested maps too, so the one optional nested key, the
    baseline's ``blocked`` list, is always sent: as null once nothing is blocked.
    """
    patch = dict(new)
    for key in old_keys:
        if key not in new:
            patch[key] = None
    baseline = patch.get("baseline")
    if isinstance(baseline, dict) and "blocked" not in baseline:
        patch["baseline"] = {**baseline, "blocked": None}
    return patch
