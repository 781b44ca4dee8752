"""CTR-02: images must come from the policy's allowed registries."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import container as container_checks
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result
from tests.unit.checks.builders import container, deployment, pod, run

RULE = "CTR-02/allowed-registries"


def judge(*objs: dict[str, Any], allowed: tuple[str, ...] | None = None) -> list[Finding]:
    settings = CheckSettings() if allowed is None else CheckSettings(allowed_registries=allowed)
    return run(container_checks.check, *objs, rule=RULE, settings=settings)


def test_rules_are_declared() -> None:
    assert [rule.id for rule in container_checks.RULES] == [RULE]


@pytest.mark.parametrize(
    ("image", "allowed", "expected"),
    [
        pytest.param("contoso.azurecr.io/shop/api:1", None, Result.PASS, id="acr-by-default"),
        pytest.param("mcr.microsoft.com/dotnet/aspnet:8.0", None, Result.PASS, id="mcr"),
        pytest.param("nginx:1.27", None, Result.FAIL, id="docker-hub-short-name"),
        pytest.param("ghcr.io/org/app:1", None, Result.FAIL, id="other-registry"),
        pytest.param("azurecr.io/app:1", None, Result.FAIL, id="glob-needs-a-subdomain"),
        pytest.param("nginx:1.27", ("docker.io",), Result.PASS, id="docker-hub-allowed"),
        pytest.param("myreg:5000/app:1", ("myreg:5000",), Result.PASS, id="port-in-pattern"),
        pytest.param("myreg:5000/app:1", ("myreg",), Result.FAIL, id="port-not-in-pattern"),
        pytest.param("Contoso.AzureCR.io/app:1", None, Result.PASS, id="registry-case-folded"),
        pytest.param("nginx:1.27", (), Result.FAIL, id="empty-allow-list"),
    ],
)
def test_allowed_registries(image: str, allowed: tuple[str, ...] | None, expected: Result) -> None:
    found = judge(deployment(containers=[container("app", image=image)]), allowed=allowed)
    assert [(f.container, f.result) for f in found] == [("app", expected)]


def test_failure_names_container_registry_and_allow_list() -> None:
    (finding,) = judge(deployment(containers=[container("api", image="nginx")]))
    assert finding.message == (
        'container "api" pulls docker.io/library/nginx from registry docker.io, which matches '
        "none of the allowed registries (*.azurecr.io, mcr.microsoft.com)"
    )
    assert str(finding.object) == "Deployment/web"


def test_init_containers_are_judged_and_ephemeral_ones_are_not() -> None:
    naked = pod(
        containers=[container("app")],
        init_containers=[container("fetch", image="busybox:1.36")],
        ephemeralContainers=[container("debug", image="busybox:1.36")],
    )
    found = {f.container: f.result for f in judge(naked)}
    assert found == {"app": Result.PASS, "fetch": Result.FAIL}


def test_a_container_without_an_image_is_an_error() -> None:
    (finding,) = judge(deployment(containers=[container("app", image=None)]))
    assert finding.result == Result.ERROR


def test_disabled_rule_emits_nothing() -> None:
    settings = CheckSettings(disabled=frozenset({"CTR-02"}))
    assert run(container_checks.check, deployment(), settings=settings) == []
