"""Builds the API client: in-cluster service account first, else the kubeconfig."""

from __future__ import annotations

from kubernetes import client, config


def api_client() -> client.ApiClient:
    try:
        config.load_incluster_config()  # type: ignore[no-untyped-call]  # client ships no hints
    except config.ConfigException:
        config.load_kube_config()  # type: ignore[no-untyped-call]  # client ships no hints
    return client.ApiClient()
