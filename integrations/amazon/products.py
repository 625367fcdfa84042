"""Amazon's listings as a product source for GXO's item master, for the SKUs only Amazon sells
(Centra masters the rest: activities/products.py leaves a SKU Centra has to Centra).

searchListingsItems without identifiers pages (pageToken) through the seller's listings;
`lastUpdatedAfter` (at or after) with `sortBy=lastUpdatedDate`, `sortOrder=ASC` makes it a
delta read oldest change first, the page's newest `lastUpdatedDate` the sweep's cursor (never
later than CURSOR_MARGIN before now: see there).
Amazon pages through at most 1,000 items per search (ItemSearchResults' note): a larger delta
ends there and the next sweep carries on from the cursor. Paced by the client to the
operation's usage plan (5/s, burst 5: the model's description).

What is read, and how sure it is (reference/amazon-sp-api/models/listings-items-api-model):
- VERIFIED by the model's own example, parsed strictly (a listing with a shape or unit consign
  does not know is set aside, stored as received, never sent with a guessed figure; the
  listings around it go on): `item_package_weight`
  and `item_weight` (`[{unit, value, marketplace_id}]`), `item_package_dimensions` and
  `item_dimensions` (`[{length, width, height: {unit, value}, marketplace_id}]`); the package's
  figures first (what the warehouse handles), the item's otherwise. Summaries' `itemName` and
  `lastUpdatedDate`.
- UNVERIFIED (Product Type Definitions, not vendored), read tolerantly (anything else is
  ignored, never an error): `externally_assigned_product_identifier` `[{type, value}]` for the
  EAN/UPC, `country_of_origin` `[{value}]`.
- Not a listing attribute: the HS code. It comes from the SKU's mapping (`consign mappings`,
  domain.products.item_record).
A listing that exists is sent active: `BUYABLE` is not a product state (an MFN listing at 0
units is not buyable, and consign sets 0 until GXO accepts the item).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from domain.products import ChannelProduct, ProductPage
from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord, record_id
from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import AmazonBadResponse
from integrations.amazon.listings import API_ROOT
from integrations.amazon.reader import SYSTEM
from integrations.amazon.usage_plans import Operation
from integrations.amazon.wire_time import format_utc, parse_utc, utc_now

OPERATION = Operation.SEARCH_LISTINGS_ITEMS.value
PAGE_SIZE = 20  # pageSize's maximum
# The search pages by position (pageToken) through listings sorted by lastUpdatedDate: a listing
# updated while a sweep pages moves to the end, and the listings behind it move up into pages
# already read, so one of them can be skipped. The cursor never passes "now" less this margin,
# so the next sweep reads again what changed meanwhile (the item ledger keeps it from being
# sent twice); it also covers a clock that differs from Amazon's.
CURSOR_MARGIN = timedelta(minutes=2)
KILOGRAMS_PER = {
    "kilograms": Decimal(1),
    "grams": Decimal("0.001"),
    "pounds": Decimal("0.45359237"),
    "ounces": Decimal("0.028349523125"),
}
CENTIMETERS_PER = {
    "centimeters": Decimal(1),
    "millimeters": Decimal("0.1"),
    "inches": Decimal("2.54"),
}
WEIGHTS = ("item_package_weight", "item_weight")
DIMENSIONS = ("item_package_dimensions", "item_dimensions")
SIDES = ("length", "width", "height")
GRAM = Decimal("0.001")
MILLIMETRE = Decimal("0.1")


class _Listing:
    """One item of the search, read for one marketplace; errors name the SKU and field."""

    def __init__(self, sku: str, item: dict[str, Any], marketplace_id: str) -> None:
        self.sku = sku
        self.item = item
        self.marketplace_id = marketplace_id

    def fail(self, problem: str) -> AmazonBadResponse:
        return AmazonBadResponse(OPERATION, f"listing {self.sku}: {problem}")

    def summary(self) -> dict[str, Any]:
        summaries = self.item.get("summaries")
        if not isinstance(summaries, list):
            raise self.fail("no summaries")
        for summary in summaries:
            if isinstance(summary, dict) and summary.get("marketplaceId") == self.marketplace_id:
                return summary
        raise self.fail(f"no summary for marketplace {self.marketplace_id}")

    def entry(self, name: str) -> dict[str, Any] | None:
        """The attribute's entry for the marketplace (else its first): a physical figure is
        the same wherever the item is sold."""
        attributes = self.item.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise self.fail("attributes is not an object")
        entries = attributes.get(name)
        if entries is None:
            return None
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise self.fail(f"{name} is not a list of objects")
        mine = [e for e in entries if e.get("marketplace_id") == self.marketplace_id]
        return (mine or entries or [None])[0]

    def measure(
        self, name: str, value: object, units: dict[str, Decimal], step: Decimal
    ) -> Decimal:
        if not isinstance(value, dict):
            raise self.fail(f"{name} is not an object")
        unit, number = value.get("unit"), value.get("value")
        if unit not in units:
            raise self.fail(f"{name}.unit is not one of {', '.join(units)}")
        if isinstance(number, bool) or not isinstance(number, int | float | str):
            raise self.fail(f"{name}.value is not a number")
        try:
            amount = Decimal(str(number))
        except InvalidOperation:
            raise self.fail(f"{name}.value is not a number") from None
        if not amount.is_finite() or amount < 0:
            raise self.fail(f"{name}.value is not a non-negative number")
        return (amount * units[str(unit)]).quantize(step)

    def weight_kg(self) -> Decimal | None:
        for name in WEIGHTS:
            entry = self.entry(name)
            if entry is not None:
                return self.measure(name, entry, KILOGRAMS_PER, GRAM)
        return None

    def dimensions_cm(self) -> tuple[Decimal, Decimal, Decimal] | None:
        for name in DIMENSIONS:
            entry = self.entry(name)
            if entry is not None:
                length, width, height = (
                    self.measure(f"{name}.{side}", entry.get(side), CENTIMETERS_PER, MILLIMETRE)
                    for side in SIDES
                )
                return length, width, height
        return None

    def identifiers(self) -> tuple[str | None, str | None]:
        """(EAN, UPC) from `externally_assigned_product_identifier`, unverified: only a
        well-formed value of a known type is taken."""
        attributes = self.item.get("attributes")
        entries = attributes.get("externally_assigned_product_identifier") if attributes else None
        ean = upc = None
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            kind, value = str(entry.get("type", "")).lower(), entry.get("value")
            if not isinstance(value, str) or not value.isdigit():
                continue
            if kind == "upc" and len(value) == 12:
                upc = upc or value
            elif kind in ("ean", "gtin") and len(value) in (8, 12, 13, 14):
                ean = ean or value
        return ean, upc

    def country_of_origin(self) -> str | None:
        """`country_of_origin`, unverified: an ISO alpha-2 code or nothing."""
        try:
            entry = self.entry("country_of_origin")
        except AmazonBadResponse:
            return None
        value = entry.get("value") if entry else None
        if isinstance(value, str) and len(value) == 2 and value.isalpha():
            return value.upper()
        return None

    def name(self, summary: dict[str, Any]) -> str:
        title = summary.get("itemName")
        if isinstance(title, str) and title.strip():
            return title.strip()
        entry = self.entry("item_name")
        value = entry.get("value") if entry else None
        return value.strip() if isinstance(value, str) and value.strip() else self.sku

    def product(self) -> ChannelProduct:
        summary = self.summary()
        updated = summary.get("lastUpdatedDate")
        if not isinstance(updated, str):
            raise self.fail("summary has no lastUpdatedDate")
        try:
            updated_at = parse_utc(updated)
        except ValueError:
            raise self.fail("lastUpdatedDate is not ISO 8601") from None
        ean, upc = self.identifiers()
        dimensions = self.dimensions_cm()
        length, width, height = dimensions if dimensions else (None, None, None)
        return ChannelProduct(
            sku=self.sku,
            name=self.name(summary),
            ean=ean,
            upc=upc,
            country_of_origin=self.country_of_origin(),
            weight_kg=self.weight_kg(),
            length_cm=length,
            width_cm=width,
            height_cm=height,
            active=True,
            updated_at=updated_at,
        )


def read_listing(item: object, marketplace_id: str) -> ChannelProduct:
    """One searchListingsItems / getListingsItem item (summaries and attributes) as the
    product GXO's item master gets."""
    if not isinstance(item, dict) or not isinstance(item.get("sku"), str) or not item["sku"]:
        raise AmazonBadResponse(OPERATION, "a listings item has no sku")
    return _Listing(item["sku"], item, marketplace_id).product()


