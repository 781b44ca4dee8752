"""The operator on a cluster of realistic size: convergence time, memory, idle writes, report size.

Starts its own local control plane (etcd, kube-apiserver,
kube-controller-manager) and the operator as a separate process, applies one
Enforce policy, then creates ``--namespaces`` namespaces (default 1,000),
each with ``--deployments`` applications (default 5): a Deployment with 2
replicas, its Service and a HorizontalPodAutoscaler (minReplicas 2), so each
Deployment also needs a PodDisruptionBudget. Half the applications follow the
checklist (probes, resources, pinned image from an allowed registry, a
restrictive securityContext); the other half do not, so reports carry
failures with resource names, as real ones do.

Replicas and Pods. The Deployments are real (replicas 2, not paused): the
controller-manager makes a ReplicaSet for each and 2 Pods per ReplicaSet,
10,000 Pods at the defaults, which stay Pending because there is no
scheduler or kubelet. That is the watch traffic a cluster of this size puts
on the operator (it watches Pods and Deployments), and the
controller-manager's client rate limit (20 requests/s per controller) keeps
it from swamping a 2-core machine: Pods trickle in over several minutes,
while the operator has to keep up (about 8 Pods/s here, so the steady
window after convergence sees roughly 2,000 of the 10,000; ``--wait-pods``
waits for all of them before the steady window and the RSS reading, which
adds some 20 minutes). ``--paused`` creates the Deployments
paused instead (a Deployment created paused gets no ReplicaSet, hence no
Pods), to measure the operator without that churn; the operator plans PDBs
from ``spec.replicas`` and the HPA either way, so the expected reports are
the same.

Services are headless (``clusterIP: None``): the local control plane's
service range is a /24, far too small for thousands of cluster IPs.

Before the operator starts, the ceiling is measured on the same control
plane (``harness.measure_ceiling``: the policy's NetworkPolicy, LimitRange and
ResourceQuota in ``--ceiling-namespaces`` throwaway namespaces, one by one and
from 16 threads); write figures are printed beside it as ratios. The operator
runs with Kopf peering, as manifests/base deploys it.

Printed figures (targets from issue 13 where it sets one for the size):
- setup time: first create call to last (the operator is already running
  and reconciling meanwhile, as it would on a live cluster);
- latency per namespace: from its create call to its AksCompliance first
  being current, i.e. ``status.workloads`` equals ``--deployments`` and
  ``status.baseline.summary`` is "3/3 PDB D/D" (seen on a watch of the
  reports, not by polling lists): p50, p90, p99, max;
- convergence: from the last object created to every report current, with
  the operator's writes in that time against the ceiling's time for as many;
- operator peak RSS (VmHWM from /proc) and CPU seconds (utime + stime);
- event-loop lag p99 from the operator's ``aks_checklist_event_loop_lag_seconds``
  histogram (while converging, while idle, whole run), or "n/a" when the
  operator does not export it;
- write calls during an idle minute, target 0: the delta of
  ``aks_checklist_api_writes_total`` over ``--steady-seconds`` (default 60),
  counted once the counter has stood still for 10 s after convergence
  (with the Events the operator posted in that window, which Kopf writes
  itself and the counter does not include);
- whether the liveness probe was ever missed (polled every second with a 1 s
  timeout, and as the kubelet would with manifests/base's probe settings),
  and whether the peering heartbeat ever went staler than its lifetime;
- the largest report and the policy status, as compact JSON, against the
  64 KiB bound;
- with ``--full-pass``, after the idle window: one full re-evaluation of every
  namespace (started by changing the policy's ``reevaluateEvery``, as a
  person editing the policy would), its duration, CPU, writes and event-loop lag.

    python benchmarks/scale.py --namespaces 1000 --deployments 5
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import pykube

from harness import (
    BENCH_LABEL,
    MANAGED_BY,
    AksChecklistPolicy,
    AksCompliance,
    Bench,
    CeilingPlan,
    Watcher,
    load_line,
    measure_idle,
    operator_lines,
    percentile,
    raise_on_sigterm,
    size_line,
    status_size,
)

POLICY = "bench-scale"
RUN = "scale"
SPEC = {"enforcement": "Enforce", "namespaceSelector": {"matchLabels": {BENCH_LABEL: RUN}}}
# Any change of the spec starts a full pass; this one changes nothing else the pass judges.
EDITED_REEVALUATE_EVERY = "9m"
FULL_PASS_TIMEOUT = 600.0
# Issue 13's targets by cluster size: (seconds to all current after the last create, MiB).
TARGETS: dict[tuple[int, int], tuple[float | None, float]] = {
    (1000, 5): (20.0, 200.0),
    (5000, 2): (None, 600.0),
}
REPLICAS = 2
QUIET_SECONDS = 10.0
GOOD_IMAGE = "mcr.microsoft.com/azurelinux/base/nginx:1.25.4"
POOR_IMAGE = "docker.io/library/nginx:latest"


def deployment(namespace: str, name: str, *, good: bool, paused: bool) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "app",
        "image": GOOD_IMAGE if good else POOR_IMAGE,
        "ports": [{"name": "http", "containerPort": 8080}],
    }
    if good:
        probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10}
        container |= {
            "livenessProbe": probe,
            "readinessProbe": probe,
            "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "500m", "memory": "256Mi"},
            },
            "securityContext": {
                "runAsNonRoot": True,
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            },
        }
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": REPLICAS,
            "paused": paused,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"automountServiceAccountToken": False, "containers": [container]},
            },
        },
    }


def service(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            # Headless: the local control plane's service range (a /24) has no room for
            # thousands of cluster IPs, and the checks judge the selector and ports only.
            "clusterIP": "None",
            "selector": {"app": name},
            "ports": [{"port": 80, "targetPort": "http"}],
        },
    }


def autoscaler(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": REPLICAS,
            "maxReplicas": 6,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }


class Reports:
    """The latest status of every report, fed by a watch; knows when each first was current."""

    def __init__(self, namespaces: list[str], deployments: int) -> None:
        self._lock = threading.Lock()
        self._wanted = set(namespaces)
        self._expected = (deployments, f"3/3 PDB {deployments}/{deployments}")
        self._current: set[str] = set()
        self.first_current: dict[str, float] = {}
        self.sizes: dict[str, int] = {}

    def record(self, event: str, obj: dict[str, Any], seen_at: float) -> None:
        namespace = obj["metadata"]["namespace"]
        status = obj.get("status") or {}
        current = (
            event != "DELETED"
            and (status.get("workloads"), (status.get("baseline") or {}).get("summary"))
            == self._expected
        )
        with self._lock:
            self.sizes[namespace] = status_size(obj)
            if current:
                self._current.add(namespace)
                self.first_current.setdefault(namespace, seen_at)
            else:
                self._current.discard(namespace)

    def current(self) -> int:
        with self._lock:
            return len(self._current & self._wanted)

    def largest(self) -> tuple[str, int]:
        with self._lock:
            namespace = max(self.sizes, key=lambda ns: self.sizes[ns])
            return namespace, self.sizes[namespace]


def create_all(
    bench: Bench,
    names: list[str],
    deployments: int,
    *,
    paused: bool,
    workers: int,
    created: dict[str, float],
) -> float:
    """Creates every namespace and its applications with a small thread pool; returns the end.

    ``created`` gets the time just before each namespace's create call.
    """
    stopping = threading.Event()
    done = [0]
    done_lock = threading.Lock()
    started = time.monotonic()

    def populate(namespace: str) -> None:
        api = bench.api()
        bodies: list[tuple[Callable[..., Any], dict[str, Any]]] = [
            (
                pykube.Namespace,
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": namespace, "labels": {BENCH_LABEL: RUN}},
                },
            )
        ]
        for index in range(deployments):
            app = f"app-{index}"
            good = index % 2 == 0
            bodies.append((pykube.Deployment, deployment(namespace, app, good=good, paused=paused)))
            bodies.append((pykube.Service, service(namespace, app)))
            bodies.append((pykube.HorizontalPodAutoscaler, autoscaler(namespace, app)))
        created[namespace] = time.monotonic()
        for cls, body in bodies:
            if stopping.is_set():
                return
            cls(api, body).create()
        with done_lock:
            done[0] += 1
            if done[0] % 100 == 0:
                print(
                    f"  {done[0]} namespaces populated after {time.monotonic() - started:.0f}s",
                    flush=True,
                )

    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="create")
    try:
        futures: list[Future[None]] = [executor.submit(populate, ns) for ns in names]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in finished:
            future.result()  # re-raises the first failure
    except BaseException:
        stopping.set()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown()
    return time.monotonic()


def count_pods(bench: Bench) -> int:
    return len(bench.kubectl("get", "pods", "-A", "-o", "name").splitlines())


def wait_for_pods(bench: Bench, expected: int, timeout: float) -> None:
    """Waits until the controller-manager has made every Pod (it is rate-limited)."""
    started = time.monotonic()
    while (pods := count_pods(bench)) < expected:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"only {pods}/{expected} Pods after {timeout:.0f}s")
        bench.operator.check_alive()
        print(f"  {pods}/{expected} Pods after {time.monotonic() - started:.0f}s", flush=True)
        time.sleep(30)
    print(f"all {expected} Pods exist after {time.monotonic() - started:.0f}s more", flush=True)


def run(args: argparse.Namespace) -> None:
    load = os.getloadavg()
    target_converge, target_rss = TARGETS.get((args.namespaces, args.deployments), (None, None))
    ceiling_plan = CeilingPlan(POLICY, SPEC, namespaces=args.ceiling_namespaces)
    with Bench(args.log_dir, ceiling=ceiling_plan) as bench:
        assert bench.ceiling is not None
        assert bench.vitals is not None
        ceiling, vitals = bench.ceiling, bench.vitals
        bench.apply_policy(POLICY, SPEC)
        names = [f"scale-{index:04d}" for index in range(args.namespaces)]
        reports = Reports(names, args.deployments)
        watcher = Watcher(bench, AksCompliance, reports.record, selector=dict([MANAGED_BY]))
        watcher.start()

        objects = args.namespaces * (1 + 3 * args.deployments)
        print(
            f"creating {args.namespaces} namespaces x {args.deployments} applications "
            f"({objects} objects, Deployments {'paused' if args.paused else 'not paused'}) ...",
            flush=True,
        )
        lag_before = vitals.lag_reading()
        writes_before = bench.operator.writes()
        cpu_before = bench.operator.cpu_seconds()
        created: dict[str, float] = {}
        setup_from = time.monotonic()
        last_created = create_all(
            bench,
            names,
            args.deployments,
            paused=args.paused,
            workers=args.workers,
            created=created,
        )
        writes_at_last_create = bench.operator.writes()
        setup = last_created - setup_from
        print(f"setup done in {setup:.1f}s; {reports.current()} reports current so far", flush=True)

        deadline = last_created + args.timeout
        next_progress = time.monotonic() + 30
        while reports.current() < len(names):
            if time.monotonic() > deadline:
                # Still print what was measured: a partial figure beats none on a long run.
                print(
                    f"NOT CONVERGED: only {reports.current()}/{len(names)} reports current "
                    f"after {args.timeout:.0f}s; figures below cover the current ones",
                    flush=True,
                )
                break
            watcher.check()
            vitals.check()
            bench.operator.check_alive()
            if time.monotonic() > next_progress:
                next_progress += 30
                print(
                    f"  {reports.current()}/{len(names)} reports current after "
                    f"{time.monotonic() - last_created:.0f}s",
                    flush=True,
                )
            time.sleep(0.2)
        converged = time.monotonic() - last_created
        all_current = reports.current() == len(names)
        writes_converged = bench.operator.writes()
        cpu_converged = bench.operator.cpu_seconds() - cpu_before
        converge_lag = vitals.lag_line(lag_before, "create and converge")
        latencies = [
            reports.first_current[ns] - created[ns] for ns in names if ns in reports.first_current
        ]
        if all_current:
            print(f"every report current {converged:.1f}s after the last create", flush=True)
        if all_current and args.wait_pods and not args.paused:
            wait_for_pods(bench, args.namespaces * args.deployments * REPLICAS, args.timeout)

        settle, idle, idle_lag, pods_before, pods_after = None, None, "", None, None
        if all_current:
            settle = bench.wait_quiet(QUIET_SECONDS, args.settle_timeout)
            pods_before = None if args.paused else count_pods(bench)
            print(f"idle: counting writes for {args.steady_seconds:g}s ...", flush=True)
            idle = measure_idle(bench, args.steady_seconds, [watcher.check])
            idle_lag = vitals.lag_line(idle.lag_before, "idle window")
            pods_after = None if args.paused else count_pods(bench)
        full_pass = measure_full_pass(bench, args.namespaces) if idle and args.full_pass else []
        vital_lines = operator_lines(bench, target_rss)
        largest_ns, largest = reports.largest()
        policy = AksChecklistPolicy.objects(bench.api()).get_by_name(POLICY).obj
        total = bench.operator.writes()
        events = bench.operator_events()

    converge_writes = writes_converged - writes_before
    tail_writes = writes_converged - writes_at_last_create
    print()
    print(load_line(load))
    for line in ceiling.lines():
        print(line)
    print(
        f"cluster: {args.namespaces} namespaces x {args.deployments} Deployments "
        f"(+Services, HPAs), {objects} objects, Deployments "
        f"{'paused' if args.paused else 'not paused'}, one Enforce policy"
    )
    print(f"setup (objects created): {setup:.1f}s ({objects / setup:.0f} objects/s)")
    print(
        f"latency (namespace create -> its report current; {len(latencies)} namespaces):\n"
        f"  p50 {percentile(latencies, 50):.1f}s  p90 {percentile(latencies, 90):.1f}s  "
        f"p99 {percentile(latencies, 99):.1f}s  max {max(latencies):.1f}s"
    )
    goal = f" (target <= {target_converge:g}s)" if target_converge is not None else ""
    if all_current:
        print(f"last create -> every report current: {converged:.1f}s{goal}")
    else:
        print(
            f"last create -> every report current: NOT within {converged:.0f}s "
            f"({len(latencies)}/{len(names)} current){goal}"
        )
    print(
        f"operator writes, first create -> {'all current' if all_current else 'the timeout'}: "
        f"{converge_writes:g} in {setup + converged:.1f}s = "
        f"{converge_writes / (setup + converged):.0f}/s "
        f"(ceiling {ceiling.writes / ceiling.sequential:.0f}/s one by one, "
        f"{ceiling.writes / ceiling.parallel:.0f}/s with {ceiling.threads} threads)"
    )
    if tail_writes > 0:
        print(
            f"  after the last create: {tail_writes:g} writes in {converged:.1f}s = "
            f"{ceiling.ratio(converged, tail_writes)}"
        )
    print(
        f"operator CPU: {cpu_converged:.1f}s from the first create until "
        f"{'all current' if all_current else 'the timeout'} "
        f"({cpu_converged * 1000 / args.namespaces:.1f} ms per namespace)"
        + (f", {idle.cpu:.1f}s in the idle window" if idle is not None else "")
    )
    print(converge_lag)
    if idle is None:
        print("idle window: skipped (not converged)")
    else:
        print(
            "write counter quiet after convergence: "
            + (f"{settle:.1f}s" if settle is not None else f"not within {args.settle_timeout:g}s")
        )
        for line in idle.lines():
            print(line)
        print(idle_lag)
    if pods_before is not None:
        print(f"pods (Pending, no kubelet): {pods_before} -> {pods_after} during the idle window")
    for line in full_pass:
        print(line)
    for line in vital_lines:
        print(line)
    print(size_line("largest report status", largest, largest_ns))
    print(size_line("policy status", status_size(policy)))
    print(
        f"operator writes in total: {total:g} ({total / args.namespaces:.1f} per namespace), "
        f"plus {events} Events posted"
    )


def measure_full_pass(bench: Bench, namespaces: int) -> list[str]:
    """Starts a full pass by editing the policy, waits for it to end; what it cost."""
    assert bench.vitals is not None
    lag_before = bench.vitals.lag_reading()
    passes_before, _ = bench.operator.passes()
    writes_before = bench.operator.writes()
    cpu_before = bench.operator.cpu_seconds()
    print("full pass: changing the policy's reevaluateEvery ...", flush=True)
    started = time.monotonic()
    bench.kubectl(
        "patch", "akschecklistpolicy", POLICY, "--type=merge", "-p",
        json.dumps({"spec": {"reevaluateEvery": EDITED_REEVALUATE_EVERY}}),
    )  # fmt: skip
    while bench.operator.passes()[0] == passes_before:
        if time.monotonic() - started > FULL_PASS_TIMEOUT:
            return [f"full pass: not finished within {FULL_PASS_TIMEOUT:g}s"]
        bench.vitals.check()
        bench.operator.check_alive()
        time.sleep(0.5)
    seconds = time.monotonic() - started
    cpu = bench.operator.cpu_seconds() - cpu_before
    return [
        f"full pass over {namespaces} namespaces: {seconds:.1f}s, operator CPU {cpu:.1f}s "
        f"({cpu * 1000 / namespaces:.1f} ms per namespace), "
        f"{bench.operator.writes() - writes_before:g} writes",
        bench.vitals.lag_line(lag_before, "the full pass"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=1000, help="namespaces to create")
    parser.add_argument("--deployments", type=int, default=5, help="applications per namespace")
    parser.add_argument(
        "--steady-seconds", type=float, default=60.0, help="idle window counting writes"
    )
    parser.add_argument(
        "--paused", action="store_true", help="create Deployments paused (no ReplicaSets, Pods)"
    )
    parser.add_argument(
        "--wait-pods",
        action="store_true",
        help="after convergence, wait for every Pod before the steady window and the RSS reading",
    )
    parser.add_argument(
        "--full-pass",
        action="store_true",
        help="after the idle window, measure one full re-evaluation of every namespace",
    )
    parser.add_argument("--workers", type=int, default=4, help="threads creating objects")
    parser.add_argument(
        "--ceiling-namespaces",
        type=int,
        default=100,
        help="throwaway namespaces whose baseline the ceiling writes (3 objects each)",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="give up converging after (seconds)"
    )
    parser.add_argument(
        "--settle-timeout",
        type=float,
        default=120.0,
        help="longest wait for the write counter to stand still before the steady window",
    )
    parser.add_argument(
        "--log-dir", type=Path, default=None, help="keep operator and control-plane logs here"
    )
    args = parser.parse_args()
    raise_on_sigterm()
    run(args)


if __name__ == "__main__":
    main()
