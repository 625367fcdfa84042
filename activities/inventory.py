"""Inventory activities: read GXO's stock into the store, work out what each channel should
show, push what changed, ask about pushes a channel processes later, read channels back. Each
wraps one external call or store step, and heartbeats while it runs (a worker killed mid-call
costs the heartbeat timeout, not the start-to-close timeout: workflows/inventory_sync.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from temporalio import activity

from activities import stock_metrics
from activities.account_ports import AccountKey, port_of
from activities.errors import classified, classify
from activities.heartbeat import heartbeating
from activities.models import (
    DriftLine,
    DriftReport,
    FacilityRequest,
    PullRequest,
    SnapshotLoaded,
    StalledRequest,
    StalledSkus,
    StockPlan,
    StockPlanRequest,
    StockPulled,
    StockPushReport,
    StockPushRequest,
    StockReadRequest,
    SubmissionCheck,
    SubmissionChecked,
)
from domain.exceptions import ConsignError, ExceptionKind
from domain.inventory import ListingQuantity, PushOutcome, StockSubmission, listing_target
from domain.order import Channel
from domain.routing import within
from integrations.channel import SettlingStockPort, StockPort
from integrations.errors import IntegrationError
from integrations.gxo.port import WarehousePort
from store import inventory
from store.mappings import list_facility_rules, list_sku_mappings
from store.products import not_launched_items
from store.set_aside import keep_set_aside


class InventoryActivities:
    def __init__(
        self,
        engine: Engine,
        warehouse: WarehousePort,
        ports: Mapping[AccountKey, StockPort],
        facilities: Mapping[AccountKey, Collection[str]] | None = None,
    ) -> None:
        """`facilities`: where an account's orders ship from (its accounts-file entry): it
        offers the stock there only; an account not named offers every facility its channel's
        rules route to."""
        self.engine = engine
        self.warehouse = warehouse
        self.ports = dict(ports)
        self.facilities = dict(facilities or {})

    def _port(self, channel: Channel, account: str) -> StockPort:
        return port_of(self.ports, channel, account, "stock port")

    def _settling_port(self, channel: Channel, account: str) -> SettlingStockPort:
        port = self._port(channel, account)
        if not isinstance(port, SettlingStockPort):
            raise classify(
                ConsignError(
                    ExceptionKind.CHANNEL_REJECTED,
                    f"{channel} answers stock pushes at once: nothing to settle",
                )
            )
        return port

    @activity.defn(name="load_stock_snapshot")
    async def load_snapshot(self, request: FacilityRequest) -> SnapshotLoaded:
        """The facility's full inventory replaces what the store holds (a fresh start). A level
        consign cannot read is set aside: its item has no level until a change reports one; a
        snapshot that cannot be read as a whole is INVALID_WAREHOUSE_DATA, never retried."""
        async with heartbeating():
            with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
                snapshot = await self.warehouse.inventory(request.facility_id)
            await asyncio.to_thread(keep_set_aside, self.engine, snapshot.set_aside)
            await asyncio.to_thread(
                inventory.replace_facility_stock,
                self.engine,
                snapshot.facility_id,
                snapshot.levels,
                snapshot.cursor,
            )
        return SnapshotLoaded(
            cursor=snapshot.cursor,
            items=sorted(level.item_code for level in snapshot.levels),
            set_aside=[record.notice() for record in snapshot.set_aside],
        )

    @activity.defn(name="pull_stock_changes")
    async def pull_changes(self, request: PullRequest) -> StockPulled:
        """Stock changes since the cursor, applied to the store (repeats are harmless). A
        change consign cannot read is set aside and the others applied: the item keeps its
        level until a later change of it is read. A page that cannot be read as a whole is
        INVALID_WAREHOUSE_DATA, never retried."""
        async with heartbeating():
            with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
                page = await self.warehouse.stock_changes(
                    request.facility_id, request.cursor, request.limit
                )
            await asyncio.to_thread(keep_set_aside, self.engine, page.set_aside)
            changed = await asyncio.to_thread(
                inventory.apply_stock_changes, self.engine, page.changes
            )
        return StockPulled(
            next_cursor=max(request.cursor, page.next_cursor),
            items=sorted(changed),
            count=len(page.changes) + len(page.set_aside),
            set_aside=[record.notice() for record in page.set_aside],
        )

    def _targets(
        self,
        channel: Channel,
        account: str,
        items: set[str] | None,
        skus: frozenset[str] = frozenset(),
    ) -> tuple[dict[str, int], list[str], list[str]]:
        """SKU -> quantity to show, for the SKUs mapped to `items` (all when None) and `skus`;
        also the mapped SKUs GXO has no stock record of, and the GXO items no SKU of this
        channel maps."""
        port = self._port(channel, account)
        routes = list_facility_rules(self.engine, channel)
        allowed = self.facilities.get((channel, account), ())
        facilities = {rule.facility_id for rule in within(routes, allowed)}
        available = inventory.available_by_item(self.engine, facilities)
        rules = inventory.list_buffer_rules(self.engine)
        mappings = list_sku_mappings(self.engine, channel)
        wanted = (
            None
            if items is None
            else {m.item_code for m in mappings if m.item_code in items or m.sku in skus}
        )
        demand = inventory.demand_by_item(self.engine, wanted)
        # Launch gate: an item the product sync sent GXO but GXO has not accepted sells nothing.
        for code in not_launched_items(self.engine):
            available[code] = 0
        targets: dict[str, int] = {}
        unknown_to_gxo: list[str] = []
        for mapping in mappings:
            if items is not None and mapping.item_code not in items and mapping.sku not in skus:
                continue
            if mapping.item_code not in available:
                unknown_to_gxo.append(mapping.sku)
            targets[mapping.sku] = listing_target(
                channel,
                port.subtracts_own_orders,
                mapping.sku,
                available.get(mapping.item_code, 0),
                rules,
                demand.open.get(mapping.item_code, {}),
                demand.allocated.get(mapping.item_code, {}).get(channel, 0)
                + demand.shipped.get(mapping.item_code, {}).get(channel, 0),
            )
        mapped_items = {m.item_code for m in mappings}
        unmapped = sorted(set(available) - mapped_items) if items is None else []
        return targets, sorted(unknown_to_gxo), unmapped

    @activity.defn(name="plan_stock_push")
    async def plan_push(self, request: StockPlanRequest) -> StockPlan:
        """What differs from what the channel last accepted (plus the SKUs asked for again),
        marked pending in the ledger so a push that never lands is noticed."""
        items = set(request.items) if request.items is not None else None
        async with heartbeating():
            return await self._plan(request, items)

    async def _plan(self, request: StockPlanRequest, items: set[str] | None) -> StockPlan:
        targets, unknown, unmapped = await asyncio.to_thread(
            self._targets, request.channel, request.account, items, frozenset(request.skus)
        )
        accepted = await asyncio.to_thread(
            inventory.ledger, self.engine, request.channel, request.account
        )
        force = set(request.force_skus)
        changed = [
            ListingQuantity(sku=sku, quantity=quantity)
            for sku, quantity in sorted(targets.items())
            if sku in force or accepted.get(sku) is None or accepted[sku].quantity != quantity
        ]
        await asyncio.to_thread(
            inventory.mark_pending,
            self.engine,
            request.channel,
            request.account,
            changed,
            datetime.now(UTC),
        )
        # Back where the channel last accepted it (a rejected figure that came back): settled.
        pushed = {q.sku for q in changed}
        settled = [
            sku
            for sku, entry in accepted.items()
            if entry.pending_since is not None and sku in targets and sku not in pushed
        ]
        if settled:
            await asyncio.to_thread(
                inventory.clear_pending, self.engine, request.channel, request.account, settled
            )
        return StockPlan(quantities=changed, unknown_to_gxo=unknown, unmapped_items=unmapped)

    @activity.defn(name="push_stock")
    async def push(self, request: StockPushRequest) -> StockPushReport:
        """Push and return at once. Each SKU the channel answers goes to the ledger as it
        answers, marked with this activity; what it processes later comes back as pending
        submissions, each recorded as soon as the channel has it. A retry of this activity (a
        throttle halfway, a lost response, a killed worker) finds both and sends neither
        again: only the SKUs not yet answered or submitted."""
        port = self._port(request.channel, request.account)
        info = activity.info()
        sent_by = f"{info.workflow_id}/{info.workflow_run_id}/{info.activity_id}"
        channel, account = request.channel, request.account
        pending = await asyncio.to_thread(
            inventory.submissions_sent_by, self.engine, channel, account, sent_by
        )
        carried = {sku for submission in pending for sku in submission.skus()}
        earlier = await asyncio.to_thread(
            inventory.answered_by, self.engine, channel, account, sent_by, request.quantities
        )
        done = carried | {outcome.sku for outcome in earlier}

        async def submitted(submission: StockSubmission) -> None:
            await asyncio.to_thread(
                inventory.record_submission, self.engine, channel, account, sent_by, submission
            )
            pending.append(submission)

        async def answered(outcome: PushOutcome) -> None:
            await asyncio.to_thread(
                inventory.record_push,
                self.engine,
                channel,
                account,
                [outcome],
                datetime.now(UTC),
                sent_by,
            )

        async with heartbeating():
            try:
                answers = await port.push(
                    [q for q in request.quantities if q.sku not in done], submitted, answered
                )
            except IntegrationError as err:
                raise classify(err) from err
        stock_metrics.count_answers(
            channel,
            sum(1 for o in answers if o.accepted),
            sum(1 for o in answers if not o.accepted),
        )
        outcomes = earlier + answers
        return StockPushReport(
            accepted=sum(1 for o in outcomes if o.accepted),
            rejected=[o for o in outcomes if not o.accepted],
            pending=pending,
        )

    @activity.defn(name="check_stock_submission")
    async def check_submission(self, request: SubmissionCheck) -> SubmissionChecked:
        """Ask the channel once about a submission it processes later; record its outcomes
        when it is done. The channel's answer that retrying cannot change (a FATAL feed, a report
        consign cannot read) and the last check of one still processing settle it too, every
        SKU not accepted with the reason, so nothing waits for it forever."""
        port = self._settling_port(request.channel, request.account)
        submission = request.submission
        async with heartbeating():
            try:
                outcomes = await port.settle(submission)
            except IntegrationError as err:
                if err.transient:
                    raise classify(err) from err
                outcomes = submission.refused(str(err))
            if outcomes is None:
                if request.waited_hours is None:
                    return SubmissionChecked(settled=False)
                outcomes = submission.refused(
                    f"{submission.submission} still processing after "
                    f"{request.waited_hours:g} h: not counted as accepted"
                )
            await self._record(request.channel, request.account, outcomes)
            await asyncio.to_thread(
                inventory.forget_submission,
                self.engine,
                request.channel,
                request.account,
                submission.submission,
            )
        return SubmissionChecked(
            settled=True,
            accepted=[o.sku for o in outcomes if o.accepted],
            rejected=[o for o in outcomes if not o.accepted],
        )

    async def _record(self, channel: Channel, account: str, outcomes: list[PushOutcome]) -> None:
        await asyncio.to_thread(
            inventory.record_push, self.engine, channel, account, outcomes, datetime.now(UTC)
        )

    @activity.defn(name="read_channel_stock")
    async def read_back(self, request: StockReadRequest) -> DriftReport:
        """What the channel shows against what it should show: the daily reconcile (e.g. a
        getListingsItem per SKU at 5 per second, minutes for thousands of SKUs)."""
        async with heartbeating():
            return await self._read_back(request)

    async def _read_back(self, request: StockReadRequest) -> DriftReport:
        port = self._port(request.channel, request.account)
        targets, _, _ = await asyncio.to_thread(
            self._targets, request.channel, request.account, None
        )
        try:
            shown = await port.read(sorted(targets))
        except IntegrationError as err:
            raise classify(err) from err
        await asyncio.to_thread(
            inventory.record_read_back,
            self.engine,
            request.channel,
            request.account,
            shown,
            datetime.now(UTC),
        )
        by_sku = {item.sku: item.quantity for item in shown}
        drift = [
            DriftLine(sku=sku, expected=expected, shown=by_sku.get(sku))
            for sku, expected in sorted(targets.items())
            if by_sku.get(sku) != expected
        ]
        return DriftReport(checked=len(targets), drift=drift)

    @activity.defn(name="stalled_stock_skus")
    async def stalled(self, request: StalledRequest) -> StalledSkus:
        """SKUs with a change pending longer than the threshold and no accepted push since."""
        async with heartbeating():
            entries = await asyncio.to_thread(
                inventory.ledger, self.engine, request.channel, request.account
            )
        cutoff = datetime.now(UTC) - timedelta(seconds=request.older_than_seconds)
        return StalledSkus(
            skus=sorted(
                sku
                for sku, entry in entries.items()
                if entry.pending_since is not None and entry.pending_since < cutoff
            )
        )
