"""``aks-checklist dashboard``: the compliance page, served from a workstation or a pod.

It reads the cluster with the kubeconfig (``--kubeconfig``, ``--context``,
else ``KUBECONFIG`` and ``~/.kube/config``), or with the pod's service
account in a cluster, and serves the page on a local address until
interrupted. ``--output`` writes the page once to a file instead, for a
report to attach or archive.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the compliance page",
        description="Serve a read-only page of the cluster's policies and AksCompliance reports.",
    )
    parser.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file to read the cluster")
    parser.add_argument("--context", metavar="NAME", help="kubeconfig context to use")
    parser.add_argument(
        "--address", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port to listen on; 0 picks a free one"
    )
    parser.add_argument(
        "--output", metavar="FILE", help="write the page to FILE once and exit ('-' for stdout)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # The Kubernetes client is imported here, not when the CLI starts.
    from aks_checklist.catalog import load_catalog
    from aks_checklist.dashboard.page import render
    from aks_checklist.dashboard.server import (
        CachedLoader,
        dashboard_app,
        rule_titles,
        start_server,
    )
    from aks_checklist.kube.dashboard_source import ClusterSource, api_client

    source = ClusterSource(api_client(args.kubeconfig, args.context))
    if args.output:
        page = render(source(), load_catalog(), rule_titles())
        if args.output == "-":
            sys.stdout.write(page)
        else:
            Path(args.output).write_text(page, encoding="utf-8")
        return 0
    server = start_server(dashboard_app(CachedLoader(source)), args.port, args.address)
    host = f"[{args.address}]" if ":" in args.address else args.address
    print(
        f"Serving the dashboard on http://{host}:{server.server_port}/", file=sys.stderr, flush=True
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0
