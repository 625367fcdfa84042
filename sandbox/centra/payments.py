"""Payment history and captures, as Centra's DTC guide describes them.

A synchronous provider answers a capture at once: CAPTURE/SUCCESS (the shipment is captured and
paid) or, when it declines, CAPTURE_FAILED/FAILED. Adyen and Klarna capture asynchronously: the
capture writes CAPTURE_REQUEST/PENDING and the provider's webhook settles it later, which can
take days and can fail. Centra does not document how a settlement shows in the history or what
`isCaptured` shows meanwhile; the sandbox's choice: the request's own status turns SUCCESS or
FAILED, an entry of type CAPTURE or CAPTURE_FAILED records the outcome, and the shipment is not
captured (nor paid) until the request succeeds."""

from __future__ import annotations

import json
from datetime import datetime

from sandbox.centra.records import Order, PaymentEntry, PaymentFlow, Return, Shipment

DECLINED = json.dumps({"resultCode": "Refused", "refusalReason": "Declined by the issuer"})


def shipment_value(order: Order, shipment: Shipment) -> float:
    total = 0.0
    for shipment_line in shipment.lines:
        line = order.line(shipment_line.order_line_id)
        if line is not None:
            total += line.unit_price * shipment_line.quantity
    return round(total, 2)


def return_value(order: Order, record: Return) -> float:
    """The returned units at their order lines' unit prices."""
    total = 0.0
    for return_line in record.lines:
        for shipment in order.shipments:
            for shipment_line in shipment.lines:
                if shipment_line.id == return_line.shipment_line_id:
                    line = order.line(shipment_line.order_line_id)
                    total += (line.unit_price if line else 0.0) * return_line.quantity
    return round(total, 2)


def order_value(order: Order) -> float:
    return round(sum(line.unit_price * line.ordered for line in order.lines), 2)


def entry(
    order: Order,
    entry_id: int,
    now: datetime,
    entry_type: str,
    status: str,
    value: float,
    shipment_id: int | None = None,
    params: str | None = None,
) -> PaymentEntry:
    record = PaymentEntry(
        id=entry_id,
        order_number=order.number,
        created_at=now,
        entry_type=entry_type,
        status=status,
        value=value,
        currency=order.currency,
        external_reference=f"psp-{order.id[:12]}",  # Centra: often equal to the AUTH's
        payment_method=order.payment_method,
        params_json=params,
        shipment_id=shipment_id,
    )
    order.payments.append(record)
    return record


def mark_captured(shipment: Shipment, now: datetime) -> None:
    shipment.captured = True
    shipment.captured_at = now
    shipment.is_paid = True
    shipment.paid_at = now


def capture(order: Order, shipment: Shipment, entry_id: int, now: datetime) -> PaymentEntry:
    """Ask the provider to capture the shipment's value; the entry says what happened. A
    second capture of a shipment whose request is still pending is another request: the
    double capture consign must never send."""
    value = shipment_value(order, shipment)
    if order.payment_flow is PaymentFlow.ASYNCHRONOUS:
        return entry(order, entry_id, now, "CAPTURE_REQUEST", "PENDING", value, shipment.id)
    if order.capture_fails:
        return entry(order, entry_id, now, "CAPTURE_FAILED", "FAILED", value, shipment.id, DECLINED)
    mark_captured(shipment, now)
    return entry(order, entry_id, now, "CAPTURE", "SUCCESS", value, shipment.id)


def settle(
    order: Order, request: PaymentEntry, success: bool, entry_id: int, now: datetime
) -> PaymentEntry:
    """The provider's webhook for an asynchronous capture."""
    shipment = order.shipment(request.shipment_id or 0)
    request.status = "SUCCESS" if success else "FAILED"
    if success and shipment is not None:
        mark_captured(shipment, now)
        return entry(order, entry_id, now, "CAPTURE", "SUCCESS", request.value, shipment.id)
    return entry(
        order, entry_id, now, "CAPTURE_FAILED", "FAILED", request.value, request.shipment_id
    )
