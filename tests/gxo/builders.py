"""Warehouse orders for tests, valid unless a test breaks them on purpose."""

from __future__ import annotations

from decimal import Decimal

import httpx

from domain.order import ShipTo
from domain.warehouse import CustomsInfo, WarehouseOrder, WarehouseOrderLine
from integrations.registry import Channel
from sandbox.gxo.catalogue import RM_TRACKED_48, UK_DAVENTRY

CUSTOMS = CustomsInfo(
    hs_code="620193",
    country_of_origin="PT",
    description="Jacket",
    unit_value=Decimal("40.00"),
    currency="GBP",
)


def ship_to(country: str = "GB", postal_code: str | None = "NN11 8UH") -> ShipTo:
    return ShipTo(
        name="Test Buyer",
        line1="1 Test Street",
        city="Daventry" if country == "GB" else "Testville",
        postal_code=postal_code,
        country_code=country,
    )


def order(
    reference: str,
    lines: list[tuple[str, int]] | None = None,
    *,
    facility_id: str = UK_DAVENTRY,
    carrier: str = RM_TRACKED_48,
    country: str = "GB",
    postal_code: str | None = "NN11 8UH",
    customs: bool = False,
) -> WarehouseOrder:
    return WarehouseOrder(
        facility_id=facility_id,
        reference=reference,
        channel=Channel.AMAZON,
        account="A1SANDBOXSELLER",
        carrier_service_code=carrier,
        ship_to=ship_to(country, postal_code),
        lines=[
            WarehouseOrderLine(
                line_number=number,
                item_code=item,
                quantity=quantity,
                channel_line_id=f"{reference}-L{number}",
                customs=CUSTOMS if customs else None,
            )
            for number, (item, quantity) in enumerate(lines or [("GXO-100001", 1)], start=1)
        ],
    )


async def cycle(http: httpx.AsyncClient) -> list[dict[str, object]]:
    """Run one warehouse cycle through the admin API; returns the emitted events."""
    response = await http.post("/_sandbox/cycle")
    response.raise_for_status()
    events: list[dict[str, object]] = response.json()
    return events
