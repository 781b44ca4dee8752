"""AksChecklistPolicy parsing, quantities, waivers and namespace selection."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from aks_checklist.checks.engine import DEFAULT_ALLOWED_REGISTRIES, CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result, Severity
from aks_checklist.policy import (
    SYSTEM_NAMESPACES,
    AzureTarget,
    Policy,
    PolicyError,
    Waiver,
    apply_waivers,
    parse_duration,
    parse_policy,
    parse_quantity,
    parse_spec,
    policy_selects_namespace,
)


def policy_object(spec: Any = None, **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "akschecklist.io/v1alpha1",
        "kind": "AksChecklistPolicy",
        "metadata": {"name": "baseline", **metadata},
        "spec": spec if spec is not None else {},
    }


def error_of(spec: dict[str, Any]) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_spec(spec, name="p")
    return str(caught.value)


# --- quantities ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("8", Decimal(8), id="plain-integer"),
        pytest.param("100m", Decimal("0.1"), id="milli"),
        pytest.param("1.5", Decimal("1.5"), id="decimal-fraction"),
        pytest.param(".5", Decimal("0.5"), id="leading-dot"),
        pytest.param("5.", Decimal(5), id="trailing-dot"),
        pytest.param("128Mi", Decimal(128 * 2**20), id="mebi"),
        pytest.param("1Ki", Decimal(1024), id="kibi"),
        pytest.param("1Ei", Decimal(2**60), id="exbi"),
        pytest.param("2k", Decimal(2000), id="kilo"),
        pytest.param("16G", Decimal(16 * 10**9), id="giga"),
        pytest.param("1E", Decimal(10**18), id="exa-suffix"),
        pytest.param("1e3", Decimal(1000), id="e-notation"),
        pytest.param("1E3", Decimal(1000), id="capital-e-notation"),
        pytest.param("25e-1", Decimal("2.5"), id="negative-exponent"),
        pytest.param("500u", Decimal("0.0005"), id="micro"),
        pytest.param("-1", Decimal(-1), id="signed"),
        pytest.param("+2Gi", Decimal(2 * 2**30), id="plus-sign"),
    ],
)
def test_parse_quantity_gives_exact_values(text: str, expected: Decimal) -> None:
    """Every Kubernetes suffix, binary and decimal, and e-notation evaluate exactly."""
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("eight", id="word"),
        pytest.param("", id="empty"),
        pytest.param("1 Gi", id="inner-space"),
        pytest.param("1gi", id="lowercase-binary"),
        pytest.param("1KB", id="unknown-suffix"),
        pytest.param("1e", id="dangling-exponent"),
        pytest.param("Mi", id="no-number"),
        pytest.param("1.2.3", id="two-dots"),
    ],
)
def test_parse_quantity_rejects_what_kubernetes_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity(text)


# --- defaults --------------------------------------------------------------------------------


def test_empty_spec_gets_the_documented_defaults() -> None:
    """An empty spec means the API sketch's defaults, field for field."""
    policy = parse_policy(policy_object({}, generation=3))
    assert policy.name == "baseline"
    assert policy.generation == 3
    assert policy.enforcement == "Audit"
    assert not policy.enforcing
    assert policy.namespace_selector == {}
    assert policy.excluded_namespaces == ()
    baseline = policy.baseline
    assert baseline.network_policy.enabled
    assert baseline.network_policy.allow_dns
    assert baseline.limit_range.enabled
    assert baseline.limit_range.default_request == {"cpu": "100m", "memory": "128Mi"}
    assert baseline.limit_range.default == {"cpu": "500m", "memory": "512Mi"}
    assert baseline.limit_range.max is None
    assert baseline.resource_quota.hard == {
        "requests.cpu": "8",
        "requests.memory": "16Gi",
        "limits.cpu": "16",
        "limits.memory": "32Gi",
        "pods": "200",
    }
    assert baseline.pod_disruption_budget.enabled
    assert baseline.pod_disruption_budget.min_replicas == 2
    assert baseline.pod_disruption_budget.max_unavailable == 1
    assert policy.checks == CheckSettings()
    assert policy.checks.allowed_registries == DEFAULT_ALLOWED_REGISTRIES
    assert policy.waivers == ()
    assert policy.reevaluate_every == timedelta(minutes=10)


