"""The Helm chart, rendered by a real helm, installs what manifests/base installs, and holds.

helm and kustomize are the pinned builds of hack/tools/build.sh (built once into the user's
cache, then reused). The rendered chart is judged four ways: helm's own linter, the API
server (server-side dry run of every object, with the chart's defaults and with every option
turned), our own scanner (no Fail), and object by object against `kustomize build
manifests/base`, which must be the same objects with the same specs, Helm's standard labels
aside. The ownership guard is installed for real and must refuse the operator's identity a
change to an object that is not its own.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import aks_checklist
from aks_checklist.checks.model import Result
from aks_checklist.scan import scan
from tests.e2e.cluster import REPO, Cluster, eventually

CHART = REPO / "charts" / "aks-checklist-operator"
RELEASE = "aks-checklist-operator"
NAMESPACE = "aks-checklist-system"
# What Helm's conventions add to every object's labels, and nothing else may differ.
HELM_LABELS = {
    "helm.sh/chart",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/version",
    "app.kubernetes.io/instance",
}
OBJECT = dict[str, Any]
# The defaults, plus the Namespace object that `helm install` cannot own but manifests/base has.
AS_BASE: OBJECT = {"namespace": {"create": True}}
# Values that turn every option away from its default, for the dry run and the scanner.
EVERY_OPTION = {
    "fullnameOverride": "checklist",
    "namespace": {"create": True, "podSecurity": "baseline"},
    "image": {"digest": "sha256:" + "ab" * 32},
    "replicaCount": 3,
    "watch": {"allNamespaces": False, "namespaces": ["team-*", "payments"]},
    "peering": {"name": "checklist-peers"},
    "extraArgs": ["--log-format=console"],
    "resources": {
        "requests": {"cpu": "200m", "memory": "300Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    },
    "workloadIdentity": {
        "clientId": "00000000-0000-0000-0000-000000000001",
        "tenantId": "00000000-0000-0000-0000-000000000002",
    },
    "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}},
    "ownershipGuard": {"validationActions": ["Warn", "Audit"]},
    "policies": [
        {
            "name": "chart-audit-teams",
            "spec": {
                "enforcement": "Audit",
                "namespaceSelector": {"matchLabels": {"team": "payments"}},
            },
        }
    ],
}


def tool(name: str) -> Path:
    """The pinned build of ``name`` from hack/tools (built on first use, then reused)."""
    built = subprocess.run(
        ["bash", str(REPO / "hack" / "tools" / "build.sh"), name],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    return Path(built.stdout.strip().splitlines()[-1]) / name


@pytest.fixture(scope="module")
def helm() -> Path:
    return tool("helm")


@pytest.fixture(scope="module")
def kube_version(cluster: Cluster) -> str:
    version: str = json.loads(cluster.kubectl("version", "-o", "json").stdout)["serverVersion"][
        "gitVersion"
    ]
    return version


def render(
    helm: Path,
    kube_version: str,
    values: OBJECT | None = None,
    *,
    release: str = RELEASE,
    namespace: str = NAMESPACE,
    crds: bool = True,
) -> list[OBJECT]:
    args = [str(helm), "template", release, str(CHART), "--namespace", namespace]
    args += ["--kube-version", kube_version, *(["--include-crds"] if crds else [])]
    rendered = subprocess.run(
        [*args, "--values", "-"],
        input=json.dumps(values or {}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    return [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]


def key(obj: OBJECT) -> tuple[str, str, str]:
    return (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def by_key(objects: list[OBJECT]) -> dict[tuple[str, str, str], OBJECT]:
    keyed = {key(obj): obj for obj in objects}
    assert len(keyed) == len(objects), "two objects share a kind, namespace and name"
    return keyed


def as_yaml(objects: list[OBJECT]) -> str:
    return yaml.safe_dump_all(objects, sort_keys=False)


@pytest.mark.parametrize(
    "values", [pytest.param({}, id="defaults"), pytest.param(EVERY_OPTION, id="every-option")]
)
def test_helm_lint_is_clean(helm: Path, kube_version: str, values: OBJECT) -> None:
    linted = subprocess.run(
        [str(helm), "lint", "--strict", "--kube-version", kube_version, str(CHART), "-f", "-"],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "[WARNING]" not in linted.stdout
    assert "[ERROR]" not in linted.stdout
    assert "0 chart(s) failed" in linted.stdout


def test_chart_installs_the_operator_version_of_this_checkout() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["appVersion"] == aks_checklist.__version__


def test_chart_crds_are_what_kustomize_builds_from_the_repository_crds(tmp_path: Path) -> None:
    """charts/.../crds/ is generated by hack/chart/crds.sh; regenerated, nothing may change."""
    generated = subprocess.run(
        ["bash", str(REPO / "hack" / "chart" / "crds.sh"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    fresh = {path.name: path.read_text() for path in tmp_path.glob("*.yaml")}
    kept = {path.name: path.read_text() for path in (CHART / "crds").glob("*.yaml")}
    assert sorted(kept) == sorted(fresh), "run: bash hack/chart/crds.sh"
    for name, text in fresh.items():
        assert kept[name] == text, f"crds/{name} is stale; run: bash hack/chart/crds.sh"
    assert len(fresh) >= 2


def strip_helm_labels(chart_obj: OBJECT, base_obj: OBJECT) -> OBJECT:
    """``chart_obj`` with the labels Helm's conventions add (and base lacks) taken out, in
    object metadata and pod template metadata only: selectors must match exactly."""
    stripped = json.loads(json.dumps(chart_obj))

    def strip(chart_meta: OBJECT | None, base_meta: OBJECT | None) -> None:
        if not chart_meta or "labels" not in chart_meta:
            return
        base_labels = (base_meta or {}).get("labels") or {}
        extra = set(chart_meta["labels"]) - set(base_labels)
        assert extra <= HELM_LABELS, (
            f"{key(chart_obj)} has labels base lacks: {extra - HELM_LABELS}"
        )
        for label in extra:
            del chart_meta["labels"][label]
        if not chart_meta["labels"]:
            del chart_meta["labels"]

    strip(stripped.get("metadata"), base_obj.get("metadata"))
    template = stripped.get("spec", {}).get("template")
    if isinstance(template, dict):
        strip(
            template.get("metadata"), base_obj.get("spec", {}).get("template", {}).get("metadata")
        )
    return stripped


@pytest.fixture(scope="module")
def kustomize_base() -> list[OBJECT]:
    built = subprocess.run(
        [str(tool("kustomize")), "build", str(REPO / "manifests" / "base")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


def test_chart_defaults_render_the_objects_of_the_kustomize_base(
    helm: Path, kube_version: str, kustomize_base: list[OBJECT]
) -> None:
    """The chart's templates and the base hold the same objects; CRDs are compared above."""
    chart = by_key(render(helm, kube_version, AS_BASE, crds=False))
    base = by_key([obj for obj in kustomize_base if obj["kind"] != "CustomResourceDefinition"])
    assert sorted(chart) == sorted(base)
    assert len(base) >= 14


