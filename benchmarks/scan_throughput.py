"""How fast the check engine and ``aks-checklist scan`` judge realistic manifests.

Generates N applications, each a Deployment with its Service,
PodDisruptionBudget, HorizontalPodAutoscaler and NetworkPolicy (five objects),
spread over namespaces of 25 apps like a real multi-team cluster. Specs vary
on purpose (some apps with probes, limits and pinned images, some without;
some PDBs that block eviction) so every rule path is exercised, not only the
cheap early exits.

Figures, each next to a ceiling measured in the same run on the same machine
(no assertions; the machine's load moves every figure, the ratios much less):
- engine: workloads and objects judged per second, in this process (one core),
  from parsed objects to findings;
- CLI: ``python -m aks_checklist scan --format json DIR`` in a subprocess over the
  same objects written to a temporary directory, against a subprocess that only
  reads and parses the same files with PyYAML's C loader.

Each subprocess figure is the median of ``--runs`` runs (wall and CPU seconds).
Start-up, and issue 13's targets next to their floors: ``scan_startup.py``.

    python benchmarks/scan_throughput.py --count 2000
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import yaml

from aks_checklist.checks import engine
from aks_checklist.checks.snapshot import split_by_namespace

APPS_PER_NAMESPACE = 25
OBJECTS_PER_APP = 5

try:
    from yaml import CSafeDumper as Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as Dumper  # type: ignore[assignment]


def container(rng: random.Random, name: str, good: bool) -> dict[str, Any]:
    image = (
        f"contoso.azurecr.io/{name}:{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
        if good or rng.random() < 0.5
        else rng.choice([f"docker.io/library/{name}:latest", f"{name}", f"ghcr.io/acme/{name}:1"])
    )
    spec: dict[str, Any] = {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080}],
    }
    if good or rng.random() < 0.4:
        spec["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}}
        spec["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http"}}
    if good or rng.random() < 0.3:
        spec["startupProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}}
        spec["lifecycle"] = {"preStop": {"sleep": {"seconds": 5}}}
    if good or rng.random() < 0.5:
        spec["resources"] = {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        }
    if good:
        spec["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
    elif rng.random() < 0.1:
        spec["securityContext"] = {"privileged": True}
    return spec


def application(rng: random.Random, namespace: str, index: int) -> list[dict[str, Any]]:
    """One app: Deployment, Service, PDB, HPA, NetworkPolicy."""
    name = f"app-{index:05d}"
    good = rng.random() < 0.3
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": namespace}
    meta = {"name": name, "namespace": namespace, "labels": labels}
    selector = {"matchLabels": {"app.kubernetes.io/name": name}}
    containers = [container(rng, name, good)]
    if rng.random() < 0.2:
        containers.append(container(rng, "sidecar", good))
    pod_spec: dict[str, Any] = {"containers": containers}
    if good:
        pod_spec["securityContext"] = {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        pod_spec["automountServiceAccountToken"] = False
        pod_spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": selector,
            }
        ]
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": rng.choice([1, 2, 3]),
            "selector": selector,
            "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": {
            "type": "ClusterIP" if good or rng.random() < 0.8 else "LoadBalancer",
            "selector": selector["matchLabels"],
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta,
        "spec": {"maxUnavailable": 1 if good or rng.random() < 0.8 else 0, "selector": selector},
    }
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta,
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": rng.choice([1, 2, 3]),
            "maxReplicas": 10,
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
    network_policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta,
        "spec": {
            "podSelector": selector,
            "policyTypes": ["Ingress", "Egress"] if good else ["Ingress"],
            "ingress": [{"ports": [{"protocol": "TCP", "port": 8080}]}],
        },
    }
    return [deployment, service, pdb, hpa, network_policy]


def generate(count: int, seed: int = 7) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed)  # noqa: S311  # test data, not cryptography
    return [
        application(rng, f"team-{index // APPS_PER_NAMESPACE:03d}", index) for index in range(count)
    ]


def bench_engine(apps: list[list[dict[str, Any]]], rounds: int) -> tuple[float, float, int]:
    """Best wall and CPU seconds over ``rounds`` runs, and the number of findings."""
    objects = [obj for app in apps for obj in app]
    engine.evaluate(split_by_namespace(objects[: OBJECTS_PER_APP * 10]))  # warm imports
    best_wall = best_cpu = float("inf")
    findings = 0
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        snapshots = split_by_namespace(objects, complete=False)
        findings = len(engine.evaluate(snapshots))
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, findings


PARSE_ONLY = """
import os, sys, yaml
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
for root, _, files in os.walk(sys.argv[1]):
    for name in sorted(files):
        with open(os.path.join(root, name), encoding="utf-8") as handle:
            list(yaml.load_all(handle.read(), Loader=loader))
