"""``aks-checklist demo``: the whole product on a throwaway local control plane.

Starts etcd, kube-apiserver and kube-controller-manager, installs the CRDs,
creates a few realistic namespaces (good, bad, bring-your-own), applies an
Enforce policy, runs the operator as users run it, waits until every report
is current, prints the dashboard and stops everything. Needs a checkout of
the repository (for crds/ and demo/) and the dev extra (for certificates).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
DEMO_NAMESPACES = ("legacy", "payments", "shop")
POLICY = "baseline"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the operator end to end on a local control plane",
        description=__doc__,
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for the reports to converge"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # Imported here: only the demo needs the dev extra (certificates) behind it.
    from aks_checklist.testing import ControlPlane, ControlPlaneError

    for needed in (REPO / "crds", REPO / "demo"):
        if not needed.is_dir():
            print(
                f"aks-checklist demo needs a repository checkout: {needed} is missing",
                file=sys.stderr,
            )
            return 2
    started = time.monotonic()
    try:
        with ControlPlane() as plane:
            print(
                f"Started control plane {plane.version()['gitVersion']} on {plane.server} "
                f"in {time.monotonic() - started:.1f}s"
            )
            return _run(plane.kubeconfig, plane.binaries.kubectl, args.timeout, started)
    except ControlPlaneError as error:
        print(f"The local control plane failed to start: {error}", file=sys.stderr)
        return 1


def _run(kubeconfig: Path, kubectl_path: Path, timeout: float, started: float) -> int:
    def kubectl(*args: str) -> str:
        return subprocess.run(
            [str(kubectl_path), "--kubeconfig", str(kubeconfig), *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    kubectl("apply", "-k", str(REPO / "crds"))
    kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    kubectl("create", "namespace", "aks-checklist-system")
    for name in ("nodes.yaml", "workloads.yaml", "policy.yaml"):
        kubectl("apply", "-f", str(REPO / "demo" / name))
    print("Created namespaces shop, legacy and payments and applied AksChecklistPolicy baseline")

    log_path = kubeconfig.parent / "operator.log"
    with log_path.open("wb") as log:
        operator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aks_checklist",
                "run",
                "--standalone",
                "--all-namespaces",
                "--operator-namespace",
                "aks-checklist-system",
                "--log-format",
                "console",
            ],
            env={**os.environ, "KUBECONFIG": str(kubeconfig)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if not _converged(kubectl, timeout, operator):
            print(f"The reports did not converge in {timeout:.0f}s; operator log:", file=sys.stderr)
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            return 1
        print(f"Converged {time.monotonic() - started:.1f}s after start.\n")
        print("$ kubectl get akscompliance -A")
        print(kubectl("get", "akscompliance", "-A"))
        print("$ kubectl get akspolicy")
        print(kubectl("get", "akspolicy"))
        _print_policy_status(json.loads(kubectl("get", "akspolicy", POLICY, "-o", "json")))
        _print_failing_rules(
            json.loads(kubectl("get", "aksc", POLICY, "-n", "legacy", "-o", "json"))
        )
    finally:
        os.killpg(operator.pid, signal.SIGTERM)
        operator.wait(30)
    print(f"Stopped the operator and the control plane ({time.monotonic() - started:.1f}s in all).")
    return 0


def _converged(kubectl: Any, timeout: float, operator: subprocess.Popen[bytes]) -> bool:
    """Every demo namespace has a report over its workloads, with its baseline in place."""
    deadline = time.monotonic() + timeout
    expected_workloads = {"shop": 1, "legacy": 1, "payments": 1}
    while time.monotonic() < deadline:
        if operator.poll() is not None:
            return False
        reports = json.loads(kubectl("get", "aksc", "-A", "-o", "json"))["items"]
        status = {r["metadata"]["namespace"]: r.get("status", {}) for r in reports}
        if all(
            status.get(ns, {}).get("workloads") == count
            and status[ns].get("baseline", {}).get("summary", "").startswith("3/3")
            and status[ns].get("baseline", {}).get("podDisruptionBudgets", "").split("/")[0]
            == status[ns].get("baseline", {}).get("podDisruptionBudgets", "").split("/")[-1]
            for ns, count in expected_workloads.items()
        ):
            time.sleep(1)  # let the pass triggered by our own objects finish
            return True
        time.sleep(0.5)
    return False


def _print_policy_status(policy: dict[str, Any]) -> None:
    status = policy.get("status", {})
    summary = status.get("summary", {})
    print(f"Policy {POLICY}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    for condition in status.get("conditions", []):
        print(
            f"  {condition['type']}={condition['status']} ({condition['reason']}): "
            f"{condition['message']}"
        )
    cluster = [r for r in status.get("cluster", []) if r["result"] in ("Fail", "Warn", "Error")]
    print(f"Cluster-scope findings ({len(cluster)} not passing):")
    for row in cluster[:10]:
        print(f"  {row['result']:<5} {row['rule']:<40} {row['message'][:80]}")
    print()


def _print_failing_rules(report: dict[str, Any]) -> None:
    status = report.get("status", {})
    print(f"Namespace legacy: score {status.get('score')}, failing rules:")
    for entry in status.get("results", []):
        if entry["result"] in ("Fail", "Waived"):
            resources = ", ".join(entry.get("resources", [])[:3])
            print(f"  {entry['result']:<6} {entry['severity']:<6} {entry['rule']:<42} {resources}")
    print()
