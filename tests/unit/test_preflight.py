"""Preflight keeps the plan from writing objects that would refuse or block existing Pods."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from aks_checklist.baseline.plan import Action, Outcome, Plan, State, plan_namespace, settle
from aks_checklist.checks.snapshot import Snapshot
from aks_checklist.conditions import PassResult, policy_conditions, ready
from aks_checklist.controller.backoff import Backoff
from aks_checklist.controller.worker import _with_removals
from aks_checklist.policy import parse_spec
from tests.unit.checks.builders import NAMESPACE, container, deployment

Obj = dict[str, Any]


def plan(
    *objs: Obj,
    pods: Sequence[Obj] = (),
    baseline: Mapping[str, Any] | None = None,
    enforce: bool = True,
) -> Plan:
    policy = parse_spec({"enforcement": "Enforce", "baseline": dict(baseline or {})}, name="p")
    for index, obj in enumerate(objs):
        obj["metadata"].setdefault("uid", f"uid-{index}")
        obj["metadata"].setdefault("namespace", NAMESPACE)
    snapshot = Snapshot(namespace=NAMESPACE, objects=list(objs), complete=True)
    return plan_namespace(policy, snapshot, enforce=enforce, pods=pods)


def pod(name: str, labels: Mapping[str, str], owner: str | None = None, **resources: Any) -> Obj:
    owners = [{"kind": "ReplicaSet", "name": f"{owner}-5d9f7", "controller": True}] if owner else []
    return {
        "kind": "Pod",
        "metadata": {"name": name, "labels": dict(labels), "ownerReferences": owners},
        "spec": {"containers": [{"name": "app", "resources": resources}]},
        "status": {"phase": "Running"},
    }


def created(result: Plan) -> set[tuple[str, str]]:
    return {(a.kind, a.name) for a in result.actions if a.verb == "create"}


# --- PodDisruptionBudgets --------------------------------------------------------------------


def shop() -> tuple[Obj, Obj, list[Obj]]:
    api = deployment("api", replicas=3, pod_labels={"app": "shop"})
    worker = deployment("worker", replicas=3, pod_labels={"app": "shop", "component": "worker"})
    pods = [pod(f"api-{i}", {"app": "shop"}, "api") for i in range(3)] + [
        pod(f"worker-{i}", {"app": "shop", "component": "worker"}, "worker") for i in range(3)
    ]
    return api, worker, pods


def test_a_budget_whose_selector_matches_another_workloads_pods_is_blocked() -> None:
    api, worker, pods = shop()

    result = plan(api, worker, pods=pods)

    assert ("PodDisruptionBudget", "aks-checklist-deployment-api") not in created(result)
    assert ("PodDisruptionBudget", "aks-checklist-deployment-worker") in created(result)
    [blocked] = result.state.blocked
    assert blocked.name == "aks-checklist-deployment-api"
    assert "Deployment/worker" in blocked.reason
    assert result.state.pdbs_covered == 1
    assert result.state.pdbs_needed == 2


def test_our_existing_overlapping_budget_is_deleted_and_the_other_waits_for_it() -> None:
    api, worker, pods = shop()
    ours = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {
            "name": "aks-checklist-deployment-api",
            "resourceVersion": "41",
            "labels": {"app.kubernetes.io/managed-by": "aks-checklist-operator"},
            "annotations": {"akschecklist.io/policy": "p"},
        },
        "spec": {"selector": {"matchLabels": {"app": "shop"}}, "maxUnavailable": 1},
    }

    result = plan(api, worker, ours, pods=pods)

    [delete] = [a for a in result.actions if a.verb == "delete"]
    assert (delete.name, delete.resource_version) == ("aks-checklist-deployment-api", "41")
    # worker's Pods are still under the old budget until it is gone: not yet.
    assert created(result) & {("PodDisruptionBudget", "aks-checklist-deployment-worker")} == set()


def test_a_stray_pod_matching_the_selector_blocks_the_budget() -> None:
    web = deployment("web", replicas=3)
    pods = [pod("web-1", {"app": "web"}, "web"), pod("debug", {"app": "web"})]

    result = plan(web, pods=pods)

    assert not any(a.kind == "PodDisruptionBudget" for a in result.actions)
    assert "Pod debug" in result.state.blocked[0].reason


# --- LimitRange and ResourceQuota ------------------------------------------------------------


def requests_only(cpu: str, memory: str) -> Obj:
    return container(resources={"requests": {"cpu": cpu, "memory": memory}})


@pytest.mark.parametrize(
    ("resources", "blocked"),
    [
        pytest.param(
            {"requests": {"cpu": "2", "memory": "4Gi"}}, True, id="requests-above-default"
        ),
        pytest.param({"requests": {"cpu": "2"}, "limits": {"cpu": "4"}}, False, id="own-limit-set"),
        pytest.param({"requests": {"cpu": "250m"}}, False, id="request-below-default"),
        pytest.param({}, False, id="nothing-set"),
    ],
)
def test_a_limit_range_whose_default_is_below_a_request_is_blocked(
    resources: Obj, blocked: bool
) -> None:
    web = deployment("web", containers=[container(resources=resources)])

    result = plan(web)

    assert (("LimitRange", "aks-checklist-limits") in created(result)) is not blocked
    assert (result.state.limit_range is State.BLOCKED) is blocked


def test_a_limit_range_max_below_a_limit_is_blocked() -> None:
    web = deployment("web", containers=[container(resources={"limits": {"memory": "2Gi"}})])

    result = plan(
        web,
        baseline={
            "limitRange": {
                "max": {"memory": "1Gi"},
                "default": {"memory": "512Mi"},
                "defaultRequest": {"memory": "128Mi"},
            }
        },
    )

    assert result.state.limit_range is State.BLOCKED
    assert "max" in result.state.blocked[0].reason


def test_a_quota_below_current_usage_is_blocked() -> None:
    web = deployment("web", replicas=3, containers=[requests_only("300m", "256Mi")])
    pods = [pod(f"web-{i}", {"app": "web"}, "web", requests={"cpu": "300m"}) for i in range(3)]

    result = plan(web, pods=pods, baseline={"resourceQuota": {"hard": {"requests.cpu": "500m"}}})

    assert result.state.resource_quota is State.BLOCKED
    assert "requests.cpu: running Pods use 0.9 " in result.state.blocked[0].reason


def test_a_quota_on_pods_below_the_running_count_is_blocked() -> None:
    pods = [pod(f"p-{i}", {"app": "x"}) for i in range(3)]
    assert (
        plan(pods=pods, baseline={"resourceQuota": {"hard": {"pods": "2"}}}).state.resource_quota
        is State.BLOCKED
    )
    assert (
        plan(pods=pods, baseline={"resourceQuota": {"hard": {"pods": "3"}}}).state.resource_quota
        is State.MANAGED
    )


def test_a_limits_quota_without_defaults_in_force_is_blocked() -> None:
    """Our LimitRange is External (the user's sets no defaults): Pods without limits are refused."""
    theirs = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "team-limits"},
        "spec": {"limits": [{"type": "Container", "max": {"cpu": "8"}}]},
    }
    web = deployment("web", containers=[requests_only("100m", "64Mi")])

    result = plan(web, theirs)

    assert result.state.limit_range is State.EXTERNAL
    assert result.state.resource_quota is State.BLOCKED
    assert "limits.cpu: Deployment/web set no limits.cpu" in result.state.blocked[0].reason


