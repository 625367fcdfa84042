"""Channel activities: read orders, poll for changes, acknowledge them, confirm parcels.
One external call each, through the channel port of the order's channel."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.account_ports import AccountKey, port_of
from activities.audit import audit
from activities.errors import classified, classify
from activities.heartbeat import heartbeating
from activities.models import (
    AckRequest,
    CaptureRequest,
    ChangeBatch,
    ConfirmResult,
    ParcelConfirmRequest,
    PollRequest,
)
from domain.capture import PaymentCapture
from domain.exceptions import ConsignError, ExceptionKind
from domain.limits import IntakeLimits
from domain.order import Channel, ChannelOrder, OrderRef
from domain.planning import carrier_for_confirm
from domain.setaside import SetAsideFeed
from domain.shipment import ConfirmItem, ShipConfirmation, parcel_quantities
from integrations.channel import CapturePort, ChangeQuery, ChannelPort
from integrations.registry import channel_module
from store.inventory import confirm_shipped
from store.mappings import list_carrier_codes
from store.set_aside import keep_set_aside, resolve_superseded
from store.tables import AuditOutcome


def confirm_operation(channel: str) -> str:
    """The channel call a parcel's confirmation is audited as (its module's to say)."""
    module = channel_module(channel)
    return module.confirm_operation if module else "confirm"


class ChannelActivities:
    """Holds one port per channel account this worker serves, for its lifetime (pooled
    connections, cached tokens, the account's own pacing)."""

    def __init__(
        self,
        ports: Mapping[AccountKey, ChannelPort],
        engine: Engine,
        on_confirmed: Callable[[list[str]], Awaitable[None]] | None = None,
        *,
        limits: IntakeLimits | None = None,
        on_products_changed: Callable[[Channel, str], Awaitable[None]] | None = None,
    ) -> None:
        """`on_confirmed` hears which items a confirmed parcel held: a channel that takes
        physical stock itself has just removed them, so its figure changes. An order
        with more lines than `limits` allows parks as ORDER_TOO_LARGE when it is read.
        `on_products_changed` hears (channel, account) when a poll's feed said the channel's
        product data changed: the account's product sync sweeps now."""
        self.ports = dict(ports)
        self.engine = engine
        self.on_confirmed = on_confirmed
        self.limits = limits or IntakeLimits()
        self.on_products_changed = on_products_changed

    def _port(self, channel: Channel, account: str) -> ChannelPort:
        return port_of(self.ports, channel, account, "channel port")

    @activity.defn(name="fetch_channel_order")
    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        """An order the channel sends that consign cannot read (a malformed currency code, a
        missing field) is INVALID_CHANNEL_DATA at once: the same answer fails every retry."""
        port = self._port(ref.channel, ref.account)
        with classified(ExceptionKind.INVALID_CHANNEL_DATA):
            order = await port.get_order(ref.order_id)
        if len(order.lines) > self.limits.max_lines_per_order:
            raise classify(
                ConsignError(
                    ExceptionKind.ORDER_TOO_LARGE,
                    f"the order has {len(order.lines)} lines, more than the limit of "
                    f"{self.limits.max_lines_per_order} (CONSIGN_MAX_LINES_PER_ORDER)",
                )
            )
        return order

    @activity.defn(name="poll_channel_changes")
    async def poll_changes(self, request: PollRequest) -> ChangeBatch:
        """One page of changes. Orders the channel's reader could not understand are stored
        as set aside here (their content never enters a workflow's history) and the others
        handed on; a set-aside order whose later version reads cleanly is resolved. A page
        that cannot be read as a whole is INVALID_CHANNEL_DATA, never retried."""
        port = self._port(request.channel, request.account)
        query = ChangeQuery(
            since=request.since,
            page_token=request.page_token,
            sweep=request.sweep,
            order_ids=request.order_ids,
        )
        async with heartbeating():
            with classified(ExceptionKind.INVALID_CHANNEL_DATA):
                page = await port.changes(query)
            await asyncio.to_thread(keep_set_aside, self.engine, page.set_aside)
            await asyncio.to_thread(
                resolve_superseded,
                self.engine,
                request.channel,
                SetAsideFeed.ORDERS,
                request.account,
                [change.ref.order_id for change in page.changes],
            )
            # Before the batch goes back (and its events are acked): a failed signal fails
            # the poll, which reads the same unconfirmed events again.
            if page.products_changed and self.on_products_changed is not None:
                await self.on_products_changed(request.channel, request.account)
        return ChangeBatch(
            changes=page.changes,
            next_page_token=page.next_page_token,
            cursor=page.cursor,
            ack=page.ack,
            set_aside=[record.notice() for record in page.set_aside],
        )

    @activity.defn(name="ack_channel_changes")
    async def ack_changes(self, request: AckRequest) -> None:
        """Confirm feed entries only after their changes were handed to Temporal."""
        port = self._port(request.channel, request.account)
        async with heartbeating():
            with classified(ExceptionKind.INVALID_CHANNEL_DATA):
                await port.acknowledge(request.ack)

    @activity.defn(name="confirm_parcel")
    async def confirm_parcel(self, request: ParcelConfirmRequest) -> ConfirmResult:
        """Ship-confirm one parcel with the carrier the channel expects for GXO's service."""
        ref, parcel = request.ref, request.parcel
        port = self._port(ref.channel, ref.account)
        try:
            with classified(ExceptionKind.INVALID_CHANNEL_DATA):
                codes = await asyncio.to_thread(list_carrier_codes, self.engine, ref.channel)
                carrier = carrier_for_confirm(ref.channel, parcel.carrier_service_code, codes)
                confirmation = ShipConfirmation(
                    ref=ref,
                    parcel_id=parcel.parcel_id,
                    package_reference=request.package_reference,
                    carrier_code=carrier.carrier_code,
                    carrier_name=carrier.carrier_name,
                    shipping_method=carrier.shipping_method,
                    tracking_number=parcel.tracking_number,
                    shipped_at=parcel.shipped_at,
                    marketplace_id=request.marketplace_id,
                    items=[
                        ConfirmItem(line_id=line_id, quantity=quantity)
                        for line_id, quantity in parcel_quantities(parcel).items()
                    ],
                    other_captures=request.other_captures,
                )
                capture = await port.confirm_parcel(confirmation)
        except ApplicationError as failure:
            if failure.non_retryable:
                await self._audit(request, AuditOutcome.REJECTED, failure.message)
            raise
        await self._audit(request, AuditOutcome.ACCEPTED, f"{len(confirmation.items)} line(s)")
        units = [(line.item_code, line.quantity) for line in parcel.lines]
        await asyncio.to_thread(confirm_shipped, self.engine, ref, parcel.parcel_id, units)
        if self.on_confirmed is not None:
            await self.on_confirmed(sorted({item for item, _ in units}))
        return ConfirmResult(
            package_reference=request.package_reference,
            carrier_code=carrier.carrier_code,
            capture=capture,
        )

    @activity.defn(name="settle_capture")
    async def settle_capture(self, request: CaptureRequest) -> PaymentCapture:
        """Where a parcel's payment capture stands (the order workflow polls it on a durable
        timer while the provider settles); `again` captures a failed one once more."""
        port = self._port(request.ref.channel, request.ref.account)
        if not isinstance(port, CapturePort):
            raise classify(
                ConsignError(
                    ExceptionKind.CHANNEL_REJECTED,
                    f"channel {request.ref.channel} does not capture payments",
                )
            )
        with classified(ExceptionKind.INVALID_CHANNEL_DATA):
            return await port.settle_capture(request.capture, request.again)

    async def _audit(
        self, request: ParcelConfirmRequest, outcome: AuditOutcome, detail: str
    ) -> None:
        await audit(
            self.engine,
            system=request.ref.channel,
            operation=confirm_operation(request.ref.channel),
            channel=request.ref.channel,
            account=request.ref.account,
            order_id=request.ref.order_id,
            key=f"{request.package_reference}:{request.parcel.parcel_id}",
            outcome=outcome,
            detail=detail,
        )
