"""Amazon as a channel port: the configured Orders reader plus v0 confirmShipment."""

from __future__ import annotations

from domain.order import ChannelOrder
from domain.shipment import ShipConfirmation
from integrations.amazon.factory import AmazonClient
from integrations.amazon.settings import CHANNEL
from integrations.channel import ChangePage, ChangeQuery


class AmazonChannel:
    channel = CHANNEL

    def __init__(self, client: AmazonClient) -> None:
        self.client = client
        self.account = client.account

    async def get_order(self, order_id: str) -> ChannelOrder:
        return await self.client.reader.get_order(order_id)

    async def changes(self, query: ChangeQuery) -> ChangePage:
        """The lastUpdatedAfter cursor already finds every change: a sweep is a no-op, and
        named orders (no Amazon webhook names any today) are read one by one."""
        if query.order_ids:
            orders = [await self.get_order(order_id) for order_id in query.order_ids]
            return ChangePage(changes=[o.change() for o in orders], cursor=query.since)
        return await self.client.reader.search_changes(query.since, query.page_token)

    async def acknowledge(self, ack: list[str]) -> None:
        """Amazon's cursor needs no acknowledgement."""

    async def confirm_parcel(self, confirmation: ShipConfirmation) -> None:
        """One confirmShipment per parcel; its fixed packageReferenceId makes a retry edit the
        same package instead of adding one."""
        marketplace = confirmation.marketplace_id or self.client.marketplace_ids[0]
        await self.client.shipments.confirm_shipment(
            confirmation.ref.order_id, marketplace, confirmation
        )
