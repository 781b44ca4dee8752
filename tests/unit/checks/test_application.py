"""APP-* rules: every rule passes, fails and handles its edge cases on pod templates."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from aks_checklist.checks import application
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result
from tests.unit.checks.builders import (
    container,
    cronjob,
    daemonset,
    deployment,
    hpa,
    job,
    limitrange,
    owner_reference,
    pod,
    replicaset,
    run,
    scaled_object,
    serviceaccount,
    statefulset,
)

PASS, FAIL, WARN, NA, ERROR = (
    Result.PASS,
    Result.FAIL,
    Result.WARN,
    Result.NOT_APPLICABLE,
    Result.ERROR,
)
DIGEST = "sha256:" + "0123456789abcdef" * 4


def judge(rule: str, *objs: dict[str, Any], complete: bool = False) -> list[Finding]:
    return run(application.check, *objs, rule=rule, complete=complete)


def one(rule: str, *objs: dict[str, Any], complete: bool = False) -> Finding:
    found = judge(rule, *objs, complete=complete)
    assert len(found) == 1, found
    return found[0]


def per_container(rule: str, *objs: dict[str, Any]) -> dict[str | None, Result]:
    found = judge(rule, *objs)
    results = {finding.container: finding.result for finding in found}
    assert len(results) == len(found), "one finding per container"
    return results


def deploy_with(**fields: Any) -> dict[str, Any]:
    """A Deployment whose single container ``app`` has ``fields``."""
    return deployment(containers=[container("app", **fields)])


def deploy_pod(**pod_spec_extra: Any) -> dict[str, Any]:
    return deployment(pod_spec_extra=pod_spec_extra)


# --- the module contract ------------------------------------------------------------------------


def test_rule_ids_are_unique_and_belong_to_application_items() -> None:
    ids = [rule.id for rule in application.RULES]
    assert len(ids) == len(set(ids))
    assert all(rule.item.startswith("APP-") for rule in application.RULES)


def test_every_finding_belongs_to_a_declared_rule_and_repeats_no_subject() -> None:
    """Each rule judges each workload (or container) once, passes included."""
    objs = [
        deployment(
            containers=[container("api"), container("side")],
            init_containers=[container("init")],
        ),
        statefulset(),
        daemonset(),
        job(),
        cronjob(),
        pod(),
    ]
    found = run(application.check, *objs)
    declared = {rule.id for rule in application.RULES}
    assert {f.rule for f in found} <= declared
    subjects = Counter((f.rule, f.object, f.container) for f in found)
    assert max(subjects.values()) == 1
    assert {f.result for f in found} >= {PASS, FAIL}


def test_a_fully_disabled_group_is_not_computed() -> None:
    settings = CheckSettings(disabled=frozenset({"APP-11", "APP-12"}))
    found = run(application.check, deployment(), settings=settings)
    assert not [f for f in found if f.item in {"APP-11", "APP-12"}]
    assert [f for f in found if f.item == "APP-01"]


def test_nothing_is_computed_when_every_rule_is_disabled() -> None:
    settings = CheckSettings(disabled=frozenset(r.item for r in application.RULES))
    assert run(application.check, deployment(), settings=settings) == []


def test_findings_carry_the_rule_severity_and_the_workload() -> None:
    finding = one("APP-12/privileged", deploy_with(securityContext={"privileged": True}))
    assert finding.severity == application.PRIVILEGED.severity
    assert str(finding.object) == "Deployment/web"
    assert finding.object is not None
    assert finding.object.namespace == "shop"
    assert finding.container == "app"


# --- APP-01..03: probes -------------------------------------------------------------------------

HTTP = {"httpGet": {"path": "/healthz", "port": 8080}}


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        pytest.param("APP-01/liveness-probe", "livenessProbe", id="liveness"),
        pytest.param("APP-02/startup-probe", "startupProbe", id="startup"),
        pytest.param("APP-03/readiness-probe", "readinessProbe", id="readiness"),
    ],
)
@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        pytest.param(HTTP, PASS, id="http"),
        pytest.param({"grpc": {"port": 9000}}, PASS, id="grpc"),
        pytest.param({"exec": {"command": ["true"]}}, PASS, id="exec"),
        pytest.param({"tcpSocket": {"port": 80}}, PASS, id="tcp"),
        pytest.param(None, FAIL, id="missing"),
        pytest.param({"initialDelaySeconds": 5}, FAIL, id="no-handler"),
    ],
)
def test_probe_rules_judge_each_container(
    rule: str, field: str, probe: dict[str, Any] | None, expected: Result
) -> None:
    fields = {field: probe} if probe is not None else {}
    finding = one(rule, deploy_with(**fields))
    assert finding.result == expected
    assert finding.container == "app"
    assert field in finding.message
    assert 'container "app"' in finding.message


def test_probes_skip_init_and_ephemeral_but_judge_native_sidecars() -> None:
    naked = pod(
        containers=[container("api", livenessProbe=HTTP)],
        init_containers=[
            container("migrate"),
            container("proxy", restartPolicy="Always"),
        ],
        ephemeralContainers=[container("debug")],
    )
    assert per_container("APP-01/liveness-probe", naked) == {"api": PASS, "proxy": FAIL}


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(job(), id="job"),
        pytest.param(cronjob(), id="cronjob"),
        pytest.param(pod(restartPolicy="Never"), id="pod-never"),
        pytest.param(pod(restartPolicy="OnFailure"), id="pod-on-failure"),
    ],
)
@pytest.mark.parametrize(
    "rule",
    [
        "APP-01/liveness-probe",
        "APP-02/startup-probe",
        "APP-03/readiness-probe",
        "APP-04/prestop-hook",
    ],
)
def test_run_to_completion_workloads_get_not_applicable_probes(
    obj: dict[str, Any], rule: str
) -> None:
    finding = one(rule, obj)
    assert finding.result == NA
    assert finding.container is None
    assert "runs to completion" in finding.message


def test_a_restarting_bare_pod_is_judged_like_a_deployment() -> None:
    assert one("APP-01/liveness-probe", pod()).result == FAIL


@pytest.mark.parametrize(
    ("liveness", "readiness", "expected"),
    [
        pytest.param(HTTP, HTTP, WARN, id="identical"),
        pytest.param(HTTP, {**HTTP, "periodSeconds": 5}, PASS, id="different-timing"),
        pytest.param({"tcpSocket": {"port": 8080}}, HTTP, PASS, id="different-handler"),
        pytest.param(HTTP, None, None, id="no-readiness"),
        pytest.param(None, HTTP, None, id="no-liveness"),
    ],
)
def test_liveness_differs_from_readiness(
    liveness: dict[str, Any] | None, readiness: dict[str, Any] | None, expected: Result | None
) -> None:
    fields = {
        key: probe
        for key, probe in (("livenessProbe", liveness), ("readinessProbe", readiness))
        if probe is not None
    }
    found = judge("APP-01/liveness-differs-from-readiness", deploy_with(**fields))
    assert [f.result for f in found] == ([expected] if expected is not None else [])


# --- APP-04: preStop ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifecycle", "expected"),
    [
        pytest.param({"preStop": {"exec": {"command": ["sleep", "5"]}}}, PASS, id="exec"),
        pytest.param({"preStop": {"sleep": {"seconds": 5}}}, PASS, id="sleep-action"),
        pytest.param({"preStop": {"httpGet": {"path": "/drain", "port": 80}}}, PASS, id="http"),
        pytest.param({"postStart": {"exec": {"command": ["true"]}}}, FAIL, id="post-start-only"),
        pytest.param({"preStop": {}}, FAIL, id="empty-hook"),
        pytest.param(None, FAIL, id="missing"),
    ],
)
def test_prestop_hook(lifecycle: dict[str, Any] | None, expected: Result) -> None:
    fields = {"lifecycle": lifecycle} if lifecycle is not None else {}
    assert one("APP-04/prestop-hook", deploy_with(**fields)).result == expected


# --- APP-05: replicas ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("objs", "expected"),
    [
        pytest.param([deployment(replicas=3)], PASS, id="three"),
        pytest.param([deployment(replicas=2)], PASS, id="two"),
        pytest.param([deployment(replicas=1)], FAIL, id="one"),
        pytest.param([deployment(replicas=0)], FAIL, id="zero"),
        pytest.param([deployment()], FAIL, id="absent-defaults-to-one"),
        pytest.param([deployment(replicas=1), hpa(min_replicas=3)], PASS, id="hpa-floor-wins"),
        pytest.param([deployment(replicas=5), hpa(min_replicas=1)], FAIL, id="hpa-floor-one"),
        pytest.param([deployment(replicas=5), hpa()], FAIL, id="hpa-min-defaults-to-one"),
        pytest.param(
            [deployment(replicas=3), scaled_object(min_replica_count=0)], FAIL, id="keda-zero"
        ),
        pytest.param(
            [deployment(replicas=1), hpa("other", min_replicas=3)], FAIL, id="hpa-other-target"
        ),
        pytest.param(
            [deployment(replicas=1), hpa(min_replicas=3, target_kind="StatefulSet")],
            FAIL,
            id="hpa-other-kind",
        ),
        pytest.param([statefulset(replicas=2)], PASS, id="statefulset"),
        pytest.param([replicaset(replicas=1)], FAIL, id="bare-replicaset"),
    ],
)
def test_min_replicas(objs: list[dict[str, Any]], expected: Result) -> None:
    assert one("APP-05/min-replicas", *objs).result == expected


def test_min_replicas_explains_the_default() -> None:
    finding = one("APP-05/min-replicas", deployment())
    assert "defaults to 1" in finding.message


def test_min_replicas_names_the_autoscaler() -> None:
    finding = one("APP-05/min-replicas", deployment(replicas=1), hpa(min_replicas=3))
    assert "HorizontalPodAutoscaler/web" in finding.message


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(daemonset(), id="daemonset"),
        pytest.param(job(), id="job"),
        pytest.param(cronjob(), id="cronjob"),
        pytest.param(pod(), id="pod"),
        pytest.param(
            replicaset(owner=owner_reference("Deployment", "web"), replicas=1),
            id="owned-replicaset",
        ),
    ],
)
def test_min_replicas_ignores_unscalable_and_owned_workloads(obj: dict[str, Any]) -> None:
    assert judge("APP-05/min-replicas", obj) == []


# --- APP-06: labels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            deployment(
                labels={"app.kubernetes.io/name": "web"},
                pod_labels={"app.kubernetes.io/name": "web"},
            ),
            PASS,
            id="recommended",
        ),
        pytest.param(deployment(labels={"app": "web"}), PASS, id="legacy-app"),
        pytest.param(deployment(), FAIL, id="no-labels"),
        pytest.param(deployment(labels={"team": "shop"}), FAIL, id="other-labels"),
        pytest.param(deployment(labels={"app": ""}), FAIL, id="empty-value"),
        pytest.param(
            deployment(labels={"app": "web"}, pod_labels={"tier": "web"}),
            WARN,
            id="pod-template-unlabelled",
        ),
        pytest.param(pod(labels={"app": "debug"}), PASS, id="bare-pod"),
    ],
)
def test_recommended_labels(obj: dict[str, Any], expected: Result) -> None:
    assert one("APP-06/recommended-labels", obj).result == expected


# --- APP-07: autoscaling ------------------------------------------------------------------------


def vpa(mode: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    }
    if mode is not None:
        spec["updatePolicy"] = {"updateMode": mode}
    return {
        "apiVersion": "autoscaling.k8s.io/v1",
        "kind": "VerticalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("objs", "expected"),
    [
        pytest.param([deployment(), hpa(min_replicas=2)], PASS, id="hpa"),
        pytest.param([deployment(), scaled_object()], PASS, id="keda"),
        pytest.param([deployment(), vpa("Auto")], PASS, id="vpa-auto"),
        pytest.param([deployment(), vpa(None)], PASS, id="vpa-default-mode"),
        pytest.param([deployment(), vpa("Off")], WARN, id="vpa-recommend-only"),
        pytest.param([deployment()], WARN, id="nothing"),
        pytest.param([deployment(), hpa("x", target="other")], WARN, id="hpa-for-another"),
        pytest.param([statefulset("web"), hpa(target_kind="StatefulSet")], PASS, id="sts-hpa"),
    ],
)
def test_autoscaling(objs: list[dict[str, Any]], expected: Result) -> None:
    assert one("APP-07/autoscaling", *objs).result == expected


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(daemonset(), id="daemonset"),
        pytest.param(job(), id="job"),
        pytest.param(pod(), id="pod"),
    ],
)
def test_autoscaling_only_judges_deployments_and_statefulsets(obj: dict[str, Any]) -> None:
    assert judge("APP-07/autoscaling", obj) == []


# --- APP-08: secrets in env ---------------------------------------------------------------------


def test_literal_password_fails_without_echoing_the_value() -> None:
    obj = deploy_with(env=[{"name": "DB_PASSWORD", "value": "hunter2"}])
    finding = one("APP-08/no-secrets-in-env", obj)
    assert finding.result == FAIL
    assert "DB_PASSWORD" in finding.message
    assert "hunter2" not in finding.message


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}],
            PASS,
            id="secret-key-ref",
        ),
        pytest.param([{"name": "API_KEY", "value": "abc123"}], FAIL, id="api-key"),
        pytest.param([{"name": "LOG_LEVEL", "value": "info"}], PASS, id="harmless"),
        pytest.param(None, PASS, id="no-env"),
    ],
)
def test_no_secrets_in_env(env: list[dict[str, Any]] | None, expected: Result) -> None:
    fields = {"env": env} if env is not None else {}
    assert one("APP-08/no-secrets-in-env", deploy_with(**fields)).result == expected


def test_secrets_in_init_containers_count_too() -> None:
    obj = deployment(
        init_containers=[container("seed", env=[{"name": "ADMIN_TOKEN", "value": "t0k3n"}])]
    )
    assert per_container("APP-08/no-secrets-in-env", obj) == {"app": PASS, "seed": FAIL}


# --- APP-09: workload identity ------------------------------------------------------------------

WI_LABELS = {"app": "web", "azure.workload.identity/use": "true"}
CLIENT_ID = {"azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000001"}


@pytest.mark.parametrize(
    ("objs", "expected"),
    [
        pytest.param([deployment(pod_labels=WI_LABELS)], PASS, id="pod-label"),
        pytest.param(
            [
                deployment(pod_labels=WI_LABELS, pod_spec_extra={"serviceAccountName": "api"}),
                serviceaccount("api", annotations=CLIENT_ID),
            ],
            PASS,
            id="label-and-client-id",
        ),
        pytest.param(
            [
                deployment(pod_spec_extra={"serviceAccountName": "api"}),
                serviceaccount("api", annotations=CLIENT_ID),
            ],
            FAIL,
            id="client-id-without-pod-label",
        ),
        pytest.param(
            [deployment(pod_labels={"app": "web", "aadpodidbinding": "web-identity"})],
            FAIL,
            id="aad-pod-identity",
        ),
        pytest.param(
            [deployment(pod_labels={"app": "web", "azure.workload.identity/use": "false"})],
            WARN,
            id="label-false",
        ),
        pytest.param([deployment()], WARN, id="nothing"),
    ],
)
def test_workload_identity(objs: list[dict[str, Any]], expected: Result) -> None:
    assert one("APP-09/pod-workload-identity", *objs).result == expected


def test_workload_identity_pass_names_the_client_id() -> None:
    finding = one(
        "APP-09/pod-workload-identity",
        deployment(pod_labels=WI_LABELS, pod_spec_extra={"serviceAccountName": "api"}),
        serviceaccount("api", annotations=CLIENT_ID),
    )
    assert "00000000-0000-0000-0000-000000000001" in finding.message


# --- APP-11: requests and limits ----------------------------------------------------------------

RESOURCE_RULES = [
    "APP-11/cpu-request",
    "APP-11/cpu-limit",
    "APP-11/memory-request",
    "APP-11/memory-limit",
]


def resource_results(*objs: dict[str, Any]) -> dict[str, Result]:
    found = [f for f in run(application.check, *objs) if f.item == "APP-11"]
    return {f.rule: f.result for f in found if f.container == "app"}


@pytest.mark.parametrize(
    ("resources", "extra", "expected"),
    [
        pytest.param(
            {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": 1, "memory": "1Gi"}},
            [],
            [PASS, PASS, PASS, PASS],
            id="all-set",
        ),
        pytest.param(None, [], [FAIL, FAIL, FAIL, FAIL], id="none"),
        pytest.param(
            {"requests": {"cpu": "100m", "memory": "128Mi"}},
            [],
            [PASS, FAIL, PASS, FAIL],
            id="requests-only",
        ),
        pytest.param(
            {"limits": {"cpu": "1", "memory": "1Gi"}},
            [],
            [PASS, PASS, PASS, PASS],
            id="limits-imply-requests",
        ),
        pytest.param(
            None,
            [limitrange(default={"cpu": "500m", "memory": "512Mi"})],
            [PASS, PASS, PASS, PASS],
            id="limitrange-default-covers-all",
        ),
        pytest.param(
            None,
            [limitrange(default_request={"cpu": "100m", "memory": "128Mi"})],
            [PASS, FAIL, PASS, FAIL],
            id="limitrange-default-request-only",
        ),
        pytest.param(
            {"requests": {"cpu": "100m"}},
            [limitrange(default={"memory": "512Mi"})],
            [PASS, FAIL, PASS, PASS],
            id="mixed-sources",
        ),
        pytest.param(
            None,
            [limitrange(default={"cpu": "1", "memory": "1Gi"}, type="Pod")],
            [FAIL, FAIL, FAIL, FAIL],
            id="pod-limitrange-does-not-default",
        ),
    ],
)
def test_requests_and_limits(
    resources: dict[str, Any] | None, extra: list[dict[str, Any]], expected: list[Result]
) -> None:
    fields = {"resources": resources} if resources is not None else {}
    assert resource_results(deploy_with(**fields), *extra) == dict(
        zip(RESOURCE_RULES, expected, strict=True)
    )


def test_limitrange_default_names_the_limitrange() -> None:
    finding = one(
        "APP-11/memory-limit", deploy_with(), limitrange("team-defaults", default={"memory": "1Gi"})
    )
    assert finding.result == PASS
    assert "defaulted by LimitRange team-defaults" in finding.message


def test_missing_resource_message_names_container_and_field() -> None:
    finding = one("APP-11/memory-limit", deploy_with())
    assert finding.message == 'container "app" sets no resources.limits.memory'


def test_resources_judge_init_containers_but_not_ephemeral_ones() -> None:
    naked = pod(
        containers=[container("app", resources={"limits": {"cpu": "1"}})],
        init_containers=[container("migrate")],
        ephemeralContainers=[container("debug")],
    )
    assert per_container("APP-11/cpu-limit", naked) == {"app": PASS, "migrate": FAIL}


# --- APP-12: per-container security -------------------------------------------------------------

HARDENED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def test_a_hardened_container_passes_every_container_security_rule() -> None:
    found = [
        f
        for f in run(application.check, deploy_with(securityContext=HARDENED))
        if f.item == "APP-12" and f.container == "app"
    ]
    assert {f.rule for f in found} == {
        "APP-12/privileged",
        "APP-12/privilege-escalation",
        "APP-12/run-as-non-root",
        "APP-12/read-only-root-filesystem",
        "APP-12/drop-all-capabilities",
        "APP-12/dangerous-capabilities",
        "APP-12/seccomp-profile",
        "APP-12/proc-mount",
        "APP-12/host-port",
    }
    assert {f.result for f in found} == {PASS}


@pytest.mark.parametrize(
    ("security", "expected"),
    [
        pytest.param({"privileged": True}, FAIL, id="privileged"),
        pytest.param({"privileged": False}, PASS, id="explicitly-not"),
        pytest.param({}, PASS, id="unset"),
        pytest.param({"windowsOptions": {"hostProcess": True}}, FAIL, id="windows-host-process"),
    ],
)
def test_privileged(security: dict[str, Any], expected: Result) -> None:
    assert one("APP-12/privileged", deploy_with(securityContext=security)).result == expected


def test_privileged_message_names_container_and_field() -> None:
    finding = one("APP-12/privileged", deploy_with(securityContext={"privileged": True}))
    assert finding.message == 'container "app" sets securityContext.privileged: true'


def test_privilege_rules_also_judge_ephemeral_containers() -> None:
    naked = pod(
        containers=[container("app", securityContext=HARDENED)],
        ephemeralContainers=[
            container(
                "debug",
                securityContext={"privileged": True, "capabilities": {"add": ["SYS_PTRACE"]}},
            )
        ],
    )
    expected = {"app": PASS, "debug": FAIL}
    assert per_container("APP-12/privileged", naked) == expected
    assert per_container("APP-12/privilege-escalation", naked) == expected
    assert per_container("APP-12/dangerous-capabilities", naked) == expected
    assert per_container("APP-12/run-as-non-root", naked) == {"app": PASS}
    assert per_container("APP-12/seccomp-profile", naked) == {"app": PASS}


@pytest.mark.parametrize(
    ("security", "expected"),
    [
        pytest.param({"allowPrivilegeEscalation": False}, PASS, id="explicit-false"),
        pytest.param({}, FAIL, id="unset-defaults-true"),
        pytest.param({"allowPrivilegeEscalation": True}, FAIL, id="explicit-true"),
        pytest.param(
            {"allowPrivilegeEscalation": False, "capabilities": {"add": ["SYS_ADMIN"]}},
            FAIL,
            id="sys-admin-implies-escalation",
        ),
    ],
)
def test_privilege_escalation(security: dict[str, Any], expected: Result) -> None:
    assert (
        one("APP-12/privilege-escalation", deploy_with(securityContext=security)).result == expected
    )


@pytest.mark.parametrize(
    ("pod_security", "containers", "expected"),
    [
        pytest.param(
            {"runAsNonRoot": True},
            [container("a"), container("b")],
            {"a": PASS, "b": PASS},
            id="pod-level-covers-every-container",
        ),
        pytest.param(
            {"runAsNonRoot": True},
            [container("a"), container("b", securityContext={"runAsNonRoot": False})],
            {"a": PASS, "b": FAIL},
            id="container-overrides-pod",
        ),
        pytest.param(
            {"runAsNonRoot": True, "runAsUser": 0},
            [container("a")],
            {"a": FAIL},
            id="uid-zero-fails-despite-flag",
        ),
        pytest.param(
            {}, [container("a", securityContext={"runAsUser": 10001})], {"a": PASS}, id="uid"
        ),
        pytest.param({}, [container("a")], {"a": FAIL}, id="nothing"),
    ],
)
def test_run_as_non_root(
    pod_security: dict[str, Any], containers: list[dict[str, Any]], expected: dict[str, Result]
) -> None:
    obj = deployment(containers=containers, pod_spec_extra={"securityContext": pod_security})
    assert per_container("APP-12/run-as-non-root", obj) == expected


def test_pod_level_security_covers_init_containers() -> None:
    obj = deployment(
        init_containers=[container("migrate")],
        pod_spec_extra={"securityContext": {"runAsNonRoot": True}},
    )
    assert per_container("APP-12/run-as-non-root", obj) == {"app": PASS, "migrate": PASS}


@pytest.mark.parametrize(
    ("security", "expected"),
    [
        pytest.param({"readOnlyRootFilesystem": True}, PASS, id="true"),
        pytest.param({"readOnlyRootFilesystem": False}, FAIL, id="false"),
        pytest.param({}, FAIL, id="unset"),
    ],
)
def test_read_only_root_filesystem(security: dict[str, Any], expected: Result) -> None:
    obj = deploy_with(securityContext=security)
    assert one("APP-12/read-only-root-filesystem", obj).result == expected


@pytest.mark.parametrize(
    ("capabilities", "expected"),
    [
        pytest.param({"drop": ["ALL"]}, PASS, id="all"),
        pytest.param({"drop": ["all"]}, PASS, id="lower-case"),
        pytest.param({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}, PASS, id="all-then-add"),
        pytest.param({"drop": ["NET_RAW"]}, FAIL, id="some"),
        pytest.param({}, FAIL, id="none"),
    ],
)
def test_drop_all_capabilities(capabilities: dict[str, Any], expected: Result) -> None:
    obj = deploy_with(securityContext={"capabilities": capabilities})
    assert one("APP-12/drop-all-capabilities", obj).result == expected


@pytest.mark.parametrize(
    ("added", "expected", "named"),
    [
        pytest.param([], PASS, None, id="none"),
        pytest.param(["NET_BIND_SERVICE", "CHOWN"], PASS, None, id="baseline-set"),
        pytest.param(["SYS_ADMIN"], FAIL, "SYS_ADMIN", id="sys-admin"),
        pytest.param(["cap_net_admin"], FAIL, "NET_ADMIN", id="prefixed-lower-case"),
        pytest.param(["NET_RAW"], FAIL, "NET_RAW", id="net-raw"),
        pytest.param(["ALL"], FAIL, "ALL", id="all"),
        pytest.param(["SYS_PTRACE", "SYS_MODULE"], FAIL, "SYS_MODULE, SYS_PTRACE", id="several"),
    ],
)
def test_dangerous_capabilities(added: list[str], expected: Result, named: str | None) -> None:
    obj = deploy_with(securityContext={"capabilities": {"add": added}})
    finding = one("APP-12/dangerous-capabilities", obj)
    assert finding.result == expected
    if named is not None:
        assert named in finding.message


@pytest.mark.parametrize(
    ("pod_security", "container_security", "annotations", "expected"),
    [
        pytest.param({"seccompProfile": {"type": "RuntimeDefault"}}, {}, None, PASS, id="pod"),
        pytest.param(
            {},
            {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
            None,
            PASS,
            id="localhost",
        ),
        pytest.param(
            {"seccompProfile": {"type": "RuntimeDefault"}},
            {"seccompProfile": {"type": "Unconfined"}},
            None,
            FAIL,
            id="container-unconfined-overrides",
        ),
        pytest.param(
            {"seccompProfile": {"type": "Unconfined"}},
            {"seccompProfile": {"type": "RuntimeDefault"}},
            None,
            PASS,
            id="container-runtime-default-overrides",
        ),
        pytest.param(
            {},
            {},
            {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"},
            PASS,
            id="legacy-annotation",
        ),
        pytest.param({}, {}, None, FAIL, id="unset"),
    ],
)
def test_seccomp_profile(
    pod_security: dict[str, Any],
    container_security: dict[str, Any],
    annotations: dict[str, str] | None,
    expected: Result,
) -> None:
    obj = deployment(
        containers=[container("app", securityContext=container_security)],
        pod_annotations=annotations,
        pod_spec_extra={"securityContext": pod_security},
    )
    assert one("APP-12/seccomp-profile", obj).result == expected


@pytest.mark.parametrize(
    ("proc_mount", "expected"),
    [
        pytest.param(None, PASS, id="unset"),
        pytest.param("Default", PASS, id="default"),
        pytest.param("Unmasked", FAIL, id="unmasked"),
    ],
)
def test_proc_mount(proc_mount: str | None, expected: Result) -> None:
    security = {"procMount": proc_mount} if proc_mount is not None else {}
    assert one("APP-12/proc-mount", deploy_with(securityContext=security)).result == expected


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            deploy_with(ports=[{"containerPort": 8080}]), {"app": PASS}, id="no-host-port"
        ),
        pytest.param(
            deploy_with(ports=[{"containerPort": 8080, "hostPort": 80}]),
            {"app": FAIL},
            id="host-port",
        ),
        pytest.param(
            deployment(
                init_containers=[container("init", ports=[{"containerPort": 1, "hostPort": 9}])]
            ),
            {"app": PASS, "init": FAIL},
            id="init-container-host-port",
        ),
        pytest.param(
            deployment(
                containers=[container("app", ports=[{"containerPort": 8080}])],
                pod_spec_extra={"hostNetwork": True},
            ),
            {"app": FAIL},
            id="host-network-maps-ports",
        ),
    ],
)
def test_host_port(obj: dict[str, Any], expected: dict[str, Result]) -> None:
    assert per_container("APP-12/host-port", obj) == expected


# --- APP-12: pod-level security -----------------------------------------------------------------


@pytest.mark.parametrize("field", ["hostNetwork", "hostPID", "hostIPC"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, FAIL, id="true"),
        pytest.param(False, PASS, id="false"),
        pytest.param(None, PASS, id="unset"),
    ],
)
def test_host_namespaces(field: str, value: bool | None, expected: Result) -> None:
    rule = {
        "hostNetwork": "APP-12/host-network",
        "hostPID": "APP-12/host-pid",
        "hostIPC": "APP-12/host-ipc",
    }[field]
    obj = deploy_pod(**({field: value} if value is not None else {}))
    finding = one(rule, obj)
    assert finding.result == expected
    assert finding.container is None


@pytest.mark.parametrize(
    ("volumes", "expected"),
    [
        pytest.param([{"name": "logs", "hostPath": {"path": "/var/log"}}], FAIL, id="host-path"),
        pytest.param([{"name": "tmp", "emptyDir": {}}], PASS, id="empty-dir"),
        pytest.param([], PASS, id="none"),
    ],
)
def test_host_path(volumes: list[dict[str, Any]], expected: Result) -> None:
    finding = one("APP-12/host-path", deploy_pod(volumes=volumes))
    assert finding.result == expected
    if expected == FAIL:
        assert "logs (/var/log)" in finding.message


@pytest.mark.parametrize(
    ("objs", "complete", "expected"),
    [
        pytest.param([deploy_pod(automountServiceAccountToken=False)], False, PASS, id="pod-false"),
        pytest.param(
            [deploy_pod(automountServiceAccountToken=True), serviceaccount(automount=False)],
            False,
            FAIL,
            id="pod-true-beats-account",
        ),
        pytest.param(
            [deploy_pod(), serviceaccount(automount=False)], False, PASS, id="account-false"
        ),
        pytest.param(
            [deploy_pod(serviceAccountName="api"), serviceaccount("api", automount=False)],
            False,
            PASS,
            id="named-account-false",
        ),
        pytest.param(
            [deploy_pod(serviceAccountName="api"), serviceaccount(automount=False)],
            False,
            WARN,
            id="other-account-opts-out",
        ),
        pytest.param([deploy_pod(), serviceaccount()], False, FAIL, id="account-silent"),
        pytest.param([deploy_pod()], False, WARN, id="account-unknown-partial"),
        pytest.param([deploy_pod()], True, FAIL, id="account-unknown-complete"),
    ],
)
def test_automount_service_account_token(
    objs: list[dict[str, Any]], complete: bool, expected: Result
) -> None:
    assert (
        one("APP-12/automount-service-account-token", *objs, complete=complete).result == expected
    )


@pytest.mark.parametrize(
    ("sysctls", "expected"),
    [
        pytest.param(None, PASS, id="none"),
        pytest.param(
            [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}], PASS, id="safe"
        ),
        pytest.param([{"name": "kernel.msgmax", "value": "65536"}], FAIL, id="unsafe"),
    ],
)
def test_unsafe_sysctls(sysctls: list[dict[str, str]] | None, expected: Result) -> None:
    security = {"sysctls": sysctls} if sysctls is not None else {}
    assert one("APP-12/sysctls-unsafe", deploy_pod(securityContext=security)).result == expected


# --- APP-12 on Windows pods ---------------------------------------------------------------------

WINDOWS_IMAGE = "mcr.microsoft.com/windows/servercore:ltsc2022"


def test_linux_only_settings_are_not_applicable_on_windows_pods() -> None:
    obj = deployment(
        containers=[container("app", image=WINDOWS_IMAGE)],
        pod_spec_extra={"nodeSelector": {"kubernetes.io/os": "windows"}},
    )
    found = {f.rule: f.result for f in run(application.check, obj) if f.container == "app"}
    for rule in (
        "APP-12/privilege-escalation",
        "APP-12/dangerous-capabilities",
        "APP-12/read-only-root-filesystem",
        "APP-12/drop-all-capabilities",
        "APP-12/seccomp-profile",
        "APP-12/proc-mount",
    ):
        assert found[rule] == NA, rule
    assert found["APP-12/privileged"] == PASS
    assert found["APP-12/run-as-non-root"] == FAIL


def test_windows_pods_run_as_non_root_by_user_name() -> None:
    obj = deployment(
        containers=[container("app", image=WINDOWS_IMAGE)],
        pod_spec_extra={
            "os": {"name": "windows"},
            "securityContext": {"windowsOptions": {"runAsUserName": "ContainerUser"}},
        },
    )
    assert one("APP-12/run-as-non-root", obj).result == PASS


# --- APP-19: rollout strategy --------------------------------------------------------------------


def rolling(max_unavailable: int | str) -> dict[str, Any]:
    return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(deployment(replicas=3), PASS, id="deployment-default"),
        pytest.param(
            deployment(spec_extra={"strategy": {"type": "Recreate"}}), FAIL, id="recreate"
        ),
        pytest.param(
            deployment(replicas=4, spec_extra={"strategy": rolling("100%")}),
            FAIL,
            id="max-unavailable-all-percent",
        ),
        pytest.param(
            deployment(replicas=4, spec_extra={"strategy": rolling("75%")}),
            PASS,
            id="percent-rounds-down",
        ),
        pytest.param(
            deployment(replicas=2, spec_extra={"strategy": rolling(2)}),
            FAIL,
            id="max-unavailable-all-int",
        ),
        pytest.param(
            deployment(spec_extra={"strategy": rolling(1)}),
            FAIL,
            id="single-replica-max-unavailable-one",
        ),
        pytest.param(deployment(spec_extra={"strategy": rolling("25%")}), PASS, id="single-25pct"),
        pytest.param(statefulset(replicas=3), PASS, id="statefulset-default"),
        pytest.param(
            statefulset(spec_extra={"updateStrategy": {"type": "OnDelete"}}),
            WARN,
            id="statefulset-on-delete",
        ),
        pytest.param(
            statefulset(replicas=3, spec_extra={"updateStrategy": rolling(3)}),
            FAIL,
            id="statefulset-all-at-once",
        ),
        pytest.param(daemonset(), PASS, id="daemonset-default"),
        pytest.param(
            daemonset(spec_extra={"updateStrategy": rolling("100%")}), FAIL, id="daemonset-100pct"
        ),
        pytest.param(
            daemonset(spec_extra={"updateStrategy": rolling(5)}), PASS, id="daemonset-int"
        ),
    ],
)
def test_rolling_update(obj: dict[str, Any], expected: Result) -> None:
    assert one("APP-19/rolling-update", obj).result == expected


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        pytest.param(
            statefulset(replicas=1),
            "StatefulSet/db sets no updateStrategy.rollingUpdate.maxUnavailable, which "
            "defaults to 1, which lets a rollout take every pod down at once (1 replica)",
            id="statefulset-default-is-said-to-be-a-default",
        ),
        pytest.param(
            statefulset(replicas=3, spec_extra={"updateStrategy": rolling(3)}),
            "StatefulSet/db sets updateStrategy.rollingUpdate.maxUnavailable: 3, which lets a "
            "rollout take every pod down at once (3 replicas)",
            id="statefulset-set-is-said-to-be-set",
        ),
        pytest.param(
            deployment(replicas=3),
            "Deployment/web sets no strategy.rollingUpdate.maxUnavailable, which defaults to "
            "25%, so it rolls out gradually",
            id="deployment-default",
        ),
    ],
)
def test_rolling_update_says_what_the_manifest_sets_and_what_is_defaulted(
    obj: dict[str, Any], message: str
) -> None:
    assert one("APP-19/rolling-update", obj).message == message


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(job(), id="job"),
        pytest.param(pod(), id="pod"),
        pytest.param(replicaset(), id="rs"),
    ],
)
def test_rolling_update_ignores_kinds_without_rollouts(obj: dict[str, Any]) -> None:
    assert judge("APP-19/rolling-update", obj) == []


# --- APP-20: naked pods -------------------------------------------------------------------------


def test_a_pod_without_controller_is_naked() -> None:
    finding = one("APP-20/naked-pod", pod("debug"))
    assert finding.result == FAIL
    assert str(finding.object) == "Pod/debug"
    assert application.NAKED_POD.scope == "object"


def test_a_controlled_pod_is_judged_through_its_controller() -> None:
    owned = pod("web-5d9f-abcde", owner=owner_reference("ReplicaSet", "web-5d9f"))
    assert judge("APP-20/naked-pod", owned) == []


def test_a_pod_with_a_non_controller_owner_is_still_naked() -> None:
    owned = pod("helper", owner=owner_reference("ConfigMap", "x", controller=False))
    assert one("APP-20/naked-pod", owned).result == FAIL


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(deployment(), id="deployment"),
        pytest.param(statefulset(), id="statefulset"),
        pytest.param(daemonset(), id="daemonset"),
        pytest.param(job(), id="job"),
        pytest.param(cronjob(), id="cronjob"),
    ],
)
def test_controllers_pass_naked_pod(obj: dict[str, Any]) -> None:
    assert one("APP-20/naked-pod", obj).result == PASS


# --- APP-21: images -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        pytest.param("nginx", FAIL, id="no-tag"),
        pytest.param("nginx:latest", FAIL, id="latest"),
        pytest.param("nginx:1.27.2", PASS, id="tag"),
        pytest.param(f"nginx@{DIGEST}", PASS, id="digest"),
        pytest.param(f"nginx:1.27@{DIGEST}", PASS, id="tag-and-digest"),
        pytest.param(f"nginx:latest@{DIGEST}", PASS, id="latest-pinned-by-digest"),
        pytest.param("myreg:5000/app:1.0", PASS, id="registry-port-tag"),
        pytest.param("myreg:5000/app", FAIL, id="registry-port-no-tag"),
    ],
)
def test_image_tag_pinned(image: str, expected: Result) -> None:
    assert one("APP-21/image-tag-pinned", deploy_with(image=image)).result == expected


def test_image_without_a_tag_says_latest_is_implied() -> None:
    finding = one("APP-21/image-tag-pinned", deploy_with(image="nginx"))
    assert (
        finding.message == 'container "app" uses image docker.io/library/nginx with no tag (latest)'
    )


def test_a_container_without_an_image_cannot_be_judged() -> None:
    found = run(application.check, deploy_with(image=None))
    images = {f.rule: f.result for f in found if f.item == "APP-21"}
    assert images == {"APP-21/image-tag-pinned": ERROR, "APP-21/image-pull-policy": ERROR}


@pytest.mark.parametrize(
    ("image", "policy", "expected"),
    [
        pytest.param("app:1.0", "Never", FAIL, id="never"),
        pytest.param("app:1.0", "Always", PASS, id="always"),
        pytest.param("app:1.0", "IfNotPresent", WARN, id="if-not-present-mutable-tag"),
        pytest.param("app:1.0", None, WARN, id="defaulted-if-not-present"),
        pytest.param("app", None, PASS, id="defaulted-always-for-latest"),
        pytest.param(f"app@{DIGEST}", "IfNotPresent", PASS, id="digest-if-not-present"),
        pytest.param(f"app@{DIGEST}", "Never", FAIL, id="digest-never"),
    ],
)
def test_image_pull_policy(image: str, policy: str | None, expected: Result) -> None:
    fields: dict[str, Any] = {"image": image}
    if policy is not None:
        fields["imagePullPolicy"] = policy
    assert one("APP-21/image-pull-policy", deploy_with(**fields)).result == expected


def test_image_rules_judge_init_but_not_ephemeral_containers() -> None:
    naked = pod(
        containers=[container("app", image="app:1")],
        init_containers=[container("migrate", image="migrate:latest")],
        ephemeralContainers=[container("debug", image="busybox")],
    )
    assert per_container("APP-21/image-tag-pinned", naked) == {"app": PASS, "migrate": FAIL}


# --- scale --------------------------------------------------------------------------------------


def test_autoscalers_are_matched_per_workload_without_cross_talk() -> None:
    """The autoscaler index must give every Deployment its own HPA's floor."""
    objs: list[dict[str, Any]] = []
    for i in range(50):
        objs.append(deployment(f"web-{i}", replicas=1))
        objs.append(hpa(f"web-{i}", min_replicas=2 if i % 2 else 1))
    found = judge("APP-05/min-replicas", *objs)
    results = {f.object.name: f.result for f in found if f.object is not None}
    assert results == {f"web-{i}": PASS if i % 2 else FAIL for i in range(50)}
