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

Printed figures:
- setup time: first create call to last (the operator is already running
  and reconciling meanwhile, as it would on a live cluster);
- convergence: from the last object created to every namespace's
  AksCompliance being current, i.e. ``status.workloads`` equals
  ``--deployments`` and ``status.baseline.summary`` is "3/3 PDB D/D"
  (tracked with a watch on the reports, not by polling lists);
- operator peak RSS (VmHWM from /proc), target under 300 MiB;
- write calls per minute at steady state, target 0: the delta of
  ``aks_checklist_api_writes_total`` over ``--steady-seconds`` (default 60),
  counted once the counter has stood still for 10 s after convergence
  (with the Events the operator posted in that window, which Kopf writes
  itself and the counter does not include);
- the largest report: the biggest ``.status`` of an AksCompliance, as
  compact JSON.

    python benchmarks/scale.py --namespaces 1000 --deployments 5
"""

from __future__ import annotations

import argparse
import json
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
    Watcher,
    raise_on_sigterm,
)

POLICY = "bench-scale"
RUN = "scale"
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
    """The latest status of every report, fed by a watch; knows when all are current."""

    def __init__(self, namespaces: list[str], deployments: int) -> None:
        self._lock = threading.Lock()
        self._wanted = set(namespaces)
        self._expected = (deployments, f"3/3 PDB {deployments}/{deployments}")
        self._current: set[str] = set()
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
            self.sizes[namespace] = len(json.dumps(status, separators=(",", ":")))
            if current:
                self._current.add(namespace)
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
    bench: Bench, names: list[str], deployments: int, *, paused: bool, workers: int
) -> float:
    """Creates every namespace and its applications with a small thread pool; returns the end."""
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
    with Bench(args.log_dir) as bench:
        bench.apply_policy(
            POLICY,
            {"enforcement": "Enforce", "namespaceSelector": {"matchLabels": {BENCH_LABEL: RUN}}},
        )
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
        setup_from = time.monotonic()
        last_created = create_all(
            bench, names, args.deployments, paused=args.paused, workers=args.workers
        )
        setup = last_created - setup_from
        print(f"setup done in {setup:.1f}s; {reports.current()} reports current so far", flush=True)

        deadline = last_created + args.timeout
        next_progress = time.monotonic() + 30
        while reports.current() < len(names):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"only {reports.current()}/{len(names)} reports current after "
                    f"{args.timeout:.0f}s"
                )
            watcher.check()
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
        cpu_converged = bench.operator.cpu_seconds()
        print(f"every report current {converged:.1f}s after the last create", flush=True)
        if args.wait_pods and not args.paused:
            wait_for_pods(bench, args.namespaces * args.deployments * REPLICAS, args.timeout)

        settle = bench.wait_quiet(QUIET_SECONDS, args.settle_timeout)
        pods_before = None if args.paused else count_pods(bench)
        print(f"steady state: counting writes for {args.steady_seconds:g}s ...", flush=True)
        events_before = bench.operator_events()
        before = bench.operator.writes_by_call()
        cpu_before = bench.operator.cpu_seconds()
        steady_from = time.monotonic()
        while time.monotonic() - steady_from < args.steady_seconds:
            time.sleep(1)
            bench.operator.check_alive()
            watcher.check()
        after = bench.operator.writes_by_call()
        steady = time.monotonic() - steady_from
        cpu_steady = bench.operator.cpu_seconds() - cpu_before
        events_after = bench.operator_events()
        pods_after = None if args.paused else count_pods(bench)

        peak_rss, rss = bench.operator.memory_mib()
        largest_ns, largest = reports.largest()
        policy = AksChecklistPolicy.objects(bench.api()).get_by_name(POLICY).obj
        policy_size = len(json.dumps(policy.get("status") or {}, separators=(",", ":")))
        total = sum(after.values())

    delta = {call: after[call] - before.get(call, 0.0) for call in after}
    steady_writes = sum(delta.values())
    print()
    print(
        f"cluster:                  {args.namespaces} namespaces x {args.deployments} "
        f"Deployments (+Services, HPAs), {objects} objects, one Enforce policy"
    )
    print(f"setup (objects created):  {setup:.1f}s ({objects / setup:.0f} objects/s)")
    print(f"last create -> all current: {converged:.1f}s")
    print(f"operator peak RSS:        {peak_rss:.1f} MiB (at the end {rss:.1f} MiB; target < 300)")
    print(
        f"operator CPU:             {cpu_converged:.1f}s until all current, "
        f"{cpu_steady:.1f}s in the steady window"
    )
    print(
        "quiet after convergence:  "
        + (f"{settle:.1f}s" if settle is not None else f"not within {args.settle_timeout:g}s")
    )
    print(
        f"steady-state writes:      {steady_writes:g} in {steady:.0f}s = "
        f"{steady_writes * 60 / steady:.1f}/min (target 0)"
    )
    for call, count in sorted(delta.items()):
        if count:
            print(f"  {call}: {count:g}")
    print(f"Events posted in window:  {events_after - events_before}")
    if pods_before is not None:
        print(f"pods (Pending, no kubelet): {pods_before} -> {pods_after} during the window")
    print(f"largest report status:    {largest} bytes ({largest / 1024:.1f} KiB, {largest_ns})")
    print(f"policy status:            {policy_size} bytes")
    print(
        f"operator writes in total: {total:g} ({total / args.namespaces:.1f} per namespace), "
        f"plus {events_after} Events posted"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=1000, help="namespaces to create")
    parser.add_argument("--deployments", type=int, default=5, help="applications per namespace")
    parser.add_argument(
        "--steady-seconds", type=float, default=60.0, help="window for steady-state writes"
    )
    parser.add_argument(
        "--paused", action="store_true", help="create Deployments paused (no ReplicaSets, Pods)"
    )
    parser.add_argument(
        "--wait-pods",
        action="store_true",
        help="after convergence, wait for every Pod before the steady window and the RSS reading",
    )
    parser.add_argument("--workers", type=int, default=4, help="threads creating objects")
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
