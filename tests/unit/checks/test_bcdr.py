"""BCDR-08: replicated workloads spread their pods over nodes or zones."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import bcdr
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result
from tests.unit.checks.builders import (
    NAMESPACE,
    daemonset,
    deployment,
    hpa,
    namespace,
    run,
    scaled_object,
    statefulset,
)

Obj = dict[str, Any]
RULE = "BCDR-08/pod-spread"
HOST = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
OWN = {"matchLabels": {"app": "web"}}


def spread(key: str = HOST, selector: Any = OWN, **extra: Any) -> Obj:
    constraint: Obj = {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule"}
    if selector is not None:
        constraint["labelSelector"] = selector
    constraint.update(extra)
    return constraint


def term(key: str = HOST, selector: Any = OWN, **extra: Any) -> Obj:
    affinity_term: Obj = {"topologyKey": key}
    if selector is not None:
        affinity_term["labelSelector"] = selector
    affinity_term.update(extra)
    return affinity_term


def anti(required: list[Obj] | None = None, preferred: list[Obj] | None = None) -> Obj:
    rules: Obj = {}
    if required is not None:
        rules["requiredDuringSchedulingIgnoredDuringExecution"] = required
    if preferred is not None:
        rules["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": 100, "podAffinityTerm": t} for t in preferred
        ]
    return {"affinity": {"podAntiAffinity": rules}}


def web(replicas: int = 3, **pod_spec_extra: Any) -> Obj:
    return deployment("web", replicas=replicas, pod_spec_extra=pod_spec_extra)


def judge(*objs: Obj) -> list[Finding]:
    return run(bcdr.check, *objs, rule=RULE)


@pytest.mark.parametrize(
    ("extra", "result"),
    [
        pytest.param({}, Result.FAIL, id="nothing"),
        pytest.param({"topologySpreadConstraints": [spread()]}, Result.PASS, id="spread-host"),
        pytest.param({"topologySpreadConstraints": [spread(ZONE)]}, Result.PASS, id="spread-zone"),
        pytest.param(
            {"topologySpreadConstraints": [spread("failure-domain.beta.kubernetes.io/zone")]},
            Result.PASS,
            id="spread-legacy-zone",
        ),
        pytest.param(
            {"topologySpreadConstraints": [spread(whenUnsatisfiable="ScheduleAnyway")]},
            Result.PASS,
            id="spread-soft",
        ),
        pytest.param(
            {"topologySpreadConstraints": [spread("kubernetes.azure.com/agentpool")]},
            Result.FAIL,
            id="spread-other-key",
        ),
        pytest.param(
            {"topologySpreadConstraints": [spread(selector={"matchLabels": {"app": "api"}})]},
            Result.FAIL,
            id="spread-selects-other-pods",
        ),
        pytest.param(
            {"topologySpreadConstraints": [spread(selector=None)]},
            Result.FAIL,
            id="spread-without-selector",
        ),
        pytest.param(
            {
                "topologySpreadConstraints": [
                    spread(
                        selector={
                            "matchExpressions": [
                                {"key": "app", "operator": "In", "values": ["web"]}
                            ]
                        }
                    )
                ]
            },
            Result.PASS,
            id="spread-match-expressions",
        ),
        pytest.param(anti(required=[term()]), Result.PASS, id="anti-required-host"),
        pytest.param(anti(preferred=[term(ZONE)]), Result.PASS, id="anti-preferred-zone"),
        pytest.param(
            anti(required=[term(selector={"matchLabels": {"app": "db"}})]),
            Result.FAIL,
            id="anti-other-pods",
        ),
        pytest.param(anti(required=[term(selector=None)]), Result.FAIL, id="anti-no-selector"),
        pytest.param(anti(required=[term("example.com/rack")]), Result.FAIL, id="anti-other-key"),
        pytest.param(
            anti(required=[term(namespaces=["other"])]), Result.FAIL, id="anti-other-namespace"
        ),
        pytest.param(
            anti(required=[term(namespaces=["other", NAMESPACE])]),
            Result.PASS,
            id="anti-listing-own-namespace",
        ),
        pytest.param(
            anti(required=[term(namespaceSelector={})]), Result.PASS, id="anti-all-namespaces"
        ),
        pytest.param(
            anti(
                required=[
                    term(namespaceSelector={"matchLabels": {"kubernetes.io/metadata.name": "x"}})
                ]
            ),
            Result.FAIL,
            id="anti-namespace-selector-elsewhere",
        ),
        pytest.param(
            anti(
                required=[
                    term(
                        namespaceSelector={
                            "matchLabels": {"kubernetes.io/metadata.name": NAMESPACE}
                        }
                    )
                ]
            ),
            Result.PASS,
            id="anti-namespace-selector-own-name",
        ),
        pytest.param(
            {"topologySpreadConstraints": [spread()], "nodeSelector": {HOST: "aks-pool-0"}},
            Result.FAIL,
            id="pinned-by-node-selector",
        ),
        pytest.param(
            {"topologySpreadConstraints": [spread()], "nodeName": "aks-pool-0"},
            Result.FAIL,
            id="pinned-by-node-name",
        ),
        pytest.param(
            {"nodeSelector": {"kubernetes.azure.com/mode": "user"}, **anti(required=[term()])},
            Result.PASS,
            id="unrelated-node-selector",
        ),
    ],
)
def test_pod_spread(extra: Obj, result: Result) -> None:
    """Spreading counts when keyed on node or zone and selecting the pod's own labels."""
    found = judge(web(**extra))
    assert [f.result for f in found] == [result]
    assert "Deployment/web" in found[0].message


