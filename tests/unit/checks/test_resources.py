"""Resource-management rules: quotas, LimitRanges and PodDisruptionBudgets."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import resources
from aks_checklist.checks.model import Finding, Result
from tests.unit.checks.builders import (
    NAMESPACE,
    daemonset,
    deployment,
    hpa,
    limitrange,
    namespace,
    owner_reference,
    pdb,
    pod,
    run,
    scaled_object,
    statefulset,
)

Obj = dict[str, Any]


def resourcequota(name: str = "quota") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"hard": {"requests.cpu": "8"}},
    }


def legacy_pdb(name: str = "web", selector: Obj | None = None, **spec: Any) -> Obj:
    """A policy/v1beta1 PDB with the selector given verbatim."""
    obj = pdb(name, **spec)
    obj["apiVersion"] = "policy/v1beta1"
    obj["spec"]["selector"] = selector
    return obj


def with_selector(obj: Obj, selector: Any) -> Obj:
    obj["spec"]["selector"] = selector
    return obj


def findings(*objs: Obj, rule: str, complete: bool = False) -> list[Finding]:
    return run(resources.check, *objs, rule=rule, complete=complete)


def only(found: list[Finding]) -> Finding:
    assert len(found) == 1, found
    return found[0]


# --- RES-05 / RES-06 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "kind", "make"),
    [
        pytest.param("RES-05/resource-quota", "ResourceQuota", resourcequota, id="quota"),
        pytest.param("RES-06/limit-range", "LimitRange", limitrange, id="limitrange"),
    ],
)
class TestNamespaceObjects:
    def test_passes_when_the_namespace_has_one(self, rule: str, kind: str, make: Any) -> None:
        finding = only(findings(namespace(), make(), rule=rule))
        assert finding.result is Result.PASS
        assert kind in finding.message
        assert finding.object is not None
        assert (finding.object.kind, finding.object.name) == ("Namespace", NAMESPACE)

    def test_fails_when_the_namespace_has_none(self, rule: str, kind: str, make: Any) -> None:
        finding = only(findings(namespace(), deployment(), rule=rule))
        assert finding.result is Result.FAIL
        assert f"no {kind}" in finding.message

    def test_fails_on_a_complete_snapshot_without_namespace_object(
        self, rule: str, kind: str, make: Any
    ) -> None:
        assert only(findings(deployment(), rule=rule, complete=True)).result is Result.FAIL

    def test_not_applicable_when_the_namespace_is_not_scanned(
        self, rule: str, kind: str, make: Any
    ) -> None:
        finding = only(findings(deployment(), rule=rule))
        assert finding.result is Result.NOT_APPLICABLE
        assert "not in the scanned set" in finding.message


# --- RES-08/pdb-exists -------------------------------------------------------------------

EXISTS = "RES-08/pdb-exists"


@pytest.mark.parametrize(
    ("objs", "result"),
    [
        pytest.param([deployment(replicas=2), pdb(max_unavailable=1)], Result.PASS, id="covered"),
        pytest.param(
            [statefulset("db", replicas=3), pdb("db", max_unavailable=1)],
            Result.PASS,
            id="statefulset-covered",
        ),
        pytest.param([deployment(replicas=2)], Result.FAIL, id="no-pdb"),
        pytest.param(
            [deployment(replicas=2), pdb(match_labels={"app": "api"}, max_unavailable=1)],
            Result.FAIL,
            id="pdb-selects-other-pods",
        ),
        pytest.param(
            [deployment(replicas=2), pdb(max_unavailable=1, namespace="other")],
            Result.FAIL,
            id="pdb-in-other-namespace",
        ),
        pytest.param(
            [
                deployment(replicas=2, pod_labels={"app": "web", "tier": "front"}),
                pdb(match_labels={"tier": "front"}, max_unavailable=1),
            ],
            Result.PASS,
            id="subset-of-pod-labels",
        ),
        pytest.param(
            [
                deployment(replicas=2),
                with_selector(
                    pdb(max_unavailable=1),
                    {
                        "matchExpressions": [
                            {"key": "app", "operator": "In", "values": ["web", "api"]}
                        ]
                    },
                ),
            ],
            Result.PASS,
            id="match-expressions",
        ),
        pytest.param(
            [deployment(replicas=2), with_selector(pdb(max_unavailable=1), {})],
            Result.PASS,
            id="v1-empty-selector-selects-all",
        ),
        pytest.param(
            [deployment(replicas=2), legacy_pdb(selector={}, max_unavailable=1)],
            Result.FAIL,
            id="v1beta1-empty-selector-selects-none",
        ),
        pytest.param(
            [deployment(replicas=2), legacy_pdb(selector={"matchLabels": {}}, max_unavailable=1)],
            Result.FAIL,
            id="v1beta1-empty-match-labels-selects-none",
        ),
        pytest.param(
            [
                deployment(replicas=2),
                legacy_pdb(selector={"matchLabels": {"app": "web"}}, max_unavailable=1),
            ],
            Result.PASS,
            id="v1beta1-with-labels",
        ),
        pytest.param(
            [deployment(replicas=2), with_selector(pdb(max_unavailable=1), None)],
            Result.FAIL,
            id="missing-selector-selects-none",
        ),
        pytest.param(
            [
                deployment(replicas=2),
                with_selector(
                    pdb(max_unavailable=1),
                    {
                        "matchExpressions": [
                            {
                                "key": "pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match",
                                "operator": "Exists",
                            }
                        ]
                    },
                ),
            ],
            Result.FAIL,
            id="converted-v1beta1-match-none",
        ),
        pytest.param(
            [deployment(replicas=1), hpa(min_replicas=3), pdb(max_unavailable=1)],
            Result.PASS,
            id="hpa-floor-raises-replicas",
        ),
        pytest.param(
            [deployment(replicas=1), hpa(min_replicas=2)], Result.FAIL, id="hpa-floor-needs-pdb"
        ),
    ],
)
def test_pdb_exists(objs: list[Obj], result: Result) -> None:
    """A PDB counts only when it is in the namespace and selects the pod template's labels."""
    finding = only(findings(*objs, rule=EXISTS))
    assert finding.result is result


