"""Mapping records (mastered in the consign store) and the pure lookups over them."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from domain.order import Channel


class SkuMapping(BaseModel):
    """Channel SKU -> GXO item code, with the customs data international orders need. A line
    whose SKU has no mapping is matched on its GTIN when the mapping carries one (a WMS item
    master is often keyed on the EAN)."""

    channel: Channel
    sku: str
    item_code: str
    gtin: str | None = None
    hs_code: str | None = None
    country_of_origin: str | None = Field(default=None, min_length=2, max_length=2)
    customs_description: str | None = None
    customs_value: Decimal | None = None
    customs_currency: str | None = Field(default=None, min_length=3, max_length=3)


class FacilityRule(BaseModel):
    """Routes an order to a GXO Facility ID. Empty criteria match anything; the most specific
    matching rule wins (SKU beats destination beats marketplace), then the lowest priority."""

    facility_id: str
    channel: Channel | None = None
    marketplace_id: str | None = None
    destination_country: str | None = None
    sku: str | None = None
    priority: int = 100
    domestic_countries: str = ""  # space separated ISO codes the facility ships without customs


Destination = Literal["any", "domestic", "international"]


class CarrierServiceMapping(BaseModel):
    """Channel shipping service -> GXO carrier service code.

    A channel's key may be a service-level category (STANDARD, EXPEDITED, NEXT_DAY...), the
    one field every version of its orders API carries; `destination` lets one category map to
    a domestic and an international service. A domestic/international row beats an "any" row."""

    channel: Channel
    ship_service_level: str
    carrier_service_code: str
    destination: Destination = "any"


class CarrierCodeMapping(BaseModel):
    """GXO carrier service code -> what the channel's ship-confirm expects."""

    channel: Channel
    carrier_service_code: str
    carrier_code: str  # the channel's carrier code (from its list) or "Other"
    carrier_name: str | None = None  # required by some channels when carrier_code is "Other"
    shipping_method: str | None = None


class MappingSet(BaseModel):
    """Everything needed to plan one order: loaded from the store by an activity."""

    skus: list[SkuMapping] = Field(default_factory=list)
    facility_rules: list[FacilityRule] = Field(default_factory=list)
    carrier_services: list[CarrierServiceMapping] = Field(default_factory=list)
    carrier_codes: list[CarrierCodeMapping] = Field(default_factory=list)
