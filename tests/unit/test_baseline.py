"""The namespace baseline plan: what Enforce writes, what Audit reports, and what is never touched.

The plan is where the ownership rules of ARCHITECTURE.md are decided, so
these tests state them as behaviour: only objects carrying our managed-by
label are ever written over or deleted, a user's own LimitRange,
ResourceQuota, default-deny NetworkPolicy or PodDisruptionBudget makes ours
unnecessary, and a namespace that already holds what the policy asks for
costs no write at all, even after the API server has canonicalised it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from aks_checklist.baseline.compare import in_place
from aks_checklist.baseline.marks import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    POLICY_ANNOTATION,
    is_managed,
    managing_policy,
)
from aks_checklist.baseline.objects import (
    LIMIT_RANGE_NAME,
    NETWORK_POLICY_NAME,
    RESOURCE_QUOTA_NAME,
    pdb_name,
)
from aks_checklist.baseline.plan import (
    Action,
    BaselineState,
    Outcome,
    Plan,
    State,
    applied,
    plan_namespace,
)
from aks_checklist.checks.engine import evaluate
from aks_checklist.checks.snapshot import Snapshot, Workload
from aks_checklist.policy import Policy, parse_policy, parse_spec
from tests.unit.checks.builders import (
    NAMESPACE,
    daemonset,
    deployment,
    hpa,
    limitrange,
    networkpolicy,
    pdb,
    statefulset,
)

Obj = dict[str, Any]

POLICY = "baseline"
OUR_LABELS = {MANAGED_BY_LABEL: MANAGED_BY_VALUE}
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
SINGLETONS = {
    "NetworkPolicy": NETWORK_POLICY_NAME,
    "LimitRange": LIMIT_RANGE_NAME,
    "ResourceQuota": RESOURCE_QUOTA_NAME,
}
# kind -> (policy field under spec.baseline, BaselineState attribute)
PARTS = {
    "NetworkPolicy": ("networkPolicy", "network_policy"),
    "LimitRange": ("limitRange", "limit_range"),
    "ResourceQuota": ("resourceQuota", "resource_quota"),
}
# RFC 1123 subdomain: what the API server accepts as an object name.
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


# --- builders ----------------------------------------------------------------------------------


def make_policy(baseline: Mapping[str, Any] | None = None, *, name: str = POLICY) -> Policy:
    return parse_spec({"enforcement": "Enforce", "baseline": dict(baseline or {})}, name=name)


def ns(*objs: Obj) -> Snapshot:
    """A complete live namespace holding ``objs`` (each given a namespace and uid if missing)."""
    stored = []
    for index, obj in enumerate(objs):
        obj = copy.deepcopy(obj)
        metadata = obj.setdefault("metadata", {})
        metadata.setdefault("namespace", NAMESPACE)
        metadata.setdefault("uid", f"uid-{obj['kind'].lower()}-{metadata['name']}-{index}")
        stored.append(obj)
    return Snapshot(namespace=NAMESPACE, objects=stored, complete=True)


def plan(
    *objs: Obj,
    baseline: Mapping[str, Any] | None = None,
    enforce: bool = True,
    policy: str = POLICY,
) -> Plan:
    return plan_namespace(make_policy(baseline, name=policy), ns(*objs), enforce=enforce)


def uid_of(workload: Obj) -> str:
    """The uid :func:`ns` gives the object at position 0 of a snapshot."""
    return f"uid-{workload['kind'].lower()}-{workload['metadata']['name']}-0"


def with_uid(obj: Obj, uid: str) -> Obj:
    obj = copy.deepcopy(obj)
    obj["metadata"]["uid"] = uid
    return obj


def managed(
    kind: str,
    name: str,
    spec: Obj,
    *,
    policy: str = POLICY,
    uid: str | None = None,
    owners: list[Obj] | None = None,
) -> Obj:
    """An object as an earlier pass of the operator (for ``policy``) left it."""
    metadata: Obj = {
        "name": name,
        "namespace": NAMESPACE,
        "uid": uid or f"uid-ours-{kind.lower()}-{name}",
        "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE},
        "annotations": {POLICY_ANNOTATION: policy},
    }
    if owners is not None:
        metadata["ownerReferences"] = owners
    api_version = {"NetworkPolicy": "networking.k8s.io/v1", "PodDisruptionBudget": "policy/v1"}
    return {
        "apiVersion": api_version.get(kind, "v1"),
        "kind": kind,
        "metadata": metadata,
        "spec": spec,
    }


def resourcequota(name: str = "quota", hard: Mapping[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"hard": dict(hard or {"pods": "10"})},
    }


def server_defaulted_limit_range(spec: Obj) -> Obj:
    """What the API server stores for a LimitRange spec (its documented defaulting).

    Per resource: a missing ``default`` is taken from ``max``, a missing
    ``defaultRequest`` from ``default``; empty maps are not stored.
    """
    spec = copy.deepcopy(spec)
    for item in spec.get("limits", []):
        if item.get("type") != "Container":
            continue
        default = item.setdefault("default", {})
        request = item.setdefault("defaultRequest", {})
        for key, value in item.get("max", {}).items():
            default.setdefault(key, value)
        for key, value in default.items():
            request.setdefault(key, value)
        for key in ("default", "defaultRequest", "max"):
            if not item.get(key):
                item.pop(key, None)
    return spec


def served(
    body: Obj,
    *,
    canonical: Mapping[str, str] | None = None,
    extra_labels: Mapping[str, str] | None = None,
    extra_annotations: Mapping[str, str] | None = None,
) -> Obj:
    """An applied body as a later GET returns it.

    The API server adds bookkeeping metadata, omits empty lists, fills
    defaults, rewrites quantities in canonical form (``canonical`` maps what
    was sent to what is stored) and adds a status; other tools may have added
    labels and annotations of their own.
    """
    obj = copy.deepcopy(body)
    metadata = obj["metadata"]
    metadata.update(
        {
            "uid": f"uid-served-{obj['kind'].lower()}-{metadata['name']}",
            "resourceVersion": "48213",
            "generation": 1,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "aks-checklist-operator", "operation": "Apply"}],
        }
    )
    metadata["labels"] = {**metadata.get("labels", {}), **dict(extra_labels or {})}
    metadata["annotations"] = {**metadata.get("annotations", {}), **dict(extra_annotations or {})}
    spec = obj["spec"]
    for key in ("ingress", "egress"):
        if spec.get(key) == []:
            del spec[key]
    if obj["kind"] == "LimitRange":
        spec = obj["spec"] = server_defaulted_limit_range(spec)
    obj["spec"] = _replace_strings(spec, canonical or {})
    if obj["kind"] == "ResourceQuota":
        obj["status"] = {"hard": dict(obj["spec"]["hard"]), "used": {"pods": "3"}}
    if obj["kind"] == "PodDisruptionBudget":
        obj["status"] = {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1}
    return obj


def _replace_strings(value: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _replace_strings(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, replacements) for v in value]
    if isinstance(value, str):
        return replacements.get(value, value)
    return value


def applies(result: Plan) -> dict[tuple[str, str], Obj]:
    found = {}
    for action in result.actions:
        if action.verb in ("create", "update"):
            assert action.body is not None
            found[(action.kind, action.name)] = action.body
    return found


def deletes(result: Plan) -> set[tuple[str, str]]:
    return {(a.kind, a.name) for a in result.actions if a.verb == "delete"}


def verbs(result: Plan) -> set[tuple[str, str, str]]:
    return {(a.verb, a.kind, a.name) for a in result.actions}


def assert_touches_only_ours(result: Plan, snapshot_objs: Iterable[Obj]) -> None:
    """No action names an existing object that lacks our managed-by label."""
    theirs = {
        (o["kind"], o["metadata"]["name"])
        for o in snapshot_objs
        if o["kind"] in {*SINGLETONS, "PodDisruptionBudget"} and not is_managed(o)
    }
    touched = {(a.kind, a.name) for a in result.actions}
    assert not touched & theirs


def settle(
    *workloads: Obj,
    baseline: Mapping[str, Any] | None = None,
    canonical: Mapping[str, str] | None = None,
    extra_labels: Mapping[str, str] | None = None,
    extra_annotations: Mapping[str, str] | None = None,
) -> tuple[Plan, Plan]:
    """Enforces on a namespace of ``workloads``, then plans again with what was applied live."""
    first = plan(*workloads, baseline=baseline)
    live = [
        served(
            body,
            canonical=canonical,
            extra_labels=extra_labels,
            extra_annotations=extra_annotations,
        )
        for body in applies(first).values()
    ]
    return first, plan(*workloads, *live, baseline=baseline)


# --- Enforce on an empty namespace -------------------------------------------------------------


def test_enforce_on_an_empty_namespace_applies_the_three_namespace_objects() -> None:
    """NetworkPolicy, LimitRange and ResourceQuota are applied, nothing deleted, all Managed."""
    result = plan()

    assert verbs(result) == {("create", kind, name) for kind, name in SINGLETONS.items()}
    assert result.state == BaselineState(State.MANAGED, State.MANAGED, State.MANAGED, 0, 0)
    assert result.problems == ()
    for action in result.actions:
        assert action.namespace == NAMESPACE
        assert action.body is not None
        assert action.body["metadata"]["namespace"] == NAMESPACE
        assert action.body["metadata"]["name"] == action.name
        assert action.body["kind"] == action.kind


def test_network_policy_denies_all_ingress_and_egress_but_dns_to_kube_dns() -> None:
    body = applies(plan())[("NetworkPolicy", NETWORK_POLICY_NAME)]

    assert body["apiVersion"] == "networking.k8s.io/v1"
    spec = body["spec"]
    assert spec["podSelector"] == {}
    assert sorted(spec["policyTypes"]) == ["Egress", "Ingress"]
    assert not spec.get("ingress")
    [rule] = spec["egress"]
    [peer] = rule["to"]
    assert peer["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    assert peer["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
    }
    assert sorted((p["protocol"], p["port"]) for p in rule["ports"]) == [("TCP", 53), ("UDP", 53)]


def test_network_policy_without_allow_dns_has_no_egress_rule_at_all() -> None:
    """Egress stays in policyTypes, so with no rule every outbound connection is denied."""
    body = applies(plan(baseline={"networkPolicy": {"allowDNS": False}}))[
        ("NetworkPolicy", NETWORK_POLICY_NAME)
    ]

    assert sorted(body["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert not body["spec"].get("egress")
    assert not body["spec"].get("ingress")


def test_limit_range_carries_the_policy_defaults_for_containers() -> None:
    baseline = {
        "limitRange": {
            "defaultRequest": {"cpu": "250m", "memory": "256Mi"},
            "default": {"cpu": "1", "memory": "1Gi"},
            "max": {"cpu": "2", "memory": "2Gi"},
        }
    }
    body = applies(plan(baseline=baseline))[("LimitRange", LIMIT_RANGE_NAME)]

    assert body["apiVersion"] == "v1"
    assert body["spec"]["limits"] == [
        {
            "type": "Container",
            "defaultRequest": {"cpu": "250m", "memory": "256Mi"},
            "default": {"cpu": "1", "memory": "1Gi"},
            "max": {"cpu": "2", "memory": "2Gi"},
        }
    ]


def test_limit_range_with_policy_defaults_has_no_max() -> None:
    body = applies(plan())[("LimitRange", LIMIT_RANGE_NAME)]

    assert body["spec"]["limits"] == [
        {
            "type": "Container",
            "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
            "default": {"cpu": "500m", "memory": "512Mi"},
        }
    ]


def test_limit_range_is_sent_in_the_form_the_api_server_stores() -> None:
    """A request the policy leaves out comes from the default limit, a limit from max.

    That is the API server's own defaulting; sending it already filled in is
    what lets the next pass see the object as unchanged.
    """
    baseline = {
        "limitRange": {
            "defaultRequest": {"cpu": "100m"},
            "default": {"cpu": "500m", "memory": "512Mi"},
            "max": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "2Gi"},
        }
    }
    [limit] = applies(plan(baseline=baseline))[("LimitRange", LIMIT_RANGE_NAME)]["spec"]["limits"]

    assert limit["default"] == {"cpu": "500m", "memory": "512Mi", "ephemeral-storage": "2Gi"}
    assert limit["defaultRequest"] == {
        "cpu": "100m",
        "memory": "512Mi",
        "ephemeral-storage": "2Gi",
    }
    assert limit == server_defaulted_limit_range({"limits": [limit]})["limits"][0]


def test_resource_quota_carries_the_policy_hard_limits() -> None:
    hard = {"requests.cpu": "4", "limits.memory": "8Gi", "pods": "50", "services": "5"}
    body = applies(plan(baseline={"resourceQuota": {"hard": hard}}))[
        ("ResourceQuota", RESOURCE_QUOTA_NAME)
    ]

    assert body["apiVersion"] == "v1"
    assert body["spec"] == {"hard": hard}


def test_every_applied_object_carries_our_marks_and_nothing_else() -> None:
    """managed-by label plus policy annotation; nothing from the policy or the workload.

    GitOps tools track what they deployed by labels and annotations; copying
    theirs onto generated objects would make them prune or adopt ours.
    """
    policy = parse_policy(
        {
            "apiVersion": "akschecklist.io/v1alpha1",
            "kind": "AksChecklistPolicy",
            "metadata": {
                "name": "platform",
                "labels": {
                    "app.kubernetes.io/instance": "platform-policies",
                    "argocd.argoproj.io/instance": "platform",
                    "kustomize.toolkit.fluxcd.io/name": "platform",
                },
                "annotations": {
                    "argocd.argoproj.io/tracking-id": "platform:akschecklist.io/AksChecklistPolicy",
                    "kubectl.kubernetes.io/last-applied-configuration": "{}",
                },
            },
            "spec": {"enforcement": "Enforce"},
        }
    )
    tracked = deployment(
        "web",
        replicas=3,
        labels={"app.kubernetes.io/instance": "shop", "kustomize.toolkit.fluxcd.io/name": "shop"},
        annotations={"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/web"},
    )
    result = plan_namespace(policy, ns(tracked), enforce=True)

    bodies = applies(result)
    assert {kind for kind, _ in bodies} == {*SINGLETONS, "PodDisruptionBudget"}
    for body in bodies.values():
        assert body["metadata"]["labels"] == {MANAGED_BY_LABEL: MANAGED_BY_VALUE}
        assert body["metadata"]["annotations"] == {POLICY_ANNOTATION: "platform"}
        assert is_managed(body)
        assert managing_policy(body) == "platform"


def test_marks_constants_are_the_public_names() -> None:
    assert (MANAGED_BY_LABEL, MANAGED_BY_VALUE, POLICY_ANNOTATION) == (
        "app.kubernetes.io/managed-by",
        "aks-checklist-operator",
        "akschecklist.io/policy",
    )


@pytest.mark.parametrize(
    ("labels", "annotations", "expected"),
    [
        pytest.param(OUR_LABELS, {POLICY_ANNOTATION: "p"}, "p", id="ours"),
        pytest.param(OUR_LABELS, {}, None, id="ours-without-policy"),
        pytest.param({MANAGED_BY_LABEL: "Helm"}, {POLICY_ANNOTATION: "p"}, None, id="helm"),
        pytest.param({}, {POLICY_ANNOTATION: "p"}, None, id="annotation-only-is-not-ours"),
    ],
)
def test_managing_policy_is_read_only_from_labelled_objects(
    labels: dict[str, str], annotations: dict[str, str], expected: str | None
) -> None:
    obj = {"kind": "LimitRange", "metadata": {"labels": labels, "annotations": annotations}}
    assert managing_policy(obj) == expected


# --- Audit ---------------------------------------------------------------------------------------


def test_audit_of_an_empty_namespace_plans_nothing_and_reports_missing() -> None:
    result = plan(deployment("web", replicas=3), enforce=False)

    assert result.actions == ()
    assert result.state == BaselineState(State.MISSING, State.MISSING, State.MISSING, 0, 1)


def test_audit_reports_managed_and_external_objects_as_found() -> None:
    objs = [
        managed("NetworkPolicy", NETWORK_POLICY_NAME, {"podSelector": {}}),
        limitrange("team-limits", default={"cpu": "1"}),
    ]
    result = plan(*objs, enforce=False)

    assert result.actions == ()
    assert result.state.network_policy is State.MANAGED
    assert result.state.limit_range is State.EXTERNAL
    assert result.state.resource_quota is State.MISSING


@pytest.mark.parametrize(
    ("objs", "baseline"),
    [
        pytest.param(
            [managed("NetworkPolicy", NETWORK_POLICY_NAME, {"podSelector": {"matchLabels": {}}})],
            None,
            id="drifted-network-policy",
        ),
        pytest.param(
            [managed("ResourceQuota", RESOURCE_QUOTA_NAME, {"hard": {"pods": "1"}}, policy="old")],
            None,
            id="object-of-another-policy",
        ),
        pytest.param(
            [managed("LimitRange", LIMIT_RANGE_NAME, {"limits": []}), limitrange("theirs")],
            None,
            id="ours-beside-a-user-limit-range",
        ),
        pytest.param(
            [managed("ResourceQuota", RESOURCE_QUOTA_NAME, {"hard": {}})],
            {"resourceQuota": {"enabled": False}},
            id="ours-while-disabled",
        ),
        pytest.param(
            [managed("PodDisruptionBudget", "aks-checklist-deployment-gone", {})],
            None,
            id="orphaned-pdb",
        ),
        pytest.param(
            [deployment("web", replicas=5), pdb("web-pdb", match_labels={"app": "web"})],
            None,
            id="workloads-needing-budgets",
        ),
    ],
)
def test_audit_never_plans_a_write(objs: list[Obj], baseline: dict[str, Any] | None) -> None:
    """Whatever Enforce would repair, Audit only reports."""
    assert plan(*objs, baseline=baseline, enforce=True).actions  # Enforce would act here
    assert plan(*objs, baseline=baseline, enforce=False).actions == ()


def test_audit_counts_only_budgets_that_exist() -> None:
    """In Audit a workload is covered by a user budget or by one of ours that is live."""
    web, api, db = (deployment(n, replicas=3) for n in ("web", "api", "db"))
    web_workload = Workload(obj=web, ref=ns(web).ref(web))
    ours = managed(
        "PodDisruptionBudget",
        pdb_name(web_workload),
        {"selector": {"matchLabels": {"app": "web"}}, "maxUnavailable": 1},
    )
    result = plan(web, api, db, ours, pdb("api-pdb", match_labels={"app": "api"}), enforce=False)

    assert result.actions == ()
    assert (result.state.pdbs_covered, result.state.pdbs_needed) == (2, 3)


# --- No spurious writes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "baseline",
    [
        pytest.param(None, id="policy-defaults"),
        pytest.param({"networkPolicy": {"allowDNS": False}}, id="no-dns"),
        pytest.param(
            {
                "limitRange": {
                    "defaultRequest": {"cpu": "100m"},
                    "default": {"cpu": "500m"},
                    "max": {"cpu": "2", "memory": "2Gi"},
                }
            },
            id="limit-range-the-server-fills-in",
        ),
        pytest.param(
            {"podDisruptionBudget": {"maxUnavailable": "25%", "minReplicas": 3}},
            id="percent-budget",
        ),
    ],
)
def test_a_namespace_holding_the_baseline_needs_no_write(baseline: dict[str, Any] | None) -> None:
    """Apply once, read back what the server stored, plan again: nothing to do."""
    workloads = [
        with_uid(deployment("web", replicas=3), "uid-web"),
        with_uid(statefulset("db", replicas=3), "uid-db"),
    ]
    first, second = settle(*workloads, baseline=baseline)

    assert first.actions
    assert second.actions == ()
    assert second.state == BaselineState(
        State.MANAGED, State.MANAGED, State.MANAGED, pdbs_covered=2, pdbs_needed=2
    )


def test_quantities_the_api_server_canonicalised_are_not_drift() -> None:
    """``1000m`` comes back as ``1``, ``1024Mi`` as ``1Gi``, ``0.5`` as ``500m``."""
    baseline = {
        "limitRange": {
            "defaultRequest": {"cpu": "0.5", "memory": "1024Mi"},
            "default": {"cpu": "1000m", "memory": "2048Mi"},
        },
        "resourceQuota": {"hard": {"requests.cpu": "4000m", "limits.memory": "32768Mi"}},
    }
    canonical = {
        "0.5": "500m",
        "1024Mi": "1Gi",
        "1000m": "1",
        "2048Mi": "2Gi",
        "4000m": "4",
        "32768Mi": "32Gi",
    }
    first, second = settle(baseline=baseline, canonical=canonical)

    live_quota = served(applies(first)[("ResourceQuota", RESOURCE_QUOTA_NAME)], canonical=canonical)
    assert live_quota["spec"]["hard"] == {"requests.cpu": "4", "limits.memory": "32Gi"}
    assert second.actions == ()


def test_labels_annotations_and_metadata_added_by_others_are_not_drift() -> None:
    first, second = settle(
        with_uid(deployment("web", replicas=2), "uid-web"),
        extra_labels={"team": "payments", "argocd.argoproj.io/instance": "shop"},
        extra_annotations={"kubectl.kubernetes.io/last-applied-configuration": "{}"},
    )

    assert len(first.actions) == 4
    assert second.actions == ()


def test_in_place_ignores_status_and_server_metadata_but_not_missing_marks() -> None:
    desired = applies(plan())[("ResourceQuota", RESOURCE_QUOTA_NAME)]
    live = served(desired)

    assert in_place(desired, live)
    del live["metadata"]["annotations"][POLICY_ANNOTATION]
    assert not in_place(desired, live)


# --- Drift ---------------------------------------------------------------------------------------


def _settled_live(kind: str, baseline: Mapping[str, Any] | None = None) -> Obj:
    """Our object of ``kind`` as the server holds it after a clean apply."""
    workloads = [with_uid(deployment("web", replicas=3), "uid-web")]
    first = plan(*workloads, baseline=baseline)
    [body] = [b for (k, _), b in applies(first).items() if k == kind]
    return served(body)


@pytest.mark.parametrize(
    ("kind", "edit"),
    [
        pytest.param(
            "NetworkPolicy",
            lambda o: o["spec"].update(egress=[{}]),
            id="network-policy-egress-opened",
        ),
        pytest.param(
            "NetworkPolicy",
            lambda o: o["spec"].update(policyTypes=["Ingress"]),
            id="network-policy-egress-type-dropped",
        ),
        pytest.param(
            "NetworkPolicy",
            lambda o: o["spec"]["egress"][0]["ports"][0].update(protocol="SCTP"),
            id="network-policy-dns-protocol-changed",
        ),
        pytest.param(
            "NetworkPolicy",
            lambda o: o["spec"].update(podSelector={"matchLabels": {"app": "web"}}),
            id="network-policy-narrowed",
        ),
        pytest.param(
            "LimitRange",
            lambda o: o["spec"]["limits"][0]["default"].update(cpu="4"),
            id="limit-range-default-raised",
        ),
        pytest.param(
            "LimitRange",
            lambda o: o["spec"]["limits"][0].update(type="Pod"),
            id="limit-range-type-changed",
        ),
        pytest.param(
            "ResourceQuota",
            lambda o: o["spec"]["hard"].update(pods="10000"),
            id="quota-raised",
        ),
        pytest.param(
            "ResourceQuota",
            lambda o: o["spec"]["hard"].pop("limits.memory"),
            id="quota-entry-removed",
        ),
        pytest.param(
            "ResourceQuota",
            lambda o: o["spec"]["hard"].update({"count/secrets": "5"}),
            id="quota-entry-added",
        ),
        pytest.param(
            "PodDisruptionBudget",
            lambda o: o["spec"].update(maxUnavailable=0),
            id="pdb-blocks-evictions",
        ),
        pytest.param(
            "PodDisruptionBudget",
            lambda o: o["spec"].update(selector={"matchLabels": {"app": "other"}}),
            id="pdb-selector-changed",
        ),
        pytest.param(
            "PodDisruptionBudget",
            lambda o: o["metadata"].pop("ownerReferences"),
            id="pdb-owner-removed",
        ),
        pytest.param(
            "PodDisruptionBudget",
            lambda o: o["metadata"]["annotations"].pop(POLICY_ANNOTATION),
            id="policy-annotation-removed",
        ),
    ],
)
def test_a_drifted_managed_object_is_applied_again(kind: str, edit: Any) -> None:
    live = _settled_live(kind)
    edit(live)
    workloads = [with_uid(deployment("web", replicas=3), "uid-web")]
    others = [served(b) for (k, _), b in applies(plan(*workloads)).items() if k != kind]

    result = plan(*workloads, *others, live)

    [action] = result.actions
    assert (action.verb, action.kind, action.name) == ("update", kind, live["metadata"]["name"])
    assert action.uid == live["metadata"]["uid"]
    assert action.body == applies(plan(*workloads))[(kind, live["metadata"]["name"])]


def test_a_percentage_budget_changed_in_the_policy_is_applied() -> None:
    """Two budgets that are not quantities ("25%", "50%") are compared, not parsed."""
    live = _settled_live("PodDisruptionBudget", {"podDisruptionBudget": {"maxUnavailable": "50%"}})
    workload = with_uid(deployment("web", replicas=3), "uid-web")

    result = plan(workload, live, baseline={"podDisruptionBudget": {"maxUnavailable": "25%"}})

    [body] = [b for (k, _), b in applies(result).items() if k == "PodDisruptionBudget"]
    assert body["spec"]["maxUnavailable"] == "25%"


@pytest.mark.parametrize("kind", sorted(SINGLETONS))
def test_a_deleted_managed_object_is_recreated(kind: str) -> None:
    live = [_settled_live(k) for k in SINGLETONS if k != kind]

    result = plan(*live)

    assert verbs(result) == {("create", kind, SINGLETONS[kind])}


@pytest.mark.parametrize("kind", [*sorted(SINGLETONS), "PodDisruptionBudget"])
def test_an_object_of_another_policy_is_taken_over(kind: str) -> None:
    """Same spec, other policy's annotation: applied so the annotation names this policy."""
    live = _settled_live(kind)
    live["metadata"]["annotations"][POLICY_ANNOTATION] = "retired-policy"
    workloads = [with_uid(deployment("web", replicas=3), "uid-web")]
    others = [served(b) for (k, _), b in applies(plan(*workloads)).items() if k != kind]

    result = plan(*workloads, *others, live)

    [action] = result.actions
    assert (action.verb, action.kind) == ("update", kind)
    assert action.body is not None
    assert managing_policy(action.body) == POLICY
    if kind in PARTS:
        assert getattr(result.state, PARTS[kind][1]) is State.MANAGED


