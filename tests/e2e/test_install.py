"""What needs a control plane of its own: install and uninstall as the README says, the
ownership guard, and an operator watching only some namespaces.

Uninstalling deletes CRDs and the guard binds cluster-wide, so these tests never share the
session's cluster; each one installs what it needs.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aks_checklist.testing import ControlPlane
from tests.e2e.cluster import REPO, Cluster, eventually
from tests.e2e.operator_process import OPERATOR_NAMESPACE, OperatorProcess
from tests.e2e.policies import (
    create_namespace,
    managed,
    policy_body,
    wait_baseline,
    wait_condition,
)

GUARD = REPO / "manifests" / "base" / "ownership-guard.yaml"
OPERATOR_SA = f"system:serviceaccount:{OPERATOR_NAMESPACE}:aks-checklist-operator"


def readme_commands(marker: str) -> list[str]:
    """The kubectl lines of the code block that follows ``<!-- marker: ... -->`` in the README."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker}:[^>]*-->\s*```bash\n(.*?)```", text, re.DOTALL)
    assert match, f"README.md has no {marker} block"
    lines = [line.strip() for line in match.group(1).splitlines() if line.strip()]
    assert lines
    assert all(line.startswith("kubectl ") for line in lines), lines
    return lines


def run_as_written(cluster: Cluster, line: str) -> subprocess.CompletedProcess[str]:
    args = shlex.split(line)[1:]
    return subprocess.run(
        [str(cluster.kubectl_path), "--kubeconfig", str(cluster.kubeconfig), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def empty_cluster() -> Iterator[Cluster]:
    with ControlPlane() as plane:
        yield Cluster(kubeconfig=plane.kubeconfig, kubectl_path=plane.binaries.kubectl, plane=plane)


def test_install_works_on_the_first_apply_and_uninstall_leaves_nothing(
    empty_cluster: Cluster, tmp_path: Path, selector_label: str
) -> None:
    cluster = empty_cluster
    for line in readme_commands("install"):
        done = run_as_written(cluster, line)
        assert done.returncode == 0, f"{line}\n{done.stderr}"

    # The installed Deployment cannot start without a kubelet; the same operator runs here.
    operator = OperatorProcess(cluster.kubeconfig, tmp_path / "operator.log")
    operator.start()
    try:
        cluster.apply(policy_body(f"p-{selector_label}", selector_label))
        ns = create_namespace(cluster, f"ns-{selector_label}", selector_label)
        wait_baseline(cluster, ns)
        eventually(
            lambda: cluster.get_json("akscompliance", "-A")["items"], what="a compliance report"
        )
        lines = readme_commands("uninstall")
        done = run_as_written(cluster, lines[0])  # the policies go while the operator runs
        assert done.returncode == 0, f"{lines[0]}\n{done.stderr}"
    finally:
        operator.stop()
    for line in lines[1:]:
        done = run_as_written(cluster, line)
        assert done.returncode == 0, f"{line}\n{done.stderr}"

    for kind in ("networkpolicy", "limitrange", "resourcequota", "pdb"):
        assert managed(cluster, kind, ns) == set(), kind
    crds = cluster.get_json("crd", "-l", "app.kubernetes.io/part-of=aks-checklist-operator")
    assert crds["items"] == []
    leftovers = cluster.kubectl(
        "get", "clusterrole,clusterrolebinding,validatingadmissionpolicy", "-o", "name"
    ).stdout
    assert "aks-checklist-operator" not in leftovers


def test_the_ownership_guard_refuses_the_operator_any_write_to_a_user_object(
    empty_cluster: Cluster, selector_label: str
) -> None:
    cluster = empty_cluster
    # The operator's own RBAC, so that what refuses below is the guard, not a missing role.
    cluster.kubectl("apply", "-f", str(REPO / "manifests" / "base" / "rbac.yaml"))
    cluster.kubectl("apply", "-f", str(GUARD))
    # kubectl reads before it patches; the operator itself never needs get on these kinds.
    cluster.kubectl(
        "create",
        "clusterrole",
        "e2e-read-limitranges",
        "--verb=get",
        "--resource=limitranges",
        check=False,
    )
    cluster.kubectl(
        "create",
        "clusterrolebinding",
        "e2e-read-limitranges",
        "--clusterrole=e2e-read-limitranges",
        f"--serviceaccount={OPERATOR_NAMESPACE}:aks-checklist-operator",
        check=False,
    )
    ns = f"guard-{selector_label}"
    cluster.kubectl("create", "namespace", ns)
    theirs = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "team-limits", "namespace": ns},
        "spec": {"limits": [{"type": "Container", "default": {"cpu": "1"}}]},
    }
    ours = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {
            "name": "aks-checklist-limits",
            "namespace": ns,
            "labels": {"app.kubernetes.io/managed-by": "aks-checklist-operator"},
        },
        "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}}]},
    }
    cluster.apply(theirs)
    as_operator = ("--as", OPERATOR_SA)
    patch = json.dumps({"spec": {"limits": [{"type": "Container", "default": {"cpu": "2"}}]}})

    def refused() -> bool:
        # The policy's informer needs a moment after the apply; until then the patch would pass.
        probe = cluster.kubectl(
            "patch",
            "limitrange",
            "team-limits",
            "-n",
            ns,
            "--type=merge",
            "-p",
            patch,
            "--dry-run=server",
            *as_operator,
            check=False,
        )
        return probe.returncode != 0 and "may only update" in probe.stderr

    eventually(refused, what="the guard to refuse a patch of a user LimitRange")
    forced = cluster.kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=aks-checklist-operator",
        "-f",
        "-",
        *as_operator,
        stdin=json.dumps({**theirs, "spec": json.loads(patch)["spec"]}),
        check=False,
    )
    assert forced.returncode != 0
    assert "team-limits is not one" in forced.stderr, forced.stderr
    deleted = cluster.kubectl(
        "delete", "limitrange", "team-limits", "-n", ns, *as_operator, check=False
    )
    assert deleted.returncode != 0
    assert "may only delete" in deleted.stderr, deleted.stderr
    unlabelled = cluster.kubectl(
        "create",
        "-f",
        "-",
        *as_operator,
        stdin=json.dumps({**theirs, "metadata": {"name": "sneaky", "namespace": ns}}),
        check=False,
    )
    assert unlabelled.returncode != 0
    assert "may only create" in unlabelled.stderr

    # What the operator does own stays writable, and the user's object is untouched.
    cluster.kubectl("create", "-f", "-", *as_operator, stdin=json.dumps(ours))
    cluster.kubectl(
        "patch",
        "limitrange",
        "aks-checklist-limits",
        "-n",
        ns,
        "--type=merge",
        "-p",
        patch,
        *as_operator,
    )
    cluster.kubectl("delete", "limitrange", "aks-checklist-limits", "-n", ns, *as_operator)
    live = cluster.get_json("limitrange", "team-limits", "-n", ns)
    assert live["spec"]["limits"][0]["default"] == {"cpu": "1"}


