"""What the cluster benchmarks share: a local control plane with the operator running on it.

:class:`Bench` starts etcd, kube-apiserver and kube-controller-manager,
installs the CRDs, starts ``python -m aks_checklist run`` as its own process
(as users run it) and tears all of it down again on any exit: normal end,
exception, Ctrl-C or SIGTERM. Every child is told by the kernel to die with
this process as well, so even a SIGKILL of the benchmark leaves no orphans.

Objects are created and watched with pykube-ng and kubectl, never with the
``kubernetes`` client the operator itself uses, so the load generator shares
no code path with the system under test. (The ceiling borrows the operator's
pure baseline builders for its request bodies only, so it writes exactly the
objects the operator would.)

What every benchmark prints next to the operator's figures:

- the ceiling (:func:`measure_ceiling`): how fast one client writes the
  operator's baseline objects to this control plane, one by one and from 16
  threads, measured in the same run before the operator starts, so a figure
  from a noisy shared machine still means something as a ratio;
- the operator's vitals (:class:`Vitals`): its liveness endpoint polled every
  second with a 1 s timeout, and as the kubelet would with the liveness probe
  of manifests/base/deployment.yaml; its Kopf peering heartbeat, read every
  second from the ClusterKopfPeering object and judged against the lifetime it
  announces; and the event-loop lag histogram from its ``/metrics``.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import pykube
import yaml

from aks_checklist.baseline import objects as baseline_objects
from aks_checklist.policy import parse_spec
from aks_checklist.testing import ControlPlane

REPO = Path(__file__).resolve().parents[1]
OPERATOR_NAMESPACE = "aks-checklist-system"
MANAGED_BY = ("app.kubernetes.io/managed-by", "aks-checklist-operator")
BENCH_LABEL = "bench.akschecklist.io/run"
CRD_NAMES = ("akschecklistpolicies.akschecklist.io", "akscompliances.akschecklist.io")
PEERING_CRD = "clusterkopfpeerings.kopf.dev"
WRITES_METRIC = re.compile(r"^aks_checklist_api_writes_total\{([^}]*)\} (\S+)$", re.MULTILINE)
LABEL = re.compile(r'(\w+)="([^"]*)"')
MIB = 1024 * 1024
NUDGE_AFTER_SECONDS = 15.0
WATCH_SECONDS = 40  # server-side watch timeout, below the client's 60 s read timeout
PEERING_MANIFEST = REPO / "manifests" / "base" / "peering.yaml"
DEPLOYMENT_MANIFEST = REPO / "manifests" / "base" / "deployment.yaml"
OPERATOR_IDENTITY = "bench-operator"  # POD_ID: the key of our record in the peering status
PASSES_METRIC = re.compile(
    r"^aks_checklist_reconcile_duration_seconds_(count|sum)(?:\{[^}]*\})? (\S+)$", re.MULTILINE
)
LAG_METRIC = "aks_checklist_event_loop_lag_seconds"
LAG_BUCKET = re.compile(
    rf"^{LAG_METRIC}_bucket\{{([^}}]*)\}} (\S+)$",
    re.MULTILINE,
)
# report.py keeps each status "well under the 64 KiB the reports promise" (its byte budgets).
STATUS_BOUND_BYTES = 64 * 1024
CEILING_THREADS = 16


class NetworkPolicy(pykube.objects.NamespacedAPIObject):  # type: ignore[misc]
    version = "networking.k8s.io/v1"
    endpoint = "networkpolicies"
    kind = "NetworkPolicy"


class AksCompliance(pykube.objects.NamespacedAPIObject):  # type: ignore[misc]
    version = "akschecklist.io/v1alpha1"
    endpoint = "akscompliances"
    kind = "AksCompliance"


class AksChecklistPolicy(pykube.objects.APIObject):  # type: ignore[misc]
    version = "akschecklist.io/v1alpha1"
    endpoint = "akschecklistpolicies"
    kind = "AksChecklistPolicy"


class ClusterKopfPeering(pykube.objects.APIObject):  # type: ignore[misc]
    version = "kopf.dev/v1"
    endpoint = "clusterkopfpeerings"
    kind = "ClusterKopfPeering"


def peering_name() -> str:
    """The ClusterKopfPeering manifests/base creates (and its Deployment passes to --peering)."""
    manifest = yaml.safe_load(PEERING_MANIFEST.read_text())
    return str(manifest["metadata"]["name"])


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel SIGKILLs it if the benchmark dies."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def raise_on_sigterm() -> None:
    """Turns SIGTERM into SystemExit so ``with`` blocks clean up as they do on Ctrl-C."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``pct`` % at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class OperatorProcess:
    """``python -m aks_checklist run`` in its own process group, with metrics and liveness."""

    def __init__(self, kubeconfig: Path, log_path: Path, peering: str | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.log_path = log_path
        self.peering = peering  # the ClusterKopfPeering to join, or None for --standalone
        self.process: subprocess.Popen[bytes] | None = None
        self.metrics_port = 0
        self.health_port = 0

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.health_port}/healthz"

    def start(self, timeout: float = 60.0) -> None:
        self.metrics_port, self.health_port = _free_port(), _free_port()
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), "POD_ID": OPERATOR_IDENTITY}
        peering = ["--peering", self.peering] if self.peering else ["--standalone"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "aks_checklist",
                    "run",
                    *peering,
                    "--all-namespaces",
                    "--operator-namespace",
                    OPERATOR_NAMESPACE,
                    "--metrics-port",
                    str(self.metrics_port),
                    "--liveness",
                    self.health_url,
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # only calls prctl; takes no locks
                cwd=REPO,
            )
        deadline = time.monotonic() + timeout
        while not self._healthy():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the operator was not live after {timeout:.0f}s")
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"the operator exited with code {self.process.returncode}:\n{self.log_tail()}"
            )

    def _healthy(self) -> bool:
        self.check_alive()
        try:
            with urllib.request.urlopen(  # noqa: S310  # our operator's http URL on loopback
                self.health_url, timeout=2
            ) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def metrics(self) -> str:
        with urllib.request.urlopen(  # fixed http URL on loopback
            f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10
        ) as response:
            text: str = response.read().decode()
            return text

    def writes_by_call(self) -> dict[str, float]:
        """Write calls made since the operator started, keyed "Kind verb"."""
        counts: dict[str, float] = {}
        for labels, value in WRITES_METRIC.findall(self.metrics()):
            fields = dict(LABEL.findall(labels))
            counts[f"{fields.get('kind', '?')} {fields.get('verb', '?')}"] = float(value)
        return counts

    def passes(self) -> tuple[float, float]:
        """(reconcile passes, seconds spent in them) since the start, over every policy."""
        totals = {"count": 0.0, "sum": 0.0}
        for which, value in PASSES_METRIC.findall(self.metrics()):
            totals[which] += float(value)
        return totals["count"], totals["sum"]

    def writes(self) -> float:
        """Write calls the operator made to the API server since it started (all kinds/verbs)."""
        return sum(self.writes_by_call().values())

    def memory_mib(self) -> tuple[float, float]:
        """(peak, current) resident set size of the operator process, from /proc."""
        fields: dict[str, float] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0]) * 1024 / MIB  # reported in kB
        return fields["VmHWM"], fields["VmRSS"]

    def cpu_seconds(self) -> float:
        """User plus system CPU time the operator process has used, from /proc."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of stat(5)
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 40) -> str:
        """The end of the operator log, without Kopf's one-line-per-event success notes."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        kept = [line for line in text.splitlines() if "' succeeded.\"" not in line]
        return "\n".join(kept[-lines:])


