"""AksChecklistPolicy and AksCompliance objects as the API server returns them, for page tests."""

from __future__ import annotations

from typing import Any


def policy(name: str = "baseline", **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "akschecklist.io/v1alpha1",
        "kind": "AksChecklistPolicy",
        "metadata": {"name": name},
        "spec": {"enforcement": "Enforce"},
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "Reconciled", "message": "ok"}
            ],
            "summary": {
                "namespaces": 2,
                "compliantNamespaces": 1,
                "workloads": 3,
                "passed": 40,
                "failed": 5,
                "waived": 1,
                "score": 88,
            },
            "items": [
                {"id": "APP-01", "passed": 2, "failed": 1, "waived": 0},
                {"id": "APP-12", "passed": 10, "failed": 4, "waived": 1},
                {"id": "RES-05", "passed": 2, "failed": 0, "waived": 0},
            ],
            "cluster": [
                {
                    "rule": "CSEC-12/system-pool-tainted",
                    "result": "Fail",
                    "severity": "Medium",
                    "object": "Node/aks-system-1",
                    "count": 3,
                    "message": "system pool nodes carry no CriticalAddonsOnly taint",
                },
                {
                    "rule": "OPS-01/supported-version",
                    "result": "Pass",
                    "severity": "High",
                    "object": "Cluster/cluster",
                    "count": 1,
                    "message": "v1.34 is supported",
                },
            ],
            **status,
        },
    }


def report(
    namespace: str, score: int = 71, policy_name: str = "baseline", **status: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "akschecklist.io/v1alpha1",
        "kind": "AksCompliance",
        "metadata": {"name": policy_name, "namespace": namespace},
        "status": {
            "policy": policy_name,
            "score": score,
            "passed": 20,
            "failed": 8,
            "waived": 1,
            "workloads": 2,
            "baseline": {"networkPolicy": "Managed", "limitRange": "External"},
            "results": [
                {
                    "rule": "APP-01/liveness-probe",
                    "severity": "Medium",
                    "result": "Fail",
                    "count": 2,
                    "resources": ["Deployment/api (app)", "Deployment/web (app)"],
                    "message": "container app has no livenessProbe",
                },
                {
                    "rule": "APP-21/image-tag-pinned",
                    "severity": "Medium",
                    "result": "Waived",
                    "count": 1,
                    "resources": ["Deployment/legacy (app)"],
                    "message": "waived: vendor image",
                },
                {
                    "rule": "RES-05/resource-quota",
                    "severity": "Medium",
                    "result": "Pass",
                    "count": 1,
                },
            ],
            **status,
        },
    }
