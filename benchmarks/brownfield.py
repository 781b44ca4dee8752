"""Enforce on a cluster that already runs workloads it did not write, then try to break them.

Starts its own local control plane and the operator, then creates
``--namespaces`` namespaces (default 200) of the workloads platform teams
meet on a live cluster, before any policy exists:

- ``api`` (selector ``app=shop``) and ``worker`` (``app=shop,component=worker``):
  overlapping selectors, 2 replicas each;
- ``batch``: requests only (cpu 2, memory 4Gi, no limits), above the
  policy's default limits;
- ``db``: a StatefulSet, 2 replicas, with requests and limits;
- ``web``: a Deployment scaled by a HorizontalPodAutoscaler (minReplicas 2);
- every fourth namespace has its own LimitRange (max only, no defaults).

The controller-manager creates the Pods; the benchmark marks them Running and
Ready (no kubelet here), records every user-owned object of the baseline kinds,
applies one Enforce policy selecting all of them, waits until every report is
written and the operator is quiet, then:

1. evicts one Running Pod of every workload a budget covers, through the
   eviction API, once the budgets allow it (as a node drain would), and counts
   refusals;
2. restarts every Deployment and StatefulSet (``kubectl rollout restart``) and
   counts Pods the API refused (FailedCreate Events);
3. compares the user objects with what was recorded;
4. counts ghost objects: managed budgets whose owner is gone, managed objects in
   namespaces the policy does not select, Pods covered by two budgets.

    python benchmarks/brownfield.py --namespaces 200
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pykube

from harness import BENCH_LABEL, MANAGED_BY, AksCompliance, Bench

RUN = "brownfield"
IMAGE = "mcr.microsoft.com/azurelinux/base/nginx:1.25"
BASELINE_KINDS = ("networkpolicies", "limitranges", "resourcequotas", "poddisruptionbudgets")


def workload(
    kind: str, namespace: str, name: str, labels: dict[str, str], resources: dict[str, Any]
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": 2,
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "app", "image": IMAGE, "resources": resources}]},
        },
    }
    if kind == "StatefulSet":
        # Parallel: OrderedReady would wait for each Pod to be Ready, which needs a kubelet.
        spec.update(serviceName=name, podManagementPolicy="Parallel")
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def namespace_objects(namespace: str, index: int) -> list[dict[str, Any]]:
    small = {"requests": {"cpu": "100m", "memory": "128Mi"}}
    objects = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {BENCH_LABEL: RUN}},
        },
        workload("Deployment", namespace, "api", {"app": "shop"}, small),
        workload("Deployment", namespace, "worker", {"app": "shop", "component": "worker"}, small),
        workload(
            "Deployment",
            namespace,
            "batch",
            {"app": "batch"},
            {"requests": {"cpu": "2", "memory": "4Gi"}},
        ),
        workload(
            "StatefulSet",
            namespace,
            "db",
            {"app": "db"},
            {
                "requests": {"cpu": "250m", "memory": "256Mi"},
                "limits": {"cpu": "1", "memory": "1Gi"},
            },
        ),
        workload("Deployment", namespace, "web", {"app": "web"}, small),
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 2,
                "maxReplicas": 6,
            },
        },
    ]
    if index % 4 == 0:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "LimitRange",
                "metadata": {"name": "team-limits", "namespace": namespace},
                "spec": {"limits": [{"type": "Container", "max": {"cpu": "4", "memory": "8Gi"}}]},
            }
        )
    return objects


def create(bench: Bench, body: dict[str, Any]) -> None:
    kind = body["kind"]
    cls = {
        "Namespace": pykube.Namespace,
        "Deployment": pykube.Deployment,
        "StatefulSet": pykube.StatefulSet,
        "HorizontalPodAutoscaler": pykube.HorizontalPodAutoscaler,
        "LimitRange": pykube.LimitRange,
    }[kind]
    cls(bench.api(), body).create()


def pods(bench: Bench, namespaces: set[str]) -> list[dict[str, Any]]:
    listed = pykube.Pod.objects(bench.api()).filter(namespace=pykube.all)
    return [p.obj for p in listed if p.namespace in namespaces]


def mark_ready(bench: Bench, pod: dict[str, Any]) -> None:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status = {
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": now},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
            ],
        }
    }
    meta = pod["metadata"]
    bench.api().session.patch(
        bench.api().url + f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status",
        data=json.dumps(status),
        headers={"Content-Type": "application/merge-patch+json"},
    ).raise_for_status()


def user_objects(bench: Bench) -> dict[str, str]:
    """uid -> resourceVersion of every baseline-kind object without our managed-by label."""
    found = {}
    for plural in BASELINE_KINDS:
        listed = json.loads(bench.kubectl("get", plural, "-A", "-o", "json"))["items"]
        for item in listed:
            if (item["metadata"].get("labels") or {}).get(MANAGED_BY[0]) != MANAGED_BY[1]:
                found[item["metadata"]["uid"]] = item["metadata"]["resourceVersion"]
    return found


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8, help="client threads creating objects")
    args = parser.parse_args()
    names = [f"brown-{i:04d}" for i in range(args.namespaces)]
    selected = set(names)

    with Bench() as bench, ThreadPoolExecutor(max_workers=args.workers) as pool:
        started = time.monotonic()
        bodies = [namespace_objects(ns, i) for i, ns in enumerate(names)]

        def create_each(objs: list[dict[str, Any]]) -> None:
            for obj in objs:
                create(bench, obj)

        list(pool.map(create_each, bodies))
        expected_pods = 10 * args.namespaces
        while len(pods(bench, selected)) < expected_pods:
            time.sleep(2)
        list(pool.map(lambda p: mark_ready(bench, p), pods(bench, selected)))
        print(
            f"created {args.namespaces} namespaces, {expected_pods} Pods Running and Ready in "
            f"{time.monotonic() - started:.0f}s",
            flush=True,
        )
        before = user_objects(bench)

        enforced = time.monotonic()
        bench.apply_policy(
            "brownfield",
            {"enforcement": "Enforce", "namespaceSelector": {"matchLabels": {BENCH_LABEL: RUN}}},
            timeout=900,  # Ready comes at the end of the first pass over every namespace
        )
        while True:
            reports = {
                r.namespace for r in AksCompliance.objects(bench.api()).filter(namespace=pykube.all)
            }
            if selected <= reports:
                break
            time.sleep(1)
        quiet = bench.wait_quiet(10, timeout=300)
        print(
            f"every namespace reported {time.monotonic() - enforced:.1f}s after enforcing; "
            f"writes quiet after {quiet if quiet is None else round(quiet, 1)}s",
            flush=True,
        )

        budgets = [
            p
            for p in json.loads(bench.kubectl("get", "pdb", "-A", "-o", "json"))["items"]
            if p["metadata"]["namespace"] in selected
        ]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(
            b.get("status", {}).get("disruptionsAllowed", 0) < 1 for b in budgets
        ):
            time.sleep(2)
            budgets = [
                p
                for p in json.loads(bench.kubectl("get", "pdb", "-A", "-o", "json"))["items"]
                if p["metadata"]["namespace"] in selected
            ]
        running = [
            p for p in pods(bench, selected) if p.get("status", {}).get("phase") == "Running"
        ]
        covered: Counter[str] = Counter()
        victims: dict[tuple[str, str], dict[str, Any]] = {}
        for pod in running:
            labels = pod["metadata"].get("labels") or {}
            ns = pod["metadata"]["namespace"]
            for budget in budgets:
                if budget["metadata"]["namespace"] == ns and selector_matches(
                    budget["spec"].get("selector") or {}, labels
                ):
                    covered[pod["metadata"]["uid"]] += 1
                    victims.setdefault((ns, budget["metadata"]["name"]), pod)
        evictions = refused_evictions = 0
        for (ns, _), pod in sorted(victims.items()):
            name = pod["metadata"]["name"]
            response = bench.api().session.post(
                bench.api().url + f"/api/v1/namespaces/{ns}/pods/{name}/eviction",
                json={
                    "apiVersion": "policy/v1",
                    "kind": "Eviction",
                    "metadata": {"name": name, "namespace": ns},
                },
            )
            evictions += 1
            if response.status_code != 201:
                refused_evictions += 1
                print(
                    f"  eviction of {ns}/{name} refused: {response.status_code} "
                    f"{response.text[:200]}"
                )

        for ns in names:
            for kind in ("deployment", "statefulset"):  # no name: every one in the namespace
                bench.kubectl("rollout", "restart", kind, "-n", ns)
        time.sleep(20)  # the controllers create the new Pods (or are refused) meanwhile
        events = json.loads(bench.kubectl("get", "events", "-A", "-o", "json"))["items"]
        refused_pods = [
            e
            for e in events
            if e.get("reason") == "FailedCreate" and e["metadata"]["namespace"] in selected
        ]

        after = user_objects(bench)
        changed = sum(1 for uid, version in before.items() if after.get(uid) != version)
        workload_uids = set()
        for plural in ("deployments", "statefulsets"):
            for item in json.loads(bench.kubectl("get", plural, "-A", "-o", "json"))["items"]:
                workload_uids.add(item["metadata"]["uid"])
        ghosts = 0
        for plural in BASELINE_KINDS:
            items = json.loads(
                bench.kubectl("get", plural, "-A", "-l", "=".join(MANAGED_BY), "-o", "json")
            )["items"]
            for item in items:
                owners = item["metadata"].get("ownerReferences") or []
                gone = any(
                    o["kind"] in ("Deployment", "StatefulSet") and o["uid"] not in workload_uids
                    for o in owners
                )
                if gone or item["metadata"]["namespace"] not in selected:
                    ghosts += 1
        doubly_covered = sum(1 for n in covered.values() if n > 1)
        managed_pdbs = sum(
            1 for b in budgets if (b["metadata"].get("labels") or {}).get(MANAGED_BY[0])
        )
        blocked: Counter[str] = Counter()
        for report in AksCompliance.objects(bench.api()).filter(namespace=pykube.all):
            for item in report.obj.get("status", {}).get("baseline", {}).get("blocked", []):
                blocked[item["kind"]] += 1
        print(
            f"budgets: {managed_pdbs} ours, {evictions} evictions tried; blocked: "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(blocked.items())),
        )
        print(
            f"pods refused: {len(refused_pods)}, evictions refused: {refused_evictions}, "
            f"user objects changed: {changed}, ghost objects: {ghosts}, "
            f"pods under two budgets: {doubly_covered}"
        )
        for event in refused_pods[:5]:
            print(f"  refused: {event['metadata']['namespace']}: {event['message'][:200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
