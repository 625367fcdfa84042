"""Listings Items API 2021-08-01: set and read one listing's seller-fulfilled quantity.

The quantity lives in the `fulfillment_availability` attribute under channel code DEFAULT.
It is always patched with op "merge": "replace" would wipe the listing's other keys, such as
`lead_time_to_ship_max_days`, which the seller set in Seller Central.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, Field

from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import AmazonBadResponse, AmazonRequestRejected
from integrations.amazon.usage_plans import Operation

API_ROOT = "/listings/2021-08-01/items"
PRODUCT_TYPE = "PRODUCT"  # patches of offer attributes need no specific product type
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


class ListingsApi:
    """The two Listings Items operations inventory sync needs, for one seller."""

    def __init__(self, api: SpApiClient, seller_id: str) -> None:
        self.api = api
        self.seller_id = seller_id

    async def set_quantity(self, sku: str, quantity: int, marketplace_id: str) -> PatchResult:
        """patchListingsItem with a merge of fulfillment_availability."""
        operation = Operation.PATCH_LISTINGS_ITEM.value
        body = {"productType": PRODUCT_TYPE, "patches": [quantity_patch(operation, sku, quantity)]}
        answer = await self.api.request(
            operation,
            "PATCH",
            item_path(self.seller_id, sku),
            params={"marketplaceIds": [marketplace_id]},
            json=body,
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("status"), str):
            raise AmazonBadResponse(operation, "response has no submission status")
        issues = answer.get("issues")
        return PatchResult(
            sku=str(answer.get("sku") or sku),
            status=answer["status"],
            submission_id=str(answer.get("submissionId") or ""),
            issues=[_issue(i) for i in issues] if isinstance(issues, list) else [],
        )

    async def get_quantity(self, sku: str, marketplace_id: str) -> int | None:
        """The DEFAULT channel's quantity; None when the listing has none (e.g. FBA only).
        An unknown SKU is Amazon's 404, raised as AmazonRequestRejected."""
        operation = Operation.GET_LISTINGS_ITEM.value
        answer = await self.api.request(
            operation,
            "GET",
            item_path(self.seller_id, sku),
            params={
                "marketplaceIds": [marketplace_id],
                "includedData": ["fulfillmentAvailability"],
            },
        )
        if not isinstance(answer, dict):
            raise AmazonBadResponse(operation, "listings item is not an object")
        for entry in answer.get("fulfillmentAvailability") or []:
            if isinstance(entry, dict) and entry.get("fulfillmentChannelCode") == DEFAULT_CHANNEL:
                quantity = entry.get("quantity")
                if quantity is None:
                    return None
                if isinstance(quantity, bool) or not isinstance(quantity, int):
                    raise AmazonBadResponse(operation, f"quantity of {sku} is not an integer")
                return quantity
        return None