def test_namespace_selector_uses_the_namespace_object_labels() -> None:
    selector = {"matchLabels": {"team": "shop"}}
    objs = [
        namespace(labels={"team": "shop"}),
        web(**anti(required=[term(namespaceSelector=selector)])),
    ]
    assert [f.result for f in judge(*objs)] == [Result.PASS]
    assert [f.result for f in judge(*objs[1:])] == [Result.FAIL]


def test_failure_explains_ignored_constraints() -> None:
    wrong = spread(selector={"matchLabels": {"app": "api"}})
    finding = judge(web(topologySpreadConstraints=[wrong]))[0]
    assert "not counted" in finding.message
    assert f"topologySpreadConstraint on {HOST}" in finding.message


def test_pass_names_the_mechanism() -> None:
    finding = judge(web(**anti(preferred=[term(ZONE)])))[0]
    assert f"preferred podAntiAffinity on {ZONE}" in finding.message


@pytest.mark.parametrize(
    ("objs", "reason"),
    [
        pytest.param(
            [deployment("web")],
            "Deployment/web sets no spec.replicas, which defaults to 1",
            id="replicas-absent-is-1",
        ),
        pytest.param([web(replicas=1)], "Deployment/web runs 1 replica", id="one-replica"),
        pytest.param(
            [web(replicas=4), hpa(min_replicas=1)],
            "Deployment/web scales down to 1 (its autoscaler's minimum)",
            id="hpa-floor-1",
        ),
        pytest.param(
            [web(replicas=4), scaled_object()],
            "Deployment/web scales down to 0 (its autoscaler's minimum)",
            id="keda-floor-0",
        ),
    ],
)
def test_pod_spread_is_not_applicable_below_two_replicas_and_says_why(
    objs: list[Obj], reason: str
) -> None:
    """A skipped workload is visible: NotApplicable, with what the manifest says or defaults."""
    [finding] = judge(*objs)
    assert finding.result is Result.NOT_APPLICABLE
    assert finding.message == f"{reason}: there is nothing to spread"


def test_pod_spread_ignores_daemonsets() -> None:
    """A DaemonSet runs one pod per node by design: the rule does not judge it at all."""
    assert judge(daemonset()) == []


def test_pod_spread_judges_statefulsets_and_hpa_floors() -> None:
    objs = [statefulset("db", replicas=3), web(replicas=1), hpa(min_replicas=2)]
    assert sorted(str(f.object) for f in judge(*objs)) == ["Deployment/web", "StatefulSet/db"]


def test_disabled_rule_yields_nothing() -> None:
    settings = CheckSettings(disabled=frozenset({"BCDR-08"}))
    assert run(bcdr.check, web(), settings=settings) == []