class Bench:
    """A control plane, the CRDs and a running operator; a context manager.

    ``log_dir``: where the operator log (and, at the end, the control-plane
    logs) are kept; by default a temporary directory removed afterwards.
    """

    def __init__(
        self,
        log_dir: Path | None = None,
        *,
        peering: bool = True,
        ceiling: CeilingPlan | None = None,
    ) -> None:
        self._keep_logs = log_dir is not None
        self.log_dir = (
            log_dir if log_dir is not None else Path(tempfile.mkdtemp(prefix="aks-bench-"))
        )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.plane = ControlPlane()
        self.peering_name = peering_name() if peering else None
        self.operator = OperatorProcess(
            self.plane.kubeconfig, self.log_dir / "operator.log", peering=self.peering_name
        )
        self._ceiling_plan = ceiling
        self.ceiling: Ceiling | None = None
        self.vitals: Vitals | None = None
        self._local = threading.local()

    def __enter__(self) -> Bench:
        try:
            started = time.monotonic()
            self.plane.start()
            self.kubectl("apply", "-k", str(REPO / "crds"))
            self.kubectl(
                "wait",
                "--for=condition=Established",
                "--timeout=60s",
                *(f"crd/{n}" for n in (*CRD_NAMES, PEERING_CRD)),
            )
            self.kubectl("create", "namespace", OPERATOR_NAMESPACE)
            if self.peering_name is not None:
                self.kubectl("apply", "-f", str(PEERING_MANIFEST))  # as manifests/base does
            if self._ceiling_plan is not None:
                self.ceiling = measure_ceiling(self, self._ceiling_plan)
                for line in self.ceiling.lines():
                    print(line, flush=True)
            self.operator.start()
            self.vitals = Vitals(self).start()
            print(
                f"control plane and operator up in {time.monotonic() - started:.1f}s "
                f"(peering: {self.peering_name or 'standalone'}; logs: {self.log_dir})",
                flush=True,
            )
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and issubclass(exc_type, Exception):  # not Ctrl-C or SIGTERM
            print(f"operator log tail:\n{self.operator.log_tail()}", file=sys.stderr)
        self.close()

    def close(self) -> None:
        if self.vitals is not None:
            self.vitals.stop()
        self.operator.stop()
        if self._keep_logs and self.plane.workdir.exists():
            for name in ("etcd", "kube-apiserver", "kube-controller-manager"):
                log = self.plane.workdir / f"{name}.log"
                if log.exists():
                    shutil.copy(log, self.log_dir / log.name)
        self.plane.stop()
        if not self._keep_logs:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    # -- clients ----------------------------------------------------------------------------

    def kubectl(self, *args: str, stdin: str | None = None) -> str:
        completed = subprocess.run(
            [str(self.plane.binaries.kubectl), "--kubeconfig", str(self.plane.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed: {completed.stderr.strip()}")
        return completed.stdout

    def api(self) -> pykube.HTTPClient:
        """A pykube client for the calling thread (one connection pool per thread)."""
        client: pykube.HTTPClient | None = getattr(self._local, "client", None)
        if client is None:
            client = pykube.HTTPClient(
                pykube.KubeConfig.from_file(str(self.plane.kubeconfig)), timeout=60
            )
            self._local.client = client
        return client

    def apply_policy(self, name: str, spec: dict[str, Any], timeout: float = 60.0) -> None:
        """Creates an AksChecklistPolicy and waits until the operator reports it Ready.

        If the policy is not Ready within ``NUDGE_AFTER_SECONDS`` the benchmark
        says so and creates an unselected namespace: on a quiet cluster a new
        policy's first pass can wait for the next unrelated watch event (or a
        10-minute timer), and the figures measured later should not include
        that wait. The warning keeps the problem visible.
        """
        body = {
            "apiVersion": "akschecklist.io/v1alpha1",
            "kind": "AksChecklistPolicy",
            "metadata": {"name": name},
            "spec": spec,
        }
        self.kubectl("apply", "-f", "-", stdin=json.dumps(body))
        started = time.monotonic()
        nudged = False
        while time.monotonic() - started < timeout:
            self.operator.check_alive()
            policy = AksChecklistPolicy.objects(self.api()).get_by_name(name)
            conditions = policy.obj.get("status", {}).get("conditions", [])
            if any(c["type"] == "Ready" and c["status"] == "True" for c in conditions):
                print(f"policy {name} Ready after {time.monotonic() - started:.1f}s", flush=True)
                return
            if not nudged and time.monotonic() - started > NUDGE_AFTER_SECONDS:
                nudged = True
                print(
                    f"WARNING: policy {name} not Ready {NUDGE_AFTER_SECONDS:g}s after creation "
                    "on a quiet cluster; creating an unrelated namespace to wake the operator",
                    flush=True,
                )
                self.kubectl("create", "namespace", "bench-nudge")
            time.sleep(0.2)
        raise RuntimeError(f"policy {name} was not Ready after {timeout:.0f}s")

    def operator_events(self) -> int:
        """Kubernetes Events the operator has posted (Kopf writes these; the counter does not)."""
        listed = self.kubectl(
            "get", "events", "-A", "--field-selector", f"source={MANAGED_BY[1]}", "-o", "name"
        )
        return len(listed.splitlines())

    def wait_quiet(self, quiet_seconds: float, timeout: float) -> float | None:
        """Waits until the write counter has not moved for ``quiet_seconds``.

        Returns how long that took, or None if the operator was still writing
        after ``timeout`` (the caller reports it; the benchmark goes on).
        """
        started = time.monotonic()
        last, since = self.operator.writes(), time.monotonic()
        while time.monotonic() - since < quiet_seconds:
            if time.monotonic() - started > timeout:
                return None
            time.sleep(0.5)
            self.operator.check_alive()
            now = self.operator.writes()
            if now != last:
                last, since = now, time.monotonic()
        return time.monotonic() - started


class Watcher:
    """Lists then watches one kind across all namespaces in a daemon thread.

    ``on_event(type, obj, seen_at)`` gets every object of the initial list (as
    ``ADDED``) and every watch event, with the monotonic time it was read. A
    dropped watch is resumed from the last resourceVersion, or re-listed when
    that has expired.
    """

    def __init__(
        self,
        bench: Bench,
        kind: type[pykube.objects.APIObject],
        on_event: Callable[[str, dict[str, Any], float], None],
        selector: dict[str, str] | None = None,
    ) -> None:
        self._bench = bench
        self._kind = kind
        self._on_event = on_event
        self._selector = selector
        self._ready = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"watch-{kind.kind}", daemon=True)

    def start(self, timeout: float = 30.0) -> Watcher:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"the {self._kind.kind} watch did not start")
        return self

    def _query(self) -> Any:
        query = self._kind.objects(self._bench.api()).filter(namespace=pykube.all)
        return query.filter(selector=self._selector) if self._selector else query

    def _list(self) -> str:
        query = self._query()
        response = query.response
        seen_at = time.monotonic()
        for item in response.get("items") or []:
            self._on_event("ADDED", item, seen_at)
        return str(response["metadata"]["resourceVersion"])

    def _run(self) -> None:
        try:
            version = self._list()
            self._ready.set()
            while True:
                # The server ends each watch before the client's read timeout, so a quiet
                # spell is a clean end of stream, and bookmarks keep our version fresh.
                params = {"timeoutSeconds": WATCH_SECONDS, "allowWatchBookmarks": "true"}
                try:
                    for event in self._query().watch(since=version, params=params):
                        obj = event.object.obj
                        if event.type == "ERROR":
                            raise pykube.exceptions.HTTPError(obj.get("code"), obj.get("message"))
                        version = obj["metadata"]["resourceVersion"]
                        if event.type != "BOOKMARK":
                            self._on_event(event.type, obj, time.monotonic())
                except pykube.exceptions.HTTPError as error:
                    if error.code != 410:
                        raise
                    version = self._list()  # our resourceVersion expired: start over
        except BaseException as error:  # surfaced to the main thread through check()
            self.error = error
            self._ready.set()

    def check(self) -> None:
        if self.error is not None:
            raise RuntimeError(f"the {self._kind.kind} watch failed: {self.error!r}")


def paced(count: int, rate: float) -> Iterator[int]:
    """Yields 0..count-1 at ``rate`` per second (on a fixed schedule, so no drift)."""
    started = time.monotonic()
    for index in range(count):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield index


# -- the ceiling: the same writes from one plain client, before the operator runs -----------

CEILING_LABEL = "bench.akschecklist.io/ceiling"
CEILING_WARMUP_NAMESPACES = 5
BASELINE_CLASSES: dict[str, type[pykube.objects.APIObject]] = {
    "NetworkPolicy": NetworkPolicy,
    "LimitRange": pykube.LimitRange,
    "ResourceQuota": pykube.ResourceQuota,
}


def baseline_bodies(policy: str, spec: Mapping[str, Any], namespace: str) -> list[dict[str, Any]]:
    """The NetworkPolicy, LimitRange and ResourceQuota the operator writes for ``spec``.

    Built with the operator's own pure builders, so the ceiling writes the
    same bodies (labels, annotations, defaulted LimitRange) the operator would.
    """
    baseline = parse_spec(spec, name=policy).baseline
    bodies = []
    if baseline.network_policy.enabled:
        bodies.append(baseline_objects.network_policy(baseline.network_policy, namespace, policy))
    if baseline.limit_range.enabled:
        bodies.append(baseline_objects.limit_range(baseline.limit_range, namespace, policy))
    if baseline.resource_quota.enabled:
        bodies.append(baseline_objects.resource_quota(baseline.resource_quota, namespace, policy))
    return bodies


@dataclass(frozen=True)
class CeilingPlan:
    """What to measure: the baseline of ``spec`` in ``namespaces`` throwaway namespaces."""

    policy: str
    spec: Mapping[str, Any]
    namespaces: int = 100
    threads: int = CEILING_THREADS


@dataclass(frozen=True)
class Ceiling:
    """How long one client took for ``writes`` creates, one by one and from ``threads``."""

    writes: int
    threads: int
    sequential: float
    parallel: float
    latencies: tuple[float, ...]  # of each sequential create
    cleanup: float

    def time_for(self, writes: float) -> tuple[float, float]:
        """The ceiling's time for ``writes`` such creates: (one by one, with the threads)."""
        return writes * self.sequential / self.writes, writes * self.parallel / self.writes

    def ratio(self, seconds: float, writes: float) -> str:
        """``seconds`` as a multiple of the ceiling's time for the same number of writes."""
        one_by_one, threaded = self.time_for(writes)
        return (
            f"{seconds / one_by_one:.2f}x the ceiling one by one ({one_by_one:.2f}s), "
            f"{seconds / threaded:.2f}x with {self.threads} threads ({threaded:.2f}s)"
        )

    def lines(self) -> list[str]:
        return [
            f"ceiling ({self.writes} baseline creates by one client, before the operator ran):",
            f"  one by one:   {self.sequential:.2f}s = {self.writes / self.sequential:.0f}/s  "
            f"(per create p50 {percentile(self.latencies, 50) * 1000:.1f} ms, "
            f"p99 {percentile(self.latencies, 99) * 1000:.1f} ms)",
            f"  {self.threads} threads:   {self.parallel:.2f}s = "
            f"{self.writes / self.parallel:.0f}/s",
            f"  (throwaway namespaces deleted and gone {self.cleanup:.1f}s later)",
        ]


def _create(api: pykube.HTTPClient, body: dict[str, Any]) -> None:
    BASELINE_CLASSES[body["kind"]](api, body).create()


def _wait_until(probe: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


def measure_ceiling(bench: Bench, plan: CeilingPlan) -> Ceiling:
    """Creates the baseline in throwaway namespaces one by one, then from threads; deletes it.

    Run before the operator starts, on the same control plane. Each half gets
    its own namespaces (fixed object names), made beforehand and left until
    the controller-manager has given each its default ServiceAccount, so the
    timed creates do not compete with that. A few warm-up namespaces go first;
    each thread opens its connection before the clock starts.
    """
    api = bench.api()
    warmup = [f"ceiling-warmup-{i}" for i in range(CEILING_WARMUP_NAMESPACES)]
    one_by_one = [f"ceiling-seq-{i:04d}" for i in range(plan.namespaces)]
    threaded = [f"ceiling-par-{i:04d}" for i in range(plan.namespaces)]
    every = warmup + one_by_one + threaded
    for name in every:
        metadata = {"name": name, "labels": {CEILING_LABEL: "1"}}
        pykube.Namespace(
            api, {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}
        ).create()

    def accounts_made() -> bool:
        accounts = pykube.ServiceAccount.objects(api).filter(
            namespace=pykube.all, field_selector={"metadata.name": "default"}
        )
        return set(every) <= {account.namespace for account in accounts}

    _wait_until(accounts_made, 120, "the throwaway namespaces' default ServiceAccounts")
    for name in warmup:
        for body in baseline_bodies(plan.policy, plan.spec, name):
            _create(api, body)

    latencies = []
    started = time.monotonic()
    for name in one_by_one:
        for body in baseline_bodies(plan.policy, plan.spec, name):
            before = time.monotonic()
            _create(api, body)
            latencies.append(time.monotonic() - before)
    sequential = time.monotonic() - started

    work = [body for name in threaded for body in baseline_bodies(plan.policy, plan.spec, name)]
    work_lock = threading.Lock()
    gate = threading.Barrier(plan.threads + 1)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            client = bench.api()
            pykube.Namespace.objects(client).get_by_name("default")  # connect before the clock
            gate.wait()
            while True:
                with work_lock:
                    if not work:
                        return
                    body = work.pop()
                _create(client, body)
        except BaseException as error:  # re-raised in the calling thread below
            errors.append(error)
            gate.abort()

    threads = [
        threading.Thread(target=writer, name=f"ceiling-{i}", daemon=True)
        for i in range(plan.threads)
    ]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a writer failed: raised below
        gate.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    parallel = time.monotonic() - started
    if errors:
        raise RuntimeError(f"a ceiling writer failed: {errors[0]!r}") from errors[0]

    started = time.monotonic()
    for name in every:
        pykube.Namespace(api, {"metadata": {"name": name}}).delete()

    def all_gone() -> bool:
        query = pykube.Namespace.objects(api).filter(selector={CEILING_LABEL: "1"})
        return not list(query)

    _wait_until(all_gone, 300, "the throwaway namespaces to be deleted")
    return Ceiling(
        writes=len(latencies),
        threads=plan.threads,
        sequential=sequential,
        parallel=parallel,
        latencies=tuple(latencies),
        cleanup=time.monotonic() - started,
    )


# -- the operator's vitals: liveness, peering heartbeat, event-loop lag -----------------------


@dataclass(frozen=True)
class Probe:
    period: float
    timeout: float
    failure_threshold: int


def liveness_probe() -> Probe:
    """The operator container's livenessProbe in manifests/base, with Kubernetes' defaults."""
    manifest = yaml.safe_load(DEPLOYMENT_MANIFEST.read_text())
    containers = manifest["spec"]["template"]["spec"]["containers"]
    probe = next(c for c in containers if c["name"] == "operator")["livenessProbe"]
    return Probe(
        period=float(probe.get("periodSeconds", 10)),
        timeout=float(probe.get("timeoutSeconds", 1)),
        failure_threshold=int(probe.get("failureThreshold", 3)),
    )


@dataclass
class ProbeRecord:
    """What one prober saw: answers, misses, the longest unanswered spell, the slowest answer."""

    probes: int = 0
    missed: int = 0
    worst_streak: int = 0
    longest_unanswered: float = 0.0
    slowest: float = 0.0
    _streak: int = 0
    _streak_from: float | None = None

    def add(self, at: float, ok: bool, took: float) -> None:
        self.probes += 1
        if ok:
            self.slowest = max(self.slowest, took)
            if self._streak_from is not None:
                self.longest_unanswered = max(self.longest_unanswered, at - self._streak_from)
            self._streak, self._streak_from = 0, None
            return
        self.missed += 1
        self._streak += 1
        self.worst_streak = max(self.worst_streak, self._streak)
        if self._streak_from is None:
            self._streak_from = at

    def unanswered_until(self, now: float) -> float:
        ongoing = 0.0 if self._streak_from is None else now - self._streak_from
        return max(self.longest_unanswered, ongoing)


def lag_histogram(metrics: str) -> dict[float, float] | None:
    """Cumulative bucket counts of the event-loop lag histogram, or None if not exported."""
    buckets: dict[float, float] = {}
    for labels, value in LAG_BUCKET.findall(metrics):
        bound = dict(LABEL.findall(labels)).get("le", "+Inf")
        key = math.inf if bound == "+Inf" else float(bound)
        buckets[key] = buckets.get(key, 0.0) + float(value)
    return buckets or None


def histogram_quantile(
    quantile: float, before: Mapping[float, float] | None, after: Mapping[float, float]
) -> tuple[float, float] | None:
    """(value, samples) for the quantile of the observations between two readings.

    Interpolates linearly within the bucket, as Prometheus' histogram_quantile
    does; a quantile in the +Inf bucket is reported as the largest finite bound.
    """
    bounds = sorted(after)
    counts = [after[b] - (before or {}).get(b, 0.0) for b in bounds]
    total = counts[-1] if counts else 0.0
    if total <= 0:
        return None
    rank = quantile * total
    lower, below = 0.0, 0.0
    for bound, count in zip(bounds, counts, strict=True):
        if count >= rank:
            if math.isinf(bound):
                return lower, total
            inside = count - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0), total
        lower, below = bound, count
    return lower, total


class Vitals:
    """Watches the running operator from outside, as a kubelet and a standby replica would."""

    def __init__(self, bench: Bench) -> None:
        self._bench = bench
        self._stop = threading.Event()
        self.kubelet_probe = liveness_probe()
        self.every_second = ProbeRecord()
        self.kubelet = ProbeRecord()
        self.beats: list[datetime] = []  # distinct lastseen values of our peering record
        self.lifetime: float | None = None
        self.lease_errors = 0
        self.lag_at_start = lag_histogram(bench.operator.metrics())
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._guard(self._poll_health), daemon=True),
            threading.Thread(target=self._guard(self._kubelet), daemon=True),
        ]
        if bench.peering_name is not None:
            self._threads.append(
                threading.Thread(target=self._guard(self._poll_lease), daemon=True)
            )

    def start(self) -> Vitals:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)

    def _guard(self, loop: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                loop()
            except BaseException as error:  # reported by check()
                self.errors.append(error)

        return run

    def check(self) -> None:
        if self.errors:
            raise RuntimeError(f"an operator vitals monitor failed: {self.errors[0]!r}")

    def _probe(self, timeout: float) -> tuple[bool, float]:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(  # noqa: S310  # our operator's http URL on loopback
                self._bench.operator.health_url, timeout=timeout
            ) as response:
                response.read()
                ok = response.status == 200
        except OSError:  # refused, reset, timed out, or an HTTP error status
            ok = False
        return ok, time.monotonic() - started

    def _every(self, period: float, action: Callable[[float], None]) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            action(next_at)
            next_at += period
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _poll_health(self) -> None:
        def probe(at: float) -> None:
            ok, took = self._probe(1.0)
            with self._lock:
                self.every_second.add(at, ok, took)

        self._every(1.0, probe)

    def _kubelet(self) -> None:
        def probe(at: float) -> None:
            ok, took = self._probe(self.kubelet_probe.timeout)
            with self._lock:
                self.kubelet.add(at, ok, took)

        self._every(self.kubelet_probe.period, probe)

    def _poll_lease(self) -> None:
        assert self._bench.peering_name is not None
        name = self._bench.peering_name

        def read(at: float) -> None:
            try:
                peering = ClusterKopfPeering.objects(self._bench.api()).get_by_name(name).obj
            except (pykube.exceptions.HTTPError, OSError):
                with self._lock:
                    self.lease_errors += 1
                return
            record = (peering.get("status") or {}).get(OPERATOR_IDENTITY)
            if not record or "lastseen" not in record:
                return
            seen = datetime.fromisoformat(str(record["lastseen"]))
            with self._lock:
                self.lifetime = float(record.get("lifetime", 60))
                if not self.beats or seen != self.beats[-1]:
                    self.beats.append(seen)

        self._every(1.0, read)

    # -- what the benchmarks print ----------------------------------------------------------

    def liveness_lines(self) -> list[str]:
        now = time.monotonic()
        kubelet_probe = self.kubelet_probe
        with self._lock:
            fine, kubelet = self.every_second, self.kubelet
            restarted = kubelet.worst_streak >= kubelet_probe.failure_threshold
            return [
                f"liveness, polled every 1s with a 1s timeout: {fine.missed} of {fine.probes} "
                f"missed, longest unanswered {fine.unanswered_until(now):.1f}s, "
                f"slowest answer {fine.slowest:.2f}s (target: never missed)",
                f"liveness as the kubelet probes it (period {kubelet_probe.period:g}s, timeout "
                f"{kubelet_probe.timeout:g}s, failureThreshold {kubelet_probe.failure_threshold}): "
                f"{kubelet.missed} of {kubelet.probes} failed, at most {kubelet.worst_streak} in "
                f"a row -> {'WOULD HAVE BEEN RESTARTED' if restarted else 'never restarted'}",
            ]

    def peering_line(self) -> str:
        if self._bench.peering_name is None:
            return "peering: standalone (not measured)"
        with self._lock:
            beats, lifetime = list(self.beats), self.lifetime
        if not beats or lifetime is None:
            return f"peering: no heartbeat of {OPERATOR_IDENTITY} seen (MISSED)"
        now = datetime.now(beats[-1].tzinfo)
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(beats)]
        gaps.append((now - beats[-1]).total_seconds())  # the heartbeat still owed at the end
        worst = max(gaps)
        verdict = "MISSED (a standby would have taken over)" if worst > lifetime else "never missed"
        return (
            f"peering heartbeat ({self._bench.peering_name}): {len(beats)} beats, longest gap "
            f"{worst:.1f}s vs lifetime {lifetime:g}s -> {verdict}"
            + (f" ({self.lease_errors} reads failed)" if self.lease_errors else "")
        )

    def lag_line(
        self, before: Mapping[float, float] | None = None, label: str = "whole run"
    ) -> str:
        after = lag_histogram(self._bench.operator.metrics())
        if after is None:
            return f"event-loop lag p99 ({label}): n/a (metric not exported)"
        found = histogram_quantile(0.99, before if before is not None else self.lag_at_start, after)
        if found is None:
            return f"event-loop lag p99 ({label}): no samples"
        value, samples = found
        return (
            f"event-loop lag p99 ({label}): {value * 1000:.1f} ms over {samples:g} samples "
            "(target <= 100 ms)"
        )

    def lag_reading(self) -> dict[float, float] | None:
        return lag_histogram(self._bench.operator.metrics())


