"""Centra's orders as month-end compares them (domain/capture_differences.py): per order, its
shipments (completed or not, captured or paid, their value at the order lines' unit prices)
and its capture entries with the outcome each stands at (captures.outcomes: a CAPTURE_REQUEST
the provider settled carries the settlement's outcome; the result entry is not counted again).
Reads only: OrdersByNumber (unit prices, currency), OrderPaymentHistory and OrderShipments."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain.capture_differences import CaptureEntry, CaptureState, OrderPayments, ShipmentPayment
from integrations.centra import captures
from integrations.centra.orders import OrdersApi
from integrations.centra.wire import Json, Wire

BATCH = 50  # orders per by-number read


async def order_payments(orders: OrdersApi, numbers: Sequence[int]) -> list[OrderPayments]:
    """The orders among `numbers` that exist, in number order."""
    found: list[OrderPayments] = []
    wanted = sorted(set(numbers))
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        full = await orders.by_numbers(batch, "OrdersByNumber")
        paid = await orders.by_numbers(batch, "OrderPaymentHistory")
        for number in batch:
            if number not in full or number not in paid:
                continue
            order = full[number].order
            wire = Wire("OrderPayments", f"order {number}")
            shipments = await orders.shipments(wire.required_text(order, "id"))
            history = wire.objects(paid[number].order, "paymentHistory")
            found.append(_payments(wire, number, order, shipments, history))
    return found


def _payments(
    wire: Wire, number: int, order: Json, shipments: list[Json], history: list[Json]
) -> OrderPayments:
    prices: dict[int, Decimal] = {}
    for line in wire.objects(order, "lines"):
        price = wire.decimal(wire.obj(line, "unitPrice"), "value")
        prices[wire.integer(line, "id")] = price if price is not None else Decimal(0)
    entries = captures.entries(wire, history)
    outcomes = captures.outcomes(entries)
    created = {wire.integer(e, "id"): wire.time(e, "createdAt") for e in history}
    currency = wire.text(wire.obj(wire.obj(order, "grandTotal"), "currency"), "code") or ""
    return OrderPayments(
        order_id=str(number),
        currency=currency,
        shipments=tuple(_shipment(wire, s, prices) for s in shipments),
        captures=tuple(
            CaptureEntry(
                entry_id=str(entry.id),
                state=CaptureState(outcomes[entry.id]),
                value=entry.value or Decimal(0),
                at=created[entry.id],
            )
            for entry in entries
            if outcomes.get(entry.id) in CaptureState.__members__
        ),
    )


def _shipment(wire: Wire, shipment: Json, prices: dict[int, Decimal]) -> ShipmentPayment:
    value = Decimal(0)
    for line in wire.objects(shipment, "lines"):
        order_line = wire.integer(wire.obj(line, "orderLine"), "id")
        value += prices.get(order_line, Decimal(0)) * wire.integer(line, "quantity")
    return ShipmentPayment(
        shipment_id=str(wire.integer(shipment, "id")),
        shipped=wire.flag(shipment, "isShipped"),
        paid=wire.flag(shipment, "isCaptured") or wire.flag(shipment, "isPaid"),
        value=value.quantize(Decimal("0.01")),
    )