@pytest.mark.parametrize(
    ("objs", "reason"),
    [
        pytest.param(
            [deployment()], "sets no spec.replicas, which defaults to 1", id="replicas-absent"
        ),
        pytest.param([deployment(replicas=1)], "runs 1 replica", id="one-replica"),
        pytest.param([deployment(replicas=0)], "runs 0 replicas", id="scaled-to-zero"),
        pytest.param(
            [deployment(replicas=5), hpa()],
            "scales down to 1 (its autoscaler's minimum)",
            id="hpa-min-defaults-to-1",
        ),
        pytest.param(
            [deployment(replicas=5), hpa(min_replicas=1)],
            "scales down to 1 (its autoscaler's minimum)",
            id="hpa-min-1",
        ),
        pytest.param(
            [deployment(replicas=5), scaled_object()],
            "scales down to 0 (its autoscaler's minimum)",
            id="keda-min-defaults-to-0",
        ),
    ],
)
def test_pdb_exists_is_not_applicable_below_two_replicas_and_says_why(
    objs: list[Obj], reason: str
) -> None:
    finding = only(findings(*objs, rule=EXISTS))
    assert finding.result is Result.NOT_APPLICABLE
    assert finding.message.startswith(f"{finding.object} {reason}: ")
    assert finding.message.endswith("only asked of workloads with at least 2 replicas")


@pytest.mark.parametrize(
    "objs",
    [
        pytest.param([daemonset()], id="daemonset"),
        pytest.param([pod(labels={"app": "web"})], id="bare-pod"),
    ],
)
def test_pdb_exists_does_not_judge_kinds_without_replicas(objs: list[Obj]) -> None:
    assert findings(*objs, rule=EXISTS) == []


def test_pdb_exists_uses_keda_floor_when_set() -> None:
    objs = [deployment(replicas=1), scaled_object(min_replica_count=2)]
    assert only(findings(*objs, rule=EXISTS)).result is Result.FAIL


def test_pdb_exists_failure_names_workload_and_namespace() -> None:
    finding = only(findings(deployment(replicas=3), rule=EXISTS))
    assert "Deployment/web" in finding.message
    assert NAMESPACE in finding.message


def test_pdb_exists_is_judged_per_workload() -> None:
    objs = [deployment("web", replicas=2), deployment("api", replicas=2), pdb("web")]
    results = {str(f.object): f.result for f in findings(*objs, rule=EXISTS)}
    assert results == {"Deployment/web": Result.PASS, "Deployment/api": Result.FAIL}


# --- RES-08/pdb-allows-eviction ----------------------------------------------------------