# -- what several benchmarks measure the same way ---------------------------------------------

FULL_BASELINE_NO_WORKLOADS = "3/3 PDB 0/0"  # a report's baseline summary with no workloads


class BaselineObservations:
    """What watches saw: first sighting per (namespace, kind), report states, every change."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.first_seen: dict[tuple[str, str], float] = {}
        self.report_summary: dict[str, str] = {}
        self.changes: list[tuple[float, str, str]] = []  # (time, event type, kind/ns/name)

    def record(self, kind: str, event: str, obj: dict[str, Any], seen_at: float) -> None:
        metadata = obj["metadata"]
        namespace = metadata.get("namespace", "")
        with self.lock:
            self.changes.append((seen_at, event, f"{kind} {namespace}/{metadata['name']}"))
            if event == "DELETED":
                return
            self.first_seen.setdefault((namespace, kind), seen_at)
            if kind == "AksCompliance":
                baseline = (obj.get("status") or {}).get("baseline") or {}
                self.report_summary[namespace] = str(baseline.get("summary", ""))

    def watchers(self, bench: Bench) -> list[Watcher]:
        """Watches of the managed baseline kinds, the reports and the policies, started."""

        def tap(kind: str) -> Callable[[str, dict[str, Any], float], None]:
            return lambda event, obj, at: self.record(kind, event, obj, at)

        managed = dict([MANAGED_BY])
        watchers = [
            Watcher(bench, cls, tap(kind), selector=managed)
            for kind, cls in BASELINE_CLASSES.items()
        ]
        watchers.append(Watcher(bench, AksCompliance, tap("AksCompliance"), selector=managed))
        watchers.append(Watcher(bench, AksChecklistPolicy, tap("AksChecklistPolicy")))
        for watcher in watchers:
            watcher.start()
        return watchers

    def complete(self, namespaces: Sequence[str]) -> int:
        with self.lock:
            return sum(
                all((ns, kind) in self.first_seen for kind in BASELINE_CLASSES) for ns in namespaces
            )

    def baseline_seen(self, namespace: str) -> float:
        """When the last of a namespace's baseline objects was first seen."""
        with self.lock:
            return max(self.first_seen[(namespace, kind)] for kind in BASELINE_CLASSES)

    def reports_current(self, namespaces: Sequence[str]) -> int:
        with self.lock:
            return sum(
                self.report_summary.get(ns) == FULL_BASELINE_NO_WORKLOADS for ns in namespaces
            )

    def changes_since(self, since: float) -> list[tuple[float, str, str]]:
        with self.lock:
            return [change for change in self.changes if change[0] >= since]


