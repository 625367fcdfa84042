"""Amazon as a channel port: the configured Orders reader plus v0 confirmShipment."""

from __future__ import annotations

import logging

from domain.order import ChannelOrder, OrderChange
from domain.shipment import ShipConfirmation
from integrations.amazon.factory import AmazonClient
from integrations.amazon.settings import CHANNEL
from integrations.channel import ChangePage, ChangeQuery
from integrations.errors import IntegrationError

log = logging.getLogger("consign.amazon")


class AmazonChannel:
    channel = CHANNEL

    def __init__(self, client: AmazonClient) -> None:
        self.client = client
        self.account = client.account

    async def get_order(self, order_id: str) -> ChannelOrder:
        return await self.client.reader.get_order(order_id)

    async def changes(self, query: ChangeQuery) -> ChangePage:
        """The lastUpdatedAfter cursor already finds every change: a sweep is a no-op, and
        orders a notification named are read one by one."""
        if query.order_ids:
            changes = await self._read_named(query.order_ids)
            return ChangePage(changes=changes, cursor=query.since)
        return await self.client.reader.search_changes(query.since, query.page_token)

    async def _read_named(self, order_ids: list[str]) -> list[OrderChange]:
        """Each named order on its own: one Amazon cannot answer now (a throttle, a 5xx, a
        response consign cannot read) is left to the next change search, which finds it (a
        named read does not move the cursor) and sets aside what it cannot read; it never
        holds up the others. Only when none could be read for a reason a retry may cure does
        the read fail, so the intake shows it retrying."""
        changes: list[OrderChange] = []
        transient: list[IntegrationError] = []
        for order_id in order_ids:
            try:
                changes.append((await self.get_order(order_id)).change())
            except IntegrationError as err:
                log.warning("named order left to the next change search: %s", err)
                if err.transient:
                    transient.append(err)
        if transient and not changes:
            raise transient[0]
        return changes

    async def acknowledge(self, ack: list[str]) -> None:
        """Amazon's cursor needs no acknowledgement."""

    async def confirm_parcel(self, confirmation: ShipConfirmation) -> None:
        """One confirmShipment per parcel; its fixed packageReferenceId makes a retry edit the
        same package instead of adding one."""
        marketplace = confirmation.marketplace_id or self.client.marketplace_ids[0]
        await self.client.shipments.confirm_shipment(
            confirmation.ref.order_id, marketplace, confirmation
        )