def test_the_same_quota_passes_when_our_limit_range_supplies_the_defaults() -> None:
    web = deployment("web", containers=[requests_only("100m", "64Mi")])

    result = plan(web)

    assert result.state.resource_quota is State.MANAGED
    order = [a.kind for a in result.actions]
    assert order.index("LimitRange") < order.index("ResourceQuota")


def test_audit_reports_what_is_there_and_blocks_nothing() -> None:
    web = deployment("web", containers=[requests_only("2", "4Gi")])
    result = plan(web, enforce=False)
    assert result.actions == ()
    assert result.state.blocked == ()
    assert result.state.limit_range is State.MISSING


# --- reports from outcomes, backoff, conditions ----------------------------------------------


def test_a_failed_create_is_reported_failed_not_managed() -> None:
    result = plan(deployment("web", replicas=3))
    outcomes = [
        Outcome(a, "timed out", transient=True)
        if a.kind in ("LimitRange", "PodDisruptionBudget")
        else Outcome(a)
        for a in result.actions
    ]

    state = settle(result.state, outcomes)

    assert state.limit_range is State.FAILED
    assert state.network_policy is State.MANAGED
    assert (state.pdbs_covered, state.pdbs_needed) == (0, 1)


def test_a_failed_delete_does_not_change_the_reported_state() -> None:
    action = Action("delete", "LimitRange", NAMESPACE, "aks-checklist-limits")
    state = plan(deployment("web")).state
    assert settle(state, [Outcome(action, "conflict", transient=True)]) == state