def test_missing_spec_is_the_same_as_an_empty_one() -> None:
    obj = policy_object()
    del obj["spec"]
    assert parse_policy(obj) == parse_policy(policy_object({}))


def test_defaults_apply_field_by_field() -> None:
    """Setting one field of a section keeps the defaults of its siblings, like CRD defaulting."""
    policy = parse_spec({"baseline": {"limitRange": {"default": {"cpu": "1"}}}}, name="p")
    assert policy.baseline.limit_range.default == {"cpu": "1"}
    assert policy.baseline.limit_range.default_request == {"cpu": "100m", "memory": "128Mi"}
    assert policy.baseline.limit_range.enabled


def test_a_full_spec_is_read_into_typed_fields() -> None:
    spec = {
        "enforcement": "Enforce",
        "namespaceSelector": {
            "matchLabels": {"team": "shop"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["prod"]}],
        },
        "excludedNamespaces": ["legacy-*"],
        "baseline": {
            "networkPolicy": {"enabled": False, "allowDNS": False},
            "limitRange": {
                "enabled": True,
                "defaultRequest": {"cpu": "200m"},
                "default": {"cpu": "1", "memory": "1Gi"},
                "max": {"cpu": "4"},
            },
            "resourceQuota": {"enabled": False, "hard": {"pods": 50, "requests.cpu": 0.5}},
            "podDisruptionBudget": {"minReplicas": 3, "maxUnavailable": "25%"},
        },
        "checks": {"disabled": ["APP-01", "APP-12/privileged"], "allowedRegistries": ["*.corp"]},
        "waivers": [
            {
                "rule": "APP-01/liveness-probe",
                "namespace": "legacy",
                "name": "batch-*",
                "kind": "Deployment",
                "reason": "batch jobs have no HTTP endpoint",
                "expires": "2027-03-01",
            }
        ],
        "reevaluateEvery": "1h30m",
    }
    policy = parse_spec(spec, name="shop", generation=7)
    assert policy.enforcing
    assert policy.namespace_selector == spec["namespaceSelector"]
    assert policy.excluded_namespaces == ("legacy-*",)
    assert not policy.baseline.network_policy.enabled
    assert not policy.baseline.network_policy.allow_dns
    assert policy.baseline.limit_range.max == {"cpu": "4"}
    assert policy.baseline.resource_quota.hard == {"pods": "50", "requests.cpu": "0.5"}
    assert not policy.baseline.resource_quota.enabled
    assert policy.baseline.pod_disruption_budget.min_replicas == 3
    assert policy.baseline.pod_disruption_budget.max_unavailable == "25%"
    assert policy.checks.disabled == frozenset({"APP-01", "APP-12/privileged"})
    assert policy.checks.allowed_registries == ("*.corp",)
    assert policy.waivers == (
        Waiver(
            rule="APP-01/liveness-probe",
            reason="batch jobs have no HTTP endpoint",
            namespace="legacy",
            name="batch-*",
            kind="Deployment",
            expires=date(2027, 3, 1),
        ),
    )
    assert policy.reevaluate_every == timedelta(hours=1, minutes=30)


def test_excluded_namespaces_add_to_the_system_list_instead_of_replacing_it() -> None:
    """A policy's own exclusions never bring kube-system back into scope."""
    policy = parse_spec({"excludedNamespaces": ["legacy"]}, name="p")
    assert policy.excluded_namespaces == ("legacy",)
    assert not policy_selects_namespace(policy, "legacy", {}, {}, None)
    assert not policy_selects_namespace(policy, "kube-system", {}, {}, None)
    assert policy_selects_namespace(policy, "shop", {}, {}, None)