def wait_for(
    bench: Bench, watchers: Sequence[Watcher], probe: Callable[[], bool], timeout: float, what: str
) -> float:
    """Polls ``probe()`` until it is true; returns when (monotonic) it first was."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return time.monotonic()
        for watcher in watchers:
            watcher.check()
        bench.operator.check_alive()
        if bench.vitals is not None:
            bench.vitals.check()
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass(frozen=True)
class IdleWindow:
    """What the operator did while nothing changed: write calls by kind and verb, Events, CPU."""

    started: float  # monotonic
    seconds: float
    writes: dict[str, float]
    events: int
    cpu: float
    passes: tuple[float, float]  # reconcile passes in the window, and their seconds
    lag_before: dict[float, float] | None

    @property
    def total(self) -> float:
        return sum(self.writes.values())

    def lines(self) -> list[str]:
        lines = [
            f"writes during {self.seconds:.0f}s idle: {self.total:g} "
            f"(= {self.total * 60 / self.seconds:.1f}/min; target 0), "
            f"plus {self.events} Events posted; operator CPU {self.cpu:.2f}s, "
            f"{self.passes[0]:g} reconcile passes taking {self.passes[1]:.1f}s"
        ]
        lines += [f"  {call}: {count:g}" for call, count in sorted(self.writes.items()) if count]
        return lines


def measure_idle(
    bench: Bench, seconds: float, checks: Sequence[Callable[[], None]] = ()
) -> IdleWindow:
    """Counts the operator's writes, Events and CPU over ``seconds`` of an unchanging cluster."""
    assert bench.vitals is not None
    lag_before = bench.vitals.lag_reading()
    events_before = bench.operator_events()
    before = bench.operator.writes_by_call()
    cpu_before = bench.operator.cpu_seconds()
    passes_before = bench.operator.passes()
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        time.sleep(1)
        bench.operator.check_alive()
        bench.vitals.check()
        for check in checks:
            check()
    after = bench.operator.writes_by_call()
    passes_after = bench.operator.passes()
    return IdleWindow(
        started=started,
        seconds=time.monotonic() - started,
        writes={call: after[call] - before.get(call, 0.0) for call in after},
        events=bench.operator_events() - events_before,
        cpu=bench.operator.cpu_seconds() - cpu_before,
        passes=(passes_after[0] - passes_before[0], passes_after[1] - passes_before[1]),
        lag_before=lag_before,
    )