@pytest.mark.parametrize(
    "kind",
    [
        "Namespace",
        "ResourceQuota",
        "LimitRange",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterKopfPeering",
        "Deployment",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Service",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    ],
)
def test_chart_defaults_equal_the_kustomize_base_in_substance(
    helm: Path, kube_version: str, kustomize_base: list[OBJECT], kind: str
) -> None:
    chart, base = by_key(render(helm, kube_version, AS_BASE, crds=False)), by_key(kustomize_base)
    keys = sorted(k for k in base if k[0] == kind)
    assert keys, f"manifests/base has no {kind}"
    for k in keys:
        assert k in chart, f"the chart does not render {k}"
        assert strip_helm_labels(chart[k], base[k]) == base[k], k


def test_chart_labels_every_object_the_helm_way(helm: Path, kube_version: str) -> None:
    for obj in render(helm, kube_version, crds=False):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "Helm", key(obj)
        assert labels["helm.sh/chart"] == f"aks-checklist-operator-{aks_checklist.__version__}"
        assert labels["app.kubernetes.io/instance"] == RELEASE, key(obj)


def test_every_option_changes_what_it_says(helm: Path, kube_version: str) -> None:
    objects = by_key(render(helm, kube_version, EVERY_OPTION, crds=False))
    deployment = objects[("Deployment", NAMESPACE, "checklist")]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert deployment["spec"]["replicas"] == 3
    assert container["image"].endswith("/aks-checklist-operator@sha256:" + "ab" * 32)
    assert container["args"][:3] == [
        "--namespace=team-*",
        "--namespace=payments",
        "--peering=checklist-peers",
    ]
    assert container["args"][-1] == "--log-format=console"
    assert container["resources"] == EVERY_OPTION["resources"]
    service_account = objects[("ServiceAccount", NAMESPACE, "checklist")]
    assert service_account["metadata"]["annotations"] == {
        "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000001",
        "azure.workload.identity/tenant-id": "00000000-0000-0000-0000-000000000002",
    }
    assert pod["serviceAccountName"] == "checklist"
    assert deployment["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"] == (
        "true"
    )
    assert ("ClusterKopfPeering", "", "checklist-peers") in objects
    monitor = objects[("ServiceMonitor", NAMESPACE, "checklist")]
    service = objects[("Service", NAMESPACE, "checklist-metrics")]
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    binding = objects[("ValidatingAdmissionPolicyBinding", "", "checklist-ownership-guard")]
    assert binding["spec"]["validationActions"] == ["Warn", "Audit"]
    policy = objects[("AksChecklistPolicy", "", "chart-audit-teams")]
    assert policy["spec"] == EVERY_OPTION["policies"][0]["spec"]


@pytest.mark.parametrize(
    ("values", "absent"),
    [
        pytest.param(
            {"ownershipGuard": {"enabled": False}}, "ValidatingAdmissionPolicy", id="guard"
        ),
        pytest.param({"networkPolicy": {"enabled": False}}, "NetworkPolicy", id="netpol"),
        pytest.param({"podDisruptionBudget": {"enabled": False}}, "PodDisruptionBudget", id="pdb"),
        pytest.param({"metrics": {"service": {"enabled": False}}}, "Service", id="service"),
        pytest.param({}, "Namespace", id="namespace-by-default"),
        pytest.param({"namespace": {"guardrails": {"enabled": False}}}, "LimitRange", id="limits"),
    ],
)
def test_toggles_leave_their_objects_out(
    helm: Path, kube_version: str, values: OBJECT, absent: str
) -> None:
    kinds = {obj["kind"] for obj in render(helm, kube_version, values, crds=False)}
    assert absent not in kinds
    assert "Deployment" in kinds


def test_peering_off_runs_one_standalone_replica_without_a_peering_object(
    helm: Path, kube_version: str
) -> None:
    objects = render(helm, kube_version, {"peering": {"enabled": False}}, crds=False)
    (deployment,) = [obj for obj in objects if obj["kind"] == "Deployment"]
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--standalone" in args
    assert not [arg for arg in args if arg.startswith("--peering")]
    assert "ClusterKopfPeering" not in {obj["kind"] for obj in objects}


def test_schema_refuses_a_misspelt_value(helm: Path, kube_version: str) -> None:
    """values.schema.json allows no unknown key: `replicas` for `replicaCount` is an error."""
    refused = subprocess.run(
        [str(helm), "template", RELEASE, str(CHART), "--kube-version", kube_version, "-f", "-"],
        input="replicas: 3\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode != 0
    assert "additional properties 'replicas' not allowed" in refused.stderr


@pytest.fixture(scope="module")
def peering_crd(crds: Cluster) -> Cluster:
    """The chart's CRDs created for real: a dry run of the objects of a CRD needs the CRD."""
    crds.kubectl("apply", "-f", str(CHART / "crds"))
    crds.kubectl(
        "wait", "--for=condition=Established", "--timeout=60s", "crd/clusterkopfpeerings.kopf.dev"
    )
    crds.kubectl("create", "namespace", NAMESPACE, check=False)
    return crds


@pytest.mark.parametrize(
    "values", [pytest.param({}, id="defaults"), pytest.param(EVERY_OPTION, id="every-option")]
)
def test_rendered_chart_passes_server_side_dry_run(
    helm: Path, kube_version: str, peering_crd: Cluster, values: OBJECT
) -> None:
    objects = render(helm, kube_version, values, crds=False)
    # The ServiceMonitor needs prometheus-operator's CRD, which this control plane lacks.
    objects = [obj for obj in objects if obj["kind"] != "ServiceMonitor"]
    applied = peering_crd.kubectl(
        "apply",
        "--server-side",
        "--dry-run=server",
        "--field-manager=helm",
        "-f",
        "-",
        stdin=as_yaml(objects),
    )
    assert applied.stdout.count("serverside-applied (server dry run)") == len(objects)


@pytest.mark.parametrize(
    "values", [pytest.param({}, id="defaults"), pytest.param(EVERY_OPTION, id="every-option")]
)
def test_rendered_chart_passes_our_own_scanner(
    helm: Path, kube_version: str, tmp_path: Path, values: OBJECT
) -> None:
    rendered = tmp_path / "chart.yaml"
    rendered.write_text(as_yaml(render(helm, kube_version, values)))
    result = scan([str(rendered)])
    assert result.errors == []
    assert result.objects_count >= 15
    failed = [
        f"{f.rule} {f.object}: {f.message}" for f in result.findings if f.result is Result.FAIL
    ]
    assert failed == []
    passed = {f.rule for f in result.findings if f.result is Result.PASS}
    assert len(passed) >= 10, passed


GUARD_RELEASE = "guard"
GUARD_NAMESPACE = "chart-guard"


@pytest.fixture(scope="module")
def guard(helm: Path, peering_crd: Cluster) -> Iterator[Cluster]:
    """The chart installed for real with `helm install`, under a release and namespace of its
    own, so the guard matches only this module's requests as that release's ServiceAccount."""

    def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(helm), "--kubeconfig", str(peering_crd.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    installed = run_helm(
        "install", GUARD_RELEASE, str(CHART), "--namespace", GUARD_NAMESPACE, "--create-namespace"
    )
    assert installed.returncode == 0, installed.stderr
    try:
        assert "STATUS: deployed" in installed.stdout
        # The API server picks a new policy up within a second or so: wait until it decides.
        eventually(
            lambda: (
                as_guarded_operator(
                    peering_crd,
                    "create",
                    "--dry-run=server",
                    "-f",
                    "-",
                    stdin=limit_range("probe", {}),
                ).returncode
                != 0
            ),
            timeout=30,
            what="the ownership guard to take effect",
        )
        yield peering_crd
    finally:
        uninstalled = run_helm("uninstall", GUARD_RELEASE, "--namespace", GUARD_NAMESPACE)
        peering_crd.kubectl("delete", "namespace", GUARD_NAMESPACE, "--wait=false", check=False)
        assert uninstalled.returncode == 0, uninstalled.stderr


def test_helm_install_created_every_object_of_the_release(helm: Path, guard: Cluster) -> None:
    where = ["--kubeconfig", str(guard.kubeconfig), "--namespace", GUARD_NAMESPACE]
    manifest = subprocess.run(
        [str(helm), *where, "get", "manifest", GUARD_RELEASE],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    objects = [doc for doc in yaml.safe_load_all(manifest) if doc]
    assert len(objects) >= 13
    for obj in objects:
        namespace = obj["metadata"].get("namespace")
        where = ["-n", namespace] if namespace else []
        found = guard.get_json(obj["kind"].lower(), obj["metadata"]["name"], *where)
        assert found["metadata"]["labels"]["app.kubernetes.io/instance"] == GUARD_RELEASE


def as_guarded_operator(cluster: Cluster, *args: str, stdin: str | None = None) -> Any:
    user = f"system:serviceaccount:{GUARD_NAMESPACE}:{GUARD_RELEASE}-aks-checklist-operator"
    return cluster.kubectl(f"--as={user}", *args, stdin=stdin, check=False)


def apply_as_guarded_operator(cluster: Cluster, body: str) -> Any:
    """Server-side apply as the operator does it: a PATCH, which its RBAC allows without get."""
    return as_guarded_operator(
        cluster,
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=aks-checklist-operator",
        "-f",
        "-",
        stdin=body,
    )


def limit_range(name: str, labels: dict[str, str], memory: str = "256Mi") -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": name, "namespace": GUARD_NAMESPACE, "labels": labels},
            "spec": {"limits": [{"type": "Container", "default": {"memory": memory}}]},
        }
    )


MANAGED = {"app.kubernetes.io/managed-by": "aks-checklist-operator"}


def test_guard_refuses_the_operator_deleting_an_object_it_does_not_own(guard: Cluster) -> None:
    guard.kubectl("apply", "-f", "-", stdin=limit_range("theirs", {"team": "payments"}))
    result = as_guarded_operator(guard, "delete", "limitrange", "theirs", "-n", GUARD_NAMESPACE)
    assert result.returncode != 0
    assert "ownership-guard" in result.stderr
    assert "label app.kubernetes.io/managed-by=aks-checklist-operator" in result.stderr
    assert guard.kubectl("get", "limitrange", "theirs", "-n", GUARD_NAMESPACE).returncode == 0


def test_guard_refuses_the_operator_labelling_an_object_to_take_it_over(guard: Cluster) -> None:
    guard.kubectl("apply", "-f", "-", stdin=limit_range("taken", {}))
    result = apply_as_guarded_operator(guard, limit_range("taken", MANAGED))
    assert result.returncode != 0
    assert "ownership-guard" in result.stderr
    labels = guard.get_json("limitrange", "taken", "-n", GUARD_NAMESPACE)["metadata"].get("labels")
    assert not labels


def test_guard_refuses_the_operator_creating_an_unlabelled_object(guard: Cluster) -> None:
    result = as_guarded_operator(guard, "create", "-f", "-", stdin=limit_range("unlabelled", {}))
    assert result.returncode != 0
    assert "ownership-guard" in result.stderr
    missing = guard.kubectl("get", "limitrange", "unlabelled", "-n", GUARD_NAMESPACE, check=False)
    assert missing.returncode != 0


def test_guard_lets_the_operator_manage_its_own_objects(guard: Cluster) -> None:
    created = as_guarded_operator(guard, "create", "-f", "-", stdin=limit_range("ours", MANAGED))
    assert created.returncode == 0, created.stderr
    changed = apply_as_guarded_operator(guard, limit_range("ours", MANAGED, memory="512Mi"))
    assert changed.returncode == 0, changed.stderr
    limits = guard.get_json("limitrange", "ours", "-n", GUARD_NAMESPACE)["spec"]["limits"]
    assert limits[0]["default"]["memory"] == "512Mi"
    deleted = as_guarded_operator(guard, "delete", "limitrange", "ours", "-n", GUARD_NAMESPACE)
    assert deleted.returncode == 0, deleted.stderr


def test_guard_leaves_everyone_else_alone(guard: Cluster) -> None:
    guard.kubectl("apply", "-f", "-", stdin=limit_range("admins", {}))
    guard.kubectl("delete", "limitrange", "admins", "-n", GUARD_NAMESPACE)