@pytest.mark.parametrize(
    "name", [pytest.param(n.replace("*", "system"), id=n) for n in SYSTEM_NAMESPACES]
)
def test_system_namespaces_are_never_selected_by_an_empty_selector(name: str) -> None:
    assert not policy_selects_namespace(parse_spec({}, name="p"), name, {}, {}, None)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param(
            {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, True, id="match-labels"
        ),
        pytest.param(
            {
                "matchExpressions": [
                    {
                        "key": "kubernetes.io/metadata.name",
                        "operator": "In",
                        "values": ["kube-system", "shop"],
                    }
                ]
            },
            True,
            id="in-expression",
        ),
        pytest.param(
            {
                "matchExpressions": [
                    {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["x"]}
                ]
            },
            False,
            id="not-in-does-not-name-it",
        ),
        pytest.param({"matchLabels": {"tier": "system"}}, False, id="other-label"),
    ],
)
def test_a_system_namespace_is_selected_only_when_the_selector_names_it(
    selector: dict[str, Any], expected: bool
) -> None:
    policy = parse_spec({"namespaceSelector": selector}, name="p")
    labels = {"kubernetes.io/metadata.name": "kube-system", "tier": "system"}
    assert policy_selects_namespace(policy, "kube-system", labels, {}, None) is expected


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        pytest.param("pods", "2500m", False, id="pods-fraction"),
        pytest.param("pods", "2k", True, id="pods-thousands"),
        pytest.param("count/deployments.apps", "1.5", False, id="count-fraction"),
        pytest.param("requests.cpu", "2500m", True, id="cpu-fraction-is-fine"),
    ],
)
def test_quota_counts_must_be_whole_numbers(key: str, value: str, ok: bool) -> None:
    spec = {"baseline": {"resourceQuota": {"hard": {key: value}}}}
    if ok:
        assert parse_spec(spec, name="p").baseline.resource_quota.hard == {key: value}
    else:
        with pytest.raises(PolicyError, match="not a whole number"):
            parse_spec(spec, name="p")


def test_yaml_dates_are_accepted_for_expires() -> None:
    """Unquoted dates in YAML arrive as date objects; RFC 3339 timestamps keep their day."""
    waivers = parse_spec(
        {
            "waivers": [
                {"rule": "APP-01", "reason": "r", "expires": date(2027, 1, 2)},
                {"rule": "APP-02", "reason": "r", "expires": "2027-01-03T10:00:00Z"},
            ]
        },
        name="p",
    ).waivers
    assert [w.expires for w in waivers] == [date(2027, 1, 2), date(2027, 1, 3)]


