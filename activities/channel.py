"""Channel activities: read orders, poll for changes, confirm parcels. One external call each."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from temporalio import activity

from activities.audit import audit
from activities.errors import classify
from activities.models import ChangeBatch, ConfirmResult, ParcelConfirmRequest, PollRequest
from domain.exceptions import ConsignError, ExceptionKind
from domain.order import Channel, ChannelOrder, OrderRef
from domain.planning import carrier_for_confirm
from domain.shipment import ConfirmItem, ShipConfirmation, parcel_quantities
from integrations.amazon.errors import AmazonError
from integrations.amazon.factory import AmazonClient
from store.mappings import list_carrier_codes
from store.tables import AuditOutcome


def _require_amazon(channel: Channel) -> None:
    if channel is not Channel.AMAZON:
        raise ConsignError(
            ExceptionKind.CHANNEL_REJECTED, f"channel {channel.value} is not configured"
        )


class ChannelActivities:
    """Holds one client per channel account for the worker's lifetime (pooled connections,
    one cached LWA token)."""

    def __init__(self, amazon: AmazonClient, engine: Engine) -> None:
        self.amazon = amazon
        self.engine = engine

    @activity.defn(name="fetch_channel_order")
    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        try:
            _require_amazon(ref.channel)
            return await self.amazon.reader.get_order(ref.order_id)
        except (AmazonError, ConsignError) as err:
            raise classify(err) from err

    @activity.defn(name="poll_channel_changes")
    async def poll_changes(self, request: PollRequest) -> ChangeBatch:
        try:
            _require_amazon(request.channel)
            page = await self.amazon.reader.search_changes(request.since, request.page_token)
        except (AmazonError, ConsignError) as err:
            raise classify(err) from err
        return ChangeBatch(
            changes=page.changes, next_page_token=page.next_page_token, cursor=page.cursor
        )

    @activity.defn(name="confirm_parcel")
    async def confirm_parcel(self, request: ParcelConfirmRequest) -> ConfirmResult:
        """Amazon confirmShipment for one parcel; the fixed packageReferenceId makes a retry
        edit the same package instead of adding one."""
        ref, parcel = request.ref, request.parcel
        try:
            _require_amazon(ref.channel)
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
            )
            marketplace = request.marketplace_id or self.amazon.marketplace_ids[0]
            await self.amazon.shipments.confirm_shipment(ref.order_id, marketplace, confirmation)
        except (AmazonError, ConsignError) as err:
            failure = classify(err)
            if failure.non_retryable:
                await self._audit(request, AuditOutcome.REJECTED, str(err))
            raise failure from err
        await self._audit(request, AuditOutcome.ACCEPTED, f"{len(confirmation.items)} line(s)")
        return ConfirmResult(
            package_reference=request.package_reference, carrier_code=carrier.carrier_code
        )

    async def _audit(
        self, request: ParcelConfirmRequest, outcome: AuditOutcome, detail: str
    ) -> None:
        await audit(
            self.engine,
            system=request.ref.channel.value,
            operation="confirmShipment",
            channel=request.ref.channel,
            account=request.ref.account,
            order_id=request.ref.order_id,
            key=f"{request.package_reference}:{request.parcel.parcel_id}",
            outcome=outcome,
            detail=detail,
        )
