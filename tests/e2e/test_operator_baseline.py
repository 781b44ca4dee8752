"""The operator keeps each selected namespace's baseline, and nothing it does not own."""

from __future__ import annotations

import time

from tests.e2e.cluster import Cluster, eventually
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.policies import (
    LABEL,
    create_namespace,
    deployment,
    managed,
    names,
    patch,
    policy,
    wait_baseline,
    wait_condition,
)

PDB_OF = "aks-checklist-deployment-{}"


def test_new_namespace_gets_all_three_objects(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        wait_baseline(crds, ns)
        netpol = crds.get_json("networkpolicy", "aks-checklist-default-deny", "-n", ns)
        assert netpol["spec"]["policyTypes"] == ["Ingress", "Egress"]
        assert netpol["metadata"]["annotations"]["akschecklist.io/policy"] == f"p-{selector_label}"
        dns_ports = {(p["protocol"], p["port"]) for p in netpol["spec"]["egress"][0]["ports"]}
        assert dns_ports == {("UDP", 53), ("TCP", 53)}
        quota = crds.get_json("resourcequota", "aks-checklist-quota", "-n", ns)
        assert quota["spec"]["hard"]["pods"] == "200"

        def created_events() -> set[str]:
            events = crds.get_json("events", "-n", ns)["items"]
            return {e["involvedObject"]["kind"] for e in events if e.get("reason") == "Created"}

        eventually(
            lambda: created_events() >= {"NetworkPolicy", "LimitRange", "ResourceQuota"},
            what="Created events on the new objects",
        )


def test_a_pass_that_writes_many_objects_announces_a_bounded_number(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """A bootstrap of 40 namespaces gets at most 100 Events on objects; the policy's counts all."""
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label):
        namespaces = [f"many-{i}-{selector_label}" for i in range(40)]
        crds.apply(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {
                        "apiVersion": "v1",
                        "kind": "Namespace",
                        "metadata": {"name": ns, "labels": {LABEL: selector_label}},
                    }
                    for ns in namespaces
                ],
            }
        )
        for ns in namespaces:
            wait_baseline(crds, ns, timeout=60)

        def policy_events() -> list[str]:
            events = crds.get_json(
                "events", "-A", "--field-selector", f"involvedObject.name={name}"
            )["items"]
            return [e["message"] for e in events if e.get("reason") == "Created"]

        said = eventually(
            lambda: [m for m in policy_events() if "an Event on each of the first" in m],
            what="the policy's Created Event saying how many objects got one",
        )
        assert "NetworkPolicy" in said[0]
        wanted = set(namespaces)
        on_objects = [
            e
            for e in crds.get_json("events", "-A", "--field-selector", "reason=Created")["items"]
            if e["involvedObject"].get("namespace") in wanted
        ]
        assert len(on_objects) < 3 * len(namespaces)


def test_excluded_and_annotated_namespaces_get_nothing(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    excluded = f"skip-{selector_label}"
    with policy(crds, f"p-{selector_label}", selector_label, excludedNamespaces=[excluded]):
        create_namespace(crds, excluded, selector_label)
        annotated = create_namespace(
            crds, f"anno-{selector_label}", selector_label, **{"akschecklist.io/exclude": "true"}
        )
        control = create_namespace(crds, f"ctl-{selector_label}", selector_label)
        wait_baseline(crds, control)
        time.sleep(1)  # the same pass handled all three namespaces
        for ns in (excluded, annotated):
            for kind in ("networkpolicy", "limitrange", "resourcequota"):
                assert managed(crds, kind, ns) == set(), (kind, ns)


def test_pdb_follows_replicas_and_workload_lifetime(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(deployment("web", ns, replicas=1))
        wait_baseline(crds, ns)
        assert managed(crds, "pdb", ns) == set()

        patch(crds, "deployment", "web", ns, {"spec": {"replicas": 3}})
        eventually(lambda: managed(crds, "pdb", ns) == {PDB_OF.format("web")}, what="PDB for web")
        pdb = crds.get_json("pdb", PDB_OF.format("web"), "-n", ns)
        assert pdb["spec"]["selector"] == {"matchLabels": {"app": "web"}}
        assert pdb["spec"]["maxUnavailable"] == 1
        assert pdb["metadata"]["ownerReferences"][0]["kind"] == "Deployment"

        patch(crds, "deployment", "web", ns, {"spec": {"replicas": 1}})
        eventually(lambda: managed(crds, "pdb", ns) == set(), what="PDB removed at 1 replica")

        patch(crds, "deployment", "web", ns, {"spec": {"replicas": 3}})
        eventually(lambda: managed(crds, "pdb", ns) == {PDB_OF.format("web")}, what="PDB back")
        crds.kubectl("delete", "deployment", "web", "-n", ns)
        eventually(lambda: managed(crds, "pdb", ns) == set(), what="PDB gone with its Deployment")


def test_hpa_min_replicas_counts_as_replicas(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(deployment("api", ns, replicas=1))
        crds.apply(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "api", "namespace": ns},
                "spec": {
                    "scaleTargetRef": {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": "api",
                    },
                    "minReplicas": 2,
                    "maxReplicas": 5,
                },
            }
        )
        eventually(lambda: managed(crds, "pdb", ns) == {PDB_OF.format("api")}, what="PDB via HPA")


def test_user_pdb_replaces_ours(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(deployment("web", ns, replicas=3))
        eventually(lambda: managed(crds, "pdb", ns) == {PDB_OF.format("web")}, what="our PDB")
        crds.apply(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "web-team-pdb", "namespace": ns},
                "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
            }
        )
        eventually(lambda: managed(crds, "pdb", ns) == set(), what="our PDB removed")
        assert names(crds, "pdb", ns) == {"web-team-pdb"}


