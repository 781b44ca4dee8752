"""The ``aks-checklist`` command: one entry point, one module per subcommand.

Each module under ``aks_checklist.commands`` exposes ``register(subparsers)``
which adds its parser and sets ``handler``: a function taking the parsed
arguments and returning the process exit code.

Only the chosen subcommand's module is imported. ``aks-checklist scan`` runs
in CI on every push, and importing the operator, the AKS checks and the demo
just to judge one file used to cost most of its run time; the other
subcommands get a placeholder parser that is enough for ``--help`` to list them.
For the same reason a plain ``scan`` command line is read without argparse
(:func:`aks_checklist.commands.scan.parse_quickly`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aks_checklist import __version__

if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace

# Exit codes shared by every subcommand.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

# name -> one-line help, in the order --help lists them. Each module's own parser repeats
# the same help text; test_cli checks that they agree.
COMMANDS = {
    "run": "run the operator",
    "scan": "check Kubernetes manifests against the AKS Checklist",
    "checks": "list checklist items, their automation and rules",
    "aks": "check an AKS cluster's configuration (az aks show -o json) against the checklist",
    "demo": "run the operator end to end on a local control plane",
    "dashboard": "serve the compliance page",
}


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line: the first argument not starting with ``-``."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the subcommand it names gets its full parser."""
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="aks-checklist",
        description="Keep AKS clusters aligned with the AKS Checklist: operator and scanner.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = set(COMMANDS) if argv is None else {chosen_command(argv)}
    for name, summary in COMMANDS.items():
        if name in wanted:
            module = importlib.import_module(f"aks_checklist.commands.{name}")
            module.register(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | SimpleNamespace | None = None
    if arguments[:1] == ["scan"]:
        from aks_checklist.commands.scan import parse_quickly

        args = parse_quickly(arguments[1:])
    if args is None:
        args = build_parser(arguments).parse_args(arguments)
    try:
        code: int = args.handler(args)
    except BrokenPipeError:
        # `aks-checklist scan ... | head` closed our stdout: not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    return code
