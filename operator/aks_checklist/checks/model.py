"""The vocabulary every check speaks: rules, results, findings.

Kept free of any I/O and of the Kubernetes client so that the same findings
can come from a manifest on disk, an ARM document or a live cluster.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal


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
        return {"High": 3, "Medium": 2, "Low": 1}[self.value]


Scope = Literal["workload", "namespace", "object", "cluster", "aks", "dockerfile"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One automated check of a catalog item; ``id`` is ``<ITEM>/<kebab-name>``."""

    id: str
    title: str
    severity: Severity
    scope: Scope

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
        return Finding(
            rule=self.id,
            result=result,
            severity=self.severity,
            message=message,
            object=obj,
            container=container,
            file=file,
        )


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Which object a finding is about: its API version, kind, namespace (if any) and name."""

    api_version: str
    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"

    @classmethod
    def of(cls, obj: dict[str, object], default_namespace: str | None = None) -> ObjectRef:
        metadata = obj.get("metadata")
        meta = metadata if isinstance(metadata, dict) else {}
        namespace = meta.get("namespace") or default_namespace
        return cls(
            api_version=str(obj.get("apiVersion") or ""),
            kind=str(obj.get("kind") or ""),
            namespace=str(namespace) if namespace else None,
            name=str(meta.get("name") or meta.get("generateName") or ""),
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one rule on one object (and optionally one container)."""

    rule: str
    result: Result
    severity: Severity
    message: str
    object: ObjectRef | None = None
    container: str | None = None
    file: str | None = None
    details: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # Where a scanned object is written (optional: the operator's findings have no file).
    line: int | None = None  # 1-based line of the object's document in ``file``
    document: int | None = None  # 0-based document index in ``file``
    source: str | None = None  # the render it came from, e.g. "kustomize build overlays/dev"
    copies: tuple[str, ...] = ()  # "file:line" of identical copies folded into this one

    @property
    def item(self) -> str:
        return self.rule.split("/", 1)[0]
