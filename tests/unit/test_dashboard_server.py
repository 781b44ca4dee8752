"""Serving the page: routes, methods, headers, errors, the read cache and a real socket."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import UTC, datetime
from wsgiref.types import WSGIApplication, WSGIEnvironment
from wsgiref.util import setup_testing_defaults

import pytest

from aks_checklist.dashboard.page import STYLE_HASH
from aks_checklist.dashboard.server import (
    CachedLoader,
    dashboard_app,
    start_server,
    with_metrics,
)
from aks_checklist.dashboard.view import Snapshot, snapshot
from tests.unit.dashboard_samples import policy, report

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def sample() -> Snapshot:
    return snapshot([policy()], [report("shop")], read_at=NOW)


def call(app: WSGIApplication, path: str, method: str = "GET") -> tuple[str, dict[str, str], bytes]:
    environ: WSGIEnvironment = {"PATH_INFO": path, "REQUEST_METHOD": method}
    setup_testing_defaults(environ)
    captured: dict[str, object] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> None:
        captured["status"] = status
        captured["headers"] = dict(headers)

    body: Iterable[bytes] = app(environ, start_response)  # type: ignore[arg-type]
    data = b"".join(body)
    return str(captured["status"]), captured["headers"], data  # type: ignore[return-value]


def metrics_app(environ: WSGIEnvironment, start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
    return [b"aks_checklist_namespace_score 1\n"]


@pytest.mark.parametrize("path", ["/", "/dashboard", "/dashboard/"])
def test_the_page_is_served_with_a_policy_that_forbids_scripts(path: str) -> None:
    status, headers, body = call(dashboard_app(sample), path)
    assert status == "200 OK"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert f"style-src '{STYLE_HASH}'" in csp
    assert "script-src" not in csp, "default-src 'none' already forbids every script"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert b"AKS Checklist compliance" in body
    assert int(headers["Content-Length"]) == len(body)


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        pytest.param("/other", "GET", "404 Not Found", id="unknown-path"),
        pytest.param("/", "POST", "405 Method Not Allowed", id="post"),
        pytest.param("/", "DELETE", "405 Method Not Allowed", id="delete"),
    ],
)
def test_the_page_is_read_only(path: str, method: str, expected: str) -> None:
    status, _, _ = call(dashboard_app(sample), path, method)
    assert status == expected


def test_head_sends_headers_without_a_body() -> None:
    status, headers, body = call(dashboard_app(sample), "/", "HEAD")
    assert status == "200 OK"
    assert int(headers["Content-Length"]) > 0
    assert body == b""


def test_a_failed_read_is_a_503_that_says_why() -> None:
    def broken() -> Snapshot:
        raise RuntimeError("connection refused")

    status, _, body = call(dashboard_app(broken), "/")
    assert status == "503 Service Unavailable"
    assert b"connection refused" in body


def test_beside_the_metrics_the_page_takes_only_its_own_paths() -> None:
    app = with_metrics(dashboard_app(sample), metrics_app)
    assert b"aks_checklist_namespace_score" in call(app, "/metrics")[2]
    assert b"AKS Checklist compliance" in call(app, "/")[2]
    assert b"AKS Checklist compliance" in call(app, "/dashboard")[2]


def test_reads_are_cached_for_the_ttl() -> None:
    now = [100.0]
    reads: list[int] = []

    def load() -> Snapshot:
        reads.append(1)
        return sample()

    cached = CachedLoader(load, ttl=15, clock=lambda: now[0])
    cached()
    now[0] += 14
    cached()
    assert len(reads) == 1
    now[0] += 1
    cached()
    assert len(reads) == 2


def test_a_real_server_answers_on_a_free_port() -> None:
    server = start_server(dashboard_app(sample), 0, "127.0.0.1")
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        with urllib.request.urlopen(url, timeout=5) as response:  # loopback
            assert response.status == 200
            assert b"shop" in response.read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, method="POST", data=b""), timeout=5)
        assert refused.value.code == 405
        refused.value.close()
    finally:
        server.shutdown()
        server.server_close()