# --- validation errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            {"baseline": {"resourceQuota": {"hard": {"requests.cpu": "eight"}}}},
            'spec.baseline.resourceQuota.hard["requests.cpu"]: '
            '"eight" is not a Kubernetes quantity',
            id="quota-not-a-quantity",
        ),
        pytest.param(
            {"baseline": {"resourceQuota": {"hard": {"pods": True}}}},
            "spec.baseline.resourceQuota.hard.pods: True is not a Kubernetes quantity",
            id="quota-boolean",
        ),
        pytest.param(
            {"baseline": {"limitRange": {"default": {"memory": "-1Gi"}}}},
            'spec.baseline.limitRange.default.memory: "-1Gi" is negative',
            id="negative-limit",
        ),
        pytest.param(
            {"baseline": {"limitRange": {"default": {"cpu": "50m"}}}},
            "spec.baseline.limitRange.default.cpu: 50m is below defaultRequest cpu 100m",
            id="default-below-default-request",
        ),
        pytest.param(
            {"baseline": {"limitRange": {"max": {"memory": "256Mi"}}}},
            "spec.baseline.limitRange.default.memory: 512Mi is above max memory 256Mi",
            id="default-above-max",
        ),
        pytest.param(
            {"enforcement": "enforce"},
            'spec.enforcement: "enforce" is not Audit or Enforce',
            id="enforcement-wrong-case",
        ),
        pytest.param(
            {"waviers": []},
            "spec.waviers: unknown field",
            id="typo-in-field-name",
        ),
        pytest.param(
            {"baseline": {"networkPolicy": {"allowDns": True}}},
            "spec.baseline.networkPolicy.allowDns: unknown field",
            id="typo-nested",
        ),
        pytest.param(
            {"baseline": {"networkPolicy": {"enabled": "yes"}}},
            'spec.baseline.networkPolicy.enabled: "yes" is not true or false',
            id="bool-as-string",
        ),
        pytest.param(
            {"baseline": {"podDisruptionBudget": {"maxUnavailable": 0}}},
            "spec.baseline.podDisruptionBudget.maxUnavailable: 0 would block every voluntary",
            id="pdb-max-unavailable-zero",
        ),
        pytest.param(
            {"baseline": {"podDisruptionBudget": {"maxUnavailable": "0%"}}},
            'spec.baseline.podDisruptionBudget.maxUnavailable: "0%" would block',
            id="pdb-max-unavailable-zero-percent",
        ),
        pytest.param(
            {"baseline": {"podDisruptionBudget": {"maxUnavailable": "one"}}},
            'spec.baseline.podDisruptionBudget.maxUnavailable: "one" is neither a whole number',
            id="pdb-max-unavailable-word",
        ),
        pytest.param(
            {"baseline": {"podDisruptionBudget": {"maxUnavailable": "150%"}}},
            'spec.baseline.podDisruptionBudget.maxUnavailable: "150%" is more than 100%',
            id="pdb-max-unavailable-over-100",
        ),
        pytest.param(
            {"baseline": {"podDisruptionBudget": {"minReplicas": 0}}},
            "spec.baseline.podDisruptionBudget.minReplicas: 0 is not a whole number of at least 1",
            id="pdb-min-replicas-zero",
        ),
        pytest.param(
            {"checks": {"disabled": ["app-01"]}},
            'spec.checks.disabled[0]: "app-01" is not an item ID',
            id="disabled-bad-id",
        ),
        pytest.param(
            {"checks": {"allowedRegistries": "*.azurecr.io"}},
            "spec.checks.allowedRegistries: must be a list, not a string",
            id="registries-not-a-list",
        ),
        pytest.param(
            {"waivers": [{"namespace": "x", "reason": "r"}]},
            "spec.waivers[0].rule: is required",
            id="waiver-without-rule",
        ),
        pytest.param(
            {"waivers": [{"rule": "APP-01/Liveness", "reason": "r"}]},
            'spec.waivers[0].rule: "APP-01/Liveness" is not an item ID',
            id="waiver-bad-rule",
        ),
        pytest.param(
            {"waivers": [{"rule": "APP-01", "reason": " "}]},
            "spec.waivers[0].reason: is required",
            id="waiver-blank-reason",
        ),
        pytest.param(
            {"waivers": [{"rule": "APP-01", "reason": "r", "expires": "next year"}]},
            'spec.waivers[0].expires: "next year" is not a date',
            id="waiver-bad-date",
        ),
        pytest.param(
            {"waivers": {"rule": "APP-01"}},
            "spec.waivers: must be a list, not an object",
            id="waivers-not-a-list",
        ),
        pytest.param(
            {"reevaluateEvery": "10 minutes"},
            'spec.reevaluateEvery: "10 minutes" is not a duration',
            id="duration-words",
        ),
        pytest.param(
            {"reevaluateEvery": "0s"},
            'spec.reevaluateEvery: "0s" must be longer than zero',
            id="duration-zero",
        ),
        pytest.param(
            {"namespaceSelector": {"matchExpressions": [{"key": "a", "operator": "Equals"}]}},
            'spec.namespaceSelector.matchExpressions[0].operator: "Equals" is not In',
            id="selector-bad-operator",
        ),
        pytest.param(
            {"namespaceSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}},
            "spec.namespaceSelector.matchExpressions[0].values: must not be empty",
            id="selector-in-without-values",
        ),
        pytest.param(
            {"namespaceSelector": {"matchLabels": {"team": 3}}},
            "spec.namespaceSelector.matchLabels.team: 3 is not a string",
            id="selector-label-not-string",
        ),
        pytest.param(
            {"excludedNamespaces": ["ok", ""]},
            'spec.excludedNamespaces[1]: "" is not a non-empty string',
            id="excluded-empty-name",
        ),
    ],
)
def test_invalid_specs_name_the_field(spec: dict[str, Any], message: str) -> None:
    """Each error starts with the path of the offending field, then says what is wrong."""
    assert error_of(spec).startswith(message)


