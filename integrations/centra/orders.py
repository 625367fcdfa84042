"""Reading orders, their shipments and the events queue: the query side of the port, raw Centra
JSON out."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from integrations.centra import documents
from integrations.centra.client import CentraClient
from integrations.centra.errors import CentraBadResponse
from integrations.centra.wire import Json, Wire

log = logging.getLogger(__name__)
SHIPMENT_PAGE = 100
BY_NUMBER = {
    "OrdersByNumber": documents.ORDERS_BY_NUMBER,
    "OrderSummaries": documents.ORDER_SUMMARIES,
    "OrderPaymentHistory": documents.ORDER_PAYMENT_HISTORY,
}


def datetimetz(moment: datetime) -> str:
    """A DateTimeTz input in Centra's own output format (Y-m-d\\TH:i:sP), in UTC."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _list(data: Json, key: str, operation: str) -> list[Json]:
    return Wire(operation, "response").objects(data, key)


@dataclass(frozen=True)
class FoundOrder:
    """An order read by number, and whether it was found by the waiting-for-payment filter
    (Centra has no such field on the order)."""

    order: Json
    waiting_for_payment: bool = False


class OrdersApi:
    """Orders by number (held or not), open orders page by page, shipments, the events queue."""

    def __init__(self, client: CentraClient) -> None:
        self.client = client
        self._listening = False
        self._listening_products = False
        self._listen_lock = asyncio.Lock()

    async def by_numbers(
        self, numbers: list[int], operation: str = "OrdersByNumber"
    ) -> dict[int, FoundOrder]:
        """The orders that exist among `numbers`, keyed by number (deleted ones are absent),
        held and waiting-for-payment ones included. `operation` names the by-number read: the
        full order, its summary, or its summary with capture payments (BY_NUMBER)."""
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        data = await self.client.execute(
            BY_NUMBER[operation], {"numbers": wanted, "limit": len(wanted)}, operation
        )
        found: dict[int, FoundOrder] = {}
        for alias, _ in documents.VISIBILITY:
            unpaid = alias in documents.UNPAID_ALIASES
            for order in _list(data, alias, operation):
                number = order.get("number")
                if isinstance(number, bool) or not isinstance(number, int):
                    raise CentraBadResponse(operation, "an order has no integer number")
                earlier = found.get(number)
                unpaid_before = earlier is not None and earlier.waiting_for_payment
                found[number] = FoundOrder(order, unpaid or unpaid_before)
        return found

    async def open_page(
        self, page: int, limit: int, changed_since: datetime
    ) -> tuple[list[Json], bool]:
        """One page of what a sweep re-reads: CONFIRMED and PROCESSING orders, and orders
        cancelled and updated since `changed_since` (a late cancellation both the events queue
        and the webhook missed must still stop the warehouse). Also whether another page may
        follow. Held and waiting-for-payment orders are not listed: they are not to be
        processed until released, and their workflows re-read them by number."""
        variables = {"limit": limit, "page": page, "changedSince": datetimetz(changed_since)}
        data = await self.client.execute(documents.OPEN_ORDERS, variables, "OpenOrders")
        open_ = _list(data, "open", "OpenOrders")
        cancelled = _list(data, "cancelled", "OpenOrders")
        return open_ + cancelled, max(len(open_), len(cancelled)) >= limit

    async def shipments(self, order_id: str) -> list[Json]:
        """Every shipment of the order (by its hash id), page by page."""
        found: list[Json] = []
        for page in range(1, 1000):
            variables = {"orderIds": [order_id], "limit": SHIPMENT_PAGE, "page": page}
            data = await self.client.execute(documents.ORDER_SHIPMENTS, variables, "OrderShipments")
            batch = _list(data, "shipments", "OrderShipments")
            found += batch
            if len(batch) < SHIPMENT_PAGE:
                break
        return found

    async def shipment_payments(self, shipment_id: int) -> Json | None:
        """The shipment with its order's capture entries (read through the shipment, so a hold
        placed on the order meanwhile hides nothing)."""
        data = await self.client.execute(
            documents.SHIPMENT_PAYMENTS, {"id": shipment_id}, "ShipmentPayments"
        )
        found = _list(data, "shipments", "ShipmentPayments")
        return found[0] if found else None

    async def ensure_listening(self, products: bool = False) -> None:
        """Register the Order listener (and the Product one) once per process: Centra only
        queues events for registered listeners, and re-registering on every poll would waste
        a mutation."""
        if self._listening and (self._listening_products or not products):
            return
        async with self._listen_lock:
            if not self._listening:
                await self.client.mutate(
                    documents.SET_ORDER_LISTENERS, {}, "SetOrderListeners", "setEventListeners"
                )
                self._listening = True
            if products and not self._listening_products:
                await self.client.mutate(
                    documents.SET_PRODUCT_LISTENERS, {}, "SetProductListeners", "setEventListeners"
                )
                self._listening_products = True

    async def events(self, limit: int, products: bool = False) -> list[Json]:
        """The oldest unconfirmed Order events (the queue has no cursor: confirming moves it);
        with `products`, Product events among them."""
        await self.ensure_listening(products)
        if not products:
            data = await self.client.execute(
                documents.ORDER_EVENTS, {"limit": limit}, "OrderEvents"
            )
            return _list(data, "events", "OrderEvents")
        data = await self.client.execute(
            documents.ORDER_AND_PRODUCT_EVENTS, {"limit": limit}, "OrderAndProductEvents"
        )
        return _list(data, "events", "OrderAndProductEvents")

    async def confirm_events(self, ids: list[int]) -> None:
        if ids:
            await self.client.mutate(
                documents.CONFIRM_EVENTS, {"ids": ids}, "ConfirmEvents", "confirmEvents"
            )


def shipped_units(wire: Wire, shipments: list[Json]) -> dict[int, int]:
    """Units per order line id in the given shipments (Centra has no shipped quantity on the
    line itself)."""
    totals: dict[int, int] = {}
    for shipment in shipments:
        for line in wire.objects(shipment, "lines"):
            line_id = wire.integer(wire.obj(line, "orderLine"), "id")
            totals[line_id] = totals.get(line_id, 0) + wire.integer(line, "quantity")
    return totals


def event_reference(value: object) -> int | None:
    """Event.objectReference is an Int64 (the order NUMBER for Order events); its JSON encoding
    is not documented, so a number and a string of digits are both read."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None
