"""Listings Items API 2021-08-01: set and read one listing's seller-fulfilled quantity.

The quantity lives in the `fulfillment_availability` attribute under channel code DEFAULT.
It is always patched with op "merge": "replace" would wipe the listing's other keys, such as
`lead_time_to_ship_max_days`, which the seller set in Seller Central.

A patch (and a JSON_LISTINGS_FEED PATCH message) must name the listing's own Amazon product type,
which Amazon validates the patch against. consign reads it from the listing (getListingsItem,
includedData=summaries: `productType` per marketplace) and caches it per SKU and marketplace; the
reconcile's reads fill the cache too, and a patch Amazon answers INVALID drops the SKU's entry so
the next push reads it again (the seller may have changed the product type).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, Field

from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import AmazonBadResponse, AmazonRequestRejected
from integrations.amazon.usage_plans import Operation

API_ROOT = "/listings/2021-08-01/items"
FULFILLMENT_PATH = "/attributes/fulfillment_availability"
DEFAULT_CHANNEL = "DEFAULT"  # seller-fulfilled (MFN) stock


class ListingIssue(BaseModel):
    """One issue Amazon raised about a submission; never carries personal data."""

    code: str = ""
    message: str = ""
    severity: str = "ERROR"
    attribute_names: list[str] = Field(default_factory=list)


class PatchResult(BaseModel):
    """patchListingsItem's answer. ACCEPTED means queued for processing, not yet applied."""

    sku: str
    status: str  # ACCEPTED / INVALID (VALID only in VALIDATION_PREVIEW mode)
    submission_id: str
    issues: list[ListingIssue] = Field(default_factory=list)

    @property
    def errors(self) -> list[ListingIssue]:
        return [issue for issue in self.issues if issue.severity == "ERROR"]

    @property
    def accepted(self) -> bool:
        return self.status == "ACCEPTED" and not self.errors


def checked_quantity(operation: str, sku: str, quantity: object) -> int:
    """Amazon takes whole, non-negative units; anything else is refused before sending so a
    bug upstream can never zero or corrupt a live listing."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise AmazonRequestRejected(operation, f"quantity for {sku} is not an integer")
    if quantity < 0:
        raise AmazonRequestRejected(operation, f"quantity for {sku} is negative ({quantity})")
    return quantity


def quantity_patch(operation: str, sku: str, quantity: object) -> dict[str, Any]:
    """The JSON Patch that sets the DEFAULT channel's quantity and keeps its other keys."""
    value = checked_quantity(operation, sku, quantity)
    return {
        "op": "merge",
        "path": FULFILLMENT_PATH,
        "value": [{"fulfillment_channel_code": DEFAULT_CHANNEL, "quantity": value}],
    }


def item_path(seller_id: str, sku: str) -> str:
    """SKUs may hold '/', spaces or '#': they travel percent-encoded in the path."""
    return f"{API_ROOT}/{quote(seller_id, safe='')}/{quote(sku, safe='')}"


def _issue(raw: Any) -> ListingIssue:
    if not isinstance(raw, dict):
        return ListingIssue(message=str(raw))
    names = raw.get("attributeNames")
    return ListingIssue(
        code=str(raw.get("code") or ""),
        message=str(raw.get("message") or ""),
        severity=str(raw.get("severity") or "ERROR"),
        attribute_names=[str(n) for n in names] if isinstance(names, list) else [],
    )


def not_listed(sku: str, marketplace_id: str) -> PatchResult:
    """The outcome for a SKU Amazon shows no listing of in the marketplace (getListingsItem 404,
    or no summary for that marketplace): nothing was sent."""
    issue = ListingIssue(
        code="NOT_LISTED",
        message=f"Amazon shows no listing of SKU {sku} in marketplace {marketplace_id}",
    )
    return PatchResult(sku=sku, status="INVALID", submission_id="", issues=[issue])


SEARCH_BATCH = 20  # searchListingsItems: identifiers maxItems and pageSize maximum


def _product_type(answer: dict[str, Any], marketplace_id: str) -> str | None:
    for summary in answer.get("summaries") or []:
        if isinstance(summary, dict) and summary.get("marketplaceId") == marketplace_id:
            product_type = summary.get("productType")
            return product_type if isinstance(product_type, str) and product_type else None
    return None


