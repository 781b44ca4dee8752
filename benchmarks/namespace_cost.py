"""What one namespace costs the operator: bytes in its indexes and CPU per pass.

Builds objects as the API server serves them (managedFields, status, kubectl's
last-applied annotation, server defaults), one namespace of ``--apps``
applications at a time (a Deployment, its Service, an HPA, a ServiceAccount
and two Pods each), and measures:

- memory, with tracemalloc: what the indexes keep of them (``slim``, then
  ``pack``), next to the ceiling of keeping every object as parsed;
- CPU of one namespace's pass, in process time: unpacking its objects, the
  plan (ownership and preflight), every check, and the report, as the worker
  runs them; the
  first pass over a namespace (nothing of ours exists yet) and a repeated one
  (our baseline in place, nothing to write).

    python benchmarks/namespace_cost.py --namespaces 200 --apps 5
"""

from __future__ import annotations

import argparse
import gc
import json
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from aks_checklist.baseline.plan import Outcome, applied, plan_namespace, settle
from aks_checklist.checks.engine import evaluate
from aks_checklist.checks.snapshot import Snapshot
from aks_checklist.controller.resources import (
    CLUSTER_SCOPED,
    LAST_APPLIED,
    NAMESPACED,
    POD_FOOTPRINTS,
    Packed,
    Watched,
    pack,
    slim,
)
from aks_checklist.policy import Policy, parse_spec
from aks_checklist.report import namespace_report

Obj = dict[str, Any]
WATCHED: dict[str, Watched] = {w.kind: w for w in (*NAMESPACED, *CLUSTER_SCOPED)}


def _served(obj: Obj, managers: tuple[str, ...] = ("kubectl-client-side-apply",)) -> Obj:
    metadata = obj["metadata"]
    metadata["uid"] = f"{abs(hash((obj['kind'], metadata['namespace'], metadata['name']))):036d}"
    metadata["resourceVersion"] = "4711"
    metadata["creationTimestamp"] = "2026-12-01T10:00:00Z"
    metadata.setdefault("annotations", {})[LAST_APPLIED] = json.dumps(obj, sort_keys=True)
    metadata["managedFields"] = [
        {
            "manager": manager,
            "operation": "Update",
            "apiVersion": obj["apiVersion"],
            "time": "2026-12-01T10:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:replicas": {}}},
        }
        for manager in managers
    ]
    return obj


def _pod_spec(app: str) -> Obj:
    return {
        "serviceAccountName": app,
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "app",
                "image": f"contoso.azurecr.io/shop/{app}:1.4.2",
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                "env": [{"name": "LOG_LEVEL", "value": "info"}],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                },
                "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
        ],
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "terminationGracePeriodSeconds": 30,
    }


def namespace_objects(namespace: str, apps: int) -> list[Obj]:
    objs: list[Obj] = []
    for i in range(apps):
        app = f"app-{i}"
        labels = {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": namespace}
        meta = {"name": app, "namespace": namespace, "labels": dict(labels)}
        objs.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": dict(meta, generation=1),
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": dict(labels)},
                    "template": {"metadata": {"labels": dict(labels)}, "spec": _pod_spec(app)},
                    "strategy": {"type": "RollingUpdate"},
                    "revisionHistoryLimit": 10,
                    "progressDeadlineSeconds": 600,
                },
                "status": {"replicas": 2, "conditions": [{"type": "Available", "status": "True"}]},
            }
        )
        objs.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": dict(meta),
                "spec": {"selector": dict(labels), "ports": [{"port": 80, "targetPort": 8080}]},
            }
        )
        objs.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": dict(meta),
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
                    "minReplicas": 2,
                    "maxReplicas": 5,
                },
            }
        )
        objs.append(
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": dict(meta), "spec": {}}
        )
        for replica in range(2):
            objs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"{app}-7d9f8c6b5-{replica}",
                        "namespace": namespace,
                        "labels": dict(labels, **{"pod-template-hash": "7d9f8c6b5"}),
                        "ownerReferences": [
                            {
                                "apiVersion": "apps/v1",
                                "kind": "ReplicaSet",
                                "name": f"{app}-7d9f8c6b5",
                                "uid": "0" * 36,
                                "controller": True,
                            }
                        ],
                    },
                    "spec": _pod_spec(app),
                    "status": {"phase": "Running", "qosClass": "Burstable"},
                }
            )
    return [_served(obj) for obj in objs]


