"""WIN-* rules: Windows and Linux pods reach only nodes that can run them."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import windows
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result
from tests.unit.checks.builders import container, deployment, job, node, run

SELECTOR = "WIN-10/windows-node-selector"
BUILD = "WIN-01/windows-build-matches"
SERVERCORE_2022 = "mcr.microsoft.com/windows/servercore:ltsc2022"
NANOSERVER_2019 = "mcr.microsoft.com/windows/nanoserver:1809"
WIN_SELECTOR: dict[str, Any] = {"nodeSelector": {"kubernetes.io/os": "windows"}}
WIN_TAINT = {"key": "os", "value": "windows", "effect": "NoSchedule"}
BUILD_2022 = "10.0.20348"
BUILD_2019 = "10.0.17763"


def judge(rule: str, *objs: dict[str, Any]) -> list[Finding]:
    return run(windows.check, *objs, rule=rule)


def result(rule: str, *objs: dict[str, Any]) -> Result | None:
    found = judge(rule, *objs)
    assert len(found) <= 1, found
    return found[0].result if found else None


def win_deploy(image: str = SERVERCORE_2022, **pod_spec_extra: Any) -> dict[str, Any]:
    return deployment(containers=[container("app", image=image)], pod_spec_extra=pod_spec_extra)


def win_node(name: str, build: str = BUILD_2022, *, tainted: bool = False) -> dict[str, Any]:
    return node(
        name,
        os="windows",
        labels={"node.kubernetes.io/windows-build": build},
        taints=[WIN_TAINT] if tainted else None,
    )


def os_affinity(operator: str, *values: str) -> dict[str, Any]:
    expression = {"key": "kubernetes.io/os", "operator": operator, "values": list(values)}
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [expression]}]
            }
        }
    }


def test_rules_are_declared() -> None:
    assert {rule.id for rule in windows.RULES} == {SELECTOR, BUILD}


# --- WIN-10: Windows pods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(win_deploy(**WIN_SELECTOR), Result.PASS, id="node-selector"),
        pytest.param(
            win_deploy(affinity=os_affinity("In", "windows")), Result.PASS, id="required-affinity"
        ),
        pytest.param(
            win_deploy(affinity=os_affinity("NotIn", "linux")), Result.PASS, id="affinity-not-linux"
        ),
        pytest.param(win_deploy(), Result.FAIL, id="windows-image-no-selector"),
        pytest.param(
            win_deploy(affinity=os_affinity("In", "windows", "linux")),
            Result.FAIL,
            id="affinity-allows-linux",
        ),
        pytest.param(
            win_deploy(nodeSelector={"kubernetes.io/os": "linux"}),
            Result.FAIL,
            id="windows-image-linux-selector",
        ),
        pytest.param(
            deployment(pod_spec_extra={"os": {"name": "windows"}}),
            Result.FAIL,
            id="os-name-does-not-schedule",
        ),
        pytest.param(
            win_deploy("mcr.microsoft.com/dotnet/framework/aspnet:4.8"),
            Result.FAIL,
            id="dotnet-framework-image",
        ),
        pytest.param(
            job(containers=[container("task", image=NANOSERVER_2019)]),
            Result.FAIL,
            id="job-template",
        ),
    ],
)
def test_windows_pods_must_select_windows_nodes(obj: dict[str, Any], expected: Result) -> None:
    assert result(SELECTOR, obj) == expected


def test_windows_failure_names_the_image_and_the_fix() -> None:
    (finding,) = judge(SELECTOR, win_deploy())
    assert f'container "app" uses Windows image {SERVERCORE_2022}' in finding.message
    assert "nodeSelector kubernetes.io/os: windows" in finding.message


def test_windows_init_container_images_count() -> None:
    obj = deployment(
        containers=[container("app", image="contoso.azurecr.io/agent:1")],
        init_containers=[container("setup", image=NANOSERVER_2019)],
    )
    assert result(SELECTOR, obj) == Result.FAIL


# --- WIN-10: Linux pods on mixed clusters -------------------------------------------------------


@pytest.mark.parametrize(
    ("objs", "expected"),
    [
        pytest.param([deployment()], None, id="no-nodes-not-judged"),
        pytest.param([deployment(), node("linux-0")], None, id="linux-only-cluster"),
        pytest.param([deployment(), win_node("win-0")], Result.WARN, id="untainted-windows-node"),
        pytest.param(
            [
                deployment(pod_spec_extra={"nodeSelector": {"kubernetes.io/os": "linux"}}),
                win_node("w"),
            ],
            Result.PASS,
            id="linux-selector",
        ),
        pytest.param(
            [
                deployment(pod_spec_extra={"affinity": os_affinity("NotIn", "windows")}),
                win_node("w"),
            ],
            Result.PASS,
            id="affinity-excludes-windows",
        ),
        pytest.param(
            [deployment(), win_node("w", tainted=True)], Result.PASS, id="windows-nodes-tainted"
        ),
        pytest.param(
            [
                deployment(pod_spec_extra={"tolerations": [{"operator": "Exists"}]}),
                win_node("w", tainted=True),
            ],
            Result.WARN,
            id="tolerates-every-taint",
        ),
        pytest.param(
            [deployment(), win_node("w1", tainted=True), win_node("w2")],
            Result.WARN,
            id="one-untainted-node-is-enough",
        ),
        pytest.param(
            [
                deployment(pod_spec_extra={"nodeSelector": {"agentpool": "linuxpool"}}),
                win_node("w"),
            ],
            Result.PASS,
            id="pool-selector-excludes-windows-nodes",
        ),
    ],
)
def test_linux_pods_on_mixed_clusters(objs: list[dict[str, Any]], expected: Result | None) -> None:
    assert result(SELECTOR, *objs) == expected


def test_prefer_no_schedule_taint_does_not_keep_pods_off() -> None:
    soft = node("w", os="windows", taints=[{**WIN_TAINT, "effect": "PreferNoSchedule"}])
    (finding,) = judge(SELECTOR, deployment(), soft)
    assert finding.result == Result.WARN
    assert "Windows node w" in finding.message


# --- WIN-01: Windows builds ---------------------------------------------------------------------


def build_selector(build: str) -> dict[str, str]:
    return {"kubernetes.io/os": "windows", "node.kubernetes.io/windows-build": build}


@pytest.mark.parametrize(
    ("objs", "expected"),
    [
        pytest.param(
            [win_deploy(nodeSelector=build_selector(BUILD_2022))], Result.PASS, id="pinned-build"
        ),
        pytest.param(
            [win_deploy(nodeSelector=build_selector(BUILD_2019))], Result.FAIL, id="wrong-build"
        ),
        pytest.param([win_deploy(**WIN_SELECTOR)], Result.WARN, id="unpinned-no-nodes"),
        pytest.param(
            [win_deploy(**WIN_SELECTOR), win_node("w1"), win_node("w2")],
            Result.PASS,
            id="every-node-matches",
        ),
        pytest.param(
            [win_deploy(**WIN_SELECTOR), win_node("w1"), win_node("old", BUILD_2019)],
            Result.FAIL,
            id="mixed-builds",
        ),
        pytest.param(
            [
                win_deploy(nodeSelector={**WIN_SELECTOR["nodeSelector"], "agentpool": "win22"}),
                node(
                    "w1",
                    os="windows",
                    labels={"node.kubernetes.io/windows-build": BUILD_2022, "agentpool": "win22"},
                ),
                node(
                    "old",
                    os="windows",
                    labels={"node.kubernetes.io/windows-build": BUILD_2019, "agentpool": "win19"},
                ),
            ],
            Result.PASS,
            id="pool-selector-avoids-old-build",
        ),
        pytest.param(
            [win_deploy("mcr.microsoft.com/dotnet/framework/aspnet:4.8", **WIN_SELECTOR)],
            None,
            id="tag-names-no-build",
        ),
        pytest.param([deployment()], None, id="linux-pod"),
    ],
)
def test_windows_build_matches(objs: list[dict[str, Any]], expected: Result | None) -> None:
    assert result(BUILD, *objs) == expected


def test_containers_of_different_builds_cannot_share_a_pod() -> None:
    obj = deployment(
        containers=[
            container("app", image=SERVERCORE_2022),
            container("agent", image=NANOSERVER_2019),
        ],
        pod_spec_extra=WIN_SELECTOR,
    )
    (finding,) = judge(BUILD, obj)
    assert finding.result == Result.FAIL
    assert BUILD_2019 in finding.message
    assert BUILD_2022 in finding.message


def test_mixed_build_failure_names_the_wrong_node() -> None:
    (finding,) = judge(BUILD, win_deploy(**WIN_SELECTOR), win_node("old", BUILD_2019))
    assert f"old ({BUILD_2019})" in finding.message


def test_disabled_rules_emit_nothing() -> None:
    settings = CheckSettings(disabled=frozenset({"WIN-10", "WIN-01"}))
    assert run(windows.check, win_deploy(), win_node("w"), settings=settings) == []
