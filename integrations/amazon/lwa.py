"""Login with Amazon: exchanges the seller's refresh token for a one-hour access token.

The token is cached in-process (token_cache.py): refreshed `refresh_margin` seconds before it
expires, one refresh shared by concurrent callers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from integrations.amazon.errors import AmazonAuthError, AmazonBadResponse
from integrations.amazon.http_errors import (
    json_body,
    server_error,
    throttled,
    transport_failure,
)
from integrations.amazon.token_cache import IssuedToken, TokenCache

DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
OPERATION = "lwa.token"

# What each LWA error means for the operator, and what to do about it.
_AUTH_ADVICE = {
    "invalid_grant": (
        "the refresh token was rejected (revoked, or the seller de-authorised the app): "
        "re-authorise the app in Seller Central and update AMAZON_REFRESH_TOKEN"
    ),
    "invalid_client": (
        "the LWA client credentials were rejected: the client secret has probably expired "
        "(they rotate every 180 days); rotate it in the Developer Console and update "
        "AMAZON_LWA_CLIENT_SECRET (and AMAZON_LWA_CLIENT_ID if it changed)"
    ),
    "unauthorized_client": (
        "this LWA client may not use the refresh-token grant: check AMAZON_LWA_CLIENT_ID is "
        "the SP-API app the seller authorised"
    ),
}


@dataclass(frozen=True)
class LwaCredentials:
    token_url: str
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr


class LwaTokenProvider:
    """Hands out a valid access token; refreshes it under a lock shortly before expiry."""

    def __init__(
        self,
        credentials: LwaCredentials,
        http: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = 60.0,
    ) -> None:
        self._credentials = credentials
        self._http = http
        self._cache = TokenCache(self._exchange, clock, refresh_margin)
        self.refresh_count = 0  # how many exchanges ran: lets tests and metrics see caching

    async def access_token(self) -> str:
        return await self._cache.access_token()

    def invalidate(self) -> None:
        """Forget the cached token, e.g. after Amazon rejected it as expired or revoked."""
        self._cache.invalidate()

    def _form(self) -> dict[str, str]:
        return {
            "grant_type": "refresh_token",
            "refresh_token": self._credentials.refresh_token.get_secret_value(),
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret.get_secret_value(),
        }

    async def _exchange(self) -> IssuedToken:
        form = self._form()
        try:
            response = await self._http.post(
                self._credentials.token_url,
                data=form,
                headers={"Accept": "application/json"},
            )
        except httpx.TransportError as error:
            raise transport_failure(OPERATION, error) from None
        self.refresh_count += 1
        if response.status_code == 429:
            raise throttled(OPERATION, response)
        if response.status_code >= 500:
            raise server_error(OPERATION, response)
        body = json_body(response)
        if response.status_code >= 400:
            raise _auth_error(response.status_code, body)
        return _parse_token(body)


class GrantlessTokenProvider(LwaTokenProvider):
    """A token for a grantless operation (no seller's authorisation: the Notifications API's
    destinations): LWA's client_credentials grant with the operation's scope."""

    def __init__(
        self,
        credentials: LwaCredentials,
        http: httpx.AsyncClient,
        scope: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(credentials, http, clock=clock)
        self._scope = scope

    def _form(self) -> dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "scope": self._scope,
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret.get_secret_value(),
        }


def _auth_error(status: int, body: object) -> AmazonAuthError:
    code = "unknown_error"
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        code = body["error"]
    advice = _AUTH_ADVICE.get(
        code, f"LWA refused the token exchange (HTTP {status}); check the LWA credentials"
    )
    return AmazonAuthError(code, advice, status=status)


def _parse_token(body: object) -> IssuedToken:
    if not isinstance(body, dict):
        raise AmazonBadResponse(OPERATION, "the token response is not a JSON object")
    value = body.get("access_token")
    expires_in = body.get("expires_in", 3600)
    if not isinstance(value, str) or not value:
        raise AmazonBadResponse(OPERATION, "the token response has no access_token")
    if not isinstance(expires_in, int | float) or expires_in <= 0:
        raise AmazonBadResponse(OPERATION, "the token response has no valid expires_in")
    return IssuedToken(value=value, lifetime=float(expires_in))
