"""Product master data on its way from the channel that masters it to GXO's item
master, and the rules that decide what GXO is sent: the item code, the record per facility,
and whether what GXO holds already matches (delta-first, by digest)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.mapping import SkuMapping
from domain.setaside import SetAsideRecord

DESCRIPTION_MAX_LENGTH = 80  # GXO's item description (888 G53 / LIN description)


class ChannelProduct(BaseModel):
    """One sellable size of a product as the product master has it (a SKU)."""

    sku: str = Field(min_length=1)
    name: str
    ean: str | None = None
    upc: str | None = None
    hs_code: str | None = None
    hs_description: str | None = None
    country_of_origin: str | None = None
    weight_kg: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    active: bool = True
    updated_at: datetime


class ProductPage(BaseModel):
    """Products changed since a cursor; `cursor` is where the next read starts."""

    products: list[ChannelProduct] = Field(default_factory=list)
    cursor: datetime | None = None
    complete: bool = True  # False: more pages wait (the next read continues the sweep)
    page: int | None = None  # the sweep's next page when not complete
    token: str | None = None  # the channel's own token for that page, where it pages by token
    # Records the reader could not read, as received (the read activity stores them and
    # hands on only `unreadable`, their summaries): the records around them flow.
    set_aside: list[SetAsideRecord] = Field(default_factory=list)
    unreadable: list[str] = Field(default_factory=list)


class ItemStatus(StrEnum):
    """An item master record's state at one GXO facility."""

    PENDING = "PENDING"  # GXO has it, the WMS has not loaded it yet
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    REJECTED = "REJECTED"


class LedgerState(StrEnum):
    """What consign knows of an item master record it sent (store.products)."""

    SENT = "SENT"  # GXO has it, not loaded yet (PENDING) or its answer was not read yet
    ACCEPTED = "ACCEPTED"  # GXO holds this very record (ACTIVE or INACTIVE)
    REJECTED = "REJECTED"  # GXO refused it; `detail` says why


class ProductSyncPolicy(BaseModel):
    """A channel account's product sync, from its module's settings."""

    interval_minutes: float = Field(default=15, gt=0)
    item_codes_from_products: bool = False
    since: datetime | None = None  # the first sweep's cursor: older products are in GXO already


class ItemRecord(BaseModel):
    """What consign sends GXO for one item at one facility (X12 888 item maintenance)."""

    facility_id: str
    item_code: str
    description: str
    sku: str
    ean: str | None = None
    upc: str | None = None
    hs_code: str | None = None
    country_of_origin: str | None = None
    weight_kg: Decimal | None = None
    active: bool = True
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None

    def digest(self) -> str:
        """Stable over equal records: the ledger compares it to skip unchanged items. Fields
        added since records were first sent count only when set, so a record sent before
        them keeps its digest (and is not sent again for nothing)."""
        unset = {name for name in LATER_FIELDS if getattr(self, name) is None}
        return hashlib.sha256(self.model_dump_json(exclude=unset).encode()).hexdigest()[:32]


LATER_FIELDS = ("length_cm", "width_cm", "height_cm")


class ItemState(BaseModel):
    """GXO's answer about one item at one facility."""

    facility_id: str
    item_code: str
    status: ItemStatus
    revision: int = 0
    rejection: str | None = None  # GXO's message when it refused the record


def item_code_for(sku: str, mapping: SkuMapping | None, from_products: bool) -> str | None:
    """A hand-kept mapping wins; otherwise, when the brand lets product data provide the
    mappings, GXO's item code is the SKU itself; otherwise the SKU is not sent (unmapped)."""
    if mapping is not None:
        return mapping.item_code
    return sku if from_products else None


def item_record(
    product: ChannelProduct, facility_id: str, item_code: str, mapping: SkuMapping | None = None
) -> ItemRecord:
    """The product master's data; customs data it lacks (a channel's listing may carry no HS
    code) comes from the SKU's mapping (`consign mappings`)."""
    return ItemRecord(
        facility_id=facility_id,
        item_code=item_code,
        description=product.name[:DESCRIPTION_MAX_LENGTH],
        sku=product.sku,
        ean=product.ean or (mapping.gtin if mapping else None),
        upc=product.upc,
        hs_code=product.hs_code or (mapping.hs_code if mapping else None),
        country_of_origin=product.country_of_origin
        or (mapping.country_of_origin if mapping else None),
        weight_kg=product.weight_kg,
        active=product.active,
        length_cm=product.length_cm,
        width_cm=product.width_cm,
        height_cm=product.height_cm,
    )


def missing_for_warehouse(product: ChannelProduct) -> list[str]:
    """What GXO's item create takes, the warehouse needs (carrier rating, slotting) and the
    product master did not give: GXO accepts the record without it (docs/gxo-interface.md),
    so it is a finding for operations, never a refusal. Dimensions are not listed: a product
    master may hold none at all, and every one of its SKUs would be one."""
    return ["weight"] if product.weight_kg is None else []


def held_elsewhere(
    product: ChannelProduct,
    item_code: str,
    mappings: list[SkuMapping],
    ledger: list[tuple[str, str, str]],
    masters: set[str],
) -> bool:
    """Whether a channel that masters product data (`masters`) already has this SKU or item
    code, by its SKU mappings or its rows in the item ledger ((channel, sku, item code)):
    then that channel's record is what GXO gets, and a channel that only fills the gaps
    (a marketplace's listings beside the brand's PIM) leaves it alone."""
    return any(
        m.channel in masters and (m.sku == product.sku or m.item_code == item_code)
        for m in mappings
    ) or any(
        channel in masters and (sku == product.sku or code == item_code)
        for channel, sku, code in ledger
    )


def mapping_from_product(
    product: ChannelProduct, channel: str, item_code: str, kept: SkuMapping | None
) -> SkuMapping:
    """The SKU's mapping with its customs data taken from the product master; what the master
    does not hold (a customs value; a listing's HS code) is kept from the existing row."""
    return SkuMapping(
        channel=channel,
        sku=product.sku,
        item_code=item_code,
        gtin=product.ean or (kept.gtin if kept else None),
        hs_code=product.hs_code or (kept.hs_code if kept else None),
        country_of_origin=product.country_of_origin or (kept.country_of_origin if kept else None),
        customs_description=(product.hs_description or product.name)[:DESCRIPTION_MAX_LENGTH],
        customs_value=kept.customs_value if kept else None,
        customs_currency=kept.customs_currency if kept else None,
    )