def test_user_limit_range_means_ours_is_never_created(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
    crds.apply(
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "team-limits", "namespace": ns},
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "1"}}]},
        }
    )
    with policy(crds, f"p-{selector_label}", selector_label):
        eventually(lambda: managed(crds, "resourcequota", ns), what="our quota (pass done)")
        assert managed(crds, "limitrange", ns) == set()
        assert names(crds, "limitrange", ns) == {"team-limits"}
        # Our report calls it External.
        eventually(
            lambda: (
                crds.get_json("aksc", f"p-{selector_label}", "-n", ns)
                .get("status", {})
                .get("baseline", {})
                .get("limitRange")
                == "External"
            ),
            what="limitRange External in the report",
        )


def test_same_named_unlabelled_object_is_left_as_is(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
    theirs = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": "aks-checklist-default-deny",
            "namespace": ns,
            "labels": {"team": "payments"},
        },
        "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"]},
    }
    crds.apply(theirs)
    before = crds.get_json("networkpolicy", "aks-checklist-default-deny", "-n", ns)
    with policy(crds, f"p-{selector_label}", selector_label):
        eventually(lambda: managed(crds, "resourcequota", ns), what="our quota (pass done)")
        time.sleep(1)
        after = crds.get_json("networkpolicy", "aks-checklist-default-deny", "-n", ns)
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        assert after["spec"] == before["spec"]
        assert "app.kubernetes.io/managed-by" not in after["metadata"].get("labels", {})


