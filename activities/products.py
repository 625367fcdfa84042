"""Product sync activities: read the channel's product master, send GXO what its item master
lacks, ask GXO about records it has not loaded yet, and release orders parked for an item GXO
now holds. Each is idempotent: GXO's PUT is, the ledger is keyed, a repeated release signal
finds the order no longer parked."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.account_ports import AccountKey, port_of
from activities.errors import classified
from activities.heartbeat import heartbeating
from activities.models import (
    ITEM_ACCEPTED_SIGNAL,
    PRODUCT_SYNC_NOW_SIGNAL,
    ItemAccepted,
    ItemCheckRequest,
    ItemsChecked,
    ItemSendRequest,
    ItemsSent,
    LaunchRelease,
    ProductReadRequest,
    ReleaseRequest,
)
from domain.exceptions import ExceptionKind
from domain.products import (
    ChannelProduct,
    ItemRecord,
    ItemState,
    LedgerState,
    ProductPage,
    held_elsewhere,
    item_code_for,
    item_record,
    mapping_from_product,
    missing_for_warehouse,
)
from integrations.channel import ProductPort
from integrations.gxo.errors import WarehouseRejected
from integrations.gxo.port import ItemMasterPort
from store import products as ledger
from store.mappings import list_sku_mappings, upsert_sku_mappings
from store.set_aside import keep_set_aside


class ProductActivities:
    def __init__(
        self,
        ports: Mapping[AccountKey, ProductPort],
        items: ItemMasterPort,
        engine: Engine,
        facilities: list[str],
        client: Client | None = None,
    ) -> None:
        """`facilities`: every GXO facility consign serves keeps its own item master, so each
        gets every item. `client` signals the orders a launch releases."""
        self.ports = ports
        self.items = items
        self.engine = engine
        self.facilities = facilities
        self.client = client

    @activity.defn(name="read_channel_products")
    async def read(self, request: ProductReadRequest) -> ProductPage:
        """One page of the sweep; a record the reader could not read is stored set aside (it
        may be the channel's raw record) and only its summary goes on to the workflow."""
        port = port_of(self.ports, request.channel, request.account, "product port")
        with classified(ExceptionKind.INVALID_CHANNEL_DATA):
            page = await port.products_changed(request.since, request.page, request.token)
        if not page.set_aside:
            return page
        await asyncio.to_thread(keep_set_aside, self.engine, page.set_aside)
        notices = [record.notice().summary() for record in page.set_aside]
        return page.model_copy(update={"set_aside": [], "unreadable": notices})

    def _records(
        self, request: ItemSendRequest, sent: ItemsSent
    ) -> list[tuple[ChannelProduct, ItemRecord]]:
        """What GXO should hold for these products, per facility; mappings written from the
        product data when the brand wants that. SKUs with no item code are counted unmapped;
        SKUs a channel in `defer_to` has (its mapping or ledger row: the SKU or its item code)
        are left to that channel (`deferred`); what GXO's record lacks is noted
        (`incomplete`)."""
        skus = {p.sku for p in request.products}
        everyone = list_sku_mappings(self.engine)
        kept = {m.sku: m for m in everyone if m.channel == request.channel and m.sku in skus}
        masters = set(request.defer_to) - {request.channel}
        others = [m for m in everyone if m.channel in masters]
        entries = ledger.item_ledger(self.engine) if masters else []
        held = [(e.channel, e.sku, e.item_code) for e in entries if e.channel in masters]
        records: list[tuple[ChannelProduct, ItemRecord]] = []
        written = []
        for product in request.products:
            mapping = kept.get(product.sku)
            code = item_code_for(product.sku, mapping, request.item_codes_from_products)
            if masters and held_elsewhere(product, code or product.sku, others, held, masters):
                sent.deferred.append(product.sku)
                continue
            if code is None:
                sent.unmapped.append(product.sku)
                continue
            if request.item_codes_from_products:
                written.append(mapping_from_product(product, request.channel, code, mapping))
            sent.incomplete += [f"{product.sku}: no {m}" for m in missing_for_warehouse(product)]
            records += [(product, item_record(product, f, code, mapping)) for f in self.facilities]
        if written:
            upsert_sku_mappings(self.engine, written)
        return records

    @activity.defn(name="send_items")
    async def send(self, request: ItemSendRequest) -> ItemsSent:
        """Delta-first: a record whose digest the ledger already holds is not sent again."""
        sent = ItemsSent()
        async with heartbeating():
            records = await asyncio.to_thread(self._records, request, sent)
            skus = {product.sku for product, _ in records}
            known = await asyncio.to_thread(ledger.item_ledger, self.engine, skus)
            digests = {(e.facility_id, e.item_code): e.digest for e in known}
            for _, record in records:
                if digests.get((record.facility_id, record.item_code)) == record.digest():
                    sent.unchanged += 1
                    continue
                await self._send_one(request, record, sent)
        return sent

    async def _send_one(
        self, request: ItemSendRequest, record: ItemRecord, sent: ItemsSent
    ) -> None:
        with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
            try:
                state = await self.items.put_item(record)
            except WarehouseRejected as refused:  # kept with its reason; sent again if changed
                reason = refused.rejection.message
                sent.refused.append(f"{record.facility_id} {record.item_code}: {reason}")
                await asyncio.to_thread(
                    ledger.record_refused,
                    self.engine,
                    request.channel,
                    request.account,
                    record,
                    reason,
                )
                return
        await asyncio.to_thread(
            ledger.record_sent, self.engine, request.channel, request.account, [(record, state)]
        )
        sent.sent += 1

    @activity.defn(name="check_items")
    async def check(self, request: ItemCheckRequest) -> ItemsChecked:
        """Ask GXO about the account's records it has not loaded yet; orders waiting for an
        item GXO now holds come back to be released."""
        checked = ItemsChecked()
        async with heartbeating():
            entries = await asyncio.to_thread(ledger.item_ledger, self.engine)
            waiting = [
                e
                for e in entries
                if e.state is LedgerState.SENT
                and (e.channel, e.account) == (request.channel, request.account)
            ]
            states = []
            for entry in waiting:
                with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
                    state = await self.items.get_item(entry.facility_id, entry.item_code)
                if state is not None:
                    states.append(state)
            accepted = await asyncio.to_thread(ledger.record_states, self.engine, states)
            checked.accepted = [f"{e.facility_id} {e.item_code}" for e in accepted]
            checked.rejected = [
                f"{s.facility_id} {s.item_code}: {s.rejection}"
                for s in states
                if s.rejection is not None
            ]
            checked.pending = len(waiting) - len(accepted) - len(checked.rejected)
            await self._ask_about_waits()
            releases = await asyncio.to_thread(ledger.released, self.engine)
        checked.releases = [LaunchRelease.model_validate(w.model_dump()) for w in releases]
        return checked

    async def _ask_about_waits(self) -> None:
        """Orders parked for an item no product sync sent (the gate asked GXO, or GXO refused
        the order as UNKNOWN_ITEM): ask GXO again, so an item loaded at GXO meanwhile (by
        hand, or by GXO's own onboarding) releases them too."""
        waits = await asyncio.to_thread(ledger.unsettled_launch_waits, self.engine)
        held: list[tuple[ItemState, str]] = []
        for facility_id, item_code, sku in sorted(
            {(w.facility_id, w.item_code, w.sku) for w in waits}
        ):
            with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
                state = await self.items.get_item(facility_id, item_code)
            if state is not None:
                held.append((state, sku))
        if held:
            await asyncio.to_thread(ledger.record_known, self.engine, held)

    @activity.defn(name="release_launched_orders")
    async def release(self, request: ReleaseRequest) -> None:
        """Signal each parked order that its item is accepted. The wait stays until the order's
        planning goes through (a signal that came before the park is sent again at the next
        check); a workflow that is gone forgets its wait."""
        assert self.client is not None, "release_launched_orders needs a Temporal client"
        gone: set[str] = set()
        for release in request.releases:
            accepted = ItemAccepted(
                facility_id=release.facility_id, item_code=release.item_code, sku=release.sku
            )
            try:
                await self.client.get_workflow_handle(release.workflow_id).signal(
                    ITEM_ACCEPTED_SIGNAL, accepted
                )
            except RPCError as err:
                if err.status is not RPCStatusCode.NOT_FOUND:
                    raise
                gone.add(release.workflow_id)
        if gone:
            await asyncio.to_thread(ledger.forget_waits, self.engine, sorted(gone))


async def signal_product_sync(client: Client, workflow_id: str) -> None:
    """Wake a product sync (`sync_now`): a sync that is not running (not configured for the
    account, or between runs) sweeps at its next start anyway, so a missing one is no error."""
    try:
        await client.get_workflow_handle(workflow_id).signal(PRODUCT_SYNC_NOW_SIGNAL)
    except RPCError as err:
        if err.status is not RPCStatusCode.NOT_FOUND:
            raise
