"""Centra as a channel port: orders by number, the events queue with a sweep behind it, and
the dispatch back as Centra shipments."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from domain.order import Channel, ChannelOrder, OrderChange
from domain.shipment import ShipConfirmation
from integrations.centra.client import CentraClient
from integrations.centra.dispatch import Dispatcher
from integrations.centra.errors import CentraBadResponse, CentraOrderNotFound
from integrations.centra.normalise import change_from_centra, order_from_centra
from integrations.centra.orders import OrdersApi
from integrations.centra.settings import CaptureMode
from integrations.centra.wire import Json
from integrations.channel import ChangePage, ChangeQuery

log = logging.getLogger(__name__)

SWEEP_TOKEN_PREFIX = "sweep:"
CANCELLED_SWEEP_WINDOW = timedelta(days=14)  # how far back a sweep looks for cancellations


def utc_now() -> datetime:
    return datetime.now(UTC)


def sweep_page(token: str | None) -> int | None:
    """'sweep:3' -> 3: the token names what it continues, so intake can keep it opaque."""
    if token is None:
        return None
    prefix, _, page = token.partition(":")
    if prefix + ":" != SWEEP_TOKEN_PREFIX or not page.isdigit() or int(page) < 1:
        raise ValueError(f"not a Centra page token: {token!r}")
    return int(page)


def _number(order_id: str) -> int | None:
    return int(order_id) if order_id.isascii() and order_id.isdigit() else None


class CentraChannel:
    channel = Channel.CENTRA

    def __init__(
        self,
        client: CentraClient,
        account: str,
        *,
        dispatch_sla: timedelta,
        capture_mode: CaptureMode = CaptureMode.CAPTURE,
        page_size: int = 50,
        event_limit: int = 100,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.client = client
        self.account = account
        self.dispatch_sla = dispatch_sla
        self.page_size = page_size
        self.event_limit = event_limit
        self.orders = OrdersApi(client)
        self._clock = clock
        self.dispatcher = Dispatcher(client, self.orders, capture_mode, clock)

    async def get_order(self, order_id: str) -> ChannelOrder:
        number = _number(order_id)
        found = await self.orders.by_numbers([number]) if number is not None else {}
        if number is None or number not in found:
            raise CentraOrderNotFound("OrdersByNumber", f"no Centra order number {order_id}")
        return order_from_centra(found[number], self.account, self.dispatch_sla)

    async def changes(self, query: ChangeQuery) -> ChangePage:
        """Named orders, else a sweep (started, or continued by its page token), else the
        events queue. The queue has no cursor, so `cursor` stays at `since` throughout."""
        if query.order_ids:
            numbers = [n for n in map(_number, query.order_ids) if n is not None]
            found = await self.orders.by_numbers(numbers)
            changes, _ = self._changes(found)
            return ChangePage(changes=changes, cursor=query.since)
        page = sweep_page(query.page_token)
        if query.sweep or page is not None:
            return await self._sweep(query.since, page or 1)
        return await self._events(query.since)

    async def _sweep(self, since: datetime, page: int) -> ChangePage:
        cancelled_since = self._clock() - CANCELLED_SWEEP_WINDOW
        orders, more = await self.orders.open_page(page, self.page_size, cancelled_since)
        changes, _ = self._changes({i: order for i, order in enumerate(orders)})
        return ChangePage(
            changes=changes,
            next_page_token=f"{SWEEP_TOKEN_PREFIX}{page + 1}" if more else None,
            cursor=since,
        )

    async def _events(self, since: datetime) -> ChangePage:
        """Every event is acked, even one whose order is gone (deleted) or unreadable: left
        unconfirmed it would come back forever and block nothing but the queue's head."""
        events = await self.orders.events(self.event_limit)
        references: dict[int, int | None] = {}
        for event in events:
            event_id = event.get("id")
            if not isinstance(event_id, int):
                log.warning("centra event without an integer id skipped")
                continue
            reference = event.get("objectReference")
            references[event_id] = _number(reference) if isinstance(reference, str) else None
        numbers = [n for n in references.values() if n is not None]
        found = await self.orders.by_numbers(numbers)
        for event_id, number in references.items():
            if number not in found:
                log.info("centra event %s names no readable order (%s): acked", event_id, number)
        changes, unreadable = self._changes(found)
        return ChangePage(
            changes=changes,
            cursor=since,
            ack=[str(e) for e, number in references.items() if number not in unreadable],
        )

    def _changes(self, orders: Mapping[int, Json]) -> tuple[list[OrderChange], set[int]]:
        """The changes of the orders that read cleanly, and the keys of those that did not: one
        malformed order must not block the others (its event stays queued and is read again)."""
        changes: list[OrderChange] = []
        unreadable: set[int] = set()
        for key, order in orders.items():
            try:
                changes.append(change_from_centra(order, self.account))
            except CentraBadResponse as err:
                log.warning("centra order %s unreadable, left queued: %s", key, err)
                unreadable.add(key)
        return changes, unreadable

    async def acknowledge(self, ack: list[str]) -> None:
        await self.orders.confirm_events([int(event_id) for event_id in ack])

    async def confirm_parcel(self, confirmation: ShipConfirmation) -> None:
        await self.dispatcher.confirm(confirmation)
