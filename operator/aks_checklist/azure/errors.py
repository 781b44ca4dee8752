"""Turns what the Azure SDK raises into one error naming the cluster it could not read, and why.

The operator shows the message in the policy's ``AzureConfigurationRead``
condition, so it must name the subscription, resource group and cluster, say
what went wrong in words a cluster admin acts on (unreachable, not found, not
authorized) and stay the same from one attempt to the next: the SDK's raw
messages carry object addresses and request IDs that would rewrite the status
on every pass.
"""

from __future__ import annotations

import re
from typing import Any

from aks_checklist.policy import AzureTarget

MAX_CAUSE = 300

_OBJECT_REPR = re.compile(r"<[^<>]*\bat 0x[0-9a-fA-F]+>:?\s*")
_SSL_LOCATION = re.compile(r"\s*\(_ssl\.c:\d+\)")
_SSL_CODE = re.compile(r"^\[SSL: [A-Z_]+\]\s*")
_SENTENCE_START = re.compile(r"^[A-Z][a-z]+\b")
_READER_HINT = "give the operator's identity the Reader role on the cluster"


class AzureError(Exception):
    """The managed cluster could not be read or judged; ``str()`` says which one and why.

    ``reason`` is a CamelCase word fit for a condition reason: ``Unreachable``,
    ``Unauthenticated``, ``Forbidden``, ``NotFound``, ``BadResponse`` or
    ``NotInstalled``.
    """

    def __init__(self, message: str, *, reason: str = "ReadFailed") -> None:
        super().__init__(message)
        self.reason = reason


def translate(error: BaseException, target: AzureTarget, endpoint: str) -> AzureError:
    """The :class:`AzureError` for something the SDK (or the transport under it) raised."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    cluster = f"managed cluster {target}"
    if isinstance(error, ServiceRequestError | ServiceResponseError | OSError):
        return AzureError(
            f"could not reach Azure Resource Manager at {endpoint} to read {cluster}: "
            f"{cause_of(error)}",
            reason="Unreachable",
        )
    if isinstance(error, ClientAuthenticationError):
        if _status(error) is None:
            return AzureError(
                f"could not get an Azure token to read {cluster}: {cause_of(error)}",
                reason="Unauthenticated",
            )
        return AzureError(
            f"not authenticated (401): Azure Resource Manager rejected the operator's token "
            f"for {cluster}: {cause_of(error)}",
            reason="Unauthenticated",
        )
    status = _status(error)
    if isinstance(error, HttpResponseError) and status == 404:
        return AzureError(
            f"managed cluster {target.resource_group}/{target.cluster_name} not found (404) "
            f"in subscription {target.subscription_id}: {cause_of(error)}",
            reason="NotFound",
        )
    if isinstance(error, HttpResponseError) and status == 403:
        return AzureError(
            f"not authorized (403) to read {cluster}: {_READER_HINT} ({cause_of(error)})",
            reason="Forbidden",
        )
    if isinstance(error, HttpResponseError) and status is not None:
        return AzureError(
            f"Azure Resource Manager answered {status} for {cluster}: {cause_of(error)}",
            reason="BadResponse",
        )
    return AzureError(f"could not read {cluster}: {cause_of(error)}", reason="BadResponse")


def _status(error: BaseException) -> int | None:
    status = getattr(error, "status_code", None)
    return status if isinstance(status, int) else None


def cause_of(error: BaseException) -> str:
    """A short, stable description of the innermost cause of ``error``."""
    arm_message = _arm_error(error)
    if arm_message:
        return _clean(arm_message)
    root = _innermost(error)
    if isinstance(root, OSError) and root.strerror:
        text = root.strerror
    else:
        text = str(root) or type(root).__name__
    return _clean(text)


def _arm_error(error: BaseException) -> str | None:
    """The ``error.code``/``error.message`` of an ARM error body, when the SDK parsed one."""
    body: Any = getattr(error, "error", None)
    code = getattr(body, "code", None)
    message = getattr(body, "message", None)
    if not message:
        return None
    return f"{code}: {message}" if code else str(message)


def _innermost(error: BaseException) -> BaseException:
    """Follows the SDK's ``inner_exception`` and Python's explicit ``__cause__`` links down."""
    seen: set[int] = set()
    current = error
    while id(current) not in seen:
        seen.add(id(current))
        inner = getattr(current, "inner_exception", None) or current.__cause__
        if not isinstance(inner, BaseException):
            # requests and urllib3 wrap their cause as an argument rather than chaining it.
            inner = next((arg for arg in current.args if isinstance(arg, BaseException)), None)
        if inner is None:
            break
        current = inner
    return current


def _clean(text: str) -> str:
    text = _OBJECT_REPR.sub("", text)
    text = _SSL_CODE.sub("", _SSL_LOCATION.sub("", text))
    text = " ".join(text.split())
    if len(text) > MAX_CAUSE:
        text = text[: MAX_CAUSE - 1] + "…"
    # "Connection refused" reads better inside a sentence as "connection refused"; codes such
    # as "ResourceNotFound" keep their spelling.
    return text[:1].lower() + text[1:] if _SENTENCE_START.match(text) else text
