"""Builds the API client: in-cluster service account first, else the kubeconfig."""

from __future__ import annotations

from kubernetes import client, config


def api_client(*, connections: int | None = None) -> client.ApiClient:
    """``connections``: the HTTP connections kept open, one per thread that calls at once."""
    try:
        config.load_incluster_config()  # type: ignore[no-untyped-call]  # client ships no hints
    except config.ConfigException:
        config.load_kube_config()  # type: ignore[no-untyped-call]  # client ships no hints
    configuration = client.Configuration.get_default_copy()
    if connections is not None:
        configuration.connection_pool_maxsize = connections
    return client.ApiClient(configuration)