def test_policy_error_keeps_path_and_message_apart() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_spec({"enforcement": 1}, name="p")
    assert caught.value.field_path == "spec.enforcement"
    assert caught.value.message == "1 is not Audit or Enforce"


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        pytest.param({**policy_object(), "kind": "ConfigMap"}, "kind: ", id="wrong-kind"),
        pytest.param({**policy_object(), "apiVersion": "v1"}, "apiVersion: ", id="wrong-api-group"),
        pytest.param({"kind": "AksChecklistPolicy", "spec": {}}, "metadata: ", id="no-metadata"),
        pytest.param(
            {"kind": "AksChecklistPolicy", "metadata": {}}, "metadata.name: ", id="no-name"
        ),
        pytest.param(policy_object(generation="3"), "metadata.generation: ", id="bad-generation"),
        pytest.param(policy_object(spec=[]), "spec: must be an object", id="spec-a-list"),
    ],
)
def test_invalid_objects_name_the_field(obj: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=f"^{message}"):
        parse_policy(obj)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("30s", timedelta(seconds=30), id="seconds"),
        pytest.param("10m", timedelta(minutes=10), id="minutes"),
        pytest.param("1h", timedelta(hours=1), id="hours"),
        pytest.param("1h30m", timedelta(minutes=90), id="compound"),
        pytest.param("1.5h", timedelta(minutes=90), id="fractional"),
        pytest.param("500ms", timedelta(milliseconds=500), id="milliseconds"),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("10", id="no-unit"),
        pytest.param("1d", id="days-unsupported"),
        pytest.param("m10", id="unit-first"),
        pytest.param(600, id="integer"),
    ],
)
def test_parse_duration_rejects_malformed(value: Any) -> None:
    with pytest.raises(PolicyError, match="is not a duration"):
        parse_duration(value, "spec.reevaluateEvery")


# --- waivers ---------------------------------------------------------------------------------

TODAY = date(2026, 6, 1)


def finding(
    rule: str = "APP-01/liveness-probe",
    result: Result = Result.FAIL,
    *,
    kind: str = "Deployment",
    namespace: str | None = "legacy",
    name: str = "batch-nightly",
    with_object: bool = True,
) -> Finding:
    ref = ObjectRef("apps/v1", kind, namespace, name) if with_object else None
    return Finding(rule, result, Severity.HIGH, "container app has no livenessProbe", ref)


def waiver(**fields: Any) -> Waiver:
    values: dict[str, Any] = {"rule": "APP-01/liveness-probe", "reason": "no HTTP endpoint"}
    values.update(fields)
    return Waiver(**values)


@pytest.mark.parametrize(
    ("the_waiver", "the_finding"),
    [
        pytest.param(waiver(), finding(), id="rule-only-waives-everywhere"),
        pytest.param(waiver(rule="APP-01"), finding(), id="item-id-covers-its-rules"),
        pytest.param(waiver(namespace="legacy", name="batch-*"), finding(), id="globs-match"),
        pytest.param(waiver(namespace="leg*"), finding(), id="namespace-glob"),
        pytest.param(waiver(kind="Deployment"), finding(), id="kind-matches"),
        pytest.param(waiver(), finding(result=Result.WARN), id="warn-is-waivable"),
        pytest.param(waiver(expires=TODAY), finding(), id="last-day-still-applies"),
        pytest.param(waiver(), finding(with_object=False), id="unscoped-waiver-covers-cluster"),
    ],
)
def test_matching_waiver_turns_finding_into_waived(
    the_waiver: Waiver, the_finding: Finding
) -> None:
    [waived] = apply_waivers([the_finding], [the_waiver], TODAY)
    assert waived.result is Result.WAIVED
    assert waived.message.startswith(the_finding.message)
    assert "waived: no HTTP endpoint" in waived.message
    assert waived.rule == the_finding.rule
    assert waived.object == the_finding.object


