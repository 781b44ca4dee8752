"""`aks-checklist aks FILE|-`: judge a cluster's configuration; `aks collect` gathers it.

FILE is a bundle written by ``aks-checklist aks collect`` (the cluster plus the
Azure resources around it: diagnostic settings, registries, alerts, quota...)
or one managed cluster in either shape (az's flattened JSON or the ARM
resource with ``properties``). A plain cluster document is judged as a bundle
with nothing else collected: the items that need the other resources are
NotApplicable and name the ``aks collect`` command that would judge them. A
bundle part that is missing, null or of the wrong type is named (on stderr and
as Error results of its rules) and the rest is still judged.

Exit codes match ``scan``: 0 clean, 1 a failure at or above ``--fail-on``, 2
the input could not be read or holds no managed cluster.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import json
import sys
from datetime import date
from typing import Any

import yaml

from aks_checklist.checks.aks import RULES, NotAManagedClusterError, evaluate_bundle
from aks_checklist.checks.model import Finding
from aks_checklist.commands.output_options import add_output_options, use_color
from aks_checklist.render import exit_code, render
from aks_checklist.scan import STDIN, STDIN_NAME, ScanError

PROG = "aks-checklist aks"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "aks",
        help="check an AKS cluster's configuration (az aks show -o json) against the checklist",
        description=(
            "Check an AKS cluster's configuration against the AKS Checklist. FILE holds a "
            "bundle of `aks-checklist aks collect`, the JSON of `az aks show -o json` or the "
            "cluster's ARM resource (with `properties`); - reads stdin. "
            "`aks-checklist aks collect --subscription S --resource-group G --name N -o "
            "bundle.json` writes a bundle (signs in like az: DefaultAzureCredential). Exit "
            "codes: 0 clean, 1 a failure at or above --fail-on, 2 the input could not be read "
            "or holds no managed cluster."
        ),
    )
    parser.add_argument(
        "file", metavar="FILE", help="bundle or cluster JSON file, - for stdin, or `collect`"
    )
    _add_judge_options(parser)
    # Options after FILE, and the arguments of `collect`, which has its own -o.
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.set_defaults(handler=handle)


def _add_judge_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="judge the supported Kubernetes versions as of this date (default: today)",
    )
    add_output_options(parser)


def _trailing_options(args: argparse.Namespace) -> argparse.Namespace:
    """Options written after FILE, parsed like those before it."""
    parser = argparse.ArgumentParser(prog=PROG)
    _add_judge_options(parser)
    return parser.parse_args(args.rest, namespace=args)


def handle(args: argparse.Namespace) -> int:
    if args.file == "collect":
        from aks_checklist.commands import aks_collect  # the Azure SDK only when collecting

        return aks_collect.handle(args.rest)
    if args.rest:
        args = _trailing_options(args)
    name = STDIN_NAME if args.file == STDIN else args.file
    findings: list[Finding] = []
    errors: list[ScanError] = []
    problems: dict[str, str] = {}
    try:
        document = read_document(args.file)
        judged, problems = evaluate_bundle(document, today=args.as_of)
        findings = [dataclasses.replace(finding, file=name) for finding in judged]
    except (InputError, NotAManagedClusterError) as error:
        errors.append(ScanError(file=name, document=None, message=str(error)))
    for part, why in sorted(problems.items()):
        print(f"{PROG}: {name}: bundle part {part} {why}", file=sys.stderr)
    sys.stdout.write(
        render(
            findings,
            errors,
            fmt=args.format,
            show_passed=args.show_passed,
            color=args.format == "table" and use_color(args.no_color, sys.stdout),
            rules=RULES,
        )
    )
    sys.stdout.flush()
    if args.format != "table":
        # Machine formats usually go to a file; say on stderr why the exit code is 2.
        for problem in errors:
            print(f"{PROG}: {problem}", file=sys.stderr)
    return exit_code(findings, errors, args.fail_on)


class InputError(ValueError):
    """The file could not be read or parsed; the message says why."""


def read_document(path: str) -> Any:
    """The parsed JSON (or YAML, for ``az aks show -o yaml``) of ``path``; ``-`` is stdin."""
    try:
        if path == STDIN:
            raw = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as handle:
                raw = handle.read()
    except OSError as error:
        raise InputError(error.strerror or str(error)) from None
    text = _decode(raw)
    if not text.strip():
        raise InputError("the file is empty; expected the JSON of `az aks show -o json`")
    try:
        return json.loads(text)
    except json.JSONDecodeError as json_error:
        where = f"line {json_error.lineno} column {json_error.colno}"
        reason = f"not valid JSON: {json_error.msg} at {where}"
        if text.lstrip().startswith(("{", "[")):
            raise InputError(reason) from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputError(reason) from None
        if not isinstance(document, dict):
            raise InputError(reason) from None
        return document


def _decode(raw: bytes) -> str:
    """UTF-8, or UTF-16 with a byte-order mark (what Windows PowerShell's `>` writes)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputError(f"not {encoding.replace('-sig', '')} text: {error.reason}") from None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
