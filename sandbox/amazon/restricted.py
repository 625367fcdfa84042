"""Restricted data, as the Tokens API 2021-03-01 and the Orders models describe it.

Orders v0 marks buyer and address data restricted: an app reads it only with a Restricted Data
Token (RDT) from createRestrictedDataToken, sent in x-amz-access-token instead of the LWA token,
and only if the app holds the restricted role for it. An RDT names the restricted resources it
covers (method + path, a path either concrete or generic with `{orderId}`) and, for getOrder,
getOrders and getOrderItems, the `dataElements` it unlocks. Orders v2026-01-01 needs no RDT:
its personal fields are released by role alone (Amazon's "Access Orders PII" guide).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.records import Clock

RDT_PREFIX = "Atz.sprdt|"
MAX_RESOURCES = 50

DIRECT_TO_CONSUMER_SHIPPING = "Direct-to-Consumer Shipping"
TAX_INVOICING = "Tax Invoicing"
TAX_REMITTANCE = "Tax Remittance"
ALL_ROLES = frozenset({DIRECT_TO_CONSUMER_SHIPPING, TAX_INVOICING, TAX_REMITTANCE})

SHIPPING_ADDRESS = "shippingAddress"
BUYER_INFO = "buyerInfo"
BUYER_TAX_INFORMATION = "buyerTaxInformation"
# The roles that unlock each data element (any one of them will do).
ELEMENT_ROLES: dict[str, frozenset[str]] = {
    SHIPPING_ADDRESS: frozenset({DIRECT_TO_CONSUMER_SHIPPING}),
    BUYER_INFO: ALL_ROLES,
    BUYER_TAX_INFORMATION: frozenset({TAX_INVOICING}),
}

# Orders v0's restricted operations; the last field says whether the RDT must name
# dataElements for it (the Tokens model: "required only ... getOrder, getOrders, getOrderItems").
_OPERATIONS: tuple[tuple[str, str, bool], ...] = (
    ("GET", "/orders/v0/orders", True),
    ("GET", "/orders/v0/orders/{orderId}", True),
    ("GET", "/orders/v0/orders/{orderId}/orderItems", True),
    ("GET", "/orders/v0/orders/{orderId}/address", False),
    ("GET", "/orders/v0/orders/{orderId}/buyerInfo", False),
    ("GET", "/orders/v0/orders/{orderId}/orderItems/buyerInfo", False),
)
# What an operation without dataElements releases (and the role it needs).
_IMPLIED = {
    "/orders/v0/orders/{orderId}/address": SHIPPING_ADDRESS,
    "/orders/v0/orders/{orderId}/buyerInfo": BUYER_INFO,
    "/orders/v0/orders/{orderId}/orderItems/buyerInfo": BUYER_INFO,
}


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(template).replace(re.escape("{orderId}"), "[^/]+") + "$")


@dataclass(frozen=True)
class Resource:
    """One restricted resource of a grant: the operation's template and the path as asked."""

    method: str
    template: str
    path: str  # concrete, or the template itself (generic: any order)
    elements: frozenset[str]

    def covers(self, method: str, path: str) -> bool:
        if method != self.method:
            return False
        if self.path == self.template:
            return bool(_pattern(self.template).match(path))
        return path == self.path


@dataclass(frozen=True)
class Access:
    """An admitted caller: the seller, and the data elements its token releases."""

    seller_id: str
    unlocked: frozenset[str]


@dataclass(frozen=True)
class RdtGrant:
    seller_id: str
    resources: tuple[Resource, ...]
    expires_at: datetime

    def elements_for(self, method: str, path: str) -> frozenset[str] | None:
        """What this token unlocks on the request; None when it does not cover it at all."""
        found = [r.elements for r in self.resources if r.covers(method, path)]
        if not found:
            return None
        return frozenset().union(*found)


def _invalid(details: str) -> SpApiError:
    """The Tokens API's 400, as its sandbox example words it."""
    return SpApiError(
        400, "Request is missing or has invalid parameters", details, "InvalidRequest"
    )


def _resource(raw: Any) -> Resource:
    if not isinstance(raw, dict):
        raise _invalid("Resource not provided.")
    method, path, elements = raw.get("method"), raw.get("path"), raw.get("dataElements")
    if not isinstance(method, str) or not method or not isinstance(path, str) or not path:
        raise _invalid("Resource not provided.")
    found = next(
        (
            (template, needs_elements)
            for verb, template, needs_elements in _OPERATIONS
            if verb == method and (path == template or _pattern(template).match(path))
        ),
        None,
    )
    if found is None:
        raise _invalid(f"{method} {path} is not a restricted resource.")
    template, needs_elements = found
    if elements is not None and (
        not isinstance(elements, list) or not all(e in ELEMENT_ROLES for e in elements)
    ):
        raise _invalid(f"dataElements must be a list of {sorted(ELEMENT_ROLES)}.")
    if needs_elements and not elements:
        raise _invalid(f"dataElements are required for {path}.")
    unlocked = frozenset(elements or ()) if needs_elements else frozenset({_IMPLIED[template]})
    return Resource(method, template, path, unlocked)


def parse_request(body: object) -> tuple[Resource, ...]:
    """The CreateRestrictedDataTokenRequest, checked as Amazon's 400 example shows."""
    raw = body.get("restrictedResources") if isinstance(body, dict) else None
    if not isinstance(raw, list) or not raw:
        raise _invalid("Resource not provided.")
    if len(raw) > MAX_RESOURCES:
        raise _invalid(f"At most {MAX_RESOURCES} restricted resources per request.")
    return tuple(_resource(entry) for entry in raw)


class RestrictedData:
    """Issues RDTs to an app holding `roles`, and answers what a token unlocks."""

    def __init__(
        self, clock: Clock, roles: frozenset[str] = ALL_ROLES, lifetime_seconds: int = 3600
    ) -> None:
        self.clock = clock
        self.roles = roles
        self.lifetime_seconds = lifetime_seconds
        self.grants: dict[str, RdtGrant] = {}
        self.issued = 0

    def issue(self, seller_id: str, body: object) -> dict[str, object]:
        resources = parse_request(body)
        wanted = set().union(*(r.elements for r in resources))
        refused = sorted(e for e in wanted if not ELEMENT_ROLES[e] & self.roles)
        if refused:
            raise SpApiError(
                403,
                details="The application does not have access to one or more requested "
                f"data elements: {refused}",
            )
        token = RDT_PREFIX + secrets.token_urlsafe(32)
        expires = self.clock() + timedelta(seconds=self.lifetime_seconds)
        self.grants[token] = RdtGrant(seller_id, resources, expires)
        self.issued += 1
        return {"restrictedDataToken": token, "expiresIn": self.lifetime_seconds}

    def grant(self, token: str | None) -> RdtGrant | None:
        """The live grant behind an RDT, or None (unknown, expired, or not an RDT)."""
        grant = self.grants.get(token or "")
        if grant is None or grant.expires_at <= self.clock():
            return None
        return grant

    @property
    def personal_data(self) -> bool:
        """Orders v2026-01-01 releases recipient and buyer PII to this role, without an RDT."""
        return DIRECT_TO_CONSUMER_SHIPPING in self.roles
