"""`aks-checklist aks collect`: write one bundle of a cluster and the Azure resources around it.

Signs in the way az does (``DefaultAzureCredential``: ``az login``, environment
variables, a workload or managed identity) and needs Reader on the subscription
(or on the cluster, its node subnets and registries, and subscription-level
Reader for Defender, alerts, Advisor and quota). A part it cannot read is
written into the bundle's ``errors`` and named on stderr; the bundle is still
written, and judging it reports those items as Error. Exit codes: 0 written, 2
the cluster itself could not be read or the file could not be written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from aks_checklist.azure.fetch import ArmSettings
from aks_checklist.azure.resources import ReadError, collect_bundle
from aks_checklist.policy import AzureTarget, PolicyError, parse_spec

PROG = "aks-checklist aks collect"
EXIT_OK = 0
EXIT_ERRORS = 2


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Read an AKS cluster and the Azure resources the checklist needs (diagnostic "
            "settings, subnets, registries, Defender plans, alerts, Advisor, quota, "
            "extensions, Event Grid, backups) into one bundle for `aks-checklist aks`."
        ),
    )
    parser.add_argument("--subscription", required=True, metavar="ID", help="subscription ID")
    parser.add_argument("--resource-group", "-g", required=True, metavar="G")
    parser.add_argument("--name", "-n", required=True, metavar="N", help="cluster name")
    parser.add_argument(
        "--output", "-o", required=True, metavar="FILE", help="bundle file to write (- for stdout)"
    )
    parser.add_argument(
        "--registry",
        action="append",
        default=[],
        metavar="NAME",
        help="also read this registry (registries the kubelet may pull from are found alone)",
    )
    return parser


def handle(argv: Sequence[str]) -> int:
    args = parser().parse_args(list(argv))
    try:
        target = _target(args)
    except PolicyError as error:
        print(
            f"{PROG}: {error.message} ({error.field_path.removeprefix('spec.azure.')})",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    try:
        collected = collect_bundle(target, ArmSettings.from_env(), registries=args.registry)
    except ReadError as error:
        print(f"{PROG}: cannot read managed cluster {target}: {error}", file=sys.stderr)
        return EXIT_ERRORS
    for part, problem in sorted(collected.errors.items()):
        print(f"{PROG}: part {part} not collected ({problem.reason}): {problem}", file=sys.stderr)
    text = json.dumps(collected.bundle, indent=2, sort_keys=True) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        print(f"{PROG}: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"Wrote {args.output}: judge it with `aks-checklist aks {args.output}`", file=sys.stderr)
    return EXIT_OK


def _target(args: argparse.Namespace) -> AzureTarget:
    """The cluster, validated by the same rules as a policy's ``spec.azure``."""
    policy = parse_spec(
        {
            "azure": {
                "subscriptionId": args.subscription,
                "resourceGroup": args.resource_group,
                "clusterName": args.name,
            }
        }
    )
    assert policy.azure is not None  # parse_spec returns it for a given spec.azure
    return policy.azure
