"""`aks-checklist scan`: judge manifests offline with the operator's own engine.

Meant for CI: reads files, directories and stdin, renders kustomizations and
Helm charts with the real tools, prints one of the report formats on stdout,
errors and warnings on stderr, and exits 0 (clean), 1 (a failure at or above
``--fail-on``) or 2 (an input, a render or the policy file could not be read).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TextIO

from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Rule, Severity
from aks_checklist.commands.output_options import (
    add_output_options,
    severity_named,
    use_color,
)
from aks_checklist.render import DEFAULT_WIDTH, EXIT_ERRORS, FORMATS, exit_code, render
from aks_checklist.scan import KUSTOMIZE_MODES, STDIN, scan

if TYPE_CHECKING:
    import argparse

    from aks_checklist.policy import Attestation, Policy, Waiver


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="check Kubernetes manifests against the AKS Checklist",
        description=(
            "Check Kubernetes manifests (files, directories, or - for stdin) against the "
            "AKS Checklist. Directories with a kustomization.yaml are rendered with "
            "kustomize (or kubectl kustomize), Helm charts with helm template, from PATH. "
            "Exit codes: 0 clean, 1 a failure at or above --fail-on, 2 an input, a render "
            "or the policy could not be read."
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
        help="an AksChecklistPolicy whose checks, waivers and attestations apply to the scan",
    )
    parser.add_argument(
        "--namespace",
        "-n",
        metavar="NS",
        help=(
            "namespace of objects that name none, as with kubectl apply -n (also passed to "
            "helm template); without it they are judged as 'namespace not set'"
        ),
    )
    parser.add_argument(
        "--kustomize",
        choices=KUSTOMIZE_MODES,
        default="auto",
        help=(
            "auto: render directories holding a kustomization.yaml; always: also require one "
            "in every directory named; never: read their files as plain manifests"
        ),
    )
    parser.add_argument(
        "--helm-values",
        action="append",
        default=[],
        metavar="FILE",
        help="a values file for every Helm chart scanned (repeatable, like helm -f)",
    )
    parser.add_argument(
        "--dedupe",
        action="store_true",
        help="fold identical copies of an object (in several files or renders) into one "
        "verdict that lists every copy",
    )
    add_output_options(parser)
    parser.set_defaults(handler=handle)


# What parse_quickly knows of register's options: option -> (destination, its values or
# None for a flag); "" accepts any value, a tuple only its choices.
_VALUED: dict[str, tuple[str, tuple[str, ...] | str]] = {
    "--policy": ("policy", ""),
    "--namespace": ("namespace", ""),
    "-n": ("namespace", ""),
    "--kustomize": ("kustomize", KUSTOMIZE_MODES),
    "--helm-values": ("helm_values", ""),
    "--format": ("format", FORMATS),
    "-o": ("format", FORMATS),
    "--fail-on": ("fail_on", ""),
}
_FLAGS = {"--dedupe": "dedupe", "--show-passed": "show_passed", "--no-color": "no_color"}


def parse_quickly(argv: Sequence[str]) -> SimpleNamespace | None:
    """``scan``'s arguments (``argv`` after ``scan``) as its argparse parser reads them, or None.

    Building argparse's parsers is a tenth of scanning one small file, so the command lines
    CI writes (paths in one run, the options spelt out in full) are read here. Anything
    else is None and goes to argparse, which prints its own help and errors: an abbreviated
    or unknown option, ``-h``, ``--``, a missing or invalid value, a value starting with
    ``-``, attached short options, paths split by options (argparse refuses the second run).
    """
    args: dict[str, Any] = {
        "command": "scan",
        "paths": [],
        "policy": None,
        "namespace": None,
        "kustomize": "auto",
        "helm_values": [],
        "dedupe": False,
        "format": "table",
        "fail_on": Severity.HIGH,
        "show_passed": False,
        "no_color": False,
        "handler": handle,
    }
    paths: list[str] = args["paths"]
    runs = 0  # runs of consecutive paths
    previous_was_path = False
    position = 0
    while position < len(argv):
        word = argv[position]
        position += 1
        if word == "-" or not word.startswith("-"):
            runs += 0 if previous_was_path else 1
            previous_was_path = True
            paths.append(word)
            continue
        previous_was_path = False
        if word in _FLAGS:
            args[_FLAGS[word]] = True
            continue
        option, equals, value = word.partition("=")
        if not equals:
            if position == len(argv):
                return None
            value = argv[position]
            position += 1
        elif not option.startswith("--"):
            return None  # argparse reads `-n=x` as "=x" only in some versions: leave it
        if option not in _VALUED or value.startswith("-"):
            return None
        destination, allowed = _VALUED[option]
        if allowed and value not in allowed:
            return None
        if destination == "helm_values":
            args["helm_values"].append(value)
        elif destination == "fail_on":
            chosen = severity_named(value)
            if chosen is None:
                return None
            args["fail_on"] = chosen
        else:
            args[destination] = value
    if runs != 1:
        return None
    return SimpleNamespace(**args)


def handle(args: argparse.Namespace | SimpleNamespace) -> int:
    settings = CheckSettings()
    waivers: tuple[Waiver, ...] = ()
    attestations: tuple[Attestation, ...] = ()
    if args.policy:
        # Imported only with --policy: parsing a policy is most of what that module holds.
        import yaml

        from aks_checklist.policy import PolicyError

        try:
            policy = load_policy_file(args.policy)
        except (OSError, PolicyError, yaml.YAMLError, ValueError) as exc:
            print(f"aks-checklist scan: policy {args.policy}: {_reason(exc)}", file=sys.stderr)
            return EXIT_ERRORS
        settings, waivers, attestations = policy.checks, policy.waivers, policy.attestations
    if args.paths.count(STDIN) > 1:
        print("aks-checklist scan: - (stdin) can be given only once", file=sys.stderr)
        return EXIT_ERRORS
    # A scan allocates millions of small dicts that all live until the process exits; the
    # cyclic collector re-walking them costs up to a third of the run and frees nothing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = scan(
            args.paths,
            namespace=args.namespace,
            settings=settings,
            waivers=waivers,
            attestations=attestations,
            kustomize=args.kustomize,
            helm_values=args.helm_values,
            dedupe=args.dedupe,
        )
        text = render(
            result.findings,
            result.errors,
            fmt=args.format,
            show_passed=args.show_passed,
            color=args.format == "table" and use_color(args.no_color, sys.stdout),
            objects=result.objects_count,
            rules=_sarif_rules() if args.format == "sarif" else (),
            width=table_width(sys.stdout),
            list_errors=False,
        )
    finally:
        if gc_was_enabled:
            gc.enable()
    # Diagnostics first and on stderr in every format, so stdout stays the report alone.
    for warning in result.warnings:
        print(f"aks-checklist scan: warning: {warning}", file=sys.stderr)
    for error in result.errors:
        print(f"aks-checklist scan: error: {error}", file=sys.stderr)
    sys.stderr.flush()
    write_report(sys.stdout, text)
    return exit_code(result.findings, result.errors, args.fail_on)


# Written in pieces of this many characters: see write_report.
_WRITE_PIECE = 1 << 16


def write_report(stream: TextIO, text: str) -> None:
    """Writes ``text`` to ``stream`` and flushes it, as ``stream.write(text)`` would.

    A text stream encodes what it is given in one piece: a 10,000-object report is
    megabytes, and encoding it whole allocated as many fresh megabytes again, each page
    a fault for the kernel to serve (a twentieth of a JSON scan). Written in pieces, one
    buffer is reused. Only ASCII text is cut: encoding it cannot fail part way, so the
    bytes written are the same in every case, and any other text is written whole.
    """
    if len(text) <= _WRITE_PIECE or not text.isascii():
        stream.write(text)
    else:
        for start in range(0, len(text), _WRITE_PIECE):
            stream.write(text[start : start + _WRITE_PIECE])
    stream.flush()


def _sarif_rules() -> tuple[Rule, ...]:
    """Every rule's title for SARIF's rule descriptors; the other formats do not need them."""
    from aks_checklist.checks import registry

    return registry.all_rules()


def table_width(stream: object) -> int:
    """The terminal's width when ``stream`` is one (``COLUMNS`` wins, as for ``ls``), else 80."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return DEFAULT_WIDTH
    import shutil  # with bz2, lzma and zlib: only worth importing for a terminal

    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def load_policy_file(path: str) -> Policy:
    """The AksChecklistPolicy in a YAML file (the first one, if the file holds several)."""
    import yaml

    from aks_checklist.policy import KIND, parse_policy

    with open(path, encoding="utf-8") as handle:
        documents = list(
            yaml.load_all(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        )
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == KIND:
            return parse_policy(document)
    raise ValueError(f"no {KIND} in the file")


def _reason(exc: BaseException) -> str:
    import yaml  # imported already by the policy file's reading

    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, yaml.YAMLError):
        return f"invalid YAML: {' '.join(str(exc).split())}"
    return str(exc)
