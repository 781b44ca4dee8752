"""AKS Checklist Operator: keeps AKS clusters aligned with the AKS Checklist.

The package is layered so the check engine can run anywhere: ``catalog``,
``checks``, ``baseline``, ``policy`` and ``report`` are pure functions over
plain dicts; ``scan`` adds file I/O; only ``kube`` and ``controller`` talk to
the Kubernetes API server.
"""

__version__ = "0.1.0"
