"""`aks-checklist scan`: judge manifests offline with the operator's own engine.

Meant for CI: reads files, directories and stdin, prints one of the report
formats, and exits 0 (clean), 1 (a failure at or above ``--fail-on``) or 2
(an input or the policy file could not be read).
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

import yaml

from aks_checklist.checks import registry
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.commands.output_options import add_output_options, use_color
from aks_checklist.policy import KIND, Policy, PolicyError, Waiver, parse_policy
from aks_checklist.render import EXIT_ERRORS, exit_code, render
from aks_checklist.scan import STDIN, scan


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="check Kubernetes manifests against the AKS Checklist",
        description=(
            "Check Kubernetes manifests (files, directories, or - for stdin) against the "
            "AKS Checklist. Exit codes: 0 clean, 1 a failure at or above --fail-on, "
            "2 an input or the policy could not be read."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help=(
            "manifest file, Dockerfile or directory (.yaml, .yml, .json, Dockerfile, "
            "*.Dockerfile, Containerfile; recursive), or - for stdin"
        ),
    )
    parser.add_argument(
        "--policy",
        metavar="FILE",
        help="an AksChecklistPolicy whose checks and waivers apply to the scan",
    )
    parser.add_argument(
        "--namespace",
        "-n",
        metavar="NS",
        help="namespace of objects that name none (default: default)",
    )
    add_output_options(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = CheckSettings()
    waivers: tuple[Waiver, ...] = ()
    if args.policy:
        try:
            policy = load_policy_file(args.policy)
        except (OSError, PolicyError, yaml.YAMLError, ValueError) as exc:
            print(f"aks-checklist scan: policy {args.policy}: {_reason(exc)}", file=sys.stderr)
            return EXIT_ERRORS
        settings, waivers = policy.checks, policy.waivers
    if args.paths.count(STDIN) > 1:
        print("aks-checklist scan: - (stdin) can be given only once", file=sys.stderr)
        return EXIT_ERRORS
    # A scan allocates millions of small dicts that all live until the process exits; the
    # cyclic collector re-walking them costs up to a third of the run and frees nothing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = scan(args.paths, namespace=args.namespace, settings=settings, waivers=waivers)
        text = render(
            result.findings,
            result.errors,
            fmt=args.format,
            show_passed=args.show_passed,
            color=args.format == "table" and use_color(args.no_color, sys.stdout),
            objects=result.objects_count,
            rules=registry.all_rules(),
        )
    finally:
        if gc_was_enabled:
            gc.enable()
    sys.stdout.write(text)
    sys.stdout.flush()
    if args.format != "table":
        # Machine formats usually go to a file; say on stderr why the exit code is 2.
        for error in result.errors:
            print(f"aks-checklist scan: {error}", file=sys.stderr)
    return exit_code(result.findings, result.errors, args.fail_on)


def load_policy_file(path: str) -> Policy:
    """The AksChecklistPolicy in a YAML file (the first one, if the file holds several)."""
    with open(path, encoding="utf-8") as handle:
        documents = list(
            yaml.load_all(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        )
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == KIND:
            return parse_policy(document)
    raise ValueError(f"no {KIND} in the file")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, yaml.YAMLError):
        return f"invalid YAML: {' '.join(str(exc).split())}"
    return str(exc)
