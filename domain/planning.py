"""Turns a channel order into the warehouse order GXO will ship: the fulfilment plan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from domain.exceptions import ConsignError, ExceptionKind
from domain.limits import IntakeLimits
from domain.mapping import CarrierCodeMapping, MappingSet, SkuMapping
from domain.order import Channel, ChannelOrder, OrderLine
from domain.routing import is_international, route_facility
from domain.warehouse import (
    CustomsInfo,
    WarehouseOrder,
    WarehouseOrderLine,
    warehouse_reference,
)


def _check_lines(order: ChannelOrder, limits: IntakeLimits) -> None:
    """One channel line id twice would be injected and shipped twice; a line beyond the
    limit would be picked without a question."""
    counts = Counter(line.line_id for line in order.lines)
    repeated = sorted(line_id for line_id, n in counts.items() if n > 1)
    if repeated:
        raise ConsignError(
            ExceptionKind.DUPLICATE_ORDER_LINE,
            f"the order carries line id(s) {', '.join(repeated)} more than once",
        )
    outsized = [line for line in order.lines if _open_quantity(line) > limits.max_units_per_line]
    if outsized:
        detail = ", ".join(f"line {line.line_id}: {_open_quantity(line)}" for line in outsized)
        raise ConsignError(
            ExceptionKind.QUANTITY_OUT_OF_RANGE,
            f"units above the limit of {limits.max_units_per_line} per line "
            f"(CONSIGN_MAX_UNITS_PER_LINE): {detail}",
        )


def _open_quantity(line: OrderLine) -> int:
    """What the warehouse still has to ship: ordered less cancelled less already shipped."""
    return line.quantity - line.quantity_cancelled - line.quantity_shipped


def _mapped(mapping: SkuMapping | None) -> SkuMapping:
    assert mapping is not None  # unmapped lines were refused above
    return mapping


def _customs(mapping: SkuMapping) -> CustomsInfo:
    if not (
        mapping.hs_code
        and mapping.country_of_origin
        and mapping.customs_description
        and mapping.customs_value is not None
        and mapping.customs_currency
    ):
        raise ConsignError(
            ExceptionKind.MISSING_CUSTOMS_DATA,
            f"SKU {mapping.sku} ships internationally but its mapping lacks HS code, "
            "country of origin, customs description or value",
        )
    return CustomsInfo(
        hs_code=mapping.hs_code,
        country_of_origin=mapping.country_of_origin,
        description=mapping.customs_description,
        unit_value=mapping.customs_value,
        currency=mapping.customs_currency,
    )


def _carrier_service(order: ChannelOrder, mappings: MappingSet, international: bool) -> str | None:
    wanted = "international" if international else "domestic"
    candidates = [
        m
        for m in mappings.carrier_services
        if m.channel == order.ref.channel
        and m.ship_service_level == order.ship_service_level
        and m.destination in (wanted, "any")
    ]
    candidates.sort(key=lambda m: m.destination != wanted)
    return candidates[0].carrier_service_code if candidates else None


def _confirmable(order: ChannelOrder, open_lines: list[OrderLine]) -> None:
    """Refuse, before the warehouse sees it, an order consign could ship but never confirm."""
    if order.channel_label_required:
        raise ConsignError(
            ExceptionKind.CHANNEL_LABEL_REQUIRED,
            f"{order.ref.channel} accepts this order only on a shipping label bought from "
            "it, and refuses a seller's ship confirmation",
        )
    coded = sorted({line.sku for line in open_lines if line.transparency_codes_required})
    if coded:
        raise ConsignError(
            ExceptionKind.TRANSPARENCY_CODES_REQUIRED,
            f"SKU(s) {', '.join(coded)} must be confirmed with a Transparency code per unit, "
            "which the warehouse does not report",
        )


def _mapping_lookup(
    order: ChannelOrder, mappings: MappingSet
) -> Callable[[OrderLine], SkuMapping | None]:
    """A line's SKU mapping for the order's channel, by SKU or else by GTIN."""
    channel = order.ref.channel
    by_sku = {m.sku: m for m in mappings.skus if m.channel == channel}
    by_gtin = {m.gtin: m for m in mappings.skus if m.channel == channel and m.gtin}

    def mapping_for(line: OrderLine) -> SkuMapping | None:
        return by_sku.get(line.sku) or (by_gtin.get(line.gtin) if line.gtin else None)

    return mapping_for


def unmapped_skus(order: ChannelOrder, mappings: MappingSet) -> list[str]:
    """The SKUs of the order's open lines with no mapping (UNMAPPED_SKU names them)."""
    mapping_for = _mapping_lookup(order, mappings)
    open_lines = [line for line in order.lines if _open_quantity(line) > 0]
    return sorted({line.sku for line in open_lines if mapping_for(line) is None})


def plan_warehouse_order(
    order: ChannelOrder, mappings: MappingSet, limits: IntakeLimits | None = None
) -> WarehouseOrder:
    """Check the lines, map SKUs, route the facility, pick the carrier service; raise
    ConsignError with the ExceptionKind a person must fix when anything is wrong or missing,
    or when the channel would refuse the ship confirmation whatever the warehouse does."""
    _check_lines(order, limits or IntakeLimits())
    if order.ship_to is None:
        raise ConsignError(ExceptionKind.MISSING_ADDRESS, "the order has no shipping address")
    channel = order.ref.channel
    mapping_for = _mapping_lookup(order, mappings)
    open_lines = [line for line in order.lines if _open_quantity(line) > 0]
    _confirmable(order, open_lines)
    unmapped = unmapped_skus(order, mappings)
    if unmapped:
        raise ConsignError(
            ExceptionKind.UNMAPPED_SKU, f"no GXO item code for SKU(s): {', '.join(unmapped)}"
        )
    facility = route_facility(order, mappings.facility_rules)
    international = is_international(order, facility)
    service = _carrier_service(order, mappings, international)
    if service is None:
        raise ConsignError(
            ExceptionKind.UNMAPPED_CARRIER,
            f"no GXO carrier service for {channel} shipping service {order.ship_service_level!r}",
        )
    lines = [
        WarehouseOrderLine(
            line_number=number,
            item_code=_mapped(mapping_for(line)).item_code,
            quantity=_open_quantity(line),
            channel_line_id=line.line_id,
            customs=_customs(_mapped(mapping_for(line))) if international else None,
        )
        for number, line in enumerate(open_lines, start=1)
    ]
    if not lines:
        raise ConsignError(ExceptionKind.UNKNOWN_ORDER_LINE, "the order has no open lines")
    return WarehouseOrder(
        facility_id=facility.facility_id,
        reference=warehouse_reference(order.ref),
        channel=channel,
        account=order.ref.account,
        channel_order_id=order.ref.order_id,
        carrier_service_code=service,
        ship_to=order.ship_to,
        ship_by=order.ship_by,
        is_international=international,
        lines=lines,
    )


def carrier_for_confirm(
    channel: Channel, carrier_service_code: str, mappings: list[CarrierCodeMapping]
) -> CarrierCodeMapping:
    """GXO carrier service code -> the channel's carrier code and shipping method."""
    for mapping in mappings:
        if mapping.channel == channel and mapping.carrier_service_code == carrier_service_code:
            return mapping
    raise ConsignError(
        ExceptionKind.UNMAPPED_CARRIER,
        f"GXO carrier service {carrier_service_code!r} has no {channel} carrier code",
    )