def operator_lines(bench: Bench, rss_target_mib: float | None) -> list[str]:
    """Peak RSS, CPU seconds, event-loop lag, liveness and peering: the operator's vitals."""
    assert bench.vitals is not None
    peak, now = bench.operator.memory_mib()
    target = f"; target <= {rss_target_mib:g} MiB" if rss_target_mib is not None else ""
    return [
        f"operator peak RSS: {peak:.1f} MiB (at the end {now:.1f} MiB{target})",
        f"operator CPU: {bench.operator.cpu_seconds():.1f}s (utime+stime, whole run)",
        bench.vitals.lag_line(),
        *bench.vitals.liveness_lines(),
        bench.vitals.peering_line(),
    ]


def status_size(obj: Mapping[str, Any]) -> int:
    """Bytes of an object's ``.status`` as compact JSON (what the API server stores)."""
    return len(json.dumps(obj.get("status") or {}, separators=(",", ":")))


def size_line(what: str, size: int, where: str = "") -> str:
    verdict = "within" if size <= STATUS_BOUND_BYTES else "OVER"
    return (
        f"{what}: {size} bytes ({size / 1024:.1f} KiB{', ' + where if where else ''}; "
        f"{verdict} the {STATUS_BOUND_BYTES // 1024} KiB bound)"
    )


def load_line(at_start: tuple[float, float, float]) -> str:
    """The machine's load averages then and now: how noisy the figures around it are."""
    now = os.getloadavg()
    return (
        f"load average (1, 5, 15 min): {at_start[0]:.2f} {at_start[1]:.2f} {at_start[2]:.2f} "
        f"at the start, {now[0]:.2f} {now[1]:.2f} {now[2]:.2f} at the end "
        f"({os.cpu_count()} CPUs, shared)"
    )
