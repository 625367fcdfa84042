"""Listings Items API 2021-08-01 routes: patchListingsItem, getListingsItem and
searchListingsItems.

Items render summaries (the default includedData: product type, ASIN, title, status),
attributes, issues and fulfillmentAvailability; the other datasets are not simulated.
searchListingsItems looks items up by up to 20 SKUs (`identifiersType=SKU`), or pages through
the seller's listings (at most 1,000, as the model's note says) sorted by `sortBy`, filtered by
`createdAfter`/`createdBefore`/`lastUpdatedAfter`/`lastUpdatedBefore` (inclusive, as the model
says); other identifier types (ASIN, EAN, ...) are answered 400 by the sandbox, which keeps no
such index. Attributes are the listing's own: the DEFAULT quantity and, for the catalogue and
listings the admin API adds, the package's weight and dimensions, EAN and origin shaped as the
model's example shapes them (listings.physical_attributes)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request

from sandbox.amazon.catalogue import BY_SKU, MARKETPLACES
from sandbox.amazon.errors import SpApiError
from sandbox.amazon.guard import operation
from sandbox.amazon.listings import structural_patches
from sandbox.amazon.params import csv, marketplaces
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import parse_wire, to_wire
from sandbox.amazon.usage_plans import (
    GET_LISTINGS_ITEM,
    PATCH_LISTINGS_ITEM,
    SEARCH_LISTINGS_ITEMS,
)

ROOT = "/listings/2021-08-01/items/{sellerId}/{sku}"
SEARCH = "/listings/2021-08-01/items/{sellerId}"
MAX_IDENTIFIERS = 20  # the model's maxItems
MAX_PAGE = 20  # pageSize's maximum
DEFAULT_PAGE = 10
SEARCH_LIMIT = 1000  # "the maximum number of items (SKUs) that can be returned and paged through"
SORTS = ("sku", "createdDate", "lastUpdatedDate")
INCLUDED = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
)


def _markets(request: Request, seller: str, seller_id: str) -> list[str]:
    if seller_id != seller:
        raise SpApiError(403)
    markets = marketplaces(request, "marketplaceIds", required=True) or []
    unknown = [m for m in markets if m not in MARKETPLACES]
    if unknown:
        raise SpApiError(400, f"Unknown marketplaceIds: {unknown}")
    return markets


def _summary(sandbox: AmazonSandbox, sku: str, marketplace_id: str) -> dict[str, Any]:
    listing = sandbox.listings.listing(sku, marketplace_id)
    assert listing is not None  # the caller found the listing's attributes
    product = BY_SKU.get(sku)
    summary: dict[str, Any] = {
        "marketplaceId": marketplace_id,
        "productType": listing.product_type,
        "conditionType": "new_new",
        "status": ["BUYABLE", "DISCOVERABLE"],
        "createdDate": to_wire(listing.created),
        "lastUpdatedDate": to_wire(listing.updated),
    }
    if product is not None:
        summary["asin"] = product.asin
        summary["itemName"] = product.title
    elif listing.title:
        summary["itemName"] = listing.title
    return summary


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter()

    @api.patch(ROOT)
    async def patch_listings_item(
        sellerId: str,
        sku: str,
        request: Request,
        seller: str = Depends(operation(sandbox, PATCH_LISTINGS_ITEM)),
    ) -> dict[str, Any]:
        markets = _markets(request, seller, sellerId)
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise SpApiError(400, "The request body is not JSON") from None
        structural_patches(body)
        problems = sandbox.patch_listing(sku, markets, body)
        issues = [
            {
                "code": p.code,
                "message": p.message,
                "severity": "ERROR",
                "categories": ["INVALID_ATTRIBUTE"] if p.attribute else [],
                **({"attributeNames": [p.attribute]} if p.attribute else {}),
            }
            for p in problems
        ]
        return {
            "sku": sku,
            "status": "INVALID" if problems else "ACCEPTED",
            "submissionId": uuid.uuid4().hex,
            "issues": issues,
        }

    @api.get(ROOT)
    async def get_listings_item(
        sellerId: str,
        sku: str,
        request: Request,
        seller: str = Depends(operation(sandbox, GET_LISTINGS_ITEM)),
    ) -> dict[str, Any]:
        markets = _markets(request, seller, sellerId)
        included = csv(request, "includedData", INCLUDED) or ["summaries"]
        with sandbox.lock:
            item = _item(sandbox, sku, markets, included)
        if item is None:
            raise SpApiError(404, f"SKU '{sku}' not found in marketplace {markets[0]}")
        return item

    @api.get(SEARCH)
    async def search_listings_items(
        sellerId: str,
        request: Request,
        seller: str = Depends(operation(sandbox, SEARCH_LISTINGS_ITEMS)),
    ) -> dict[str, Any]:
        markets = _markets(request, seller, sellerId)
        included = csv(request, "includedData", INCLUDED) or ["summaries"]
        size = _int(request, "pageSize", DEFAULT_PAGE, MAX_PAGE)
        start = _int(request, "pageToken", 0, SEARCH_LIMIT)
        with sandbox.lock:
            skus = _searched(sandbox, request, markets[0])
            page = skus[start : start + size]
            items = [_item(sandbox, sku, markets, included) for sku in page]
        body: dict[str, Any] = {
            "numberOfResults": len(skus),
            "items": [item for item in items if item is not None],
        }
        if start + size < len(skus):
            body["pagination"] = {"nextToken": str(start + size)}
        return body

    return api


def _int(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= maximum:
        raise SpApiError(400, f"Invalid {name}: {raw}")
    return int(raw)


def _searched(sandbox: AmazonSandbox, request: Request, marketplace_id: str) -> list[str]:
    """The SKUs the search finds, in the order asked for (the caller holds the lock)."""
    identifiers = csv(request, "identifiers")
    kind = request.query_params.get("identifiersType")
    if (identifiers is None) != (kind is None):
        raise SpApiError(400, "identifiers and identifiersType go together")
    if identifiers is not None:
        if kind != "SKU":
            raise SpApiError(400, f"The sandbox looks listings up by SKU only, not {kind}")
        if len(identifiers) > MAX_IDENTIFIERS:
            raise SpApiError(400, f"identifiers accepts at most {MAX_IDENTIFIERS} values")
        return [
            sku
            for sku in dict.fromkeys(identifiers)
            if sandbox.listings.attributes(sku, marketplace_id) is not None
        ]
    listed = [
        sku
        for sku in sandbox.listings.quantities(marketplace_id)
        if _within(sandbox, request, sku, marketplace_id)
    ]
    sort = request.query_params.get("sortBy", "lastUpdatedDate")
    if sort not in SORTS:
        raise SpApiError(400, f"Invalid sortBy: {sort}")
    order = request.query_params.get("sortOrder", "DESC")
    if order not in ("ASC", "DESC"):
        raise SpApiError(400, f"Invalid sortOrder: {order}")

    def key(sku: str) -> Any:
        listing = sandbox.listings.listing(sku, marketplace_id)
        assert listing is not None
        return {"sku": sku, "createdDate": listing.created, "lastUpdatedDate": listing.updated}[
            sort
        ]

    return sorted(listed, key=key, reverse=order == "DESC")[:SEARCH_LIMIT]


# The search's date filters: (parameter, the listing's date, at or after).
DATE_FILTERS = (
    ("createdAfter", "created", True),
    ("createdBefore", "created", False),
    ("lastUpdatedAfter", "updated", True),
    ("lastUpdatedBefore", "updated", False),
)


def _within(sandbox: AmazonSandbox, request: Request, sku: str, marketplace_id: str) -> bool:
    """The listing passes the date filters ("at or after", "at or before": inclusive)."""
    listing = sandbox.listings.listing(sku, marketplace_id)
    assert listing is not None
    for name, field, after in DATE_FILTERS:
        raw = request.query_params.get(name)
        if raw is None:
            continue
        bound = parse_wire(raw)
        if bound is None:
            raise SpApiError(400, f"Invalid {name}: {raw}")
        moment = getattr(listing, field)
        if (moment < bound) if after else (moment > bound):
            return False
    return True


def _item(
    sandbox: AmazonSandbox, sku: str, markets: list[str], included: list[str]
) -> dict[str, Any] | None:
    """The item as getListingsItem and searchListingsItems render it; None when the SKU has no
    listing in the first marketplace (the caller holds the lock)."""
    attributes = sandbox.listings.attributes(sku, markets[0])
    if attributes is None:
        return None
    item: dict[str, Any] = {"sku": sku}
    if "summaries" in included:
        item["summaries"] = [_summary(sandbox, sku, m) for m in markets[:1]]
    if "attributes" in included:
        item["attributes"] = json.loads(json.dumps(attributes))
    if "issues" in included:
        item["issues"] = []
    if "fulfillmentAvailability" in included:
        item["fulfillmentAvailability"] = [
            {
                "fulfillmentChannelCode": entry["fulfillment_channel_code"],
                **({"quantity": entry["quantity"]} if "quantity" in entry else {}),
            }
            for entry in attributes.get("fulfillment_availability", [])
        ]
    return item