def test_an_object_whose_managed_by_label_was_removed_belongs_to_the_user() -> None:
    """Taking our label off hands the object over: never written again, ours not recreated."""
    live = _settled_live("LimitRange")
    del live["metadata"]["labels"][MANAGED_BY_LABEL]

    result = plan(live)

    assert result.state.limit_range is State.EXTERNAL
    assert not {(k, n) for _, k, n in verbs(result)} & {("LimitRange", LIMIT_RANGE_NAME)}


# --- Bring your own ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "user_object"),
    [
        pytest.param("LimitRange", limitrange("team-limits", default={"cpu": "2"}), id="limit"),
        pytest.param("ResourceQuota", resourcequota("team-quota"), id="quota"),
        pytest.param(
            "LimitRange",
            limitrange(LIMIT_RANGE_NAME, default={"cpu": "2"}),
            id="limit-range-with-our-name",
        ),
    ],
)
def test_a_user_limit_range_or_quota_replaces_ours(kind: str, user_object: Obj) -> None:
    result = plan(user_object)

    assert not any(k == kind and v != "delete" for v, k, _ in verbs(result))
    assert getattr(result.state, PARTS[kind][1]) is State.EXTERNAL
    assert_touches_only_ours(result, [user_object])


@pytest.mark.parametrize("kind", ["LimitRange", "ResourceQuota"])
def test_ours_is_deleted_once_the_user_brings_their_own(kind: str) -> None:
    ours = _settled_live(kind)
    theirs = limitrange("team") if kind == "LimitRange" else resourcequota("team")

    result = plan(ours, theirs)

    deleted = [a for a in result.actions if a.verb == "delete"]
    assert [(a.kind, a.name) for a in deleted] == [(kind, SINGLETONS[kind])]
    # The uid makes the delete conditional on the very object we judged to be ours.
    assert deleted[0].uid == ours["metadata"]["uid"]
    assert_touches_only_ours(result, [ours, theirs])


