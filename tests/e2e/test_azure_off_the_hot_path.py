"""A slow Azure never stalls the namespaces: the read runs in its own task with a timeout."""

from __future__ import annotations

from tests.e2e.cluster import Cluster, eventually
from tests.e2e.fake_arm import STALLING_RESOURCE_GROUP, FakeArm, azure_spec
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.policies import condition, create_namespace, policy, wait_baseline, wait_condition

SUBSCRIPTION = "00000000-0000-0000-0000-00000000cafe"
CONDITION = "AzureConfigurationRead"


def test_namespaces_are_served_while_arm_stalls_and_the_read_times_out(
    crds: Cluster, operator: OperatorProcess, fake_arm: FakeArm, selector_label: str
) -> None:
    name = f"p-{selector_label}"
    target = azure_spec(SUBSCRIPTION, STALLING_RESOURCE_GROUP, f"aks-{selector_label}")
    with policy(crds, name, selector_label, azure=target):
        first = create_namespace(crds, f"ns-{selector_label}", selector_label)
        wait_baseline(crds, first, timeout=15)
        # The baseline is written during the pass, the policy's status at its end; the read
        # times out after 10 s, so the condition must say Reading before then.
        wait_condition(crds, name, CONDITION, timeout=8, status="Unknown", reason="Reading")
        # Still stalled: a namespace created now is served at once too.
        second = create_namespace(crds, f"ns2-{selector_label}", selector_label)
        wait_baseline(crds, second, timeout=15)
        assert fake_arm.received(STALLING_RESOURCE_GROUP)

        timed_out = wait_condition(crds, name, CONDITION, timeout=40, status="False")
        assert timed_out["reason"] == "Timeout"
        assert "within 10s" in timed_out["message"]
        ready = eventually(lambda: condition(crds, name, "Ready"), what="Ready")
        assert ready["status"] == "True"