@pytest.mark.parametrize(
    ("the_waiver", "the_finding"),
    [
        pytest.param(waiver(rule="APP-02"), finding(), id="other-item"),
        pytest.param(waiver(rule="APP-01/startup-probe"), finding(), id="other-rule-same-item"),
        pytest.param(waiver(rule="APP-0"), finding(), id="item-prefix-is-not-an-item"),
        pytest.param(waiver(namespace="shop"), finding(), id="other-namespace"),
        pytest.param(waiver(name="api-*"), finding(), id="other-name"),
        pytest.param(waiver(kind="StatefulSet"), finding(), id="other-kind"),
        pytest.param(waiver(kind="deployment"), finding(), id="kind-is-case-sensitive"),
        pytest.param(
            waiver(namespace="*"), finding(namespace=None), id="namespace-glob-skips-cluster-scoped"
        ),
        pytest.param(
            waiver(name="*"), finding(with_object=False), id="scoped-waiver-skips-cluster-findings"
        ),
        pytest.param(waiver(), finding(result=Result.PASS), id="pass-stays-pass"),
        pytest.param(waiver(), finding(result=Result.ERROR), id="error-stays-error"),
        pytest.param(waiver(), finding(result=Result.NOT_APPLICABLE), id="not-applicable-stays"),
    ],
)
def test_non_matching_waiver_changes_nothing(the_waiver: Waiver, the_finding: Finding) -> None:
    assert apply_waivers([the_finding], [the_waiver], TODAY) == [the_finding]


def test_waived_message_names_the_expiry_date() -> None:
    [waived] = apply_waivers([finding()], [waiver(expires=date(2027, 3, 1))], TODAY)
    assert waived.message == (
        "container app has no livenessProbe; waived: no HTTP endpoint (until 2027-03-01)"
    )


def test_expired_waiver_no_longer_applies_but_is_reported() -> None:
    [kept] = apply_waivers([finding()], [waiver(expires=TODAY - timedelta(days=1))], TODAY)
    assert kept.result is Result.FAIL
    assert kept.message == "container app has no livenessProbe; waiver expired on 2026-05-31"


def test_active_waiver_wins_over_an_expired_one() -> None:
    waivers = [waiver(expires=date(2020, 1, 1), reason="old"), waiver(reason="renewed")]
    [waived] = apply_waivers([finding()], waivers, TODAY)
    assert waived.result is Result.WAIVED
    assert "renewed" in waived.message
    assert "expired" not in waived.message


def test_expired_note_names_the_latest_expiry() -> None:
    waivers = [waiver(expires=date(2025, 1, 1)), waiver(expires=date(2026, 1, 1))]
    [kept] = apply_waivers([finding()], waivers, TODAY)
    assert kept.message.endswith("waiver expired on 2026-01-01")


def test_apply_waivers_keeps_order_and_other_findings() -> None:
    findings = [finding(name="api"), finding(name="batch-1"), finding(rule="APP-02/x")]
    out = apply_waivers(findings, [waiver(name="batch-*")], TODAY)
    assert [f.result for f in out] == [Result.FAIL, Result.WAIVED, Result.FAIL]
    assert out[0] is findings[0]
    assert out[2] is findings[2]


# --- namespace selection ---------------------------------------------------------------------


def selecting(spec: dict[str, Any]) -> Policy:
    return parse_spec(spec, name="p")


