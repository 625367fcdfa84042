"""Integration API tokens and the permissions each carries. Centra tokens are scoped: a call
touching a field the token lacks permission for fails that field, not the request."""

from __future__ import annotations

import os

DEFAULT_TOKEN_ENV = "CENTRA_API_TOKEN"
DEFAULT_TOKEN = "sandbox-centra-token"

ORDER_READ = "Order:read"
SHIPMENT_READ = "Shipment:read"
SHIPMENT_WRITE = "Shipment:write"
STOCK_READ = "Stock:read"
STOCK_WRITE = "Stock:write"
EVENT_READ = "Event:read"
EVENT_WRITE = "Event:write"

ALL_PERMISSIONS: frozenset[str] = frozenset(
    {ORDER_READ, SHIPMENT_READ, SHIPMENT_WRITE, STOCK_READ, STOCK_WRITE, EVENT_READ, EVENT_WRITE}
)


def default_token() -> str:
    return os.environ.get(DEFAULT_TOKEN_ENV, DEFAULT_TOKEN)


class TokenRegistry:
    """Bearer token -> permissions."""

    def __init__(self, tokens: dict[str, frozenset[str]] | None = None) -> None:
        self.tokens: dict[str, frozenset[str]] = (
            dict(tokens) if tokens is not None else {default_token(): ALL_PERMISSIONS}
        )

    def add(self, token: str, permissions: frozenset[str]) -> None:
        self.tokens[token] = permissions

    def permissions(self, authorization: str | None) -> tuple[str, frozenset[str]] | None:
        """The token and its permissions for an Authorization header, or None (401)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() not in self.tokens:
            return None
        return token.strip(), self.tokens[token.strip()]
