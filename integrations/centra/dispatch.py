"""The dispatch back to Centra for one parcel: create, pay, complete a shipment, each step
skipped when already done so a retry after a lost response never makes a second shipment and
never asks for a second capture.

Payment (CENTRA_CAPTURE_MODE capture): createShipment(capture: true) creates the shipment even
when the capture fails (a userWarning, isCaptured false), so the parcel is completed either way
and the capture's state is returned: CAPTURED, PENDING (Adyen and Klarna settle later; the order
workflow waits for it) or FAILED (the workflow parks the order as CAPTURE_FAILED). An unpaid
shipment found again is captured with captureShipment only when no capture request of it can
still be pending.

Confirmations of one order are sent one at a time (the order workflow serialises them); two
identical parcels in flight at once could otherwise both adopt the same uncompleted shipment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from domain.capture import CaptureState, PaymentCapture
from domain.exceptions import ConsignError, ExceptionKind
from domain.shipment import ShipConfirmation
from integrations.centra import captures, documents
from integrations.centra.client import CentraClient
from integrations.centra.errors import CentraBadResponse, CentraOrderNotFound, CentraUserErrors
from integrations.centra.orders import OrdersApi, datetimetz, shipped_units
from integrations.centra.settings import CaptureMode
from integrations.centra.wire import Json, Wire, to_utc

log = logging.getLogger(__name__)


def parcel_lines(confirmation: ShipConfirmation) -> dict[int, int]:
    """Units per Centra order line id; a line id that is not an integer is not Centra's."""
    totals: dict[int, int] = {}
    for item in confirmation.items:
        try:
            line_id = int(item.line_id)
        except ValueError:
            raise ConsignError(
                ExceptionKind.UNKNOWN_ORDER_LINE,
                f"parcel {confirmation.parcel_id} ships line {item.line_id}, "
                "which is not a Centra order line id",
            ) from None
        totals[line_id] = totals.get(line_id, 0) + item.quantity
    return totals


def find_existing(
    wire: Wire, shipments: list[Json], tracking: str, lines: dict[int, int]
) -> Json | None:
    """This parcel's shipment from an earlier attempt: it carries the tracking number (it was
    completed), or it is uncompleted with exactly these lines (it was created, then the
    response or a later step was lost)."""
    for shipment in shipments:
        if wire.text(shipment, "trackingNumber") == tracking:
            return shipment
    for shipment in shipments:
        if not wire.flag(shipment, "isShipped") and shipped_units(wire, [shipment]) == lines:
            return shipment
    return None


def _shipment(operation: str, payload: Json) -> Json:
    shipment = payload.get("shipment")
    if not isinstance(shipment, dict):
        raise CentraBadResponse(operation, "the payload carries no shipment")
    return shipment


