"""Operations rules: keep apps out of the ``default`` namespace.

Everything lands in ``default`` when a manifest forgets its namespace, and
that namespace usually has no quota, LimitRange, NetworkPolicy or RBAC of
its own. The rule judges what people deploy on purpose (workloads,
Services, Ingresses); ConfigMaps and Secrets follow their workloads, and
some are created in every namespace by Kubernetes itself. The API server's
own ``kubernetes`` Service in ``default`` is not the user's and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.snapshot import Snapshot

# A member looked up on the enum class costs ten times a global, and these are read for
# every object judged.
P, F, W = Result.PASS, Result.FAIL, Result.WARN

NOT_DEFAULT_NAMESPACE = Rule(
    "OPS-15/not-default-namespace",
    "Apps are not deployed to the default namespace",
    Severity.MEDIUM,
    "object",
)

RULES: tuple[Rule, ...] = (NOT_DEFAULT_NAMESPACE,)

DEFAULT_NAMESPACE = "default"
JUDGED_KINDS = ("Service", "Ingress")
# Created and owned by the API server in every cluster.
API_SERVER_SERVICE = "kubernetes"


def check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    if not settings.enabled(NOT_DEFAULT_NAMESPACE.id):
        return
    judged = [(workload.ref, workload.obj) for workload in snapshot.workloads]
    judged.extend((snapshot.ref(obj), obj) for obj in snapshot.of_kind(*JUDGED_KINDS))
    for ref, obj in judged:
        if _api_server_service(ref):
            continue
        if not snapshot.complete and not _namespace_set(obj):
            # A manifest set; objects read from a cluster are in their namespace, named or not.
            yield _not_set(ref)
            continue
        yield _judge(ref)


def _namespace_set(obj: dict[str, object]) -> bool:
    metadata = obj.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("namespace"))


def _not_set(ref: ObjectRef) -> Finding:
    """A manifest that names no namespace: where it lands is the applier's choice, not its own.

    Objects read from a cluster always have one; the scanner places objects
    that name none in ``--namespace`` when given, so this is a manifest read as
    it is.
    """
    return NOT_DEFAULT_NAMESPACE.finding(
        W,
        f"{ref} does not set metadata.namespace, so it lands in whatever namespace it is "
        "applied to (default, unless kubectl's context or the deploying tool says otherwise); "
        "set one, or scan with --namespace to judge the one it will get",
        ref,
    )


def _api_server_service(ref: ObjectRef) -> bool:
    return (
        ref.kind == "Service"
        and ref.namespace == DEFAULT_NAMESPACE
        and ref.name == API_SERVER_SERVICE
    )


def _judge(ref: ObjectRef) -> Finding:
    if ref.namespace == DEFAULT_NAMESPACE:
        return NOT_DEFAULT_NAMESPACE.finding(
            F,
            f"{ref} is in the default namespace; give the app a namespace of its own",
            ref,
        )
    return NOT_DEFAULT_NAMESPACE.finding(P, f"{ref} is in namespace {ref.namespace}", ref)