class AmazonProducts:
    """The product port of an Amazon seller (integrations/channel.py ProductPort): its
    listings in one marketplace, oldest change first."""

    def __init__(
        self,
        api: SpApiClient,
        seller_id: str,
        marketplace_id: str,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.api = api
        self.seller_id = seller_id
        self.marketplace_id = marketplace_id
        self.page_size = page_size
        self.clock = clock

    async def products_changed(
        self, since: datetime | None, page: int, token: str | None = None
    ) -> ProductPage:
        params: dict[str, Any] = {
            "marketplaceIds": [self.marketplace_id],
            "includedData": ["summaries", "attributes"],
            "pageSize": self.page_size,
            "sortBy": "lastUpdatedDate",
            "sortOrder": "ASC",
        }
        if since is not None:
            params["lastUpdatedAfter"] = format_utc(since)
        if token is not None:
            params["pageToken"] = token
        answer = await self.api.request(
            OPERATION, "GET", f"{API_ROOT}/{quote(self.seller_id, safe='')}", params=params
        )
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise AmazonBadResponse(OPERATION, "search results carry no items")
        products: list[ChannelProduct] = []
        set_aside: list[SetAsideRecord] = []
        for item in items:
            try:
                products.append(read_listing(item, self.marketplace_id))
            except AmazonBadResponse as err:
                set_aside.append(self._set_aside(item, err))
        pagination = answer.get("pagination") or {}
        next_token = pagination.get("nextToken") if isinstance(pagination, dict) else None
        complete = not (isinstance(next_token, str) and next_token)
        newest = max((p.updated_at for p in products), default=None)
        if newest is not None:
            newest = min(newest, self.clock() - CURSOR_MARGIN)
        return ProductPage(
            products=products,
            cursor=newest,
            complete=complete,
            page=None if complete else page + 1,
            token=None if complete else next_token,
            set_aside=set_aside,
        )

    def _set_aside(self, item: object, err: AmazonBadResponse) -> SetAsideRecord:
        """A listing consign cannot read (a unit or shape it does not know): kept as received,
        never guessed at and never sent; the listings around it go on. It is read again when
        the seller changes it (its lastUpdatedDate moves)."""
        raw = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        sku = item.get("sku") if isinstance(item, dict) else None
        summaries = item.get("summaries") if isinstance(item, dict) else None
        updated = next(
            (
                s.get("lastUpdatedDate")
                for s in summaries or []
                if isinstance(s, dict) and s.get("marketplaceId") == self.marketplace_id
            ),
            None,
        )
        own = f"{sku}@{updated}" if isinstance(sku, str) and isinstance(updated, str) else sku
        return SetAsideRecord(
            system=SYSTEM,
            feed=SetAsideFeed.PRODUCTS,
            scope=self.seller_id,
            record_id=record_id(own, raw),
            reason=SetAsideReason.MALFORMED,
            detail=err.message,
            raw=raw,
        )