EVICTION = "RES-08/pdb-allows-eviction"


@pytest.mark.parametrize(
    ("replicas", "budget", "result"),
    [
        pytest.param(2, {"max_unavailable": 1}, Result.PASS, id="max-unavailable-1"),
        pytest.param(2, {"max_unavailable": 0}, Result.FAIL, id="max-unavailable-0"),
        pytest.param(2, {"max_unavailable": "0%"}, Result.FAIL, id="max-unavailable-0-percent"),
        pytest.param(2, {"max_unavailable": "10%"}, Result.PASS, id="10-percent-rounds-up-to-1"),
        pytest.param(2, {"min_available": 1}, Result.PASS, id="min-available-1"),
        pytest.param(2, {"min_available": 2}, Result.FAIL, id="min-available-equals-replicas"),
        pytest.param(2, {"min_available": 3}, Result.FAIL, id="min-available-above-replicas"),
        pytest.param(2, {"min_available": "50%"}, Result.PASS, id="min-50-percent-of-2"),
        pytest.param(2, {"min_available": "51%"}, Result.FAIL, id="min-51-percent-rounds-up"),
        pytest.param(3, {"min_available": "60%"}, Result.PASS, id="min-60-percent-of-3-is-2"),
        pytest.param(2, {"min_available": "100%"}, Result.FAIL, id="min-100-percent"),
        pytest.param(2, {"min_available": 0}, Result.PASS, id="min-available-0"),
        pytest.param(2, {}, Result.FAIL, id="neither-field-allows-nothing"),
        pytest.param(1, {"min_available": 1}, Result.FAIL, id="single-replica-blocks-drains"),
        pytest.param(1, {"max_unavailable": 1}, Result.PASS, id="single-replica-evictable"),
        pytest.param(2, {"min_available": "lots"}, Result.ERROR, id="not-int-or-percent"),
        pytest.param(2, {"min_available": "1"}, Result.ERROR, id="string-without-percent"),
        pytest.param(2, {"max_unavailable": True}, Result.ERROR, id="boolean"),
    ],
)
def test_pdb_allows_eviction(replicas: int, budget: dict[str, Any], result: Result) -> None:
    """Allowed disruptions follow the disruption controller, percentages rounded up."""
    finding = only(findings(deployment(replicas=replicas), pdb(**budget), rule=EVICTION))
    assert finding.result is result
    assert "PodDisruptionBudget/web" in finding.message


def test_pdb_allows_eviction_takes_max_unavailable_when_both_are_set() -> None:
    """The API rejects both, but the controller reads maxUnavailable first; so do we."""
    finding = only(
        findings(deployment(replicas=2), pdb(min_available=2, max_unavailable=1), rule=EVICTION)
    )
    assert finding.result is Result.PASS


def test_pdb_allows_eviction_counts_the_hpa_floor() -> None:
    """At the HPA's minimum of 2 replicas, minAvailable 2 leaves no room."""
    objs = [deployment(replicas=6), hpa(min_replicas=2), pdb(min_available=2)]
    finding = only(findings(*objs, rule=EVICTION))
    assert finding.result is Result.FAIL
    assert "at 2 replicas" in finding.message


def test_pdb_allows_eviction_sums_every_workload_the_pdb_covers() -> None:
    """One PDB over two Deployments expects the pods of both."""
    objs = [
        deployment("web", replicas=2, pod_labels={"app": "web", "part-of": "shop"}),
        deployment("api", replicas=2, pod_labels={"app": "api", "part-of": "shop"}),
        pdb("shop", match_labels={"part-of": "shop"}, min_available=3),
    ]
    found = findings(*objs, rule=EVICTION)
    assert [f.result for f in found] == [Result.PASS, Result.PASS]
    assert "at 4 replicas across Deployment/web, Deployment/api" in found[0].message


def test_pdb_allows_eviction_is_not_emitted_for_workloads_scaled_to_zero() -> None:
    objs = [deployment(replicas=3), scaled_object(), pdb(min_available=1)]
    assert findings(*objs, rule=EVICTION) == []


def test_pdb_allows_eviction_judges_each_covering_pdb() -> None:
    objs = [
        deployment(replicas=3),
        pdb("loose", match_labels={"app": "web"}, max_unavailable=1),
        pdb("tight", match_labels={"app": "web"}, max_unavailable=0),
    ]
    results = {f.message.split(" ", 1)[0]: f.result for f in findings(*objs, rule=EVICTION)}
    assert results == {
        "PodDisruptionBudget/loose": Result.PASS,
        "PodDisruptionBudget/tight": Result.FAIL,
    }


