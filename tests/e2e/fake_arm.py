"""A local stand-in for Azure Resource Manager: managed clusters served over HTTPS.

The operator reads the cluster with the real Azure SDK, so the stand-in must
speak enough ARM for it: the managed-cluster GET path (any ``api-version``),
bearer-token authentication, ARM's error bodies, and TLS with a certificate
the client verifies against a CA file (``AKS_CHECKLIST_ARM_CA_BUNDLE``).

A few resource group names misbehave on purpose, to exercise the failure
paths: ``unreachable-rg`` hangs up without answering (as a dropped connection
through a proxy looks), ``forbidden-rg`` answers 403 and ``unavailable-rg``
answers 503 every time.

:meth:`FakeArm.add_bundle` also serves the Azure resources around a cluster
(diagnostic settings, registries, Defender plans, alerts, Advisor, quota,
extensions, Event Grid topics, backup vaults and instances) from a bundle
fixture, at the paths ``aks-checklist aks collect`` reads; paths named in
``forbid`` answer 403 as a missing role would.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from aks_checklist.testing import certs
from tests.e2e.cluster import REPO

FIXTURES = REPO / "tests" / "unit" / "fixtures" / "aks"
BUNDLES = FIXTURES / "bundles"
FIXTURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TOKEN = "fake-arm-token"
UNREACHABLE_RESOURCE_GROUP = "unreachable-rg"
FORBIDDEN_RESOURCE_GROUP = "forbidden-rg"
UNAVAILABLE_RESOURCE_GROUP = "unavailable-rg"
STALLING_RESOURCE_GROUP = "stalling-rg"  # answers only after STALL_SECONDS, like a hung ARM
STALL_SECONDS = 120.0

_CLUSTER_PATH = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.ContainerService/managedClusters/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)
_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)/", re.IGNORECASE
)


@dataclass(frozen=True)
class Request:
    """One request the stand-in received, for tests that check what the client sent."""

    method: str
    path: str
    query: str
    authorization: str | None
    user_agent: str | None


def azure_spec(subscription: str, group: str, name: str) -> dict[str, str]:
    """A policy's ``spec.azure`` for one cluster."""
    return {"subscriptionId": subscription, "resourceGroup": group, "clusterName": name}