@pytest.mark.parametrize(
    "user_policy",
    [
        pytest.param(
            networkpolicy(NETWORK_POLICY_NAME, policy_types=["Ingress"], ingress=[{}]),
            id="same-name-allowing-everything",
        ),
        pytest.param(networkpolicy(NETWORK_POLICY_NAME), id="same-name-deny-all"),
        pytest.param(networkpolicy("deny-all"), id="deny-all"),
        pytest.param(
            networkpolicy(
                "deny-all-but-dns",
                egress=[{"ports": DNS_PORTS}],
            ),
            id="deny-all-but-dns",
        ),
    ],
)
def test_a_user_network_policy_playing_our_role_is_external_and_never_touched(
    user_policy: Obj,
) -> None:
    result = plan(user_policy)

    assert result.state.network_policy is State.EXTERNAL
    assert not any(a.kind == "NetworkPolicy" for a in result.actions)
    assert_touches_only_ours(result, [user_policy])


@pytest.mark.parametrize(
    "user_policy",
    [
        pytest.param(
            networkpolicy("web-only", pod_selector={"matchLabels": {"app": "web"}}),
            id="selects-some-pods",
        ),
        pytest.param(networkpolicy("ingress-only", policy_types=["Ingress"]), id="ingress-only"),
        pytest.param(networkpolicy("allow-egress", egress=[{}]), id="egress-open"),
        pytest.param(
            networkpolicy("allow-https", egress=[{"ports": [{"protocol": "TCP", "port": 443}]}]),
            id="egress-beyond-dns",
        ),
        pytest.param(networkpolicy("allow-ingress", ingress=[{}]), id="ingress-open"),
    ],
)
def test_a_user_network_policy_that_is_not_default_deny_does_not_replace_ours(
    user_policy: Obj,
) -> None:
    result = plan(user_policy)

    assert ("create", "NetworkPolicy", NETWORK_POLICY_NAME) in verbs(result)
    assert result.state.network_policy is State.MANAGED
    assert_touches_only_ours(result, [user_policy])