# --- RES-08/single-pdb and RES-08/pdb-selects-pods ---------------------------------------


@pytest.mark.parametrize(
    ("pdbs", "result"),
    [
        pytest.param([pdb(max_unavailable=1)], Result.PASS, id="one"),
        pytest.param(
            [pdb("a", match_labels={"app": "web"}), pdb("b", match_labels={"app": "web"})],
            Result.FAIL,
            id="two",
        ),
    ],
)
def test_single_pdb(pdbs: list[Obj], result: Result) -> None:
    """The eviction API refuses pods that more than one PDB covers."""
    finding = only(findings(deployment(replicas=1), *pdbs, rule="RES-08/single-pdb"))
    assert finding.result is result


def test_single_pdb_is_silent_without_any_pdb() -> None:
    assert findings(deployment(replicas=3), rule="RES-08/single-pdb") == []


@pytest.mark.parametrize(
    ("objs", "result", "hint"),
    [
        pytest.param([deployment(), pdb()], Result.PASS, "selects pods", id="selects-deployment"),
        pytest.param([pdb()], Result.WARN, "no pod of any workload", id="nothing-to-select"),
        pytest.param(
            [deployment(), pdb(match_labels={"app": "gone"})],
            Result.WARN,
            "no pod of any workload",
            id="stale-selector",
        ),
        pytest.param(
            [deployment(), legacy_pdb(selector={})],
            Result.WARN,
            "policy/v1beta1",
            id="v1beta1-empty-selector",
        ),
        pytest.param(
            [deployment(), with_selector(pdb(), None)], Result.WARN, "no selector", id="no-selector"
        ),
        pytest.param(
            [
                pod(
                    "kafka-0",
                    labels={"app": "kafka"},
                    owner=owner_reference("StrimziPodSet", "kafka"),
                ),
                pdb("kafka"),
            ],
            Result.PASS,
            "selects pods",
            id="operator-managed-pods",
        ),
    ],
)
def test_pdb_selects_pods(objs: list[Obj], result: Result, hint: str) -> None:
    finding = only(findings(*objs, rule="RES-08/pdb-selects-pods"))
    assert finding.result is result
    assert hint in finding.message
    assert finding.object is not None
    assert finding.object.kind == "PodDisruptionBudget"


# --- helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "total", "expected"),
    [
        pytest.param(3, 10, 3, id="int"),
        pytest.param("25%", 10, 3, id="rounds-up"),
        pytest.param("20%", 10, 2, id="exact"),
        pytest.param("1%", 1, 1, id="tiny-rounds-up"),
        pytest.param("0%", 10, 0, id="zero"),
    ],
)
def test_scaled_value(value: int | str, total: int, expected: int) -> None:
    assert resources.scaled_value(value, total, "minAvailable") == expected


@pytest.mark.parametrize("value", ["x", "1", "%", "-5%", "1.5%", None, 2.0])
def test_scaled_value_rejects_what_the_api_rejects(value: Any) -> None:
    with pytest.raises(ValueError, match="minAvailable"):
        resources.scaled_value(value, 10, "minAvailable")


def test_every_emitted_rule_is_declared() -> None:
    objs = [
        namespace(),
        resourcequota(),
        limitrange(),
        deployment(replicas=2),
        pdb(max_unavailable=1),
    ]
    emitted = {f.rule for f in run(resources.check, *objs)}
    assert emitted == {rule.id for rule in resources.RULES}


def test_pdb_allows_eviction_message_stays_short_for_wide_pdbs() -> None:
    apps = [
        deployment(f"app{n}", replicas=2, pod_labels={"app": f"app{n}", "part-of": "shop"})
        for n in range(5)
    ]
    objs = [*apps, pdb("shop", match_labels={"part-of": "shop"}, max_unavailable=1)]
    message = findings(*objs, rule=EVICTION)[0].message
    assert "at 10 replicas across Deployment/app0, Deployment/app1, Deployment/app2" in message
    assert "and 2 more" in message
    assert "app4" not in message


def test_pdb_allows_eviction_message_for_a_single_replica() -> None:
    finding = only(findings(deployment(replicas=1), pdb(min_available=1), rule=EVICTION))
    assert "allows no eviction at 1 replica:" in finding.message