def test_deleted_or_edited_managed_objects_are_repaired(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        wait_baseline(crds, ns)
        crds.kubectl("delete", "limitrange", "aks-checklist-limits", "-n", ns)
        eventually(lambda: managed(crds, "limitrange", ns), what="LimitRange recreated")

        patch(crds, "resourcequota", "aks-checklist-quota", ns, {"spec": {"hard": {"pods": "5"}}})
        eventually(
            lambda: (
                crds.get_json("resourcequota", "aks-checklist-quota", "-n", ns)["spec"]["hard"][
                    "pods"
                ]
                == "200"
            ),
            what="quota edit reverted",
        )


def test_audit_mode_creates_nothing(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label, enforcement="Audit"):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(deployment("web", ns, replicas=3))
        eventually(
            lambda: (
                crds.kubectl("get", "aksc", f"p-{selector_label}", "-n", ns, check=False).returncode
                == 0
            ),
            what="the Audit report",
        )
        for kind in ("networkpolicy", "limitrange", "resourcequota", "pdb"):
            assert managed(crds, kind, ns) == set(), kind


def test_deleting_the_policy_removes_everything_it_made(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(deployment("web", ns, replicas=2))
        wait_baseline(crds, ns)
        eventually(lambda: managed(crds, "pdb", ns), what="PDB")
    # The context manager deleted the policy and waited for its finalizer.
    for kind in ("networkpolicy", "limitrange", "resourcequota", "pdb", "aksc"):
        assert managed(crds, kind, ns) == set(), kind
    assert names(crds, "aksc", ns) == set()


def test_namespace_that_stops_matching_loses_our_objects(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        wait_baseline(crds, ns)
        eventually(lambda: names(crds, "aksc", ns), what="the namespace's report")
        crds.kubectl("label", "namespace", ns, "e2e.akschecklist.io/test-")
        eventually(
            lambda: (
                not managed(crds, "networkpolicy", ns)
                and not managed(crds, "limitrange", ns)
                and not managed(crds, "resourcequota", ns)
                and not names(crds, "aksc", ns)
            ),
            what="objects and report removed",
        )


def test_restart_makes_no_duplicates_and_no_writes(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    with policy(crds, f"p-{selector_label}", selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        crds.apply(deployment("web", ns, replicas=2))
        wait_baseline(crds, ns)
        eventually(lambda: managed(crds, "pdb", ns), what="PDB")
        time.sleep(2)
        versions = {
            kind: crds.get_json(
                kind, "-n", ns, "-l", "app.kubernetes.io/managed-by=aks-checklist-operator"
            )
            for kind in ("networkpolicy", "limitrange", "resourcequota", "pdb", "aksc")
        }
        operator.restart()
        time.sleep(5)
        assert operator.writes() == 0, operator.log_tail()
        for kind, before in versions.items():
            after = crds.get_json(
                kind, "-n", ns, "-l", "app.kubernetes.io/managed-by=aks-checklist-operator"
            )
            assert [i["metadata"]["resourceVersion"] for i in after["items"]] == [
                i["metadata"]["resourceVersion"] for i in before["items"]
            ], kind


def test_two_enforcing_policies_report_a_conflict(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    first, second = f"a-{selector_label}", f"b-{selector_label}"
    with policy(crds, first, selector_label), policy(crds, second, selector_label):
        ns = create_namespace(crds, f"ns-{selector_label}", selector_label)
        wait_baseline(crds, ns)
        message = wait_condition(crds, second, "BaselineConflict", status="True")["message"]
        assert first in message
        assert ns in message
        # The first policy's status is written at the end of its own pass.
        wait_condition(crds, first, "BaselineConflict", status="False")
        netpol = crds.get_json("networkpolicy", "aks-checklist-default-deny", "-n", ns)
        assert netpol["metadata"]["annotations"]["akschecklist.io/policy"] == first


def refuse_quotas_where_labelled(cluster: Cluster, label: str) -> None:
    """An admission policy of the kind Gatekeeper or Kyverno users run: no quotas here."""
    name = f"e2e-refuse-quotas-{label}"
    cluster.apply(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": name},
            "spec": {
                "failurePolicy": "Fail",
                "matchConstraints": {
                    "resourceRules": [
                        {
                            "apiGroups": [""],
                            "apiVersions": ["v1"],
                            "operations": ["CREATE"],
                            "resources": ["resourcequotas"],
                        }
                    ]
                },
                "validations": [
                    {"expression": "false", "message": "quotas are set by the platform team here"}
                ],
            },
        }
    )
    cluster.apply(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": name},
            "spec": {
                "policyName": name,
                "validationActions": ["Deny"],
                "matchResources": {
                    "namespaceSelector": {"matchLabels": {"e2e.akschecklist.io/no-quota": label}}
                },
            },
        }
    )


def test_quota_rejected_by_the_api_sets_ready_false(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """The API server refuses our quota (an admission policy): Ready=False names the field,
    the report says Failed rather than Managed, and the operator lives on."""
    name = f"p-{selector_label}"
    refuse_quotas_where_labelled(crds, selector_label)
    try:
        ns = f"ns-{selector_label}"
        crds.apply(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": ns,
                    "labels": {
                        LABEL: selector_label,
                        "e2e.akschecklist.io/no-quota": selector_label,
                    },
                },
            }
        )

        def refused() -> bool:
            probe = crds.kubectl(
                "create",
                "quota",
                "probe",
                "-n",
                ns,
                "--hard=pods=1",
                "--dry-run=server",
                check=False,
            )
            return probe.returncode != 0 and "platform team" in probe.stderr

        eventually(refused, what="the admission policy to take effect")
        with policy(crds, name, selector_label):
            ready = wait_condition(crds, name, "Ready", status="False")
            assert ready["reason"] == "BaselineRejected"
            assert "spec.baseline.resourceQuota" in ready["message"]
            assert "platform team" in ready["message"]

            def quota_state() -> str | None:
                report = crds.get_json("akscompliance", name, "-n", ns)
                state: str | None = (
                    report.get("status", {}).get("baseline", {}).get("resourceQuota")
                )
                return state

            eventually(lambda: quota_state() == "Failed", what="the report's quota state")
            assert operator.process is not None
            assert operator.process.poll() is None
    finally:
        for kind in ("validatingadmissionpolicybinding", "validatingadmissionpolicy"):
            crds.kubectl("delete", kind, f"e2e-refuse-quotas-{selector_label}", check=False)


def test_semantically_invalid_policy_reports_the_field(
    crds: Cluster, operator: OperatorProcess, selector_label: str
) -> None:
    """A negative quota passes the schema; the operator refuses it, names the field, lives on."""
    name = f"p-{selector_label}"
    with policy(crds, name, selector_label, baseline={"resourceQuota": {"hard": {"pods": "-1"}}}):
        ready = wait_condition(crds, name, "Ready", reason="InvalidSpec")
        assert ready["status"] == "False"
        assert "spec.baseline.resourceQuota.hard" in ready["message"]
        assert operator.process is not None
        assert operator.process.poll() is None