def held(make: Callable[[], list[Any]]) -> tuple[int, int]:
    """(bytes, objects) still allocated after ``make`` built its objects."""
    gc.collect()
    tracemalloc.start()
    kept = make()
    gc.collect()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size, len(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--apps", type=int, default=5, help="applications per namespace")
    args = parser.parse_args()
    wire = [
        json.dumps(namespace_objects(f"ns-{n}", args.apps)).encode() for n in range(args.namespaces)
    ]

    def parsed() -> list[Obj]:  # each watch event is parsed on its own
        return [obj for blob in wire for obj in json.loads(blob)]

    def indexed() -> list[Packed]:
        kept = []
        for blob in wire:
            for obj in json.loads(blob):
                watched = POD_FOOTPRINTS if obj["kind"] == "Pod" else WATCHED[obj["kind"]]
                kept.append(pack(slim(obj, watched)))
        return kept

    ceiling, count = held(parsed)
    ours, _ = held(indexed)
    per_kind: dict[str, float] = {}
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "ServiceAccount", "Pod"):
        sample = [json.dumps(o) for o in json.loads(wire[0]) if o["kind"] == kind]
        watched = POD_FOOTPRINTS if kind == "Pod" else WATCHED[kind]

        def slim_sample(texts: list[str] = sample, watched: Watched = watched) -> list[Packed]:
            return [pack(slim(json.loads(text), watched)) for text in texts]

        size, n = held(slim_sample)
        per_kind[kind] = size / n
    first, again = pass_cpu(wire, parse_spec({"enforcement": "Enforce"}, name="bench"))
    wire_bytes = sum(len(blob) for blob in wire)
    print(
        f"namespaces: {args.namespaces} x {args.apps} apps, {count} objects, "
        f"{wire_bytes / count:,.0f} B per object as JSON on the wire"
    )
    print(
        f"parsed, unslimmed (ceiling): {ceiling / count:8,.0f} B per object, "
        f"{ceiling / args.namespaces / 1024:7.1f} KiB per namespace"
    )
    print(
        f"indexed (slim, packed):      {ours / count:8,.0f} B per object, "
        f"{ours / args.namespaces / 1024:7.1f} KiB per namespace  "
        f"({ours / ceiling:.2f}x the ceiling)"
    )
    for kind, each_size in per_kind.items():
        print(f"  {kind:<24} {each_size:8,.0f} B")
    print(
        f"CPU of a first pass:         {first * 1000:8.2f} ms per namespace, "
        f"{first * 1000 / args.apps:6.2f} ms per workload"
    )
    print(
        f"CPU of a repeated pass:      {again * 1000:8.2f} ms per namespace, "
        f"{again * 1000 / args.apps:6.2f} ms per workload"
    )


def pass_cpu(wire: list[bytes], policy: Policy) -> tuple[float, float]:
    """Process seconds per namespace of a first pass and of a repeated, write-free one."""
    namespaces = []
    for blob in wire:
        objs = json.loads(blob)
        pods = [pack(slim(o, POD_FOOTPRINTS)) for o in objs if o["kind"] == "Pod"]
        kept = [pack(slim(o, WATCHED[o["kind"]])) for o in objs if o["kind"] != "Pod"]
        name = kept[0].unpack()["metadata"]["namespace"]
        namespaces.append((name, kept, pods))

    def one_pass(name: str, kept: list[Packed], packed_pods: list[Packed]) -> list[Packed]:
        snapshot = Snapshot(name, [p.unpack() for p in kept], complete=True)
        pods = [p.unpack() for p in packed_pods]
        plan = plan_namespace(policy, snapshot, enforce=True, pods=pods)
        outcomes = [Outcome(action) for action in plan.actions]
        after = applied(snapshot, outcomes)
        findings = evaluate([after], policy.checks)
        namespace_report(
            policy.name,
            snapshot.namespace,
            findings,
            workloads=len(after.workloads),
            baseline=settle(plan.state, outcomes).as_status(),
        )
        return [pack(obj) for obj in after.objects]

    started = time.process_time()
    settled = [(name, one_pass(name, kept, pods), pods) for name, kept, pods in namespaces]
    first = (time.process_time() - started) / len(namespaces)
    started = time.process_time()
    for name, kept, pods in settled:
        one_pass(name, kept, pods)
    again = (time.process_time() - started) / len(namespaces)
    return first, again


if __name__ == "__main__":
    main()
