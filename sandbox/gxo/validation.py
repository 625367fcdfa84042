"""Synchronous inject checks (422): what GXO's order gateway refuses before accepting a 940."""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.gxo.catalogue import POSTAL_CODE_OPTIONAL, Catalogue, Facility
from sandbox.gxo.items import ItemMaster
from sandbox.gxo.wire import Rejection, RejectionCode, ShippingOrder


def check_quantities(payload: Mapping[str, object]) -> Rejection | None:
    """Runs on the raw body, before schema validation, so a zero or fractional quantity is a
    business rejection (INVALID_QUANTITY) rather than a malformed request."""
    lines = payload.get("lines")
    if not isinstance(lines, list) or not lines:
        return Rejection(code=RejectionCode.INVALID_QUANTITY, message="order has no lines")
    for line in lines:
        if not isinstance(line, Mapping):
            continue
        quantity = line.get("quantity")
        number = line.get("line_number")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            return Rejection(
                code=RejectionCode.INVALID_QUANTITY,
                message="quantity must be a whole number of units, at least 1",
                line_number=number if isinstance(number, int) else None,
            )
    return None


def _check_address(order: ShippingOrder) -> Rejection | None:
    ship_to = order.ship_to
    missing = [
        name
        for name, value in (
            ("name", ship_to.name),
            ("line1", ship_to.line1),
            ("city", ship_to.city),
        )
        if not value.strip()
    ]
    needs_postal = ship_to.country_code.upper() not in POSTAL_CODE_OPTIONAL
    if needs_postal and not (ship_to.postal_code or "").strip():
        missing.append("postal_code")
    if missing:
        return Rejection(
            code=RejectionCode.INVALID_ADDRESS,
            message=f"ship-to is missing {', '.join(missing)} for {ship_to.country_code}",
        )
    return None


def _check_carrier(
    order: ShippingOrder, facility: Facility, catalogue: Catalogue
) -> Rejection | None:
    code = order.carrier_service_code
    service = catalogue.carrier_services.get(code)
    if service is None or code not in facility.carrier_services:
        return Rejection(
            code=RejectionCode.UNKNOWN_CARRIER_SERVICE,
            message=f"carrier service {code} is not set up at {facility.facility_id}",
        )
    country = order.ship_to.country_code.upper()
    if service.destinations is not None and country not in service.destinations:
        return Rejection(
            code=RejectionCode.UNKNOWN_CARRIER_SERVICE,
            message=f"carrier service {code} does not deliver to {country}",
        )
    return None


def is_international(order: ShippingOrder, facility: Facility) -> bool:
    """Customs data is needed when consign says so or the destination is outside the zone."""
    country = order.ship_to.country_code.upper()
    return order.is_international or country not in facility.customs_free_countries


def _check_lines(order: ShippingOrder, facility: Facility, items: ItemMaster) -> Rejection | None:
    international = is_international(order, facility)
    for line in order.lines:
        fid = facility.facility_id
        if not items.orderable(fid, line.item_code):
            return Rejection(
                code=RejectionCode.UNKNOWN_ITEM,
                message=f"item {line.item_code} is {items.describe(fid, line.item_code)} at {fid}",
                line_number=line.line_number,
            )
        if international and line.customs is None:
            return Rejection(
                code=RejectionCode.MISSING_CUSTOMS_DATA,
                message="international order line has no customs data",
                line_number=line.line_number,
            )
    return None


def validate(order: ShippingOrder, catalogue: Catalogue, items: ItemMaster) -> Rejection | None:
    """The first problem found, in the order GXO's gateway checks them."""
    facility = catalogue.facilities.get(order.facility_id)
    if facility is None:
        return Rejection(
            code=RejectionCode.UNKNOWN_FACILITY, message=f"unknown facility {order.facility_id}"
        )
    return (
        _check_carrier(order, facility, catalogue)
        or _check_address(order)
        or _check_lines(order, facility, items)
    )


def duplicate_line_numbers(order: ShippingOrder) -> list[int]:
    """LX numbers must be unique: dispatches refer back to lines by them."""
    seen: set[int] = set()
    duplicates: list[int] = []
    for line in order.lines:
        if line.line_number in seen:
            duplicates.append(line.line_number)
        seen.add(line.line_number)
    return duplicates
