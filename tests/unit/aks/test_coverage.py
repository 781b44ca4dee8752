"""The ARM judge covers exactly the catalog's `aks`/`both` items, and its rules are well formed."""

from __future__ import annotations

import re

import pytest

from aks_checklist.catalog import load_catalog
from aks_checklist.checks.aks import NOT_DECIDABLE, RULES, evaluate_bundle
from aks_checklist.checks.model import Severity
from tests.unit.aks.builders import AS_OF, FIXTURE_NAMES, load

ARM_AUTOMATION = frozenset({"aks", "both"})
RULE_ID = re.compile(r"^[A-Z]+-\d{2}/[a-z0-9]+(?:-[a-z0-9]+)*$")


def arm_items() -> set[str]:
    return {item.id for item in load_catalog() if item.automation in ARM_AUTOMATION}


def test_every_aks_or_both_item_has_a_rule_or_a_written_reason() -> None:
    covered = {rule.item for rule in RULES} | set(NOT_DECIDABLE)
    assert sorted(arm_items() - covered) == []


def test_not_decidable_only_lists_aks_items_without_rules_and_explains_each() -> None:
    with_rules = {rule.item for rule in RULES}
    for item, reason in NOT_DECIDABLE.items():
        assert item in arm_items(), f"{item} is not an aks/both item"
        assert item not in with_rules, f"{item} has rules and a not-decidable reason"
        assert len(reason.split()) >= 5, f"{item}: the reason should say why"


def test_rules_only_judge_items_the_catalog_marks_aks_or_both() -> None:
    """A rule for a `kubernetes` or `manual` item means the catalog or the rule is wrong."""
    catalog = load_catalog()
    for rule in RULES:
        item = catalog.get(rule.item)
        assert item is not None, f"{rule.id}: no catalog item {rule.item}"
        assert item.automation in ARM_AUTOMATION, f"{rule.id}: {rule.item} is {item.automation}"


def test_rule_ids_are_unique_well_formed_and_scoped_aks() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert RULE_ID.match(rule.id), rule.id
        assert rule.scope == "aks"
        assert rule.title
        assert isinstance(rule.severity, Severity)


@pytest.mark.parametrize(
    "rule_id",
    [
        "IDN-07/local-accounts-disabled",
        "BCDR-07/uptime-sla",
        "OPS-10/upgrade-channel",
        "NET-15/authorized-ip-ranges",
        "CSEC-01/azure-linux-node-os",
        "STO-06/ephemeral-os-disk",
        "BCDR-03/availability-zones",
    ],
)
def test_rule_ids_named_in_the_issue_exist(rule_id: str) -> None:
    assert rule_id in {rule.id for rule in RULES}


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_rule_answers_on_every_fixture_and_only_declared_rules_answer(name: str) -> None:
    # A plain cluster document reads as a bundle with nothing else collected: the rules
    # of the other Azure resources still answer (NotApplicable, naming `aks collect`).
    found, problems = evaluate_bundle(load(name), today=AS_OF)
    assert problems == {}
    declared = {rule.id: rule for rule in RULES}
    assert {f.rule for f in found} == set(declared)
    for finding in found:
        assert finding.severity == declared[finding.rule].severity