def test_ours_is_deleted_when_a_user_default_deny_network_policy_appears() -> None:
    ours, theirs = _settled_live("NetworkPolicy"), networkpolicy("deny-all")

    result = plan(ours, theirs)

    assert verbs(result) >= {("delete", "NetworkPolicy", NETWORK_POLICY_NAME)}
    assert result.state.network_policy is State.EXTERNAL
    assert_touches_only_ours(result, [ours, theirs])


# --- Disabled parts ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SINGLETONS))
def test_a_disabled_part_is_not_created_and_reported_disabled(kind: str) -> None:
    field_name, attribute = PARTS[kind]

    result = plan(baseline={field_name: {"enabled": False}})

    assert not any(a.kind == kind for a in result.actions)
    assert getattr(result.state, attribute) is State.DISABLED
    assert len(result.actions) == 2


@pytest.mark.parametrize("kind", sorted(SINGLETONS))
@pytest.mark.parametrize("enforce", [True, False], ids=["enforce", "audit"])
def test_a_disabled_part_that_exists_is_deleted_only_when_enforcing(
    kind: str, enforce: bool
) -> None:
    field_name, attribute = PARTS[kind]
    ours = _settled_live(kind)

    result = plan(ours, baseline={field_name: {"enabled": False}}, enforce=enforce)

    assert getattr(result.state, attribute) is State.DISABLED
    deleted = [(a.kind, a.name, a.uid) for a in result.actions if a.verb == "delete"]
    expected = [(kind, SINGLETONS[kind], ours["metadata"]["uid"])] if enforce else []
    assert deleted == expected


