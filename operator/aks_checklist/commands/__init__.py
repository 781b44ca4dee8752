"""Subcommands of ``aks-checklist``; each module has ``register(subparsers)``."""