def test_an_operator_watching_some_namespaces_reconciles_only_those(
    empty_cluster: Cluster, tmp_path: Path, selector_label: str
) -> None:
    cluster = empty_cluster
    cluster.install_crds()
    cluster.kubectl("create", "namespace", OPERATOR_NAMESPACE, check=False)
    watched = create_namespace(cluster, f"in-{selector_label}", selector_label)
    other = create_namespace(cluster, f"out-{selector_label}", selector_label)
    operator = OperatorProcess(cluster.kubeconfig, tmp_path / "operator.log", namespaces=(watched,))
    operator.start()
    try:
        cluster.apply(policy_body(f"p-{selector_label}", selector_label))
        wait_baseline(cluster, watched)
        time.sleep(2)  # the same pass saw both namespaces
        for kind in ("networkpolicy", "limitrange", "resourcequota"):
            assert managed(cluster, kind, other) == set(), kind
        assert cluster.get_json("akscompliance", "-n", other)["items"] == []
    finally:
        cluster.kubectl("delete", "akspolicy", "--all", "--wait", "--timeout=60s", check=False)
        operator.stop()


def test_without_the_policy_report_crds_the_condition_says_so_and_reports_go_on(
    empty_cluster: Cluster, tmp_path: Path, selector_label: str
) -> None:
    """This control plane never has the wgpolicyk8s.io CRDs installed."""
    cluster = empty_cluster
    cluster.install_crds()
    cluster.kubectl("create", "namespace", OPERATOR_NAMESPACE, check=False)
    operator = OperatorProcess(cluster.kubeconfig, tmp_path / "operator.log")
    operator.start()
    name = f"p-{selector_label}"
    try:
        body = policy_body(name, selector_label, reports={"policyReport": True})
        cluster.apply(body)
        ns = create_namespace(cluster, f"nopr-{selector_label}", selector_label)
        wait_baseline(cluster, ns)
        missing = wait_condition(cluster, name, "PolicyReportsWritten", status="False")
        assert missing["reason"] == "CRDNotInstalled"
        assert "wgpolicyk8s.io" in missing["message"]
        eventually(
            lambda: cluster.get_json("akscompliance", "-n", ns)["items"], what="the AksCompliance"
        )
        assert wait_condition(cluster, name, "Ready", status="True")
    finally:
        cluster.kubectl("delete", "akspolicy", "--all", "--wait", "--timeout=60s", check=False)
        operator.stop()
