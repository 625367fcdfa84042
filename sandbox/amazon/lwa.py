"""Login with Amazon: the refresh-token grant that turns seller credentials into a
short-lived access token, and the check every SP-API call makes on that token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sandbox.amazon.records import Clock

DEFAULT_CLIENT_ID = "amzn1.application-oa2-client.sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"
DEFAULT_REFRESH_TOKEN = "Atzr|sandbox-refresh-token"
DEFAULT_SELLER_ID = "A1SANDBOXSELLER"
# Grantless operations' scopes (LWA client_credentials): the Notifications API's destinations
# and subscriptions by id, and the Application Management API's secret rotation.
GRANTLESS_SCOPES = frozenset(
    {"sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation"}
)


@dataclass(frozen=True)
class Grant:
    seller_id: str
    expires_at: datetime


class LwaError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description


class TokenIssuer:
    """One application (client id/secret) authorised by sellers through refresh tokens."""

    def __init__(
        self,
        clock: Clock,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        refresh_tokens: dict[str, str] | None = None,
        token_lifetime_seconds: int = 3600,
    ) -> None:
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_tokens = refresh_tokens or {DEFAULT_REFRESH_TOKEN: DEFAULT_SELLER_ID}
        self.token_lifetime_seconds = token_lifetime_seconds
        self.grants: dict[str, Grant] = {}
        self.grantless: dict[str, tuple[str, datetime]] = {}  # token -> (scope, expiry)
        self.grant_count = 0

    def grant(self, form: dict[str, str]) -> dict[str, object]:
        """Exchange a refresh token, or the app's own credentials for a grantless token
        (client_credentials with a scope); errors follow LWA's OAuth2 error codes."""
        if form.get("grant_type") == "client_credentials":
            return self._grantless(form)
        if form.get("grant_type") != "refresh_token":
            raise LwaError(
                400,
                "unsupported_grant_type",
                "grant_type must be refresh_token or client_credentials",
            )
        missing = [k for k in ("refresh_token", "client_id", "client_secret") if not form.get(k)]
        if missing:
            raise LwaError(400, "invalid_request", f"missing parameter: {', '.join(missing)}")
        if form["client_id"] != self.client_id or form["client_secret"] != self.client_secret:
            raise LwaError(401, "invalid_client", "Client authentication failed")
        seller_id = self.refresh_tokens.get(form["refresh_token"])
        if seller_id is None:
            raise LwaError(400, "invalid_grant", "The request has an invalid grant parameter")
        token = "Atza|" + secrets.token_urlsafe(48)
        lifetime = self.token_lifetime_seconds
        self.grants[token] = Grant(seller_id, self.clock() + timedelta(seconds=lifetime))
        self.grant_count += 1
        return {
            "access_token": token,
            "refresh_token": form["refresh_token"],
            "token_type": "bearer",
            "expires_in": lifetime,
        }

    def _grantless(self, form: dict[str, str]) -> dict[str, object]:
        missing = [k for k in ("scope", "client_id", "client_secret") if not form.get(k)]
        if missing:
            raise LwaError(400, "invalid_request", f"missing parameter: {', '.join(missing)}")
        if form["client_id"] != self.client_id or form["client_secret"] != self.client_secret:
            raise LwaError(401, "invalid_client", "Client authentication failed")
        if form["scope"] not in GRANTLESS_SCOPES:
            raise LwaError(400, "invalid_scope", "The requested scope is invalid")
        token = "Atc|" + secrets.token_urlsafe(48)
        lifetime = self.token_lifetime_seconds
        expires = self.clock() + timedelta(seconds=lifetime)
        self.grantless[token] = (form["scope"], expires)
        self.grant_count += 1
        return {"access_token": token, "token_type": "bearer", "expires_in": lifetime}

    def grantless_scope(self, access_token: str | None) -> str | None:
        """The scope a grantless token was issued for, or None (unknown, expired)."""
        found = self.grantless.get(access_token or "")
        if found is None or found[1] <= self.clock():
            return None
        return found[0]

    def seller_for(self, access_token: str | None) -> str | None:
        """The seller an access token acts for, or None if it is unknown or expired."""
        grant = self.grants.get(access_token or "")
        if grant is None or grant.expires_at <= self.clock():
            return None
        return grant.seller_id

    def revoke_all(self) -> None:
        self.grants.clear()
        self.grantless.clear()


def router(issuer: TokenIssuer) -> APIRouter:
    api = APIRouter()

    @api.post("/auth/o2/token")
    async def token(request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", errors="replace")
        form = {key: values[0] for key, values in parse_qs(raw).items()}
        try:
            body = issuer.grant(form)
        except LwaError as exc:
            return JSONResponse(
                status_code=exc.status,
                content={"error": exc.error, "error_description": exc.description},
            )
        return JSONResponse(content=body, headers={"Cache-Control": "no-store"})

    return api