def test_disabled_budgets_are_removed_and_none_created() -> None:
    web = with_uid(deployment("web", replicas=3), "uid-web")
    ours = _settled_live("PodDisruptionBudget")

    result = plan(web, ours, baseline={"podDisruptionBudget": {"enabled": False}})

    assert not any(a.kind == "PodDisruptionBudget" and a.verb != "delete" for a in result.actions)
    assert deletes(result) == {("PodDisruptionBudget", ours["metadata"]["name"])}
    assert (result.state.pdbs_covered, result.state.pdbs_needed) == (0, 1)


@pytest.mark.parametrize(
    ("state", "summary"),
    [
        pytest.param(
            BaselineState(State.MANAGED, State.EXTERNAL, State.MANAGED, 3, 3),
            "3/3 PDB 3/3",
            id="all-in-place",
        ),
        pytest.param(
            BaselineState(State.MISSING, State.EXTERNAL, State.DISABLED, 1, 4),
            "1/2 PDB 1/4",
            id="missing-and-disabled",
        ),
        pytest.param(
            BaselineState(State.DISABLED, State.DISABLED, State.DISABLED, 0, 0),
            "0/0 PDB 0/0",
            id="all-disabled",
        ),
    ],
)
def test_baseline_state_summarises_for_the_printer_column(
    state: BaselineState, summary: str
) -> None:
    assert state.summary == summary
    assert state.as_status() == {
        "summary": summary,
        "networkPolicy": state.network_policy.value,
        "limitRange": state.limit_range.value,
        "resourceQuota": state.resource_quota.value,
        "podDisruptionBudgets": f"{state.pdbs_covered}/{state.pdbs_needed}",
    }


