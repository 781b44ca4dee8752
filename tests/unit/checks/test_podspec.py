"""Pod-spec semantics: how Kubernetes resolves images, security contexts, defaults, scheduling."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks import podspec
from aks_checklist.checks.model import ObjectRef
from aks_checklist.checks.podspec import ImageRef, parse_image
from aks_checklist.checks.snapshot import Container, Workload
from tests.unit.checks.builders import container, cronjob, deployment, job, limitrange, node, pod

DIGEST = "sha256:" + "a" * 64


def ctr(section: str = "containers", **fields: Any) -> Container:
    return Container(spec=container(**fields), section=section)


def workload_of(obj: dict[str, Any]) -> Workload:
    return Workload(obj=obj, ref=ObjectRef.of(obj))


# --- images -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        pytest.param("nginx", ImageRef("docker.io", "library/nginx", None, None), id="bare-name"),
        pytest.param(
            "nginx:1.27", ImageRef("docker.io", "library/nginx", "1.27", None), id="official-tag"
        ),
        pytest.param(
            "bitnami/redis:7", ImageRef("docker.io", "bitnami/redis", "7", None), id="hub-org"
        ),
        pytest.param(
            "docker.io/nginx", ImageRef("docker.io", "library/nginx", None, None), id="hub-explicit"
        ),
        pytest.param(
            "index.docker.io/library/nginx:1",
            ImageRef("docker.io", "library/nginx", "1", None),
            id="hub-legacy-host",
        ),
        pytest.param(
            "myreg:5000/app:1", ImageRef("myreg:5000", "app", "1", None), id="host-port-tag"
        ),
        pytest.param(
            "myreg:5000/app", ImageRef("myreg:5000", "app", None, None), id="host-port-no-tag"
        ),
        pytest.param(
            "localhost/app", ImageRef("localhost", "app", None, None), id="localhost-registry"
        ),
        pytest.param(
            "localhost:5000/team/app:v2",
            ImageRef("localhost:5000", "team/app", "v2", None),
            id="localhost-port-nested",
        ),
        pytest.param(
            "contoso.azurecr.io/shop/api:1.4.2",
            ImageRef("contoso.azurecr.io", "shop/api", "1.4.2", None),
            id="acr",
        ),
        pytest.param(
            f"contoso.azurecr.io/api@{DIGEST}",
            ImageRef("contoso.azurecr.io", "api", None, DIGEST),
            id="digest-only",
        ),
        pytest.param(
            f"contoso.azurecr.io/api:1.0@{DIGEST}",
            ImageRef("contoso.azurecr.io", "api", "1.0", DIGEST),
            id="tag-and-digest",
        ),
        pytest.param(
            f"myreg:5000/api@{DIGEST}",
            ImageRef("myreg:5000", "api", None, DIGEST),
            id="port-and-digest",
        ),
        pytest.param(
            "Contoso.AzureCR.io/api:1",
            ImageRef("contoso.azurecr.io", "api", "1", None),
            id="registry-lower-cased",
        ),
        pytest.param(
            "  nginx:1  ", ImageRef("docker.io", "library/nginx", "1", None), id="whitespace"
        ),
    ],
)
def test_parse_image_resolves_registry_repository_tag_and_digest(
    reference: str, expected: ImageRef
) -> None:
    assert parse_image(reference) == expected


@pytest.mark.parametrize(
    "reference", [pytest.param("", id="empty"), pytest.param("  ", id="blank")]
)
def test_parse_image_returns_none_for_an_empty_reference(reference: str) -> None:
    assert parse_image(reference) is None


@pytest.mark.parametrize(
    ("reference", "floating"),
    [
        pytest.param("nginx", True, id="no-tag"),
        pytest.param("nginx:latest", True, id="latest"),
        pytest.param("nginx:1.27", False, id="tag"),
        pytest.param(f"nginx@{DIGEST}", False, id="digest"),
        pytest.param(f"nginx:latest@{DIGEST}", False, id="latest-with-digest"),
    ],
)
def test_floating_means_no_digest_and_no_tag_or_latest(reference: str, floating: bool) -> None:
    image = parse_image(reference)
    assert image is not None
    assert image.floating is floating


def test_image_ref_prints_its_normalised_form() -> None:
    image = parse_image(f"nginx:1@{DIGEST}")
    assert str(image) == f"docker.io/library/nginx:1@{DIGEST}"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"image": "nginx"}, ("Always", False), id="default-no-tag-always"),
        pytest.param({"image": "nginx:latest"}, ("Always", False), id="default-latest-always"),
        pytest.param({"image": "nginx:1"}, ("IfNotPresent", False), id="default-tag-ifnotpresent"),
        pytest.param(
            {"image": f"nginx@{DIGEST}"}, ("IfNotPresent", False), id="default-digest-ifnotpresent"
        ),
        pytest.param(
            {"image": "nginx", "imagePullPolicy": "Never"}, ("Never", True), id="explicit-wins"
        ),
    ],
)
def test_effective_pull_policy_follows_api_defaulting(
    fields: dict[str, Any], expected: tuple[str, bool]
) -> None:
    assert podspec.effective_pull_policy(ctr(**fields)) == expected


# --- containers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "extra", "expected"),
    [
        pytest.param("containers", {}, 'container "x"', id="regular"),
        pytest.param("initContainers", {}, 'init container "x"', id="init"),
        pytest.param(
            "initContainers", {"restartPolicy": "Always"}, 'sidecar container "x"', id="sidecar"
        ),
        pytest.param("ephemeralContainers", {}, 'ephemeral container "x"', id="ephemeral"),
    ],
)
def test_describe_names_the_container_and_its_kind(
    section: str, extra: dict[str, Any], expected: str
) -> None:
    assert podspec.describe(ctr(section, name="x", **extra)) == expected


@pytest.mark.parametrize(
    ("section", "extra", "expected"),
    [
        pytest.param("containers", {}, True, id="regular"),
        pytest.param("initContainers", {"restartPolicy": "Always"}, True, id="sidecar"),
        pytest.param("initContainers", {}, False, id="init"),
        pytest.param("ephemeralContainers", {}, False, id="ephemeral"),
    ],
)
def test_long_running_covers_regular_and_sidecar_containers(
    section: str, extra: dict[str, Any], expected: bool
) -> None:
    assert podspec.long_running(ctr(section, **extra)) is expected


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        pytest.param({"requests": {"cpu": "100m"}}, "100m", id="string"),
        pytest.param({"requests": {"cpu": 1}}, "1", id="number"),
        pytest.param({"requests": {"cpu": ""}}, None, id="empty-string"),
        pytest.param({"requests": {}}, None, id="absent"),
        pytest.param({"requests": None}, None, id="null-section"),
    ],
)
def test_resource_value_reads_quantities(resources: dict[str, Any], expected: str | None) -> None:
    assert podspec.resource_value(ctr(resources=resources), "requests", "cpu") == expected


@pytest.mark.parametrize(
    ("ports", "host_network", "expected"),
    [
        pytest.param([{"containerPort": 80}], False, [], id="container-port-only"),
        pytest.param([{"containerPort": 80, "hostPort": 8080}], False, [8080], id="host-port"),
        pytest.param([{"containerPort": 80, "hostPort": 0}], False, [], id="host-port-zero"),
        pytest.param([{"containerPort": 80}], True, [80], id="host-network-defaults-host-port"),
    ],
)
def test_host_ports_include_hostnetwork_defaulting(
    ports: list[dict[str, Any]], host_network: bool, expected: list[int]
) -> None:
    assert podspec.host_ports(ctr(ports=ports), host_network) == expected


# --- security contexts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pod_sc", "container_sc", "expected"),
    [
        pytest.param({"runAsNonRoot": True}, {}, True, id="pod-level-counts-for-container"),
        pytest.param({}, {"runAsNonRoot": True}, True, id="container-level"),
        pytest.param(
            {"runAsNonRoot": True}, {"runAsNonRoot": False}, False, id="container-overrides-pod"
        ),
        pytest.param(
            {"runAsNonRoot": False}, {"runAsNonRoot": True}, True, id="container-overrides-false"
        ),
        pytest.param({"runAsUser": 1000}, {}, True, id="pod-uid-nonzero"),
        pytest.param(
            {"runAsNonRoot": False}, {"runAsUser": 1000}, True, id="nonzero-uid-without-flag"
        ),
        pytest.param({"runAsNonRoot": True, "runAsUser": 0}, {}, False, id="uid-zero-beats-flag"),
        pytest.param({"runAsNonRoot": True}, {"runAsUser": 0}, False, id="container-uid-zero"),
        pytest.param({"runAsUser": 0}, {"runAsUser": 1000}, True, id="container-uid-overrides"),
        pytest.param({"runAsUser": 1000}, {"runAsUser": 0}, False, id="container-uid-root"),
        pytest.param({}, {}, False, id="nothing-set"),
        pytest.param({}, {"runAsUser": True}, False, id="non-integer-uid-ignored"),
    ],
)
def test_non_root_status_merges_container_over_pod(
    pod_sc: dict[str, Any], container_sc: dict[str, Any], expected: bool
) -> None:
    ok, why = podspec.non_root_status(ctr(securityContext=container_sc), pod_sc)
    assert ok is expected
    assert why


def test_non_root_status_names_the_level_that_decided() -> None:
    _, why = podspec.non_root_status(ctr(securityContext={"runAsUser": 0}), {"runAsNonRoot": True})
    assert why == "container-level securityContext.runAsUser is 0 (root)"


@pytest.mark.parametrize(
    ("pod_sc", "container_sc", "expected"),
    [
        pytest.param(
            {"windowsOptions": {"runAsUserName": "ContainerUser"}}, {}, True, id="pod-user"
        ),
        pytest.param(
            {"windowsOptions": {"runAsUserName": "ContainerUser"}},
            {"windowsOptions": {"runAsUserName": "ContainerAdministrator"}},
            False,
            id="container-admin-overrides",
        ),
        pytest.param({"runAsNonRoot": True}, {}, True, id="run-as-non-root"),
        pytest.param({}, {}, False, id="nothing"),
    ],
)
def test_windows_user_status(
    pod_sc: dict[str, Any], container_sc: dict[str, Any], expected: bool
) -> None:
    assert podspec.windows_user_status(ctr(securityContext=container_sc), pod_sc)[0] is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("SYS_ADMIN", "SYS_ADMIN", id="plain"),
        pytest.param("CAP_SYS_ADMIN", "SYS_ADMIN", id="prefixed"),
        pytest.param("cap_net_raw", "NET_RAW", id="lower-prefixed"),
        pytest.param(" all ", "ALL", id="padded-lower"),
    ],
)
def test_normalize_capability(name: str, expected: str) -> None:
    assert podspec.normalize_capability(name) == expected


@pytest.mark.parametrize(
    ("security", "escalates"),
    [
        pytest.param({"allowPrivilegeEscalation": False}, False, id="explicit-false"),
        pytest.param({"allowPrivilegeEscalation": True}, True, id="explicit-true"),
        pytest.param({}, True, id="unset-defaults-true"),
        pytest.param(
            {"allowPrivilegeEscalation": False, "privileged": True}, True, id="privileged-wins"
        ),
        pytest.param(
            {"allowPrivilegeEscalation": False, "capabilities": {"add": ["CAP_SYS_ADMIN"]}},
            True,
            id="sys-admin-wins",
        ),
    ],
)
def test_privilege_escalation(security: dict[str, Any], escalates: bool) -> None:
    assert podspec.privilege_escalation(ctr(securityContext=security))[0] is escalates


@pytest.mark.parametrize(
    ("container_sc", "pod_sc", "annotations", "expected"),
    [
        pytest.param({}, {}, {}, None, id="nothing"),
        pytest.param(
            {}, {"seccompProfile": {"type": "RuntimeDefault"}}, {}, "RuntimeDefault", id="pod"
        ),
        pytest.param(
            {"seccompProfile": {"type": "Unconfined"}},
            {"seccompProfile": {"type": "RuntimeDefault"}},
            {},
            "Unconfined",
            id="container-field-overrides-pod",
        ),
        pytest.param(
            {},
            {"seccompProfile": {"type": "RuntimeDefault"}},
            {"container.seccomp.security.alpha.kubernetes.io/app": "unconfined"},
            "Unconfined",
            id="container-annotation-beats-pod-field",
        ),
        pytest.param(
            {},
            {"seccompProfile": {"type": "Unconfined"}},
            {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"},
            "Unconfined",
            id="pod-field-beats-pod-annotation",
        ),
        pytest.param(
            {},
            {},
            {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"},
            "RuntimeDefault",
            id="pod-annotation",
        ),
        pytest.param(
            {},
            {},
            {"seccomp.security.alpha.kubernetes.io/pod": "docker/default"},
            "RuntimeDefault",
            id="docker-default-annotation",
        ),
        pytest.param(
            {},
            {},
            {"seccomp.security.alpha.kubernetes.io/pod": "localhost/profiles/audit.json"},
            "Localhost",
            id="localhost-annotation",
        ),
        pytest.param(
            {},
            {},
            {"container.seccomp.security.alpha.kubernetes.io/other": "unconfined"},
            None,
            id="other-containers-annotation-ignored",
        ),
    ],
)
def test_seccomp_profile_follows_kubelet_precedence(
    container_sc: dict[str, Any],
    pod_sc: dict[str, Any],
    annotations: dict[str, str],
    expected: str | None,
) -> None:
    profile, _ = podspec.seccomp_profile(
        ctr(name="app", securityContext=container_sc), pod_sc, annotations
    )
    assert profile == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"serviceAccountName": "api"}, "api", id="name"),
        pytest.param({"serviceAccount": "legacy"}, "legacy", id="deprecated-field"),
        pytest.param({}, "default", id="default"),
    ],
)
def test_service_account_name(spec: dict[str, Any], expected: str) -> None:
    assert podspec.service_account_name(spec) == expected


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(job(), True, id="job"),
        pytest.param(cronjob(), True, id="cronjob"),
        pytest.param(pod(restartPolicy="Never"), True, id="pod-never"),
        pytest.param(pod(restartPolicy="OnFailure"), True, id="pod-on-failure"),
        pytest.param(pod(), False, id="pod-default-always"),
        pytest.param(deployment(), False, id="deployment"),
    ],
)
def test_run_to_completion(obj: dict[str, Any], expected: bool) -> None:
    assert podspec.run_to_completion(workload_of(obj)) is expected


@pytest.mark.parametrize(
    ("value", "round_up", "expected"),
    [
        pytest.param(2, False, 2, id="int"),
        pytest.param("25%", False, 1, id="percent-down"),
        pytest.param("25%", True, 2, id="percent-up"),
        pytest.param("100%", False, 6, id="all"),
        pytest.param("abc", False, None, id="garbage"),
        pytest.param(True, False, None, id="bool"),
    ],
)
def test_scaled_value_resolves_int_or_percent(
    value: Any, round_up: bool, expected: int | None
) -> None:
    assert podspec.scaled_value(value, 6, round_up=round_up) == expected


# --- LimitRange defaults ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {"default": {"cpu": "1"}},
            {("limits", "cpu"), ("requests", "cpu")},
            id="default-also-defaults-request",
        ),
        pytest.param(
            {"default_request": {"memory": "64Mi"}},
            {("requests", "memory")},
            id="default-request-only",
        ),
        pytest.param(
            {"max": {"cpu": "2"}},
            {("limits", "cpu"), ("requests", "cpu")},
            id="max-becomes-default",
        ),
        pytest.param({"min": {"cpu": "10m"}}, {("requests", "cpu")}, id="min-becomes-request"),
        pytest.param({"default": {"cpu": "1"}, "type": "Pod"}, set(), id="pod-type-ignored"),
    ],
)
def test_limit_range_defaults_follow_api_defaulting(
    kwargs: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    found = podspec.limit_range_defaults([limitrange("lr", **kwargs)])
    assert set(found) == expected
    assert all(name == "lr" for name in found.values())


# --- scheduling ---------------------------------------------------------------------------------


def affinity(*terms: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": term} for term in terms]
            }
        }
    }


def os_in(*values: str) -> dict[str, Any]:
    return {"key": "kubernetes.io/os", "operator": "In", "values": list(values)}


@pytest.mark.parametrize(
    ("spec", "labels", "expected"),
    [
        pytest.param({}, {"kubernetes.io/os": "linux"}, True, id="unconstrained"),
        pytest.param(
            {"nodeSelector": {"kubernetes.io/os": "windows"}},
            {"kubernetes.io/os": "linux"},
            False,
            id="node-selector-mismatch",
        ),
        pytest.param(
            {"affinity": affinity([os_in("windows")])},
            {"kubernetes.io/os": "windows"},
            True,
            id="affinity-in",
        ),
        pytest.param(
            {"affinity": affinity([os_in("windows")], [{"key": "pool", "operator": "Exists"}])},
            {"kubernetes.io/os": "linux", "pool": "a"},
            True,
            id="terms-are-ored",
        ),
        pytest.param(
            {
                "affinity": affinity(
                    [{"key": "kubernetes.io/os", "operator": "NotIn", "values": ["windows"]}]
                )
            },
            {"kubernetes.io/os": "windows"},
            False,
            id="not-in",
        ),
        pytest.param(
            {"affinity": affinity([{"key": "cores", "operator": "Gt", "values": ["4"]}])},
            {"cores": "8"},
            True,
            id="gt",
        ),
        pytest.param(
            {"affinity": affinity([{"key": "gpu", "operator": "DoesNotExist"}])},
            {"gpu": "true"},
            False,
            id="does-not-exist",
        ),
        pytest.param({"affinity": affinity([])}, {}, False, id="empty-term-matches-nothing"),
    ],
)
def test_node_matches_applies_selector_and_required_affinity(
    spec: dict[str, Any], labels: dict[str, str], expected: bool
) -> None:
    assert podspec.node_matches(spec, labels) is expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"os": {"name": "windows"}}, True, id="os-name"),
        pytest.param({"nodeSelector": {"kubernetes.io/os": "windows"}}, True, id="node-selector"),
        pytest.param(
            {"nodeSelector": {"beta.kubernetes.io/os": "windows"}}, True, id="legacy-label"
        ),
        pytest.param({"affinity": affinity([os_in("windows")])}, True, id="affinity"),
        pytest.param(
            {"affinity": affinity([os_in("windows", "linux")])}, False, id="affinity-both-os"
        ),
        pytest.param({"nodeSelector": {"kubernetes.io/os": "linux"}}, False, id="linux"),
        pytest.param({}, False, id="nothing"),
    ],
)
def test_declares_windows(spec: dict[str, Any], expected: bool) -> None:
    assert podspec.declares_windows(spec) is expected


TAINT = {"key": "os", "value": "windows", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        pytest.param([], False, id="none"),
        pytest.param([{"key": "os", "value": "windows", "effect": "NoSchedule"}], True, id="equal"),
        pytest.param([{"key": "os", "operator": "Exists"}], True, id="exists-any-effect"),
        pytest.param([{"operator": "Exists"}], True, id="tolerate-everything"),
        pytest.param([{"key": "os", "value": "linux"}], False, id="wrong-value"),
        pytest.param(
            [{"key": "os", "value": "windows", "effect": "NoExecute"}], False, id="wrong-effect"
        ),
        pytest.param([{"value": "windows"}], False, id="empty-key-needs-exists"),
    ],
)
def test_tolerates(tolerations: list[dict[str, Any]], expected: bool) -> None:
    assert podspec.tolerates(tolerations, TAINT) is expected


@pytest.mark.parametrize(
    ("reference", "windows", "build"),
    [
        pytest.param("mcr.microsoft.com/windows/servercore:ltsc2022", True, "10.0.20348", id="sc"),
        pytest.param("mcr.microsoft.com/windows/nanoserver:1809", True, "10.0.17763", id="nano"),
        pytest.param(
            "mcr.microsoft.com/dotnet/framework/aspnet:4.8", True, None, id="dotnet-framework"
        ),
        pytest.param(
            "mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022",
            True,
            "10.0.20348",
            id="tag-names-nanoserver",
        ),
        pytest.param("contoso.azurecr.io/legacy:ltsc2019", True, "10.0.17763", id="own-ltsc"),
        pytest.param("mcr.microsoft.com/dotnet/aspnet:8.0", False, None, id="linux-dotnet"),
        pytest.param("nginx:1809", False, "10.0.17763", id="linux-build-like-tag"),
    ],
)
def test_windows_images_and_builds(reference: str, windows: bool, build: str | None) -> None:
    image = parse_image(reference)
    assert image is not None
    assert podspec.is_windows_image(image) is windows
    assert podspec.windows_build(image) == build


def test_node_windows_build_prefers_label_then_kernel_version() -> None:
    labelled = node(os="windows", labels={"node.kubernetes.io/windows-build": "10.0.20348"})
    unlabelled = node(os="windows")
    unlabelled["status"] = {"nodeInfo": {"kernelVersion": "10.0.17763.5820"}}
    assert podspec.node_windows_build(labelled) == "10.0.20348"
    assert podspec.node_windows_build(unlabelled) == "10.0.17763"
    assert podspec.node_windows_build(node(os="windows")) is None


# --- environment variables ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("DB_PASSWORD", True, id="password"),
        pytest.param("dbPassword", True, id="camel-case"),
        pytest.param("API_KEY", True, id="api-key"),
        pytest.param("apikey", True, id="apikey"),
        pytest.param("STORAGE_CONNECTION_STRING", True, id="connection-string"),
        pytest.param("AZURE_CLIENT_SECRET", True, id="client-secret"),
        pytest.param("GITHUB_TOKEN", True, id="token"),
        pytest.param("AWS_SECRET_ACCESS_KEY", True, id="access-key"),
        pytest.param("DB_PWD", True, id="pwd-suffix"),
        pytest.param("PWD", False, id="shell-pwd"),
        pytest.param("PASSWORD_FILE", False, id="file-pointer"),
        pytest.param("TOKEN_URL", False, id="url-pointer"),
        pytest.param("SECRET_NAME", False, id="name-pointer"),
        pytest.param("TOKEN_TTL_SECONDS", False, id="duration"),
        pytest.param("LOG_LEVEL", False, id="unrelated"),
        pytest.param("AZURE_CLIENT_ID", False, id="client-id"),
    ],
)
def test_secret_like_name(name: str, expected: bool) -> None:
    assert podspec.secret_like_name(name) is expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param([{"name": "DB_PASSWORD", "value": "hunter2"}], ["DB_PASSWORD"], id="literal"),
        pytest.param(
            [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}],
            [],
            id="secret-key-ref",
        ),
        pytest.param([{"name": "DB_PASSWORD", "value": ""}], [], id="empty"),
        pytest.param([{"name": "REQUIRE_TOKEN", "value": "true"}], [], id="boolean"),
        pytest.param([{"name": "API_TOKEN", "value": "$(TOKEN_FROM_SECRET)"}], [], id="var-ref"),
        pytest.param(
            [{"name": "CLIENT_SECRET", "value": "/var/run/secrets/client"}], [], id="path"
        ),
        pytest.param(
            [
                {
                    "name": "STORAGE",
                    "value": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==",
                }
            ],
            ["STORAGE"],
            id="connection-string-under-any-name",
        ),
        pytest.param(
            [{"name": "DB", "value": "Server=db;User Id=app;Password=hunter2"}],
            ["DB"],
            id="ado-net-password",
        ),
        pytest.param(
            [{"name": "BLOB", "value": "https://a.blob.core.windows.net/c?sv=2022&sig=abc"}],
            ["BLOB"],
            id="sas-url",
        ),
        pytest.param([{"name": "LOG_LEVEL", "value": "debug"}], [], id="harmless"),
    ],
)
def test_literal_secrets(env: list[dict[str, Any]], expected: list[str]) -> None:
    assert podspec.literal_secrets(ctr(env=env)) == expected