@pytest.mark.parametrize(
    ("spec", "name", "labels", "annotations", "expected"),
    [
        pytest.param({}, "shop", {}, {}, True, id="empty-selector-selects-all"),
        pytest.param({}, "kube-system", {}, {}, False, id="default-exclusions"),
        pytest.param({}, "aks-checklist", {}, {}, False, id="operator-namespace-always-excluded"),
        pytest.param(
            {"excludedNamespaces": []},
            "aks-checklist",
            {},
            {},
            False,
            id="operator-namespace-excluded-even-without-exclusions",
        ),
        pytest.param(
            {"excludedNamespaces": []}, "kube-system", {}, {}, False, id="system-stays-excluded"
        ),
        pytest.param(
            {"excludedNamespaces": ["team-*"]}, "team-a", {}, {}, False, id="glob-exclusion"
        ),
        pytest.param(
            {"excludedNamespaces": ["team-*"]}, "teams", {}, {}, True, id="glob-needs-full-match"
        ),
        pytest.param(
            {}, "shop", {}, {"akschecklist.io/exclude": "true"}, False, id="exclude-annotation"
        ),
        pytest.param(
            {}, "shop", {}, {"akschecklist.io/exclude": "false"}, True, id="annotation-false"
        ),
        pytest.param(
            {"namespaceSelector": {"matchLabels": {"env": "prod"}}},
            "shop",
            {"env": "prod"},
            {},
            True,
            id="labels-match",
        ),
        pytest.param(
            {"namespaceSelector": {"matchLabels": {"env": "prod"}}},
            "shop",
            {"env": "dev"},
            {},
            False,
            id="labels-differ",
        ),
        pytest.param(
            {
                "namespaceSelector": {
                    "matchExpressions": [{"key": "opt-out", "operator": "DoesNotExist"}]
                }
            },
            "shop",
            {},
            {},
            True,
            id="expression-does-not-exist",
        ),
        pytest.param(
            {"namespaceSelector": {"matchLabels": {"env": "prod"}}, "excludedNamespaces": ["shop"]},
            "shop",
            {"env": "prod"},
            {},
            False,
            id="exclusion-beats-selector",
        ),
    ],
)
def test_policy_selects_namespace(
    spec: dict[str, Any],
    name: str,
    labels: dict[str, str],
    annotations: dict[str, str],
    expected: bool,
) -> None:
    policy = selecting(spec)
    assert policy_selects_namespace(policy, name, labels, annotations, "aks-checklist") is expected


# --- spec.azure ------------------------------------------------------------------------------

SUBSCRIPTION = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"


def azure(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "subscriptionId": SUBSCRIPTION,
        "resourceGroup": "rg-payments-prod",
        "clusterName": "aks-payments-prod",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not ...}


def test_azure_is_absent_by_default() -> None:
    """Without spec.azure the policy names no AKS cluster to read."""
    assert parse_spec({}).azure is None
    assert parse_spec({"azure": None}).azure is None


def test_azure_is_read_into_a_target() -> None:
    """All three fields land in an AzureTarget, spelled as given."""
    policy = parse_policy(policy_object({"azure": azure()}))
    assert policy.azure == AzureTarget(
        subscription_id=SUBSCRIPTION,
        resource_group="rg-payments-prod",
        cluster_name="aks-payments-prod",
    )
    assert str(policy.azure) == f"rg-payments-prod/aks-payments-prod in subscription {SUBSCRIPTION}"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(azure(subscriptionId=SUBSCRIPTION.upper()), id="upper-case-guid"),
        pytest.param(azure(resourceGroup="Rg_(Prod).eu-1"), id="group-punctuation"),
        pytest.param(azure(resourceGroup="rg-zürich"), id="group-unicode-letters"),
        pytest.param(azure(resourceGroup="r" * 90), id="group-90-chars"),
        pytest.param(azure(resourceGroup="g"), id="group-one-char"),
        pytest.param(azure(clusterName="a"), id="cluster-one-char"),
        pytest.param(azure(clusterName="A" + "b_-" * 20 + "c9"), id="cluster-63-chars"),
    ],
)
def test_azure_accepts_every_name_azure_accepts(fields: dict[str, Any]) -> None:
    """Names at the edges of Azure's naming rules are valid."""
    target = parse_spec({"azure": fields}).azure
    assert target is not None
    assert (target.subscription_id, target.resource_group, target.cluster_name) == (
        fields["subscriptionId"],
        fields["resourceGroup"],
        fields["clusterName"],
    )


