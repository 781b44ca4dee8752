"""Which identity the operator presents to Azure Resource Manager.

In a pod that is the workload identity (or any other source
``DefaultAzureCredential`` knows: managed identity, environment variables),
so nothing secret lives in the policy or the operator's configuration.

``AKS_CHECKLIST_AZURE_TOKEN`` replaces it with a fixed bearer token. It exists
for tests against a local ARM stand-in and for air-gapped setups where a proxy
in front of ARM authenticates on the operator's behalf; a real Entra ID token
expires within hours, so it is not a way to run against Azure itself.
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential

TOKEN_ENV = "AKS_CHECKLIST_AZURE_TOKEN"  # noqa: S105  # the variable's name, not a token
# How long a static token claims to be valid; the SDK asks again before then, and gets the same.
STATIC_TOKEN_LIFETIME = 3600


class StaticTokenCredential:
    """A credential that always answers with the same bearer token, whatever the scope."""

    def __init__(self, token: str) -> None:
        if not token.strip():
            raise ValueError("a static Azure token must not be empty")
        self._token = token.strip()

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + STATIC_TOKEN_LIFETIME)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, int(time.time()) + STATIC_TOKEN_LIFETIME)

    def __repr__(self) -> str:
        return "StaticTokenCredential(<redacted>)"


def credential(token: str | None) -> TokenCredential:
    """The static-token credential when ``token`` is set, else the process's default one."""
    if token:
        return StaticTokenCredential(token)
    return _default_credential()


@functools.cache
def _default_credential() -> TokenCredential:
    # One per process, so the tokens it caches survive from one full pass to the next.
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()
