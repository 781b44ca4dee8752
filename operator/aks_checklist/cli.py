"""The ``aks-checklist`` command: one entry point, one module per subcommand.

Each module under ``aks_checklist.commands`` exposes ``register(subparsers)``
which adds its parser and sets ``handler``: a function taking the parsed
arguments and returning the process exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from aks_checklist import __version__
from aks_checklist.commands import aks, checks, dashboard, demo, run, scan

# Exit codes shared by every subcommand.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aks-checklist",
        description="Keep AKS clusters aligned with the AKS Checklist: operator and scanner.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in (run, scan, checks, aks, demo, dashboard):
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except BrokenPipeError:
        # `aks-checklist scan ... | head` closed our stdout: not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    return code