# --- PodDisruptionBudgets ------------------------------------------------------------------------


def pdb_actions(result: Plan) -> list[Action]:
    return [a for a in result.actions if a.kind == "PodDisruptionBudget"]


@pytest.mark.parametrize(
    ("replicas", "min_replicas", "wanted"),
    [
        pytest.param(None, 2, False, id="replicas-absent-means-one"),
        pytest.param(0, 2, False, id="scaled-to-zero"),
        pytest.param(1, 2, False, id="one-replica"),
        pytest.param(2, 2, True, id="at-min-replicas"),
        pytest.param(3, 2, True, id="above-min-replicas"),
        pytest.param(2, 3, False, id="below-a-raised-floor"),
        pytest.param(1, 1, True, id="floor-of-one"),
    ],
)
def test_a_deployment_gets_a_budget_once_its_replicas_reach_min_replicas(
    replicas: int | None, min_replicas: int, wanted: bool
) -> None:
    result = plan(
        deployment("web", replicas=replicas),
        baseline={"podDisruptionBudget": {"minReplicas": min_replicas}},
    )

    assert bool(pdb_actions(result)) is wanted
    assert (result.state.pdbs_covered, result.state.pdbs_needed) == (int(wanted), int(wanted))


@pytest.mark.parametrize("max_unavailable", [1, 2, "25%"])
def test_the_budget_copies_the_workload_selector_and_is_owned_by_it(
    max_unavailable: int | str,
) -> None:
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}],
    }
    labels = {"app": "web", "tier": "front"}
    web = deployment("web", replicas=3, selector=selector, pod_labels=labels)

    result = plan(web, baseline={"podDisruptionBudget": {"maxUnavailable": max_unavailable}})

    [action] = pdb_actions(result)
    assert action.verb == "create"
    assert action.name == "aks-checklist-deployment-web"
    body = action.body
    assert body is not None
    assert body["apiVersion"] == "policy/v1"
    assert body["spec"] == {"selector": selector, "maxUnavailable": max_unavailable}
    assert body["metadata"]["ownerReferences"] == [
        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": uid_of(web)}
    ]
    assert body["metadata"]["labels"] == {MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    assert body["metadata"]["annotations"] == {POLICY_ANNOTATION: POLICY}


def test_the_budget_selector_is_a_copy_not_the_workload_object() -> None:
    """Whoever sends the body may rewrite it without changing the snapshot's workload."""
    snapshot = ns(deployment("web", replicas=3))
    result = plan_namespace(make_policy(), snapshot, enforce=True)
    [action] = pdb_actions(result)
    assert action.body is not None

    action.body["spec"]["selector"]["matchLabels"]["app"] = "changed"

    assert snapshot.workloads[0].selector == {"matchLabels": {"app": "web"}}


def test_a_statefulset_gets_its_own_budget() -> None:
    db = statefulset("db", replicas=3)

    result = plan(db)

    [action] = pdb_actions(result)
    assert action.name == "aks-checklist-statefulset-db"
    assert action.body is not None
    assert action.body["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    assert action.body["spec"]["selector"] == {"matchLabels": {"app": "db"}}


def test_a_deployment_and_statefulset_of_one_name_get_distinct_budgets() -> None:
    result = plan(
        deployment("cache", replicas=3, pod_labels={"app": "cache", "role": "front"}),
        statefulset("cache", replicas=3, pod_labels={"app": "cache", "role": "store"}),
    )

    assert {a.name for a in pdb_actions(result)} == {
        "aks-checklist-deployment-cache",
        "aks-checklist-statefulset-cache",
    }


def test_a_workload_without_uid_gets_a_budget_without_owner() -> None:
    """Manifests on disk have no uid yet; an owner reference without one is invalid."""
    snapshot = Snapshot(namespace=NAMESPACE, objects=[deployment("web", replicas=3)])

    [action] = pdb_actions(plan_namespace(make_policy(), snapshot, enforce=True))

    assert action.body is not None
    assert "ownerReferences" not in action.body["metadata"]


@pytest.mark.parametrize(
    "workload",
    [
        pytest.param(daemonset("agent"), id="daemonset"),
        pytest.param(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {"name": "rs"},
                "spec": {
                    "replicas": 5,
                    "selector": {"matchLabels": {"app": "rs"}},
                    "template": {"metadata": {"labels": {"app": "rs"}}, "spec": {}},
                },
            },
            id="bare-replicaset",
        ),
        pytest.param(
            deployment("web", replicas=3, selector={"matchLabels": {"app": "elsewhere"}}),
            id="selector-missing-its-own-pods",
        ),
    ],
)
def test_only_deployments_and_statefulsets_selecting_their_pods_get_budgets(workload: Obj) -> None:
    result = plan(workload)

    assert pdb_actions(result) == []
    assert result.state.pdbs_needed == 0


@pytest.mark.parametrize(
    ("replicas", "min_replicas", "wanted"),
    [
        pytest.param(1, 2, True, id="hpa-floor-above-spec"),
        pytest.param(5, 1, False, id="hpa-floor-below-spec"),
        pytest.param(5, None, False, id="hpa-floor-defaults-to-one"),
        pytest.param(None, 3, True, id="hpa-on-deployment-without-replicas"),
    ],
)
def test_an_autoscaler_floor_decides_for_the_workload_it_targets(
    replicas: int | None, min_replicas: int | None, wanted: bool
) -> None:
    result = plan(deployment("web", replicas=replicas), hpa("web", min_replicas=min_replicas))

    assert bool(pdb_actions(result)) is wanted


def test_an_autoscaler_of_another_workload_does_not_count() -> None:
    result = plan(deployment("web", replicas=1), hpa("api", min_replicas=4))

    assert pdb_actions(result) == []


@pytest.mark.parametrize(
    "user_budget",
    [
        pytest.param(
            pdb("web-pdb", match_labels={"app": "web"}, min_available=1), id="same-labels"
        ),
        pytest.param(pdb("tier-pdb", match_labels={"tier": "front"}), id="broader-selector"),
        pytest.param(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "everything"},
                "spec": {"selector": {}, "maxUnavailable": 1},
            },
            id="empty-selector-covers-all",
        ),
    ],
)
def test_a_user_budget_covering_the_pods_means_none_of_ours(user_budget: Obj) -> None:
    web = deployment("web", replicas=3, pod_labels={"app": "web", "tier": "front"})

    result = plan(web, user_budget)

    assert pdb_actions(result) == []
    assert (result.state.pdbs_covered, result.state.pdbs_needed) == (1, 1)


