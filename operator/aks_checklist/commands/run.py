"""``aks-checklist run``: the operator (Kopf) with its flags."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
from typing import Any

OPERATOR_NAMESPACE_ENV = "POD_NAMESPACE"
DEFAULT_OPERATOR_NAMESPACE = "aks-checklist-system"
CONCURRENCY_ENV = "AKS_CHECKLIST_CONCURRENCY"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="run the operator", description="Run the operator against the current cluster."
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "-A", "--all-namespaces", action="store_true", help="watch the whole cluster (the default)"
    )
    scope.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        metavar="NS",
        help="watch only these namespaces (repeatable, globs allowed as in Kopf)",
    )
    peering = parser.add_mutually_exclusive_group()
    peering.add_argument(
        "--peering",
        metavar="NAME",
        help="ClusterKopfPeering to join, so only one replica is active",
    )
    peering.add_argument("--standalone", action="store_true", help="run without peering")
    parser.add_argument(
        "--priority",
        type=int,
        default=None,
        help="peering priority (default: random, so replicas never tie)",
    )
    parser.add_argument(
        "--peering-lifetime",
        type=int,
        default=20,
        metavar="SECONDS",
        help="how long a replica's peering record counts as alive; a standby takes over at most "
        "this long after the active replica died (default 20; Kopf's own default is 60)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get(CONCURRENCY_ENV, "8")),
        metavar="N",
        help="namespaces a pass serves at once; at most twice as many writes are in flight "
        f"(default 8, or ${CONCURRENCY_ENV})",
    )
    parser.add_argument(
        "--liveness", metavar="URL", help="liveness endpoint, e.g. http://0.0.0.0:8080/healthz"
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve Prometheus metrics (/metrics) and the dashboard page (/) on this port",
    )
    parser.add_argument(
        "--operator-namespace",
        default=os.environ.get(OPERATOR_NAMESPACE_ENV, DEFAULT_OPERATOR_NAMESPACE),
        help="the operator's own namespace, never governed by a policy",
    )
    parser.add_argument("--log-format", choices=["json", "console"], default="json")
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import kopf  # only this subcommand needs the operator stack

    from aks_checklist.controller import handlers  # noqa: F401  # registers handlers
    from aks_checklist.dashboard.mount import serve_metrics_and_dashboard
    from aks_checklist.observability import configure_logging

    configure_logging(
        json_logs=args.log_format == "json", level=logging.DEBUG if args.verbose else logging.INFO
    )
    if args.metrics_port is not None:
        serve_metrics_and_dashboard(args.metrics_port)  # /metrics, and the page at /
    priority = args.priority if args.priority is not None else random.randint(1, 1_000_000)  # noqa: S311
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    kopf.run(
        loop=loop,
        clusterwide=not args.namespace,
        namespaces=args.namespace,
        standalone=args.standalone,
        peering_name=args.peering,
        priority=priority,
        liveness_endpoint=args.liveness,
        memo=kopf.Memo(
            operator_namespace=args.operator_namespace,
            watched_namespaces=tuple(args.namespace),
            peering_lifetime=args.peering_lifetime,
            lanes=max(1, args.concurrency),
        ),
    )
    return 0
