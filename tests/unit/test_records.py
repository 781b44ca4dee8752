"""Record classes behave as the frozen (or plain) dataclasses they replaced."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.evidence import ClusterEvidence
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.snapshot import Container, Snapshot, Workload
from aks_checklist.records import Frozen, FrozenError, Mutable, Sealed
from aks_checklist.render.summary import Counts
from aks_checklist.sources.documents import LoadedObject, ScanError

REF = ObjectRef("apps/v1", "Deployment", "shop", "web")
OTHER_REF = ObjectRef("apps/v1", "Deployment", "shop", "api")
DEPLOYMENT = {"kind": "Deployment", "metadata": {"name": "web"}}


def finding(**changes: Any) -> Finding:
    fields: dict[str, Any] = {
        "rule": "APP-01/x",
        "result": Result.FAIL,
        "severity": Severity.HIGH,
        "message": "m",
    }
    return Finding(**{**fields, **changes})


# (a record, an equal one, a different one)
SAMPLES = [
    pytest.param(REF, ObjectRef("apps/v1", "Deployment", "shop", "web"), OTHER_REF, id="ObjectRef"),
    pytest.param(
        Rule("APP-01/x", "t", Severity.HIGH, "workload"),
        Rule("APP-01/x", "t", Severity.HIGH, "workload"),
        Rule("APP-01/x", "t", Severity.LOW, "workload"),
        id="Rule",
    ),
    pytest.param(
        finding(object=REF, details={"a": "1"}),
        finding(object=REF, details={"b": "2"}),  # details are not compared, as before
        finding(object=OTHER_REF),
        id="Finding",
    ),
    pytest.param(
        CheckSettings(),
        CheckSettings(disabled=frozenset()),
        CheckSettings(frozenset({"APP-01"})),
        id="CheckSettings",
    ),
    pytest.param(
        ScanError("f", 0, "m"), ScanError("f", 0, "m"), ScanError("f", None, "m"), id="ScanError"
    ),
    pytest.param(
        LoadedObject({}, "f", 0),
        LoadedObject({}, "f", 0, None, None),
        LoadedObject({}, "g", 0),
        id="LoadedObject",
    ),
    pytest.param(
        Container({"name": "c"}, "containers"),
        Container({"name": "c"}, "containers"),
        Container({"name": "c"}, "initContainers"),
        id="Container",
    ),
    pytest.param(
        Workload(DEPLOYMENT, REF), Workload(dict(DEPLOYMENT), REF), Workload({}, REF), id="Workload"
    ),
    pytest.param(Counts(1, {}, {}, 0), Counts(1, {}, {}, 0), Counts(2, {}, {}, 0), id="Counts"),
    pytest.param(
        ClusterEvidence((DEPLOYMENT,)),
        ClusterEvidence((DEPLOYMENT,)),
        ClusterEvidence((), complete=True),
        id="ClusterEvidence",
    ),
]


def reference(record: Any) -> Any:
    """The dataclass the record replaced: same name, fields, values and frozenness."""
    fields = type(record)._fields
    shape = dataclasses.make_dataclass(
        type(record).__name__,
        [(name, Any, dataclasses.field(compare=name in type(record)._compared)) for name in fields],
        frozen=isinstance(record, Frozen | Sealed),
    )
    shape.__qualname__ = type(record).__qualname__
    return shape(*(getattr(record, name) for name in fields))


@pytest.mark.parametrize(("record", "equal", "different"), SAMPLES)
def test_records_compare_hash_and_print_as_their_dataclasses_did(
    record: Any, equal: Any, different: Any
) -> None:
    assert record == equal
    assert record != different
    assert record != reference(record)  # another class, as dataclasses compare
    assert repr(record) == repr(reference(record))
    try:
        hash(reference(record))
    except TypeError:  # a dict among the fields: unhashable then, unhashable now
        with pytest.raises(TypeError, match="unhashable"):
            hash(record)
    else:
        assert hash(record) == hash(equal)
        assert {record: 1}[equal] == 1


@pytest.mark.parametrize(("record", "equal", "different"), SAMPLES)
def test_frozen_records_refuse_assignment_and_survive_copy_and_pickle(
    record: Any, equal: Any, different: Any
) -> None:
    if isinstance(record, Sealed):
        # Final fields: mypy refuses the assignment (make typecheck), nothing at run time.
        assert copy.copy(record) == record
        assert pickle.loads(pickle.dumps(record)) == record  # noqa: S301  # our own bytes
        return
    name = type(record)._fields[0]
    with pytest.raises(FrozenError, match=f"cannot assign to field '{name}'"):
        setattr(record, name, None)
    with pytest.raises(FrozenError):
        delattr(record, name)
    assert copy.copy(record) == record
    assert pickle.loads(pickle.dumps(record)) == record  # noqa: S301  # our own bytes


def test_dataclasses_replace_and_fields_work_on_records() -> None:
    """The policy module replaces findings with dataclasses.replace, as before."""
    original = finding(object=REF, line=3)
    changed = dataclasses.replace(original, result=Result.WAIVED, message="waived")
    assert changed == original.replace(result=Result.WAIVED, message="waived")
    assert (changed.result, changed.message, changed.line, changed.object) == (
        Result.WAIVED,
        "waived",
        3,
        REF,
    )
    assert dataclasses.is_dataclass(original)
    assert [field.name for field in dataclasses.fields(original)] == list(Finding._fields)
    assert dataclasses.asdict(REF) == {
        "api_version": "apps/v1",
        "kind": "Deployment",
        "namespace": "shop",
        "name": "web",
    }


def test_mutable_records_are_unhashable_and_assignable_as_plain_dataclasses() -> None:
    snapshot = Snapshot("shop")
    assert isinstance(snapshot, Mutable)
    assert snapshot == Snapshot("shop", [], [], False)
    assert snapshot.objects is not Snapshot("shop").objects  # a fresh list each, no sharing
    snapshot.complete = True
    assert snapshot.complete
    with pytest.raises(TypeError, match="unhashable"):
        hash(snapshot)


def test_finding_details_default_to_a_fresh_dict() -> None:
    first, second = finding(), finding()
    assert first.details == {}
    assert first.details is not second.details


def test_finding_details_are_kept_through_replace_copy_and_pickle() -> None:
    given = finding(details={"line": "2"})
    empty = finding()
    empty.details["seen"] = "once"  # the fresh dict is the finding's own, and stays
    for original in (given, empty):
        for copied in (
            original.replace(message="other"),
            dataclasses.replace(original, message="other"),
            copy.copy(original),
            pickle.loads(pickle.dumps(original)),  # noqa: S301  # our own bytes
        ):
            assert copied.details == original.details
    assert dataclasses.asdict(given)["details"] == {"line": "2"}
    assert empty.details == {"seen": "once"}
