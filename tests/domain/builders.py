"""Small builders for domain tests: valid defaults, override only what a test is about."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.mapping import CarrierServiceMapping, FacilityRule, MappingSet, SkuMapping
from domain.order import ChannelOrder, ChannelOrderStatus, FulfilledBy, OrderLine, OrderRef, ShipTo
from domain.warehouse import Parcel, ParcelLine
from integrations.registry import Channel

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def ref(order_id: str = "111-0000001-0000001", channel: Channel = Channel.AMAZON) -> OrderRef:
    return OrderRef(channel=channel, account="eu-main", order_id=order_id)


def ship_to(country: str = "GB") -> ShipTo:
    return ShipTo(name="A Person", line1="1 High St", city="London", country_code=country)


def line(
    line_id: str, sku: str, quantity: int = 1, shipped: int = 0, cancelled: int = 0
) -> OrderLine:
    return OrderLine(
        line_id=line_id,
        sku=sku,
        quantity=quantity,
        quantity_shipped=shipped,
        quantity_cancelled=cancelled,
    )


def order(
    lines: list[OrderLine] | None = None,
    *,
    country: str | None = "GB",
    channel: Channel = Channel.AMAZON,
    marketplace_id: str | None = "A1F83G8C2ARO7P",
    ship_service_level: str | None = "STANDARD",
    ship_by: datetime | None = T0,
    **extra: Any,
) -> ChannelOrder:
    return ChannelOrder(
        ref=ref(channel=channel),
        status=ChannelOrderStatus.READY,
        fulfilled_by=FulfilledBy.MERCHANT,
        marketplace_id=marketplace_id,
        ship_service_level=ship_service_level,
        created_at=T0,
        last_updated_at=T0,
        ship_by=ship_by,
        ship_to=ship_to(country) if country is not None else None,
        lines=lines if lines is not None else [line("L1", "SKU-A")],
        **extra,
    )


def sku(
    sku_: str,
    item_code: str | None = None,
    *,
    channel: Channel = Channel.AMAZON,
    customs: bool = True,
    **overrides: Any,
) -> SkuMapping:
    fields: dict[str, Any] = {
        "channel": channel,
        "sku": sku_,
        "item_code": item_code or f"ITEM-{sku_}",
    }
    if customs:
        fields |= {
            "hs_code": "6109100010",
            "country_of_origin": "PT",
            "customs_description": "Cotton T-shirt",
            "customs_value": Decimal("12.50"),
            "customs_currency": "GBP",
        }
    fields |= overrides
    return SkuMapping(**fields)


def mappings(
    skus: list[SkuMapping] | None = None,
    *,
    rules: list[FacilityRule] | None = None,
    services: list[CarrierServiceMapping] | None = None,
) -> MappingSet:
    return MappingSet(
        skus=skus if skus is not None else [sku("SKU-A"), sku("SKU-B"), sku("SKU-C")],
        facility_rules=rules
        if rules is not None
        else [FacilityRule(facility_id="GXO-UK1", domestic_countries="GB")],
        carrier_services=services
        if services is not None
        else [
            CarrierServiceMapping(
                channel=Channel.AMAZON, ship_service_level="STANDARD", carrier_service_code="RM48"
            )
        ],
    )


def parcel(parcel_id: str, *quantities: tuple[str, int]) -> Parcel:
    return Parcel(
        parcel_id=parcel_id,
        tracking_number=f"TRK-{parcel_id}",
        carrier_service_code="RM48",
        shipped_at=T0,
        lines=[
            ParcelLine(line_number=n, item_code=f"ITEM-{lid}", channel_line_id=lid, quantity=q)
            for n, (lid, q) in enumerate(quantities, start=1)
        ],
    )
