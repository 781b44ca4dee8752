"""What the cluster benchmarks share: a local control plane with the operator running on it.

:class:`Bench` starts etcd, kube-apiserver and kube-controller-manager,
installs the CRDs, starts ``python -m aks_checklist run`` as its own process
(as users run it) and tears all of it down again on any exit: normal end,
exception, Ctrl-C or SIGTERM. Every child is told by the kernel to die with
this process as well, so even a SIGKILL of the benchmark leaves no orphans.

Objects are created and watched with pykube-ng and kubectl, never with the
``kubernetes`` client the operator itself uses, so the load generator shares
no code path with the system under test.
"""

from __future__ import annotations

import contextlib
import ctypes
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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import pykube

from aks_checklist.testing import ControlPlane

REPO = Path(__file__).resolve().parents[1]
OPERATOR_NAMESPACE = "aks-checklist-system"
MANAGED_BY = ("app.kubernetes.io/managed-by", "aks-checklist-operator")
BENCH_LABEL = "bench.akschecklist.io/run"
CRD_NAMES = ("akschecklistpolicies.akschecklist.io", "akscompliances.akschecklist.io")
WRITES_METRIC = re.compile(r"^aks_checklist_api_writes_total\{([^}]*)\} (\S+)$", re.MULTILINE)
LABEL = re.compile(r'(\w+)="([^"]*)"')
MIB = 1024 * 1024
NUDGE_AFTER_SECONDS = 15.0
WATCH_SECONDS = 40  # server-side watch timeout, below the client's 60 s read timeout


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

    def __init__(self, kubeconfig: Path, log_path: Path) -> None:
        self.kubeconfig = kubeconfig
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.metrics_port = 0
        self.health_port = 0

    def start(self, timeout: float = 60.0) -> None:
        self.metrics_port, self.health_port = _free_port(), _free_port()
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "aks_checklist",
                    "run",
                    "--standalone",
                    "--all-namespaces",
                    "--operator-namespace",
                    OPERATOR_NAMESPACE,
                    "--metrics-port",
                    str(self.metrics_port),
                    "--liveness",
                    f"http://127.0.0.1:{self.health_port}/healthz",
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
            with urllib.request.urlopen(  # fixed http URL on loopback
                f"http://127.0.0.1:{self.health_port}/healthz", timeout=2
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

    def __init__(self, log_dir: Path | None = None) -> None:
        self._keep_logs = log_dir is not None
        self.log_dir = (
            log_dir if log_dir is not None else Path(tempfile.mkdtemp(prefix="aks-bench-"))
        )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.plane = ControlPlane()
        self.operator = OperatorProcess(self.plane.kubeconfig, self.log_dir / "operator.log")
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
                *(f"crd/{n}" for n in CRD_NAMES),
            )
            self.kubectl("create", "namespace", OPERATOR_NAMESPACE)
            self.operator.start()
            print(
                f"control plane and operator up in {time.monotonic() - started:.1f}s "
                f"(logs: {self.log_dir})",
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