class FakeArm:
    """The stand-in server; use as a context manager (or ``start``/``stop``)."""

    def __init__(self, directory: Path, token: str = TOKEN) -> None:
        self.directory = directory
        self.token = token
        self.clusters: dict[tuple[str, str, str], dict[str, Any]] = {}
        # Other resources and collections by lower-cased path, and path fragments answering 403.
        self.resources: dict[str, Any] = {}
        self.forbidden: set[tuple[str, str]] = set()  # (subscription path, fragment)
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        pki = certs.generate(directory / "pki")
        self.ca_bundle = pki.ca_cert
        self._cert = pki.serving_cert
        self._key = pki.serving_key

    # -- content --------------------------------------------------------------------------

    def add(self, document: dict[str, Any]) -> dict[str, str]:
        """Serves ``document`` at the path of its ``id``; returns its ``spec.azure``."""
        match = _ID.match(str(document.get("id", "")))
        assert match, f"fixture has no ARM id: {document.get('id')!r}"
        key = (match["subscription"], match["group"], str(document["name"]))
        with self._lock:
            self.clusters[_lower(key)] = document
        return azure_spec(*key)

    def add_fixture(self, stem: str) -> dict[str, str]:
        """Serves ``tests/unit/fixtures/aks/<stem>.json`` (an ARM-shaped fixture)."""
        document = json.loads((FIXTURES / f"{stem}.json").read_text())
        assert "properties" in document, f"{stem}.json is not in the ARM REST shape"
        return self.add(document)

    def add_bundle(
        self, stem: str, *, subscription: str = FIXTURE_SUBSCRIPTION, forbid: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """Serves ``bundles/<stem>.json``: its cluster and every part where the collector reads it.

        ``subscription`` moves the whole bundle to another subscription; ``forbid`` holds path
        fragments (``Microsoft.Security/pricings``) that answer 403 within that subscription only,
        so one test's missing role does not leak into another's.
        """
        text = (BUNDLES / f"{stem}.json").read_text().replace(FIXTURE_SUBSCRIPTION, subscription)
        bundle = json.loads(text)
        cluster = bundle["cluster"]
        assert "properties" in cluster, f"{stem}.json's cluster is not in the ARM REST shape"
        spec = self.add(cluster)
        cid, sub = cluster["id"], f"/subscriptions/{subscription}"
        location = str(cluster["location"]).lower()
        lists = {
            "diagnosticSettings": f"{cid}/providers/Microsoft.Insights/diagnosticSettings",
            "extensions": f"{cid}/providers/Microsoft.KubernetesConfiguration/extensions",
            "fluxConfigurations": (
                f"{cid}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations"
            ),
            "defenderPricings": f"{sub}/providers/Microsoft.Security/pricings",
            "metricAlerts": f"{sub}/providers/Microsoft.Insights/metricAlerts",
            "activityLogAlerts": f"{sub}/providers/Microsoft.Insights/activityLogAlerts",
            "prometheusRuleGroups": (
                f"{sub}/providers/Microsoft.AlertsManagement/prometheusRuleGroups"
            ),
            "advisorRecommendations": f"{sub}/providers/Microsoft.Advisor/recommendations",
            "computeUsages": f"{sub}/providers/Microsoft.Compute/locations/{location}/usages",
            "eventGridSystemTopics": f"{sub}/providers/Microsoft.EventGrid/systemTopics",
        }
        served: dict[str, Any] = {
            path: {"value": bundle.get(part) or []} for part, path in lists.items()
        }
        # The full SKU list carries a resource type the bundle's reduced entries leave out.
        skus = [{**sku, "resourceType": "virtualMachines"} for sku in bundle.get("vmSkus") or []]
        served[f"{sub}/providers/Microsoft.Compute/skus"] = {"value": skus}
        vault = f"{sub}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv"
        served[f"{sub}/providers/Microsoft.DataProtection/backupVaults"] = {
            "value": [{"id": vault}]
        }
        served[f"{vault}/backupInstances"] = {"value": bundle.get("backupInstances") or []}
        registries = bundle.get("registries") or []
        served[f"{sub}/providers/Microsoft.ContainerRegistry/registries"] = {
            "value": [entry["registry"] for entry in registries]
        }
        for entry in registries:
            rid = entry["registry"]["id"]
            served[f"{rid}/providers/Microsoft.Authorization/roleAssignments"] = {
                "value": entry["roleAssignments"]
            }
            served[f"{rid}/replications"] = {"value": entry["replications"]}
        for subnet in bundle.get("subnets") or []:
            served[subnet["id"]] = subnet
        with self._lock:
            self.resources.update({path.lower(): body for path, body in served.items()})
            self.forbidden.update((sub.lower(), fragment.lower()) for fragment in forbid)
        return spec

    def received(self, group: str) -> list[Request]:
        """The requests so far for clusters in resource group ``group``."""
        with self._lock:
            return [
                r
                for r in self.requests
                if (m := _CLUSTER_PATH.match(r.path)) and m["group"].lower() == group.lower()
            ]

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "the fake ARM server is not started"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """The operator's environment variables that point it at this server."""
        return {
            "AKS_CHECKLIST_ARM_ENDPOINT": self.endpoint,
            "AKS_CHECKLIST_ARM_CA_BUNDLE": str(self.ca_bundle),
            "AKS_CHECKLIST_AZURE_TOKEN": self.token,
        }

    def start(self) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._cert, self._key)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-arm", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> FakeArm:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- answering ------------------------------------------------------------------------

    def answer(self, request: Request) -> tuple[int, dict[str, Any]] | None:
        """Status and body for ``request``; ``None`` means hang up without answering."""
        with self._lock:
            self.requests.append(request)
        if request.authorization != f"Bearer {self.token}":
            return 401, _error("InvalidAuthenticationToken", "The access token is invalid.")
        path = request.path.rstrip("/").lower()
        with self._lock:
            forbidden = any(
                path.startswith(scope) and fragment in path for scope, fragment in self.forbidden
            )
            resource = self.resources.get(path)
        if forbidden:
            return 403, _error(
                "AuthorizationFailed",
                f"The client has no permission to read {request.path} on this scope.",
            )
        if resource is not None and request.method == "GET":
            return 200, resource
        match = _CLUSTER_PATH.match(request.path)
        if request.method != "GET" or match is None:
            return 404, _error("NoRegisteredProviderFound", f"No route for {request.path}.")
        group = match["group"].lower()
        if group == UNREACHABLE_RESOURCE_GROUP:
            return None
        if group == FORBIDDEN_RESOURCE_GROUP:
            return 403, _error(
                "AuthorizationFailed",
                "The client has no permission to perform action "
                "'Microsoft.ContainerService/managedClusters/read' on this scope.",
            )
        if group == STALLING_RESOURCE_GROUP:
            time.sleep(STALL_SECONDS)
            return 503, _error("GatewayTimeout", "The gateway did not receive a response in time.")
        if group == UNAVAILABLE_RESOURCE_GROUP:
            return 503, _error("ServiceUnavailable", "The service is temporarily unavailable.")
        key = _lower((match["subscription"], match["group"], match["name"]))
        with self._lock:
            document = self.clusters.get(key)
        if document is None:
            return 404, _error(
                "ResourceNotFound",
                f"The Resource 'Microsoft.ContainerService/managedClusters/{match['name']}' "
                f"under resource group '{match['group']}' was not found.",
            )
        return 200, document


def _lower(key: tuple[str, str, str]) -> tuple[str, str, str]:
    # ARM treats subscription, resource group and resource names case-insensitively.
    return (key[0].lower(), key[1].lower(), key[2].lower())


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _handler_for(arm: FakeArm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def _serve(self) -> None:
            url = urlsplit(self.path)
            answer = arm.answer(
                Request(
                    method=self.command,
                    path=url.path,
                    query=url.query,
                    authorization=self.headers.get("Authorization"),
                    user_agent=self.headers.get("User-Agent"),
                )
            )
            if answer is None:
                self.close_connection = True
                return
            status, body = answer
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``FakeArm.requests`` instead of a log."""

    return Handler