class Dispatcher:
    def __init__(
        self,
        client: CentraClient,
        orders: OrdersApi,
        capture_mode: CaptureMode,
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.orders = orders
        self.capture_mode = capture_mode
        self.clock = clock

    async def confirm(self, confirmation: ShipConfirmation) -> PaymentCapture | None:
        """One completed shipment for the parcel; the capture's state, or None when consign
        does not capture (is_paid marks the shipment paid, none leaves payment alone)."""
        order_id = confirmation.ref.order_id
        if not (order_id.isascii() and order_id.isdigit()):
            raise CentraOrderNotFound("OrderShipments", f"{order_id} is not a Centra order number")
        number = int(order_id)
        wire = Wire("OrderShipments", f"order {number}")
        lines = parcel_lines(confirmation)
        found = (await self.orders.by_numbers([number], "OrderPaymentHistory")).get(number)
        if found is None:
            raise CentraOrderNotFound("OrderShipments", f"no Centra order number {number}")
        history = captures.entries(wire, wire.objects(found.order, "paymentHistory"))
        shipments = await self.orders.shipments(wire.required_text(found.order, "id"))
        shipment = find_existing(wire, shipments, confirmation.tracking_number, lines)
        if shipment is None:
            shipment, state = await self._create(number, lines, history)
        else:
            log.info("centra order %s reuses shipment %s", number, shipment.get("id"))
            others = {int(i) for i in confirmation.other_captures if i.isdigit()}
            state = await self._pay(wire, shipment, history, others)
        if not wire.flag(shipment, "isShipped"):
            await self._complete(wire, shipment, confirmation)
        if state is None:
            return None
        return state.model_copy(update={"parcel_id": confirmation.parcel_id})

    async def _create(
        self, number: int, lines: dict[int, int], history: list[captures.Entry]
    ) -> tuple[Json, PaymentCapture | None]:
        payment: dict[str, bool] = {}
        if self.capture_mode is CaptureMode.CAPTURE:
            payment = {"capture": True}
        elif self.capture_mode is CaptureMode.IS_PAID:
            payment = {"isPaid": True}
        shipment_input = {
            "order": {"number": number},
            "lines": [{"orderLine": {"id": i}, "quantity": q} for i, q in sorted(lines.items())],
            "isGoodToGo": True,
            "sendEmail": False,
            **payment,
        }
        payload = await self.client.mutate(
            documents.CREATE_SHIPMENT, {"input": shipment_input}, "CreateShipment", "createShipment"
        )
        shipment = _shipment("CreateShipment", payload)
        wire = Wire("CreateShipment", f"order {number}")
        if self.capture_mode is CaptureMode.NONE:
            return shipment, None
        if self.capture_mode is CaptureMode.IS_PAID:
            return shipment, self._capture(wire, shipment, CaptureState.CAPTURED)
        after = captures.entries(wire, wire.objects(wire.obj(shipment, "order"), "paymentHistory"))
        before = {e.id for e in history}
        state, pending = captures.judge(wire, shipment, after, {e.id for e in after} - before)
        warnings = len(payload.get("userWarnings") or [])
        message = (
            f"Centra created shipment {wire.text(shipment, 'number')} but could not capture its "
            f"payment ({warnings} userWarning(s)); the order's paymentHistory (paramsJSON) says why"
        )
        return shipment, self._capture(wire, shipment, state, pending, message)

    async def _pay(
        self, wire: Wire, shipment: Json, history: list[captures.Entry], others: set[int]
    ) -> PaymentCapture | None:
        """An existing shipment: pay it unless done. A capture request still pending that no
        other parcel of the order owns was this shipment's: it is waited for, not repeated."""
        if self.capture_mode is CaptureMode.NONE:
            return None
        paid = wire.flag(shipment, "isPaid") or wire.flag(shipment, "isCaptured")
        if self.capture_mode is CaptureMode.IS_PAID:
            if not paid:
                payload = await self.client.mutate(
                    documents.MARK_SHIPMENT_PAID,
                    {"id": wire.integer(shipment, "id")},
                    "MarkShipmentPaid",
                    "updateShipment",
                )
                shipment = _shipment("MarkShipmentPaid", payload)
            return self._capture(wire, shipment, CaptureState.CAPTURED)
        pending = [i for i in captures.pending_requests(history) if i not in others]
        if pending:
            return self._capture(wire, shipment, CaptureState.PENDING, pending)
        if paid:
            return self._capture(wire, shipment, CaptureState.CAPTURED)
        return await self.capture(wire, shipment)

    async def capture(self, wire: Wire, shipment: Json) -> PaymentCapture:
        """captureShipment: a failed capture fails the mutation (userErrors), which here is a
        FAILED capture, not an error: the parcel is shipped regardless."""
        try:
            payload = await self.client.mutate(
                documents.CAPTURE_SHIPMENT,
                {"id": wire.integer(shipment, "id")},
                "CaptureShipment",
                "captureShipment",
            )
        except CentraUserErrors as err:
            message = f"Centra refused to capture shipment {wire.text(shipment, 'number')}: "
            return self._capture(wire, shipment, CaptureState.FAILED, [], message + err.message)
        captured = payload.get("shipment")
        entry = payload.get("paymentHistoryEntry")
        history = captures.entries(wire, [entry] if isinstance(entry, dict) else [])
        current = captured if isinstance(captured, dict) else shipment
        state, pending = captures.judge(wire, current, history, {e.id for e in history})
        message = f"Centra did not capture shipment {wire.text(shipment, 'number')}"
        return self._capture(wire, current, state, pending, message)

    async def settle(self, capture: PaymentCapture, again: bool) -> PaymentCapture:
        """Where a parcel's capture stands now; with `again`, a failed one is captured once
        more (an operator's retry). A pending request is never repeated."""
        shipment_id = int(capture.shipment_id)
        wire = Wire("ShipmentPayments", f"shipment {shipment_id}")
        shipment = await self.orders.shipment_payments(shipment_id)
        if shipment is None:
            raise CentraBadResponse("ShipmentPayments", f"shipment {shipment_id} no longer exists")
        history = captures.entries(
            wire, wire.objects(wire.obj(shipment, "order"), "paymentHistory")
        )
        ours = {int(i) for i in capture.requests if i.isdigit()}
        state, pending = captures.judge(wire, shipment, history, ours)
        if state is CaptureState.FAILED and again:
            result = await self.capture(wire, shipment)
        else:
            result = self._capture(wire, shipment, state, pending, capture.message)
        return result.model_copy(update={"parcel_id": capture.parcel_id})

    @staticmethod
    def _capture(
        wire: Wire,
        shipment: Json,
        state: CaptureState,
        pending: list[int] | None = None,
        message: str | None = None,
    ) -> PaymentCapture:
        return PaymentCapture(
            parcel_id="",
            shipment_id=str(wire.integer(shipment, "id")),
            state=state,
            requests=[str(i) for i in pending or []],
            message=message if state is CaptureState.FAILED else None,
        )

    async def _complete(self, wire: Wire, shipment: Json, confirmation: ShipConfirmation) -> None:
        """shippedAt is clamped to now: Centra refuses a date in the future, and a warehouse
        clock running ahead must not turn a shipped parcel into an exception. Tracking goes in
        through ShipmentInfoInput; Centra shows it as trackingNumber, numberOfPackages and
        carrierInformation."""
        shipped_at = min(to_utc(confirmation.shipped_at), to_utc(self.clock()))
        complete_input = {
            "shippedAt": datetimetz(shipped_at),
            "sendEmail": True,
            "shipmentInfo": {
                "carrier": confirmation.carrier_name or confirmation.carrier_code,
                "service": confirmation.shipping_method,
                "packagesNumber": 1,
                "trackingNumber": confirmation.tracking_number,
            },
        }
        await self.client.mutate(
            documents.COMPLETE_SHIPMENT,
            {"id": wire.integer(shipment, "id"), "input": complete_input},
            "CompleteShipment",
            "completeShipment",
        )
