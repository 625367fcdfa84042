"""Centra's product master as consign reads it: every size of every product (a SKU) with the
data GXO's item master needs. Centra's ProductFilter has no updatedAt, so a delta is a sweep
sorted newest change first (`updatedAt_DESC`) that stops at the first product older than the
cursor (reference/centra: PIM guide "Fetching products"; README gotcha 10)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.products import ChannelProduct, ProductPage
from integrations.centra.client import CentraClient
from integrations.centra.documents import PRODUCTS_CHANGED
from integrations.centra.wire import Wire
from integrations.wire import Json

OPERATION = "ProductsChanged"
PAGE_SIZE = 50
POUNDS_TO_KG = Decimal("0.45359237")


def _kilograms(wire: Wire, data: Json, key: str) -> Decimal | None:
    weight = data.get(key)
    if weight is None:
        return None
    if not isinstance(weight, dict):
        raise wire.fail(f"{key} is not an object")
    value = wire.decimal(weight, "value")
    if value is None:
        return None
    unit = wire.text(weight, "unit")
    if unit not in ("KILOGRAMS", "POUNDS"):
        raise wire.fail(f"{key}.unit is not KILOGRAMS or POUNDS")
    return value if unit == "KILOGRAMS" else (value * POUNDS_TO_KG).quantize(Decimal("0.001"))


def _sizes(product: Json, updated_at: datetime) -> list[ChannelProduct]:
    """One ChannelProduct per size; a SKU is active only when its product, variant and size
    are. A size's weight beats its product's; Centra has no dimensions we can read."""
    wire = Wire(OPERATION, f"product {product.get('id')}")
    origin = product.get("countryOfOrigin")
    country = wire.text(origin, "code") if isinstance(origin, dict) else None
    product_active = wire.required_text(product, "status") == "ACTIVE"
    product_weight = _kilograms(wire, product, "weight")
    found: list[ChannelProduct] = []
    for variant in wire.objects(product, "variants"):
        variant_active = wire.text(variant, "status") == "ACTIVE"
        for size in wire.objects(variant, "productSizes"):
            sku = wire.text(size, "SKU")
            if sku is None:
                raise wire.fail("a size has no SKU")
            label = wire.text(size, "description")
            name = wire.text(variant, "name") or wire.required_text(product, "name")
            found.append(
                ChannelProduct(
                    sku=sku,
                    name=f"{name} {label}" if label else name,
                    ean=wire.text(size, "EAN"),
                    upc=wire.text(size, "UPC"),
                    hs_code=wire.text(product, "harmonizedCommodityCode"),
                    hs_description=wire.text(product, "harmonizedCommodityCodeDescription"),
                    country_of_origin=country,
                    weight_kg=_kilograms(wire, size, "weight") or product_weight,
                    active=product_active and variant_active and wire.flag(size, "isActive"),
                    updated_at=updated_at,
                )
            )
    return found


class CentraProducts:
    """The product port of a Centra store (integrations/channel.py ProductPort)."""

    def __init__(self, client: CentraClient, page_size: int = PAGE_SIZE) -> None:
        self.client = client
        self.page_size = page_size

    async def products_changed(
        self, since: datetime | None, page: int, token: str | None = None
    ) -> ProductPage:
        """Centra pages by number: `token` is never set."""
        data = await self.client.execute(
            PRODUCTS_CHANGED, {"limit": self.page_size, "page": page}, OPERATION
        )
        wire = Wire(OPERATION, "response")
        products = wire.objects(data, "products")
        changed: list[ChannelProduct] = []
        newest: datetime | None = None
        reached_older = False
        for product in products:
            updated_at = Wire(OPERATION, "product").time(product, "updatedAt")
            # At the cursor itself too: two changes in one second must not hide each other.
            if since is not None and updated_at < since:
                reached_older = True
                break
            newest = max(newest, updated_at) if newest else updated_at
            changed += _sizes(product, updated_at)
        complete = reached_older or len(products) < self.page_size
        return ProductPage(
            products=changed,
            cursor=newest,
            complete=complete,
            page=None if complete else page + 1,
        )
