"""Serving the page: a WSGI app, a cache in front of the cluster reads, a threaded server.

The app takes a ``load`` function (returning a :class:`Snapshot`) rather than a
client, so it is the same whether the snapshot comes from the API server, in
the operator or on a workstation. Reads are cached for ``ttl`` seconds: a
page left open on a wall screen, or reloaded by several people, costs the API
server one list per policy kind and ttl, not one per request.

:func:`with_metrics` puts the page beside the Prometheus metrics app on one
port, which is how the operator serves it (``/metrics`` stays where scrapers
look for it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from aks_checklist.catalog import Catalog, load_catalog
from aks_checklist.dashboard.page import STYLE_HASH, render
from aks_checklist.dashboard.view import Snapshot

log = logging.getLogger(__name__)

PAGE_PATHS = frozenset({"/", "/dashboard", "/dashboard/"})
DEFAULT_TTL = 15.0
SECURITY_HEADERS = [
    # No script at all, only the page's own style sheet; nothing may frame the page.
    (
        "Content-Security-Policy",
        f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
]


class CachedLoader:
    """Calls ``load`` at most once per ``ttl`` seconds; concurrent requests share one read."""

    def __init__(
        self,
        load: Callable[[], Snapshot],
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value: Snapshot | None = None
        self._at = 0.0

    def __call__(self) -> Snapshot:
        with self._lock:
            now = self._clock()
            if self._value is None or now - self._at >= self._ttl:
                self._value = self._load()
                self._at = now
            return self._value


def rule_titles() -> Mapping[str, str]:
    """Rule ID -> what the rule checks, for every rule the project knows."""
    from aks_checklist.checks.registry import all_rules

    return {rule.id: rule.title for rule in all_rules()}


def dashboard_app(
    load: Callable[[], Snapshot],
    *,
    catalog: Catalog | None = None,
    titles: Mapping[str, str] | None = None,
) -> WSGIApplication:
    """The page at ``/`` and ``/dashboard``; 404 elsewhere, 405 for anything but GET and HEAD."""
    known_catalog = catalog or load_catalog()
    known_titles = rule_titles() if titles is None else titles

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path not in PAGE_PATHS:
            return _plain(start_response, "404 Not Found", "Not found\n")
        if method not in ("GET", "HEAD"):
            return _plain(
                start_response, "405 Method Not Allowed", "Read-only\n", [("Allow", "GET, HEAD")]
            )
        try:
            body = render(load(), known_catalog, known_titles).encode()
        except Exception as error:  # a page must say what went wrong, never hang up
            log.warning("Failed to build the dashboard page", exc_info=error)
            return _plain(
                start_response,
                "503 Service Unavailable",
                f"Could not read the compliance reports: {error}\n",
            )
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                *SECURITY_HEADERS,
            ],
        )
        return [] if method == "HEAD" else [body]

    return app


def _plain(
    start_response: StartResponse,
    status: str,
    text: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    body = text.encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *SECURITY_HEADERS,
            *(extra or []),
        ],
    )
    return [body]


def with_metrics(dashboard: WSGIApplication, metrics: WSGIApplication) -> WSGIApplication:
    """One app for one port: the page at ``/`` and ``/dashboard``, all else to ``metrics``."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (environ.get("PATH_INFO") or "/") in PAGE_PATHS:
            return dashboard(environ, start_response)
        return metrics(environ, start_response)

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the operator's log is structured JSON, scrapes come every minute."""

    def log_message(self, format: str, *args: object) -> None:
        return


def start_server(app: WSGIApplication, port: int, addr: str = "0.0.0.0") -> WSGIServer:  # noqa: S104  # scraped from other pods
    """Serves ``app`` from a daemon thread; ``port`` 0 picks a free port (``server_port``)."""
    server = make_server(
        addr, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="dashboard-http", daemon=True)
    thread.start()
    return server
