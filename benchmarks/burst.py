"""A burst of new namespaces, as Argo CD or a tenant bootstrap makes them, against the ceiling.

Starts its own local control plane (etcd, kube-apiserver,
kube-controller-manager), first measures the ceiling there (how long one
client takes to create the same NetworkPolicy, LimitRange and ResourceQuota
in ``--namespaces`` throwaway namespaces, one by one and from 16 threads;
see ``harness.measure_ceiling``), then starts the operator as a separate
process with Kopf peering as manifests/base runs it, applies one Enforce
policy and creates ``--namespaces`` namespaces (default 100) as fast as one
client can, one create call after the other.

Latency of a namespace: from just before its create call to the moment the
last of its three baseline objects is seen on a watch (list, then watch from
that resourceVersion, so nothing is missed). The total: from the first
create call to the last baseline object seen, printed beside the ceiling's
time for the same writes, as a ratio.

Then, as for every operator figure: time to every report current, the
operator's writes during an idle minute, peak RSS, CPU seconds, event-loop
lag p99 (from its own histogram, if it exports one), and whether the
liveness probe or the peering heartbeat was ever missed.

Targets (issue 13): p99 <= 1.5 s, and the burst within 1.5x the ceiling.

    python benchmarks/burst.py --namespaces 100
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pykube

from harness import (
    BENCH_LABEL,
    AksChecklistPolicy,
    AksCompliance,
    BaselineObservations,
    Bench,
    CeilingPlan,
    load_line,
    measure_idle,
    operator_lines,
    percentile,
    raise_on_sigterm,
    size_line,
    status_size,
    wait_for,
)

POLICY = "bench-burst"
RUN = "burst"
SPEC = {"enforcement": "Enforce", "namespaceSelector": {"matchLabels": {BENCH_LABEL: RUN}}}
P99_TARGET = 1.5
CEILING_RATIO_TARGET = 1.5
SETTLE_QUIET_SECONDS = 5.0


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def run(args: argparse.Namespace) -> None:
    load = os.getloadavg()
    ceiling_plan = CeilingPlan(POLICY, SPEC, namespaces=args.namespaces)
    with Bench(args.log_dir, ceiling=ceiling_plan) as bench:
        assert bench.ceiling is not None
        assert bench.vitals is not None
        ceiling, vitals = bench.ceiling, bench.vitals
        bench.apply_policy(POLICY, SPEC)
        seen = BaselineObservations()
        watchers = seen.watchers(bench)
        bench.wait_quiet(SETTLE_QUIET_SECONDS, 60)  # the policy's own first writes

        names = [f"burst-{index:04d}" for index in range(args.namespaces)]
        created: dict[str, float] = {}
        lag_before = vitals.lag_reading()
        writes_before = bench.operator.writes_by_call()

        def create(name: str) -> None:
            body = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": {BENCH_LABEL: RUN}},
            }
            created[name] = time.monotonic()
            pykube.Namespace(bench.api(), body).create()

        print(f"creating {len(names)} namespaces at once ({args.threads} client threads) ...")
        first_created = time.monotonic()
        if args.threads == 1:
            for name in names:
                create(name)
        else:
            with ThreadPoolExecutor(args.threads, thread_name_prefix="burst") as pool:
                list(pool.map(create, names))
        last_created = time.monotonic()

        wait_for(
            bench,
            watchers,
            lambda: seen.complete(names) == len(names),
            args.timeout,
            "every namespace's baseline",
        )
        latencies = [seen.baseline_seen(ns) - created[ns] for ns in names]
        last_baseline = max(seen.baseline_seen(ns) for ns in names)
        reports_at = wait_for(
            bench,
            watchers,
            lambda: seen.reports_current(names) == len(names),
            args.timeout,
            "every namespace's report",
        )
        burst_lag = vitals.lag_line(lag_before, "the burst")
        writes_after = bench.operator.writes_by_call()
        settle = bench.wait_quiet(SETTLE_QUIET_SECONDS, args.timeout)

        print(f"idle for {args.idle_seconds:g}s ...", flush=True)
        idle = measure_idle(bench, args.idle_seconds, [w.check for w in watchers])
        idle_lag = vitals.lag_line(idle.lag_before, "idle window")
        changes = seen.changes_since(idle.started)
        vital_lines = operator_lines(bench, None)
        policy = AksChecklistPolicy.objects(bench.api()).get_by_name(POLICY).obj
        sizes = {ns: status_size(obj) for ns, obj in _reports(bench, names).items()}
        largest_ns = max(sizes, key=lambda ns: sizes[ns])

    burst_writes = {
        call: writes_after[call] - writes_before.get(call, 0.0) for call in writes_after
    }
    baseline_writes = 3 * len(names)
    total = last_baseline - first_created
    one_by_one, threaded = ceiling.time_for(baseline_writes)
    p99 = percentile(latencies, 99)
    print()
    print(load_line(load))
    for line in ceiling.lines():
        print(line)
    print(
        f"burst: {len(names)} namespaces created in {last_created - first_created:.2f}s "
        f"by one client ({args.threads} thread{'s' if args.threads > 1 else ''})"
    )
    print(
        "baseline latency (create -> NetworkPolicy, LimitRange and ResourceQuota all seen):\n"
        f"  p50 {percentile(latencies, 50):.3f}s  p90 {percentile(latencies, 90):.3f}s  "
        f"p99 {p99:.3f}s  max {max(latencies):.3f}s   "
        f"(target p99 <= {P99_TARGET:g}s: {verdict(p99 <= P99_TARGET)})"
    )
    print(
        f"first create -> last baseline object: {total:.2f}s for {baseline_writes} baseline "
        f"creates (last create -> last baseline object {last_baseline - last_created:.2f}s)"
    )
    print(f"  = {ceiling.ratio(total, baseline_writes)}")
    print(
        f"  (target <= {CEILING_RATIO_TARGET:g}x the ceiling: "
        f"{verdict(total <= CEILING_RATIO_TARGET * threaded)} against {ceiling.threads} threads, "
        f"{verdict(total <= CEILING_RATIO_TARGET * one_by_one)} against one by one)"
    )
    print(f"last create -> every report current: {reports_at - last_created:.2f}s")
    print(
        f"operator writes for the burst: {sum(burst_writes.values()):g} "
        f"({sum(burst_writes.values()) / len(names):.1f} per namespace)"
    )
    for call, count in sorted(burst_writes.items()):
        if count:
            print(f"  {call}: {count:g}")
    print(burst_lag)
    print(
        "write counter quiet after: "
        + (f"{settle:.1f}s more" if settle is not None else f"never within {args.timeout:g}s")
    )
    for line in idle.lines():
        print(line)
    print(f"changes seen by watches while idle: {len(changes)}")
    print(idle_lag)
    for line in vital_lines:
        print(line)
    print(size_line("largest report status", sizes[largest_ns], largest_ns))
    print(size_line("policy status", status_size(policy)))


def _reports(bench: Bench, names: list[str]) -> dict[str, dict[str, Any]]:
    wanted = set(names)
    return {
        report.namespace: report.obj
        for report in AksCompliance.objects(bench.api()).filter(namespace=pykube.all)
        if report.namespace in wanted
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=100, help="namespaces in the burst")
    parser.add_argument(
        "--threads", type=int, default=1, help="client threads creating the namespaces"
    )
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="idle window to count")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up waiting after")
    parser.add_argument(
        "--log-dir", type=Path, default=None, help="keep operator and control-plane logs here"
    )
    args = parser.parse_args()
    raise_on_sigterm()
    run(args)


if __name__ == "__main__":
    main()
