"""LIST and WATCH over HTTP on the event loop, for the kinds the operator indexes itself.

The ``kubernetes`` client is synchronous: a watch would hold a thread per kind
and hand every event across threads. aiohttp (which Kopf is built on) reads
the streams on the loop itself. The connection settings and credentials come
from the client's configuration, asked again for each request, so a rotated
service-account token or an exec plugin's refreshed one is used as soon as
the client has it.

Events are yielded one by one as decoded JSON; what to do with them, and when
to let the loop run something else, is the caller's business.
"""

from __future__ import annotations

import json
import ssl
import sys
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import aiohttp
from kubernetes.client import Configuration

# A watch given up mid-stream closes its TLS connection without waiting for the server's
# goodbye. Before CPython fixed it (3.12.8, 3.13.1), such a connection stayed open unless
# aiohttp aborted it when the session closed; later versions warn when asked to.
_LEAKS_TLS = sys.version_info < (3, 12, 8) or (3, 13, 0) <= sys.version_info < (3, 13, 1)
PAGE = 100  # objects per LIST page: each page is decoded in one go, on the loop
CONNECT_SECONDS = 30


class GoneError(Exception):
    """The resourceVersion is older than the API server keeps (410): list again."""


class ListWatchError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class Http:
    def __init__(self, configuration: Configuration, *, server_timeout: int) -> None:
        self._configuration = configuration
        self._server_timeout = server_timeout
        self._host = configuration.host.rstrip("/")
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                ssl=_ssl_context(configuration), limit=0, enable_cleanup_closed=_LEAKS_TLS
            ),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_SECONDS),
        )

    async def close(self) -> None:
        await self._session.close()

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        bearer = self._configuration.auth_settings().get("BearerToken")
        if bearer is not None and bearer["value"]:
            headers[bearer["key"]] = str(bearer["value"])
        return headers

    def _get(self, path: str, query: Sequence[tuple[str, str]], **timeouts: float) -> Any:
        return self._session.get(
            self._host + path,
            params=list(query),
            headers=self._headers(),
            proxy=self._configuration.proxy or None,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_SECONDS, **timeouts),
        )

    async def list(self, path: str) -> AsyncGenerator[tuple[list[dict[str, Any]], str]]:
        """The collection a page at a time: (items, the list's resourceVersion)."""
        token = ""
        while True:
            query = [("limit", str(PAGE))] + ([("continue", token)] if token else [])
            async with self._get(path, query, sock_read=60) as response:
                body = await response.read()
                if response.status == 410:  # the continue token expired: start over
                    raise GoneError(path)
                if response.status != 200:
                    raise ListWatchError(response.status, _message(body))
            page = json.loads(body)
            metadata = page.get("metadata") or {}
            yield page.get("items") or [], str(metadata.get("resourceVersion") or "")
            token = str(metadata.get("continue") or "")
            if not token:
                return

    async def watch(self, path: str, resource_version: str) -> AsyncGenerator[dict[str, Any]]:
        """Watch events from ``resource_version`` until the server ends the stream."""
        query = [
            ("watch", "true"),
            ("resourceVersion", resource_version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(self._server_timeout)),
        ]
        # Bookmarks arrive about once a minute: a silence much longer than that is a dead link.
        async with self._get(path, query, sock_read=self._server_timeout + 30) as response:
            if response.status == 410:
                raise GoneError(path)
            if response.status != 200:
                raise ListWatchError(response.status, _message(await response.read()))
            pending = b""
            async for chunk in response.content.iter_any():
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    if line.strip():
                        yield json.loads(line)


def _ssl_context(configuration: Configuration) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=configuration.ssl_ca_cert or None)
    if not configuration.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, configuration.key_file or None)
    return context


def _message(body: bytes) -> str:
    try:
        return str(json.loads(body).get("message") or body[:200].decode(errors="replace"))
    except (ValueError, AttributeError):
        return body[:200].decode(errors="replace")
