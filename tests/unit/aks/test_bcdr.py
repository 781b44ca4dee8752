"""Business-continuity rules on the ARM document: zones, SLA tier, nodes per pool."""

from __future__ import annotations

from typing import Any

import pytest

from aks_checklist.checks.model import Result
from tests.unit.aks.builders import by_object, cluster, only, pool


@pytest.mark.parametrize(
    ("zones", "expected", "fragment"),
    [
        pytest.param(["1", "2", "3"], Result.PASS, "spans zones 1, 2, 3", id="three-zones"),
        pytest.param(["1", "2"], Result.PASS, "spans zones 1, 2", id="two-zones"),
        pytest.param(["auto"], Result.PASS, "auto", id="auto-placement"),
        pytest.param(["2"], Result.WARN, "pinned to zone 2", id="one-zone"),
        pytest.param([], Result.FAIL, "no availabilityZones", id="empty"),
        pytest.param(None, Result.FAIL, "no availabilityZones", id="null"),
    ],
)
def test_availability_zones(zones: list[str] | None, expected: Result, fragment: str) -> None:
    finding = only(
        cluster(pools=[pool("p", availabilityZones=zones)]), "BCDR-03/availability-zones"
    )
    assert finding.result == expected
    assert fragment in finding.message


def test_availability_zones_names_each_pool() -> None:
    document = cluster(pools=[pool("zonal", availabilityZones=["1", "2", "3"]), pool("regional")])
    assert by_object(document, "BCDR-03/availability-zones") == {
        "zonal": Result.PASS,
        "regional": Result.FAIL,
    }


@pytest.mark.parametrize(
    ("sku", "expected", "fragment"),
    [
        pytest.param({"name": "Base", "tier": "Standard"}, Result.PASS, "Standard", id="standard"),
        pytest.param({"name": "Base", "tier": "Premium"}, Result.PASS, "Premium", id="premium"),
        pytest.param({"name": "Basic", "tier": "Paid"}, Result.PASS, "Paid", id="legacy-paid"),
        pytest.param({"name": "Automatic"}, Result.PASS, "Automatic", id="automatic"),
        pytest.param({"name": "Base", "tier": "Free"}, Result.FAIL, "sku.tier is Free", id="free"),
        pytest.param({"name": "Base"}, Result.FAIL, "Free by default", id="tier-absent"),
        pytest.param(None, Result.FAIL, "Free by default", id="sku-absent"),
    ],
)
def test_uptime_sla(sku: dict[str, Any] | None, expected: Result, fragment: str) -> None:
    finding = only(cluster(envelope={"sku": sku}), "BCDR-07/uptime-sla")
    assert finding.result == expected
    assert fragment in finding.message


@pytest.mark.parametrize(
    ("fields", "expected", "fragment"),
    [
        pytest.param({"count": 3}, Result.PASS, "has 3 nodes", id="three"),
        pytest.param({"count": 2}, Result.PASS, "has 2 nodes", id="two"),
        pytest.param({"count": 1}, Result.FAIL, "count 1", id="one"),
        pytest.param({}, Result.FAIL, "1 by default", id="count-absent"),
        pytest.param({"count": 0}, Result.NOT_APPLICABLE, "zero nodes", id="scaled-to-zero"),
        pytest.param(
            {"enableAutoScaling": True, "minCount": 2, "maxCount": 5, "count": 2},
            Result.PASS,
            "at least 2 nodes",
            id="autoscaled-floor-two",
        ),
        pytest.param(
            {"enableAutoScaling": True, "minCount": 1, "maxCount": 5, "count": 3},
            Result.WARN,
            "minCount 1",
            id="autoscaled-floor-one",
        ),
        pytest.param(
            {"enableAutoScaling": True, "count": 3}, Result.WARN, "unknown minimum", id="no-min"
        ),
    ],
)
def test_multiple_nodes(fields: dict[str, Any], expected: Result, fragment: str) -> None:
    finding = only(cluster(pools=[pool("p", **fields)]), "BCDR-08/multiple-nodes")
    assert finding.result == expected
    assert fragment in finding.message