def test_ours_is_deleted_when_a_user_budget_covers_the_workload() -> None:
    web = with_uid(deployment("web", replicas=3), "uid-web")
    ours, theirs = _settled_live("PodDisruptionBudget"), pdb("web-pdb", match_labels={"app": "web"})

    result = plan(web, ours, theirs)

    [action] = pdb_actions(result)
    assert (action.verb, action.name, action.uid) == (
        "delete",
        ours["metadata"]["name"],
        ours["metadata"]["uid"],
    )
    assert_touches_only_ours(result, [ours, theirs])


def test_a_user_budget_for_other_pods_does_not_replace_ours() -> None:
    result = plan(deployment("web", replicas=3), pdb("api-pdb", match_labels={"app": "api"}))

    assert [(a.verb, a.name) for a in pdb_actions(result)] == [
        ("create", "aks-checklist-deployment-web")
    ]


def test_a_user_budget_holding_our_name_is_never_written_over() -> None:
    """Same name, other pods: applying would take over someone else's object."""
    theirs = pdb("aks-checklist-deployment-web", match_labels={"app": "api"})

    result = plan(deployment("web", replicas=3), theirs)

    assert pdb_actions(result) == []
    assert (result.state.pdbs_covered, result.state.pdbs_needed) == (0, 1)
    [problem] = result.problems
    assert "aks-checklist-deployment-web" in problem
    assert "Deployment web" in problem
    assert_touches_only_ours(result, [theirs])


