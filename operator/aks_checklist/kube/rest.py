"""Requests to the API server by path, through the ``kubernetes`` client's ApiClient.

The client's per-group API classes (``CoreV1Api`` and the like) validate every
call with pydantic and build that validation for each of their hundreds of
methods when they are first touched: about 25 MiB of memory for the five the
operator writes through, and most of a write's CPU outside the socket. The
operator makes a dozen kinds of request, all plain JSON, so it names the paths
itself and keeps what ApiClient does well: the configuration (kubeconfig,
in-cluster token, exec plugins), authentication, the connection pool, errors
as ``ApiException``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

JSON = "application/json"


def collection(group: str, version: str, plural: str, namespace: str | None = None) -> str:
    """The path of a kind's objects, in ``namespace`` or cluster-wide."""
    root = f"/apis/{group}/{version}" if group else f"/api/{version}"
    return f"{root}/namespaces/{namespace}/{plural}" if namespace else f"{root}/{plural}"


class Rest:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        content_type: str = JSON,
        accept: str = JSON,
    ) -> bytes:
        """The answer's body; an answer outside 2xx raises ``ApiException``, as the client's do."""
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = content_type
        request = self.api.param_serialize(
            method,
            path,
            query_params=list(query),
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self.api.call_api(*request)
        data: bytes = response.read()  # type: ignore[no-untyped-call]  # the client ships no hints here
        if not 200 <= response.status <= 299:
            raise ApiException.from_response(http_resp=response, body=None, data=None)
        return data

    def get(self, path: str, *, query: Sequence[tuple[str, str]] = (), accept: str = JSON) -> Any:
        """The parsed JSON answer of a GET."""
        return json.loads(self.request("GET", path, query=query, accept=accept) or b"null")
