"""A real Kubernetes control plane for tests and the demo, without Docker.

etcd, kube-apiserver and kube-controller-manager run as local processes on
loopback ports, with throwaway certificates. The controller-manager is part
of it on purpose: garbage collection, namespace deletion, default service
accounts and ResourceQuota status only happen when it runs.
"""

from aks_checklist.testing.binaries import Binaries, find_binaries
from aks_checklist.testing.controlplane import ControlPlane, ControlPlaneError

__all__ = ["Binaries", "ControlPlane", "ControlPlaneError", "find_binaries"]