@pytest.mark.parametrize(
    "remaining",
    [
        pytest.param([], id="workload-deleted"),
        pytest.param([with_uid(deployment("web", replicas=1), "uid-web")], id="scaled-below"),
        pytest.param(
            [with_uid(deployment("web", replicas=3), "uid-web"), hpa("web", min_replicas=1)],
            id="autoscaler-floor-lowered",
        ),
    ],
)
def test_a_budget_whose_workload_no_longer_needs_it_is_deleted(remaining: list[Obj]) -> None:
    ours = _settled_live("PodDisruptionBudget")

    result = plan(*remaining, ours)

    assert [(a.verb, a.name, a.uid) for a in pdb_actions(result)] == [
        ("delete", ours["metadata"]["name"], ours["metadata"]["uid"])
    ]


def test_a_user_budget_is_never_deleted_even_without_a_workload() -> None:
    theirs = pdb("leftover", match_labels={"app": "gone"})

    assert pdb_actions(plan(theirs)) == []


def test_a_recreated_workload_gets_its_budget_reowned() -> None:
    """Same name, new uid: the budget must point at the new owner or the GC removes it."""
    ours = _settled_live("PodDisruptionBudget")
    recreated = with_uid(deployment("web", replicas=3), "uid-web-2")

    [action] = pdb_actions(plan(recreated, ours))

    assert action.verb == "update"
    assert action.body is not None
    assert action.body["metadata"]["ownerReferences"][0]["uid"] == "uid-web-2"


def test_budget_counts_add_up_over_a_mixed_namespace() -> None:
    """needed: workloads at the floor; covered: by a user budget or one of ours."""
    objs = [
        deployment("web", replicas=3),  # ours missing
        deployment("api", replicas=2),  # covered by the user's budget
        statefulset("db", replicas=3),  # ours missing
        deployment("worker", replicas=1),  # below the floor
        pdb("api-pdb", match_labels={"app": "api"}),
    ]

    audit, enforce = plan(*objs, enforce=False), plan(*objs)

    assert (audit.state.pdbs_covered, audit.state.pdbs_needed) == (1, 3)
    assert (enforce.state.pdbs_covered, enforce.state.pdbs_needed) == (3, 3)
    assert {a.name for a in pdb_actions(enforce)} == {
        "aks-checklist-deployment-web",
        "aks-checklist-statefulset-db",
    }


def _workload(obj: Obj) -> Workload:
    return ns(obj).workloads[0]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("w" * 253, id="longest-name"),
        pytest.param("a" * 216 + "." + "b" * 36, id="dot-where-the-name-is-cut"),
        pytest.param("a" * 215 + ".-" + "b" * 36, id="dot-dash-where-the-name-is-cut"),
        pytest.param("x" * 229, id="one-over-the-limit"),
    ],
)
def test_long_workload_names_give_a_valid_budget_name(name: str) -> None:
    budget = pdb_name(_workload(deployment(name)))

    assert len(budget) <= 253
    assert DNS_SUBDOMAIN.match(budget), budget
    assert budget.startswith("aks-checklist-deployment-")
    assert re.search(r"-[0-9a-f]{10}$", budget)


def test_a_name_that_fits_is_used_as_is() -> None:
    name = "x" * (253 - len("aks-checklist-deployment-"))

    assert pdb_name(_workload(deployment(name))) == f"aks-checklist-deployment-{name}"


def test_long_names_sharing_a_prefix_get_distinct_stable_budget_names() -> None:
    first, second = deployment("p" * 240 + "-one"), deployment("p" * 240 + "-two")

    assert pdb_name(_workload(first)) != pdb_name(_workload(second))
    assert pdb_name(_workload(first)) == pdb_name(_workload(copy.deepcopy(first)))


def test_a_long_named_workload_settles_without_further_writes() -> None:
    long_one = with_uid(deployment("w" * 253, replicas=3, pod_labels={"app": "long"}), "uid-long")

    first, second = settle(long_one)

    [action] = pdb_actions(first)
    assert len(action.name) <= 253
    assert second.actions == ()


# --- the snapshot a pass reports on ------------------------------------------------------------


def _quota_results(snapshot: Snapshot) -> set[str]:
    return {f.result.value for f in evaluate([snapshot]) if f.rule == "RES-05/resource-quota"}


def test_the_report_of_a_pass_judges_what_its_successful_writes_created() -> None:
    """A quota created in this pass counts in this pass's report; one refused does not."""
    snapshot = ns(deployment("web", replicas=3))
    result = plan_namespace(make_policy(), snapshot, enforce=True)

    after = applied(snapshot, [Outcome(action) for action in result.actions])

    assert {o["kind"] for o in after.objects} >= {"ResourceQuota", "PodDisruptionBudget"}
    assert _quota_results(snapshot) == {"Fail"}
    assert _quota_results(after) == {"Pass"}
    refused = [
        Outcome(a, error="refused") if a.kind == "ResourceQuota" else Outcome(a)
        for a in result.actions
    ]
    assert _quota_results(applied(snapshot, refused)) == {"Fail"}


def test_a_successful_delete_leaves_the_object_out_of_the_report() -> None:
    ours = _settled_live("LimitRange")
    snapshot = ns(ours)
    result = plan_namespace(make_policy({"limitRange": {"enabled": False}}), snapshot, enforce=True)
    deletes = [a for a in result.actions if a.verb == "delete"]
    assert [a.kind for a in deletes] == ["LimitRange"]

    after = applied(snapshot, [Outcome(a) for a in deletes])

    assert not any(o["kind"] == "LimitRange" for o in after.objects)
    assert applied(snapshot, []) is snapshot
