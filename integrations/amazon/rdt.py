"""Restricted Data Tokens (Tokens API 2021-03-01): the access token for Amazon's restricted
operations, which return buyers' personal data.

Orders v0 marks the shipping address restricted (Name, AddressLine1-3, Phone, ...): getOrderAddress
releases it only to a Restricted Data Token (RDT), which createRestrictedDataToken issues, for an
app holding the restricted role, against the LWA access token. An RDT names the resources it
covers; consign asks for the generic path (`{orderId}` left as is, as Amazon's own example does),
so one RDT serves every order for its lifetime. RDTs are cached per resource set, refreshed
before they expire and shared by concurrent callers, exactly like the LWA token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from integrations.amazon.client import SpApiClient, TokenSource
from integrations.amazon.errors import AmazonAccessDenied, AmazonBadResponse
from integrations.amazon.token_cache import IssuedToken, TokenCache
from integrations.amazon.usage_plans import Operation

PATH = "/tokens/2021-03-01/restrictedDataToken"
SHIPPING_ROLE = "Direct-to-Consumer Shipping (Restricted)"


@dataclass(frozen=True, order=True)
class RestrictedResource:
    """A restricted operation's method and path, plus the data elements wanted (getOrder,
    getOrders and getOrderItems need them; getOrderAddress implies the shipping address)."""

    method: str
    path: str
    data_elements: tuple[str, ...] = ()

    def wire(self) -> dict[str, object]:
        body: dict[str, object] = {"method": self.method, "path": self.path}
        if self.data_elements:
            body["dataElements"] = list(self.data_elements)
        return body


# getOrderAddress for any order.
ORDER_ADDRESS = RestrictedResource("GET", "/orders/v0/orders/{orderId}/address")


class RestrictedDataTokens:
    """One cached RDT per set of restricted resources, for one seller's app."""

    def __init__(
        self,
        client: SpApiClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = 60.0,
    ) -> None:
        self._client = client
        self._clock = clock
        self._margin = refresh_margin
        self._caches: dict[tuple[RestrictedResource, ...], TokenCache] = {}
        self.issued = 0  # how many RDTs were created: lets tests and metrics see caching

    def source(self, *resources: RestrictedResource) -> TokenSource:
        """The token source for requests to these resources (pass it to SpApiClient.request)."""
        key = tuple(sorted(set(resources)))
        cache = self._caches.get(key)
        if cache is None:

            async def issue() -> IssuedToken:
                return await self._create(key)

            cache = self._caches[key] = TokenCache(issue, self._clock, self._margin)
        return cache

    async def _create(self, resources: tuple[RestrictedResource, ...]) -> IssuedToken:
        operation = Operation.CREATE_RESTRICTED_DATA_TOKEN
        body = {"restrictedResources": [resource.wire() for resource in resources]}
        try:
            answer = await self._client.request(operation, "POST", PATH, json=body)
        except AmazonAccessDenied as denied:
            raise AmazonAccessDenied(
                operation,
                f"{denied.message}; Amazon issues a Restricted Data Token for buyers' addresses "
                f"only to an app holding the {SHIPPING_ROLE} role",
                status=denied.status,
            ) from None
        token = answer.get("restrictedDataToken") if isinstance(answer, dict) else None
        lifetime = answer.get("expiresIn") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise AmazonBadResponse(operation, "the response has no restrictedDataToken")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
            raise AmazonBadResponse(operation, "the response has no valid expiresIn")
        self.issued += 1
        return IssuedToken(token, float(lifetime))
