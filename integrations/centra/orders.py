"""Reading orders and the events queue: the query side of the port, raw Centra JSON out."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from integrations.centra import documents
from integrations.centra.client import CentraClient
from integrations.centra.errors import CentraBadResponse
from integrations.centra.wire import Json, Wire

log = logging.getLogger(__name__)


def _list(data: Json, key: str, operation: str) -> list[Json]:
    return Wire(operation, "response").objects(data, key)


class OrdersApi:
    """Orders by number, open orders page by page, and the Order events queue."""

    def __init__(self, client: CentraClient) -> None:
        self.client = client
        self._listening = False
        self._listen_lock = asyncio.Lock()

    async def by_numbers(self, numbers: list[int]) -> dict[int, Json]:
        """The orders that exist among `numbers`, keyed by number (deleted ones are absent)."""
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        data = await self.client.execute(
            documents.ORDERS_BY_NUMBER, {"numbers": wanted, "limit": len(wanted)}, "OrdersByNumber"
        )
        found: dict[int, Json] = {}
        for order in _list(data, "orders", "OrdersByNumber"):
            number = order.get("number")
            if not isinstance(number, int):
                raise CentraBadResponse("OrdersByNumber", "an order has no integer number")
            found[number] = order
        return found

    async def open_page(
        self, page: int, limit: int, cancelled_since: datetime
    ) -> tuple[list[Json], bool]:
        """One page of what a sweep re-reads: CONFIRMED and PROCESSING orders, and orders
        cancelled since `cancelled_since` (a cancellation both the events queue and the webhook
        missed must still stop the warehouse). Also whether another page may follow."""
        since = cancelled_since.astimezone(UTC).isoformat().replace("+00:00", "Z")
        variables = {"limit": limit, "page": page, "cancelledSince": since}
        data = await self.client.execute(documents.OPEN_ORDERS, variables, "OpenOrders")
        open_ = _list(data, "open", "OpenOrders")
        cancelled = _list(data, "cancelled", "OpenOrders")
        return open_ + cancelled, max(len(open_), len(cancelled)) >= limit

    async def ensure_listening(self) -> None:
        """Register the Order listener once per process: Centra only queues events for
        registered listeners, and re-registering on every poll would waste a mutation."""
        if self._listening:
            return
        async with self._listen_lock:
            if not self._listening:
                await self.client.mutate(
                    documents.SET_ORDER_LISTENERS, {}, "SetOrderListeners", "setEventListeners"
                )
                self._listening = True

    async def events(self, limit: int) -> list[Json]:
        """The oldest unconfirmed Order events (the queue has no cursor: confirming moves it)."""
        await self.ensure_listening()
        data = await self.client.execute(documents.ORDER_EVENTS, {"limit": limit}, "OrderEvents")
        return _list(data, "events", "OrderEvents")

    async def confirm_events(self, ids: list[int]) -> None:
        if ids:
            await self.client.mutate(
                documents.CONFIRM_EVENTS, {"ids": ids}, "ConfirmEvents", "confirmEvents"
            )

    async def shipments(self, number: int) -> list[Json] | None:
        """The order's shipments, or None when no order has this number."""
        data = await self.client.execute(
            documents.ORDER_SHIPMENTS, {"number": number}, "OrderShipments"
        )
        orders = _list(data, "orders", "OrderShipments")
        if not orders:
            return None
        return Wire("OrderShipments", f"order {number}").objects(orders[0], "shipments")
