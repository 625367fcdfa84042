"""Listings Items API 2021-08-01 routes: patchListingsItem and getListingsItem.

getListingsItem renders summaries (the default includedData: product type, ASIN, title, status),
attributes, issues and fulfillmentAvailability; the other datasets are not simulated."""

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
from sandbox.amazon.timefmt import to_wire
from sandbox.amazon.usage_plans import GET_LISTINGS_ITEM, PATCH_LISTINGS_ITEM

ROOT = "/listings/2021-08-01/items/{sellerId}/{sku}"
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
            attributes = sandbox.listings.attributes(sku, markets[0])
            if attributes is None:
                raise SpApiError(404, f"SKU '{sku}' not found in marketplace {markets[0]}")
            item: dict[str, Any] = {"sku": sku}
            if "summaries" in included:
                item["summaries"] = [_summary(sandbox, sku, m) for m in markets[:1]]
            if "attributes" in included:
                item["attributes"] = json.loads(json.dumps(attributes))
            if "issues" in included:
                item["issues"] = []
            if "fulfillmentAvailability" in included:
                entries = [
                    {
                        "fulfillmentChannelCode": entry["fulfillment_channel_code"],
                        **({"quantity": entry["quantity"]} if "quantity" in entry else {}),
                    }
                    for entry in attributes.get("fulfillment_availability", [])
                ]
                item["fulfillmentAvailability"] = entries
        return item

    return api
