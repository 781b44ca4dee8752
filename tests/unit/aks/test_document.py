"""Reading managed-cluster documents: both shapes, key case, partial documents, wrong documents."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.aks import evaluate_managed_cluster
from aks_checklist.checks.aks.document import (
    AKS_API_VERSION,
    NotAManagedClusterError,
    Section,
    parse_managed_cluster,
)
from aks_checklist.checks.model import ObjectRef, Result
from tests.unit.aks.builders import AS_OF, FIXTURE_NAMES, cluster, load, pool


def test_az_shape_is_read_from_the_top_level() -> None:
    """az output has no `properties`: settings and pools sit next to name and type."""
    parsed = parse_managed_cluster(load("default-az-aks-create.json"))
    assert parsed.shape == "az"
    assert parsed.name == "aks-demo"
    assert parsed.kubernetes_version == "1.35.6"
    assert [p.name for p in parsed.pools] == ["nodepool1"]
    assert parsed.resource_group == "rg-demo"
    assert parsed.sku_tier == "Free"


def test_arm_shape_is_read_from_properties() -> None:
    parsed = parse_managed_cluster(load("hardened-production.json"))
    assert parsed.shape == "arm"
    assert parsed.name == "aks-payments-prod"
    assert [p.name for p in parsed.pools] == ["system", "apps"]
    assert parsed.tags["owner"] == "platform-team"
    assert parsed.identity_type == "UserAssigned"


def test_resource_group_comes_from_the_id_when_az_did_not_print_it() -> None:
    assert parse_managed_cluster(cluster()).resource_group == "rg-test"


def test_keys_are_matched_whatever_their_case() -> None:
    """ARM spells osSKU and vnetSubnetID where az prints osSku and vnetSubnetId."""
    arm = parse_managed_cluster(
        cluster(
            pools=[pool(osSKU="AzureLinux", vnetSubnetID="/subnets/a", podSubnetID="/subnets/p")],
            apiServerAccessProfile={"authorizedIPRanges": ["203.0.113.0/24"]},
        )
    )
    az = parse_managed_cluster(
        {
            "type": "Microsoft.ContainerService/ManagedClusters",
            "name": "aks-test",
            "agentPoolProfiles": [
                pool(osSku="AzureLinux", vnetSubnetId="/subnets/a", podSubnetId="/subnets/p")
            ],
            "apiServerAccessProfile": {"authorizedIpRanges": ["203.0.113.0/24"]},
        }
    )
    for parsed in (arm, az):
        assert parsed.pools[0].os_sku == "AzureLinux"
        assert parsed.pools[0].vnet_subnet_id == "/subnets/a"
        assert parsed.pools[0].pod_subnet_id == "/subnets/p"
        assert parsed.props.strings("apiServerAccessProfile", "authorizedIpRanges") == (
            "203.0.113.0/24",
        )


def test_addon_names_are_matched_case_insensitively() -> None:
    parsed = parse_managed_cluster(cluster(addonProfiles={"omsAgent": {"enabled": True}}))
    assert parsed.addon("omsagent").enabled
    assert parsed.addon("omsagent").present
    assert not parsed.addon("azurepolicy").present
    assert not parsed.addon("azurepolicy").enabled


def test_pool_defaults_follow_the_api() -> None:
    """osType defaults to Linux and scaleSetPriority to Regular; a nameless pool gets a label."""
    parsed = parse_managed_cluster(cluster(pools=[{"count": 2}]))
    only_pool = parsed.pools[0]
    assert only_pool.name == "pool-1"
    assert only_pool.os_type == "Linux"
    assert not only_pool.is_windows
    assert not only_pool.is_spot
    assert only_pool.mode is None


def test_findings_name_the_pool_or_the_cluster() -> None:
    found = evaluate_managed_cluster(cluster(pools=[pool("apps")]), today=AS_OF)
    refs = {f.object for f in found}
    assert ObjectRef(AKS_API_VERSION, "AgentPool", None, "apps") in refs
    assert ObjectRef(AKS_API_VERSION, "ManagedCluster", None, "aks-test") in refs
    assert all(f.object is not None for f in found)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            {"type": "Microsoft.Storage/storageAccounts", "name": "st", "properties": {}},
            "document has type Microsoft.Storage/storageAccounts, expected "
            "Microsoft.ContainerService/managedClusters",
            id="other-resource-type",
        ),
        pytest.param(
            {"type": "Microsoft.ContainerService/managedClusters/agentPools", "properties": {}},
            "document has type Microsoft.ContainerService/managedClusters/agentPools",
            id="agent-pool-resource",
        ),
        pytest.param(
            [{"name": "a"}, {"name": "b"}],
            "document is an array (the output of `az aks list`?)",
            id="az-aks-list",
        ),
        pytest.param("aks-demo", "document is a string", id="string"),
        pytest.param(None, "document is null", id="null"),
        pytest.param(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
            "no agentPoolProfiles or other managed-cluster settings",
            id="kubernetes-manifest",
        ),
        pytest.param(
            {"name": "x", "properties": {"accessTier": "Hot"}},
            "document has no type and properties has no agentPoolProfiles",
            id="untyped-other-properties",
        ),
        pytest.param(
            {"type": "Microsoft.ContainerService/managedClusters", "properties": "oops"},
            "properties is a string, expected an object",
            id="properties-not-object",
        ),
        pytest.param(
            cluster(agentPoolProfiles={"name": "p"}),
            "agentPoolProfiles is an object, expected an array of agent pools",
            id="pools-not-array",
        ),
        pytest.param(
            cluster(agentPoolProfiles=[pool(), "p2"]),
            "agentPoolProfiles[1] is a string, expected an object",
            id="pool-not-object",
        ),
    ],
)
def test_documents_that_are_not_managed_clusters_are_refused_with_the_reason(
    document: Any, expected: str
) -> None:
    with pytest.raises(NotAManagedClusterError) as raised:
        evaluate_managed_cluster(document, today=AS_OF)
    assert expected in str(raised.value)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(cluster(), id="empty-properties"),
        pytest.param({"type": "Microsoft.ContainerService/managedClusters"}, id="type-only"),
        pytest.param({"agentPoolProfiles": []}, id="az-empty-pool-list"),
        pytest.param({"kubernetesVersion": "1.35"}, id="az-version-only"),
        pytest.param(cluster(pools=[{}]), id="empty-pool"),
        pytest.param(cluster(pools=[{"name": None, "count": None, "mode": None}]), id="null-pool"),
        pytest.param(
            cluster(
                pools=[
                    pool(
                        availabilityZones="1",
                        nodeTaints="CriticalAddonsOnly=true:NoSchedule",
                        count="3",
                        maxPods=True,
                        tags=["a"],
                        enableAutoScaling="yes",
                    )
                ],
                networkProfile="azure",
                securityProfile=[],
                addonProfiles={"omsagent": None, "azurepolicy": "on"},
                aadProfile={"managed": "maybe"},
                apiServerAccessProfile={"authorizedIpRanges": "0.0.0.0/0"},
                autoUpgradeProfile=None,
                serviceMeshProfile={"istio": {"components": {"ingressGateways": ["x", None]}}},
                ingressProfile={"webAppRouting": {"enabled": True, "nginx": 5}},
            ),
            id="wrong-types-everywhere",
        ),
        pytest.param(
            {
                "type": "Microsoft.ContainerService/managedClusters",
                "name": None,
                "tags": None,
                "sku": None,
                "identity": None,
                "properties": {"agentPoolProfiles": None},
            },
            id="nulls-in-envelope",
        ),
    ],
)
def test_partial_documents_never_crash_and_every_rule_answers(document: Any) -> None:
    """Missing or oddly typed fields are judged as absent: one finding per cluster rule at least."""
    found = evaluate_managed_cluster(document, today=AS_OF)
    assert found
    assert all(f.result in set(Result) for f in found)
    assert all(f.message for f in found)


def test_document_without_pools_reports_pool_rules_not_applicable_with_why() -> None:
    found = [
        f
        for f in evaluate_managed_cluster(cluster(), today=AS_OF)
        if f.rule == "STO-06/ephemeral-os-disk"
    ]
    assert [f.result for f in found] == [Result.NOT_APPLICABLE]
    assert "agentPoolProfiles" in found[0].message


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_fixture_is_read_as_a_managed_cluster(name: str) -> None:
    parsed = parse_managed_cluster(load(name))
    assert parsed.pools
    assert parsed.pools_listed


class TestSection:
    def test_get_walks_paths_case_insensitively(self) -> None:
        section = Section({"A": {"bC": {"d": 1}}})
        assert section.get("a", "Bc", "D") == 1
        assert section.get("a", "missing") is None
        assert section.get("a", "bC", "d", "deeper") is None

    def test_exact_key_wins_over_other_casings(self) -> None:
        assert Section({"osSku": "x", "osSKU": "y"}).get("osSKU") == "y"

    def test_has_tells_a_null_value_from_a_missing_key(self) -> None:
        section = Section({"tier": None})
        assert section.has("tier")
        assert section.get("tier") is None
        assert not section.has("name")

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param(True, True, id="bool"),
            pytest.param("true", True, id="string-true"),
            pytest.param(" False ", False, id="string-false"),
            pytest.param("yes", None, id="other-string"),
            pytest.param(1, None, id="number"),
            pytest.param(None, None, id="null"),
        ],
    )
    def test_flag_reads_booleans_and_boolean_strings(
        self, value: Any, expected: bool | None
    ) -> None:
        assert Section({"v": value}).flag("v") is expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param(30, 30, id="int"),
            pytest.param(30.0, 30, id="whole-float"),
            pytest.param(30.5, None, id="fraction"),
            pytest.param(True, None, id="bool-is-not-a-number"),
            pytest.param("30", None, id="string"),
        ],
    )
    def test_integer_accepts_only_whole_numbers(self, value: Any, expected: int | None) -> None:
        assert Section({"v": value}).integer("v") == expected

    def test_text_ignores_blank_and_non_string_values(self) -> None:
        assert Section({"a": "  ", "b": 3, "c": "x"}).text("a") is None
        assert Section({"a": "  ", "b": 3, "c": "x"}).text("b") is None
        assert Section({"a": "  ", "b": 3, "c": "x"}).text("c") == "x"

    def test_strings_keeps_string_entries_of_a_list_only(self) -> None:
        assert Section({"z": ["1", 2, None, "", {"x": 1}]}).strings("z") == ("1", "2")
        assert Section({"z": "1"}).strings("z") == ()