def test_backoff_grows_jittered_and_honours_retry_after() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(7))  # noqa: S311  # jitter, not secrets
    delays = [backoff.failed("ns") for _ in range(5)]
    assert all(0.5 * 2**i <= d <= 1.5 * 2**i for i, d in enumerate(delays))
    assert backoff.failed("ns", retry_after=120.0) == 60.0  # capped
    assert backoff.failed("other", retry_after=9.0) >= 9.0
    backoff.succeeded("ns")
    assert backoff.failed("ns") <= 1.5


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param(PassResult(selected=2), (True, "Reconciled"), id="clean"),
        pytest.param(
            PassResult(selected=2, retrying={"a": "429"}), (False, "WriteRetrying"), id="transient"
        ),
        pytest.param(
            PassResult(selected=2, retrying={"a": "429"}, rejected={"b": "422"}),
            (False, "BaselineRejected"),
            id="rejected-wins",
        ),
    ],
)
def test_ready_tells_transient_from_rejected(
    result: PassResult, expected: tuple[bool, str]
) -> None:
    assert ready(result)[:2] == expected


def test_blocked_namespaces_raise_the_baseline_blocked_condition() -> None:
    result = PassResult(selected=1, blocked={"shop": "PodDisruptionBudget x: matches worker"})
    conditions = policy_conditions([], result, generation=1, now=datetime(2026, 1, 1, tzinfo=UTC))
    blocked = next(c for c in conditions if c["type"] == "BaselineBlocked")
    assert (blocked["status"], blocked["reason"]) == ("True", "WouldBreakWorkloads")
    assert "shop: PodDisruptionBudget x" in blocked["message"]


def test_a_report_patch_removes_a_blocked_list_that_no_longer_applies() -> None:
    patch = _with_removals(
        ["score", "baseline", "old"], {"score": 90, "baseline": {"limitRange": "Managed"}}
    )
    assert patch == {
        "score": 90,
        "baseline": {"limitRange": "Managed", "blocked": None},
        "old": None,
    }
    kept = {"baseline": {"blocked": [{"kind": "LimitRange"}]}}
    assert _with_removals(["baseline"], kept) == kept


def test_a_quota_counts_what_running_pods_will_use_once_defaults_apply() -> None:
    """Pods made before the user's LimitRange have no limits; recreated, each gets its default
    (the API server fills a LimitRange's default from its max), which the quota must fit."""
    theirs = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "team-limits"},
        "spec": {"limits": [{"type": "Container", "max": {"cpu": "4"}, "default": {"cpu": "4"}}]},
    }
    web = deployment("web", replicas=5, containers=[requests_only("100m", "64Mi")])
    pods = [pod(f"web-{i}", {"app": "web"}, "web", requests={"cpu": "100m"}) for i in range(5)]
    hard = {"limits.cpu": "16", "requests.cpu": "8"}

    result = plan(web, theirs, pods=pods, baseline={"resourceQuota": {"hard": hard}})

    assert result.state.resource_quota is State.BLOCKED
    assert "limits.cpu: running Pods use 20" in result.state.blocked[0].reason
