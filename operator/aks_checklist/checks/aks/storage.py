"""Storage items judged on the ARM document: OS disk type and zone placement of disk-backed pods.

The OS disk type is fixed when a pool is created. Zone placement matters for
Azure Disks: a locally redundant disk lives in one zone, so a pod that moves
to a node in another zone cannot attach it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from aks_checklist.checks.aks._common import Verdict, lower, per_pool
from aks_checklist.checks.aks.document import AgentPool, ManagedCluster
from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.checks.versions import parse_minor

EPHEMERAL_OS_DISK = Rule(
    "STO-06/ephemeral-os-disk",
    "Node pools use ephemeral OS disks",
    Severity.LOW,
    "aks",
)
ZONAL_DISKS = Rule(
    "STO-09/zonal-disk-placement",
    "Pods with Azure Disks cannot be stranded in another zone than their disk",
    Severity.MEDIUM,
    "aks",
)

RULES: tuple[Rule, ...] = (EPHEMERAL_OS_DISK, ZONAL_DISKS)

# From this minor on, AKS's built-in disk storage classes create zone-redundant
# disks on clusters whose pools span zones.
ZRS_DEFAULT_MINOR = (1, 29)


def check(cluster: ManagedCluster, *, today: date | None = None) -> Iterator[Finding]:
    yield from per_pool(EPHEMERAL_OS_DISK, cluster, _ephemeral)
    yield from per_pool(ZONAL_DISKS, cluster, lambda pool: _zonal(cluster, pool))


def _ephemeral(pool: AgentPool) -> Verdict:
    disk = pool.os_disk_type
    if lower(disk) == "ephemeral":
        return Result.PASS, f"pool {pool.name} uses an ephemeral OS disk"
    if disk is None:
        return Result.NOT_APPLICABLE, (
            f"pool {pool.name} has no osDiskType: AKS picks Ephemeral when the VM size's cache "
            "or temp disk can hold the OS disk and Managed otherwise, and the document does "
            "not say which"
        )
    return Result.FAIL, (
        f"pool {pool.name} uses osDiskType {disk}: a remote OS disk is slower to boot and "
        "reimage; the type can only be chosen for a new pool (on a VM size with a large "
        "enough cache or temp disk)"
    )


def _zonal(cluster: ManagedCluster, pool: AgentPool) -> Verdict:
    zones = pool.availability_zones
    if not zones:
        return Result.NOT_APPLICABLE, (
            f"pool {pool.name} is regional (no availabilityZones): disks and nodes are not "
            "zone-bound"
        )
    if len(zones) == 1 and lower(zones[0]) != "auto":
        return Result.PASS, (
            f"pool {pool.name} is pinned to zone {zones[0]}: its pods always find their "
            "locally redundant disks"
        )
    minor = parse_minor(pool.version or cluster.kubernetes_version or "")
    if minor is not None and minor >= ZRS_DEFAULT_MINOR:
        return Result.PASS, (
            f"pool {pool.name} spans zones on Kubernetes {minor[0]}.{minor[1]}: the built-in "
            "disk storage classes create zone-redundant disks; custom LRS classes still need "
            "volumeBindingMode WaitForFirstConsumer"
        )
    version = f"{minor[0]}.{minor[1]}" if minor else "an unknown version"
    return Result.WARN, (
        f"pool {pool.name} spans zones on Kubernetes {version}, where the built-in storage "
        "classes create locally redundant disks: a pod rescheduled to another zone cannot "
        "attach its disk; use ZRS storage classes or one pool per zone"
    )
