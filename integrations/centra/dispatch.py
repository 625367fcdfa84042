"""The dispatch back to Centra for one parcel: create, pay, complete a shipment, each step
skipped when already done so a retry after a lost response never makes a second shipment.

Confirmations of one order are sent one at a time (the order workflow serialises them); two
identical parcels in flight at once could otherwise both adopt the same uncompleted shipment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from domain.exceptions import ConsignError, ExceptionKind
from domain.shipment import ShipConfirmation
from integrations.centra import documents
from integrations.centra.client import CentraClient
from integrations.centra.errors import CentraBadResponse, CentraOrderNotFound
from integrations.centra.orders import OrdersApi
from integrations.centra.settings import CaptureMode
from integrations.centra.wire import Json, Wire, to_utc

log = logging.getLogger(__name__)


def _quantities(wire: Wire, shipment: Json) -> dict[int, int]:
    totals: dict[int, int] = {}
    for line in wire.objects(shipment, "lines"):
        line_id = wire.integer(wire.obj(line, "orderLine"), "id")
        totals[line_id] = totals.get(line_id, 0) + wire.integer(line, "quantity")
    return totals


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
        info = wire.obj(shipment, "shipmentInfo")
        if wire.text(info, "trackingNumber") == tracking:
            return shipment
    for shipment in shipments:
        if not wire.flag(shipment, "isShipped") and _quantities(wire, shipment) == lines:
            return shipment
    return None


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

    async def confirm(self, confirmation: ShipConfirmation) -> None:
        order_id = confirmation.ref.order_id
        if not (order_id.isascii() and order_id.isdigit()):
            raise CentraOrderNotFound("OrderShipments", f"{order_id} is not a Centra order number")
        number = int(order_id)
        wire = Wire("OrderShipments", f"order {number}")
        lines = parcel_lines(confirmation)
        shipments = await self.orders.shipments(number)
        if shipments is None:
            raise CentraOrderNotFound("OrderShipments", f"no Centra order number {number}")
        shipment = find_existing(wire, shipments, confirmation.tracking_number, lines)
        if shipment is None:
            shipment = await self._create(number, lines)
        else:
            log.info("centra order %s reuses shipment %s", number, shipment.get("id"))
        shipment = await self._pay(wire, shipment)
        if not wire.flag(shipment, "isShipped"):
            await self._complete(wire, shipment, confirmation)

    async def _create(self, number: int, lines: dict[int, int]) -> Json:
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
        return self._shipment("CreateShipment", payload)

    async def _pay(self, wire: Wire, shipment: Json) -> Json:
        if self.capture_mode is CaptureMode.NONE or wire.flag(shipment, "isPaid"):
            return shipment
        shipment_id = wire.integer(shipment, "id")
        if self.capture_mode is CaptureMode.CAPTURE:
            payload = await self.client.mutate(
                documents.CAPTURE_SHIPMENT,
                {"id": shipment_id},
                "CaptureShipment",
                "captureShipment",
            )
            return self._shipment("CaptureShipment", payload)
        payload = await self.client.mutate(
            documents.MARK_SHIPMENT_PAID, {"id": shipment_id}, "MarkShipmentPaid", "updateShipment"
        )
        return self._shipment("MarkShipmentPaid", payload)

    async def _complete(self, wire: Wire, shipment: Json, confirmation: ShipConfirmation) -> None:
        """shippedAt is clamped to now: Centra refuses a date in the future, and a warehouse
        clock running ahead must not turn a shipped parcel into an exception."""
        shipped_at = min(to_utc(confirmation.shipped_at), to_utc(self.clock()))
        complete_input = {
            "shippedAt": shipped_at.isoformat().replace("+00:00", "Z"),
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

    @staticmethod
    def _shipment(operation: str, payload: Json) -> Json:
        shipment = payload.get("shipment")
        if not isinstance(shipment, dict):
            raise CentraBadResponse(operation, "the payload carries no shipment")
        return shipment
