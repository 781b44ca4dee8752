"""Container rules (CTR-*): where images may come from.

CTR-02 compares each image's registry with the policy's ``allowedRegistries``
globs (:meth:`CheckSettings.registry_allowed`). The registry is resolved the
way the container runtime resolves it, so ``nginx`` is judged as
``docker.io`` and ``myreg:5000/app`` as ``myreg:5000`` (a pattern must then
include the port). Ephemeral debug containers are left out: they are added
by hand to a running pod and do not come from the workload's manifest.
"""

from __future__ import annotations

from collections.abc import Iterator

from aks_checklist.checks import podspec
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.checks.snapshot import Snapshot

# A member looked up on the enum class costs ten times a global, and these are read for
# every object judged.
P, F = Result.PASS, Result.FAIL

ALLOWED_REGISTRIES = Rule(
    "CTR-02/allowed-registries",
    "Images come from allowed registries",
    Severity.HIGH,
    "workload",
)

RULES: tuple[Rule, ...] = (ALLOWED_REGISTRIES,)


def check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    if not settings.enabled(ALLOWED_REGISTRIES.id):
        return
    allowed = ", ".join(settings.allowed_registries) or "none"
    verdicts: dict[str, bool] = {}
    for workload in snapshot.workloads:
        for container in workload.containers(init=True):
            who = podspec.describe(container)
            image = podspec.image_of(container)
            if image is None:
                yield ALLOWED_REGISTRIES.finding(
                    Result.ERROR,
                    f"{who} sets no image, so its registry cannot be judged",
                    workload.ref,
                    container=container.name,
                )
                continue
            registry = image.registry
            if registry not in verdicts:
                verdicts[registry] = settings.registry_allowed(registry)
            if verdicts[registry]:
                yield ALLOWED_REGISTRIES.finding(
                    P,
                    f"{who} pulls {image.name} from allowed registry {registry}",
                    workload.ref,
                    container=container.name,
                )
            else:
                yield ALLOWED_REGISTRIES.finding(
                    F,
                    f"{who} pulls {image.name} from registry {registry}, which matches none of "
                    f"the allowed registries ({allowed})",
                    workload.ref,
                    container=container.name,
                )
