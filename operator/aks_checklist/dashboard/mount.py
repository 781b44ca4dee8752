"""The dashboard on the operator's metrics port, beside ``/metrics``.

The operator calls :func:`serve_metrics_and_dashboard` instead of starting
prometheus_client's own server: one port, one Service, one NetworkPolicy
rule; Prometheus keeps scraping ``/metrics`` and people open ``/``.
"""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

from kubernetes import client
from prometheus_client import make_wsgi_app

# The operator's metrics live in the default registry that make_wsgi_app serves.
from aks_checklist import observability  # noqa: F401
from aks_checklist.dashboard.server import CachedLoader, dashboard_app, start_server, with_metrics
from aks_checklist.kube.dashboard_source import ClusterSource, api_client


def serve_metrics_and_dashboard(
    port: int,
    addr: str = "0.0.0.0",  # noqa: S104  # scraped and browsed from other pods
    *,
    api: client.ApiClient | None = None,
) -> WSGIServer:
    """Serves metrics at ``/metrics`` and the page at ``/`` and ``/dashboard`` from a thread.

    ``api`` defaults to the in-cluster service account (else the kubeconfig).
    Returns the running server (``server_port`` is the port when 0 was asked).
    """
    page = dashboard_app(CachedLoader(ClusterSource(api or api_client())))
    return start_server(with_metrics(page, make_wsgi_app()), port, addr)
