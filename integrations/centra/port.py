"""Centra as a channel port: orders by number, the events queue with a sweep behind it, the
dispatch back as Centra shipments, and the captures of their payments."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from domain.capture import PaymentCapture
from domain.order import ChannelOrder, OrderChange
from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord, record_id
from domain.shipment import ShipConfirmation
from integrations.centra.client import CentraClient
from integrations.centra.dispatch import Dispatcher
from integrations.centra.errors import CentraBadResponse, CentraOrderNotFound, CentraUnknownStatus
from integrations.centra.normalise import change_from_centra, order_from_centra
from integrations.centra.orders import FoundOrder, OrdersApi, event_reference, shipped_units
from integrations.centra.settings import CHANNEL, CaptureMode
from integrations.centra.wire import Json, Wire
from integrations.channel import ChangePage, ChangeQuery

log = logging.getLogger(__name__)

SWEEP_TOKEN_PREFIX = "sweep:"
CANCELLED_SWEEP_WINDOW = timedelta(days=14)  # how far back a sweep looks for cancellations
TO_PROCESS = frozenset({"CONFIRMED", "PROCESSING"})  # the statuses whose shipments matter


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
    channel = CHANNEL

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
        product_events: bool = False,
    ) -> None:
        """`product_events`: the events read takes Product events too (the product sync is
        on), reported as `ChangePage.products_changed`."""
        self.client = client
        self.account = account
        self.dispatch_sla = dispatch_sla
        self.page_size = page_size
        self.event_limit = event_limit
        self.product_events = product_events
        self.orders = OrdersApi(client)
        self._clock = clock
        self.dispatcher = Dispatcher(client, self.orders, capture_mode, clock)

    async def get_order(self, order_id: str) -> ChannelOrder:
        """The order, held or not; for an order still to ship, the units already in its
        shipments count as shipped (Centra's lines carry no shipped quantity)."""
        number = _number(order_id)
        found = await self.orders.by_numbers([number]) if number is not None else {}
        if number is None or number not in found:
            raise CentraOrderNotFound("OrdersByNumber", f"no Centra order number {order_id}")
        order = found[number].order
        shipped: dict[int, int] = {}
        if order.get("status") in TO_PROCESS:
            wire = Wire("OrderShipments", f"order {number}")
            shipments = await self.orders.shipments(wire.required_text(order, "id"))
            shipped = shipped_units(wire, shipments)
        return order_from_centra(
            order,
            self.account,
            self.dispatch_sla,
            shipped=shipped,
            waiting_for_payment=found[number].waiting_for_payment,
            operation="OrdersByNumber",
        )

    async def changes(self, query: ChangeQuery) -> ChangePage:
        """Named orders, else a sweep (started, or continued by its page token), else the
        events queue. The queue has no cursor, so `cursor` stays at `since` throughout."""
        if query.order_ids:
            numbers = [n for n in map(_number, query.order_ids) if n is not None]
            found = await self.orders.by_numbers(numbers, "OrderSummaries")
            changes, set_aside = self._changes(found)
            return ChangePage(changes=changes, cursor=query.since, set_aside=set_aside)
        page = sweep_page(query.page_token)
        if query.sweep or page is not None:
            return await self._sweep(query.since, page or 1)
        return await self._events(query.since)

    async def _sweep(self, since: datetime, page: int) -> ChangePage:
        changed_since = self._clock() - CANCELLED_SWEEP_WINDOW
        orders, more = await self.orders.open_page(page, self.page_size, changed_since)
        changes, set_aside = self._changes({i: FoundOrder(order) for i, order in enumerate(orders)})
        return ChangePage(
            changes=changes,
            next_page_token=f"{SWEEP_TOKEN_PREFIX}{page + 1}" if more else None,
            cursor=since,
            set_aside=set_aside,
        )

    async def _events(self, since: datetime) -> ChangePage:
        """Every event is acked, even one whose order is gone (deleted) or unreadable (that
        order is set aside, kept in the store): left unconfirmed it would come back forever, at
        the head of the queue. Event.objectReference holds the order NUMBER for Order events;
        a Product event (its reference is the product id) only says products changed."""
        events = await self.orders.events(self.event_limit, self.product_events)
        references: dict[int, int | None] = {}
        product_events: list[int] = []
        for event in events:
            event_id = event.get("id")
            if isinstance(event_id, bool) or not isinstance(event_id, int):
                log.warning("centra event without an integer id skipped")
                continue
            if event.get("objectType") == "Product":
                product_events.append(event_id)
                continue
            references[event_id] = event_reference(event.get("objectReference"))
        numbers = [n for n in references.values() if n is not None]
        found = await self.orders.by_numbers(numbers, "OrderSummaries")
        for event_id, number in references.items():
            if number not in found:
                log.info("centra event %s names no readable order (%s): acked", event_id, number)
        changes, set_aside = self._changes(found)
        return ChangePage(
            changes=changes,
            cursor=since,
            ack=[str(event_id) for event_id in [*references, *product_events]],
            set_aside=set_aside,
            products_changed=bool(product_events),
        )

    def _changes(
        self, orders: Mapping[int, FoundOrder]
    ) -> tuple[list[OrderChange], list[SetAsideRecord]]:
        """The changes of the orders that read cleanly. One that does not (a status consign
        does not know: CentraUnknownStatus; a malformed order) is set aside with its JSON as
        Centra sent it, never guessed at and never lost, and blocks nothing."""
        changes: list[OrderChange] = []
        set_aside: list[SetAsideRecord] = []
        for found in orders.values():
            try:
                changes.append(
                    change_from_centra(found.order, self.account, found.waiting_for_payment)
                )
            except CentraBadResponse as err:
                set_aside.append(self._set_aside(found.order, err))
        return changes, set_aside

    def _set_aside(self, order: Json, err: CentraBadResponse) -> SetAsideRecord:
        raw = json.dumps(order, ensure_ascii=False, separators=(",", ":"))
        unknown = isinstance(err, CentraUnknownStatus)
        return SetAsideRecord(
            system=CHANNEL,
            feed=SetAsideFeed.ORDERS,
            scope=self.account,
            record_id=record_id(order.get("number"), raw),
            reason=SetAsideReason.UNKNOWN_STATUS if unknown else SetAsideReason.MALFORMED,
            detail=err.message,
            raw=raw,
        )

    async def acknowledge(self, ack: list[str]) -> None:
        await self.orders.confirm_events([int(event_id) for event_id in ack])

    async def confirm_parcel(self, confirmation: ShipConfirmation) -> PaymentCapture | None:
        return await self.dispatcher.confirm(confirmation)

    async def settle_capture(self, capture: PaymentCapture, again: bool) -> PaymentCapture:
        return await self.dispatcher.settle(capture, again)