class ListingsApi:
    """The Listings Items operations inventory sync needs, for one seller, and the cache of
    each listing's product type."""

    def __init__(self, api: SpApiClient, seller_id: str) -> None:
        self.api = api
        self.seller_id = seller_id
        self._product_types: dict[tuple[str, str], str] = {}

    async def _get(self, sku: str, marketplace_id: str, included: list[str]) -> dict[str, Any]:
        """getListingsItem; the product type it shows is remembered. A SKU Amazon does not
        know is its 404, raised as AmazonRequestRejected."""
        operation = Operation.GET_LISTINGS_ITEM.value
        answer = await self.api.request(
            operation,
            "GET",
            item_path(self.seller_id, sku),
            params={"marketplaceIds": [marketplace_id], "includedData": included},
        )
        if not isinstance(answer, dict):
            raise AmazonBadResponse(operation, "listings item is not an object")
        product_type = _product_type(answer, marketplace_id)
        if product_type is not None:
            self._product_types[(sku, marketplace_id)] = product_type
        return answer

    async def product_type(self, sku: str, marketplace_id: str) -> str | None:
        """The listing's Amazon product type (cached); None when Amazon shows no listing of the
        SKU in the marketplace (a 404, or no summary for that marketplace)."""
        cached = self._product_types.get((sku, marketplace_id))
        if cached is not None:
            return cached
        try:
            await self._get(sku, marketplace_id, ["summaries"])
        except AmazonRequestRejected as error:
            if error.status == 404:
                return None
            raise
        return self._product_types.get((sku, marketplace_id))

    async def set_quantity(self, sku: str, quantity: int, marketplace_id: str) -> PatchResult:
        """patchListingsItem with a merge of fulfillment_availability, under the listing's own
        product type. A SKU with no listing is answered as rejected without a patch."""
        operation = Operation.PATCH_LISTINGS_ITEM.value
        patch = quantity_patch(operation, sku, quantity)
        product_type = await self.product_type(sku, marketplace_id)
        if product_type is None:
            return not_listed(sku, marketplace_id)
        answer = await self.api.request(
            operation,
            "PATCH",
            item_path(self.seller_id, sku),
            params={"marketplaceIds": [marketplace_id]},
            json={"productType": product_type, "patches": [patch]},
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("status"), str):
            raise AmazonBadResponse(operation, "response has no submission status")
        issues = answer.get("issues")
        result = PatchResult(
            sku=str(answer.get("sku") or sku),
            status=answer["status"],
            submission_id=str(answer.get("submissionId") or ""),
            issues=[_issue(i) for i in issues] if isinstance(issues, list) else [],
        )
        if not result.accepted:
            self.forget_product_type(sku, marketplace_id)
        return result

    def forget_product_type(self, sku: str, marketplace_id: str) -> None:
        """After a rejection: the next patch reads the listing's product type again."""
        self._product_types.pop((sku, marketplace_id), None)

    async def product_types(self, skus: list[str], marketplace_id: str) -> dict[str, str]:
        """Each listed SKU's product type: the cached ones, the rest by searchListingsItems (20
        a call). SKUs Amazon does not list are left out."""
        missing = [sku for sku in skus if (sku, marketplace_id) not in self._product_types]
        if missing:
            await self.quantities(missing, marketplace_id)
        return {
            sku: self._product_types[(sku, marketplace_id)]
            for sku in skus
            if (sku, marketplace_id) in self._product_types
        }

    async def quantities(self, skus: list[str], marketplace_id: str) -> dict[str, int | None]:
        """The DEFAULT channel's quantity of each listed SKU (None when the listing has none,
        e.g. FBA only), by searchListingsItems: up to 20 SKUs a call (identifiersType=SKU), so
        25,000 SKUs take 1,250 calls instead of 25,000 getListingsItem. SKUs Amazon does not
        list are left out. The summaries read with them keep the product-type cache warm for
        the next push."""
        operation = Operation.SEARCH_LISTINGS_ITEMS.value
        found: dict[str, int | None] = {}
        unique = list(dict.fromkeys(skus))
        for start in range(0, len(unique), SEARCH_BATCH):
            batch = unique[start : start + SEARCH_BATCH]
            answer = await self.api.request(
                operation,
                "GET",
                f"{API_ROOT}/{quote(self.seller_id, safe='')}",
                params={
                    "marketplaceIds": [marketplace_id],
                    "identifiers": batch,
                    "identifiersType": "SKU",
                    "includedData": ["summaries", "fulfillmentAvailability"],
                    "pageSize": SEARCH_BATCH,
                },
            )
            items = answer.get("items") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise AmazonBadResponse(operation, "search results carry no items")
            for item in items:
                sku = item.get("sku") if isinstance(item, dict) else None
                if sku not in batch:
                    continue  # not asked for: never trusted
                product_type = _product_type(item, marketplace_id)
                if product_type is not None:
                    self._product_types[(sku, marketplace_id)] = product_type
                found[sku] = _default_quantity(operation, sku, item)
        return found


def _default_quantity(operation: str, sku: str, item: dict[str, Any]) -> int | None:
    for entry in item.get("fulfillmentAvailability") or []:
        if isinstance(entry, dict) and entry.get("fulfillmentChannelCode") == DEFAULT_CHANNEL:
            quantity = entry.get("quantity")
            if quantity is None:
                return None
            if isinstance(quantity, bool) or not isinstance(quantity, int):
                raise AmazonBadResponse(operation, f"quantity of {sku} is not an integer")
            return quantity
    return None
