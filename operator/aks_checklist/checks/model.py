"""The vocabulary every check speaks: rules, results, findings.

Kept free of any I/O and of the Kubernetes client so that the same findings
can come from a manifest on disk, an ARM document or a live cluster.
"""

from __future__ import annotations

import enum
from typing import Any, Final, Literal

from aks_checklist.records import Frozen, Sealed, slot_setters

_set = object.__setattr__  # how a frozen record's __init__ sets its fields


class Result(enum.StrEnum):
    PASS = "Pass"  # noqa: S105  # a result name, not a password
    FAIL = "Fail"
    WARN = "Warn"
    WAIVED = "Waived"
    ATTESTED = "Attested"  # a person vouched for a manual or advisory item, until an expiry
    NOT_APPLICABLE = "NotApplicable"
    ERROR = "Error"


class Severity(enum.StrEnum):
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"

    @property
    def rank(self) -> int:
        """Higher is more severe, so ``--fail-on`` can compare thresholds."""
        return _RANKS[self]  # a member is the string it names: no need for its value


_RANKS = {"High": 3, "Medium": 2, "Low": 1}


Scope = Literal["workload", "namespace", "object", "cluster", "aks", "dockerfile"]


class Rule(Frozen):
    """One automated check of a catalog item; ``id`` is ``<ITEM>/<kebab-name>``."""

    _fields = __slots__ = ("id", "title", "severity", "scope")
    id: str
    title: str
    severity: Severity
    scope: Scope

    def __init__(self, id: str, title: str, severity: Severity, scope: Scope) -> None:
        _set(self, "id", id)
        _set(self, "title", title)
        _set(self, "severity", severity)
        _set(self, "scope", scope)

    @property
    def item(self) -> str:
        return self.id.split("/", 1)[0]

    def finding(
        self,
        result: Result,
        message: str,
        obj: ObjectRef | None = None,
        *,
        container: str | None = None,
        file: str | None = None,
    ) -> Finding:
        return Finding(self.id, result, self.severity, message, obj, container, file)


class ObjectRef(Frozen):
    """Which object a finding is about: its API version, kind, namespace (if any) and name."""

    _fields = ("api_version", "kind", "namespace", "name")
    __slots__ = (*_fields, "_hash")
    api_version: str
    kind: str
    namespace: str | None
    name: str
    _hash: int

    def __init__(self, api_version: str, kind: str, namespace: str | None, name: str) -> None:
        _api_version(self, api_version)
        _kind(self, kind)
        _namespace(self, namespace)
        _name(self, name)
        _hash(self, hash((api_version, kind, namespace, name)))

    # Written out: refs are dictionary keys in every check, and hashed by the hundred thousand.
    def __eq__(self, other: object) -> bool:
        if type(other) is ObjectRef:
            return (
                self.name == other.name
                and self.kind == other.kind
                and self.namespace == other.namespace
                and self.api_version == other.api_version
            )
        return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"

    @classmethod
    def of(cls, obj: dict[str, object], default_namespace: str | None = None) -> ObjectRef:
        # Made for every object of a scan, more than once: the fields are strings already
        # almost always, and str() of one costs more than the type check that skips it.
        metadata = obj.get("metadata")
        if isinstance(metadata, dict):
            namespace = metadata.get("namespace") or default_namespace
            name = metadata.get("name") or metadata.get("generateName") or ""
        else:
            namespace, name = default_namespace, ""
        api_version = obj.get("apiVersion") or ""
        kind = obj.get("kind") or ""
        return cls(
            api_version if type(api_version) is str else str(api_version),
            kind if type(kind) is str else str(kind),
            (namespace if type(namespace) is str else str(namespace)) if namespace else None,
            name if type(name) is str else str(name),
        )


class Finding(Sealed):
    """The result of one rule on one object (and optionally one container).

    Sealed, not Frozen (see :class:`aks_checklist.records.Sealed`): its fields are
    ``Final`` for mypy, and assigned directly in ``__init__``.
    """

    _fields = (
        "rule",
        "result",
        "severity",
        "message",
        "object",
        "container",
        "file",
        "details",
        "line",
        "document",
        "source",
        "copies",
    )
    # ``details`` is a property over ``_details``: see its docstring.
    __slots__ = (*(name for name in _fields if name != "details"), "_details")
    _compared = tuple(name for name in _fields if name != "details")
    rule: Final[str]
    result: Final[Result]
    severity: Final[Severity]
    message: Final[str]
    object: Final[ObjectRef | None]
    container: Final[str | None]
    file: Final[str | None]
    _details: dict[str, str] | None
    # Where a scanned object is written (optional: the operator's findings have no file).
    line: Final[int | None]  # 1-based line of the object's document in ``file``
    document: Final[int | None]  # 0-based document index in ``file``
    source: Final[str | None]  # the render it came from, e.g. "kustomize build overlays/dev"
    copies: Final[tuple[str, ...]]  # "file:line" of identical copies folded into this one

    def __init__(
        self,
        rule: str,
        result: Result,
        severity: Severity,
        message: str,
        object: ObjectRef | None = None,
        container: str | None = None,
        file: str | None = None,
        details: dict[str, str] | None = None,
        line: int | None = None,
        document: int | None = None,
        source: str | None = None,
        copies: tuple[str, ...] = (),
    ) -> None:
        self.rule = rule
        self.result = result
        self.severity = severity
        self.message = message
        self.object = object
        self.container = container
        self.file = file
        self._details = details
        self.line = line
        self.document = document
        self.source = source
        self.copies = copies

    @property
    def details(self) -> dict[str, str]:
        """Extra facts of a rule (a Dockerfile's line); a fresh dict of the finding's own
        when none were given.

        Few rules have details, and a scan makes a hundred thousand findings: the empty
        dict is made when it is first read, not with every finding.
        """
        details = self._details
        if details is None:
            details = self._details = {}
        return details

    def replace(self, **changes: Any) -> Finding:
        """A copy with some fields changed (what ``dataclasses.replace`` gives)."""
        fields = {name: getattr(self, name) for name in self._fields}
        fields.update(changes)
        return Finding(**fields)

    @property
    def item(self) -> str:
        return self.rule.split("/", 1)[0]


_api_version, _kind, _namespace, _name, _hash = slot_setters(ObjectRef, ObjectRef.__slots__)