"""


def write_apps(apps: list[list[dict[str, Any]]], root: str) -> None:
    """One YAML file per app, in a directory per namespace, as a repository would hold them."""
    for app in apps:
        directory = os.path.join(root, app[0]["metadata"]["namespace"])
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"{app[0]['metadata']['name']}.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            yaml.dump_all(app, handle, Dumper=Dumper, sort_keys=False)


def timed(command: list[str], runs: int) -> tuple[float, float, int]:
    """Median wall and CPU (user + system) seconds of ``runs`` runs, and the last exit code."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, check=False, env=env)  # warm caches, bytecode
    walls: list[float] = []
    cpus: list[float] = []
    code = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        code = done.returncode
        if code not in (0, 1):
            sys.stderr.write(done.stderr.decode(errors="replace"))
    return statistics.median(walls), statistics.median(cpus), code


def bench_cli(apps: list[list[dict[str, Any]]], runs: int) -> None:
    """``aks-checklist scan`` over the apps written one file per app, next to parsing alone."""
    objects = sum(len(app) for app in apps)
    with tempfile.TemporaryDirectory(prefix="aks-checklist-bench-") as root:
        write_apps(apps, root)
        scan = [sys.executable, "-m", "aks_checklist", "scan", "--format", "json", root]
        wall, cpu, code = timed(scan, runs)
        parse_wall, parse_cpu, _ = timed([sys.executable, "-c", PARSE_ONLY, root], runs)
    print(
        f"cli:    {objects} objects in {wall:.2f} s wall, {cpu:.2f} s CPU = "
        f"{objects / wall:,.0f} objects/s end to end (exit {code}); ceiling: parsing the same "
        f"files with PyYAML's C loader {parse_wall:.2f} s / {parse_cpu:.2f} s; "
        f"scan = {wall / parse_wall:.2f}x parsing alone (wall), {cpu / parse_cpu:.2f}x (CPU)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--count",
        type=int,
        default=2000,
        help="applications (workloads) to generate; each adds 5 objects (default 2000)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="engine runs; the best is kept")
    parser.add_argument("--runs", type=int, default=5, help="runs per subprocess figure")
    parser.add_argument("--no-cli", action="store_true", help="measure the engine only")
    args = parser.parse_args(argv)

    apps = generate(args.count)
    # The objects are long-lived input (the operator's informer cache, the scanner's parsed
    # files): keep the cyclic collector from re-walking them on every engine run.
    gc.collect()
    gc.freeze()
    objects = args.count * OBJECTS_PER_APP
    namespaces = -(-args.count // APPS_PER_NAMESPACE)
    print(f"generated {args.count} workloads, {objects} objects in {namespaces} namespaces")

    wall, cpu, findings = bench_engine(apps, args.rounds)
    print(
        f"engine: {args.count / wall:,.0f} workloads/s, {objects / wall:,.0f} objects/s "
        f"(wall {wall:.2f} s, CPU {cpu:.2f} s, {findings:,} findings, "
        f"{args.count / cpu:,.0f} workloads per CPU-second)"
    )
    if not args.no_cli:
        bench_cli(apps, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