@pytest.mark.parametrize(
    ("spec", "field_path", "fragment"),
    [
        pytest.param({"azure": "aks-prod"}, "spec.azure", "must be an object", id="not-an-object"),
        pytest.param(
            {"azure": azure(subscriptionId=...)},
            "spec.azure.subscriptionId",
            "is required",
            id="subscription-missing",
        ),
        pytest.param(
            {"azure": azure(resourceGroup=...)},
            "spec.azure.resourceGroup",
            "is required",
            id="group-missing",
        ),
        pytest.param(
            {"azure": azure(clusterName=...)},
            "spec.azure.clusterName",
            "is required",
            id="cluster-missing",
        ),
        pytest.param({"azure": {}}, "spec.azure.subscriptionId", "is required", id="empty-object"),
        pytest.param(
            {"azure": azure(subscriptionId="my-subscription")},
            "spec.azure.subscriptionId",
            "is not a GUID",
            id="subscription-name-not-id",
        ),
        pytest.param(
            {"azure": azure(subscriptionId=SUBSCRIPTION[:-1])},
            "spec.azure.subscriptionId",
            "is not a GUID",
            id="subscription-too-short",
        ),
        pytest.param(
            {"azure": azure(subscriptionId=f"{{{SUBSCRIPTION}}}")},
            "spec.azure.subscriptionId",
            "is not a GUID",
            id="subscription-braced",
        ),
        pytest.param(
            {"azure": azure(subscriptionId=42)},
            "spec.azure.subscriptionId",
            "42 is not a non-empty string",
            id="subscription-number",
        ),
        pytest.param(
            {"azure": azure(resourceGroup="")},
            "spec.azure.resourceGroup",
            "is not a non-empty string",
            id="group-empty",
        ),
        pytest.param(
            {"azure": azure(resourceGroup="rg.")},
            "spec.azure.resourceGroup",
            "is not a resource group name",
            id="group-trailing-dot",
        ),
        pytest.param(
            {"azure": azure(resourceGroup="rg/other")},
            "spec.azure.resourceGroup",
            "is not a resource group name",
            id="group-slash",
        ),
        pytest.param(
            {"azure": azure(resourceGroup="r" * 91)},
            "spec.azure.resourceGroup",
            "is not a resource group name",
            id="group-91-chars",
        ),
        pytest.param(
            {"azure": azure(clusterName="-aks")},
            "spec.azure.clusterName",
            "is not an AKS cluster name",
            id="cluster-leading-hyphen",
        ),
        pytest.param(
            {"azure": azure(clusterName="aks_")},
            "spec.azure.clusterName",
            "is not an AKS cluster name",
            id="cluster-trailing-underscore",
        ),
        pytest.param(
            {"azure": azure(clusterName="aks.prod")},
            "spec.azure.clusterName",
            "is not an AKS cluster name",
            id="cluster-dot",
        ),
        pytest.param(
            {"azure": azure(clusterName="a" * 64)},
            "spec.azure.clusterName",
            "is not an AKS cluster name",
            id="cluster-64-chars",
        ),
        pytest.param(
            {"azure": azure(tenantId=SUBSCRIPTION)},
            "spec.azure.tenantId",
            "unknown field (expected one of clusterName, resourceGroup, subscriptionId)",
            id="unknown-field",
        ),
    ],
)
def test_azure_errors_name_the_field(spec: dict[str, Any], field_path: str, fragment: str) -> None:
    """A malformed spec.azure is rejected, naming the exact field and what is wrong."""
    with pytest.raises(PolicyError) as caught:
        parse_spec(spec)
    assert caught.value.field_path == field_path
    assert fragment in caught.value.message
