"""Warehouse activities: plan, inject, cancel, look up and pull events. One call each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.account_ports import AccountKey
from activities.audit import audit
from activities.errors import classified
from activities.heartbeat import heartbeating
from activities.models import (
    EVENTS_PUSHED_SIGNAL,
    EventDelivery,
    EventsPulled,
    PullRequest,
    WarehouseLookup,
    WarehouseOrderRequest,
)
from domain.exceptions import ExceptionKind
from domain.limits import IntakeLimits
from domain.order import ChannelOrder, OrderRef
from domain.payloads import payload_size, split_dispatch
from domain.planning import plan_warehouse_order, unmapped_skus
from domain.products import ItemState, ItemStatus
from domain.routing import within
from domain.warehouse import (
    CancelOutcome,
    EventPage,
    FeedEvent,
    InjectionResult,
    RejectionCode,
    WarehouseEvent,
    WarehouseOrder,
)
from integrations.gxo.errors import WarehouseRejected
from integrations.gxo.port import ItemMasterPort, WarehousePort
from store.inventory import close_demand, record_demand
from store.mappings import list_sku_mappings, load_mapping_set
from store.products import (
    forget_waits,
    not_in_ledger,
    not_launched,
    record_known,
    wait_for_launch,
    wait_for_mapping,
)
from store.set_aside import keep_set_aside
from store.settlements import record_order_charge
from store.tables import AuditOutcome


class WarehouseActivities:
    def __init__(
        self,
        warehouse: WarehousePort,
        engine: Engine,
        on_demand: Callable[[list[str]], Awaitable[None]] | None = None,
        *,
        client: Client | None = None,
        limits: IntakeLimits | None = None,
        facilities: Mapping[AccountKey, Collection[str]] | None = None,
        product_synced: Collection[AccountKey] = (),
        items: ItemMasterPort | None = None,
    ) -> None:
        """`on_demand` hears which items a newly planned order holds back, so inventory sync
        lowers what the channels show at once rather than at GXO's next cycle. `client`
        pushes the parts of a dispatch too large for one payload to the facility's intake.
        `facilities`: the facilities an account's orders may ship from (its accounts-file
        entry); an account not named routes to every facility its rules name.
        `product_synced`: the accounts whose product sync sends GXO their items: their orders
        go to GXO only for items GXO holds (asked through `items` when no sync sent them)."""
        self.warehouse = warehouse
        self.engine = engine
        self.on_demand = on_demand
        self.client = client
        self.limits = limits or IntakeLimits()
        self.facilities = dict(facilities or {})
        self.product_synced = frozenset(product_synced)
        self.items = items

    @activity.defn(name="plan_fulfilment")
    async def plan(self, order: ChannelOrder) -> WarehouseOrder:
        """Resolve SKUs, facility and carrier service from the mappings in the store; keep the
        order's demand and what the channel says it costs (store/settlements.py)."""
        skus = [line.sku for line in order.lines]
        gtins = [line.gtin for line in order.lines if line.gtin]
        mappings = await asyncio.to_thread(
            load_mapping_set, self.engine, order.ref.channel, skus, gtins
        )
        allowed = self.facilities.get((order.ref.channel, order.ref.account), ())
        mappings.facility_rules = within(mappings.facility_rules, allowed)
        try:
            with classified(ExceptionKind.INVALID_CHANNEL_DATA):
                plan = plan_warehouse_order(order, mappings, self.limits)
        except ApplicationError as failure:
            if failure.type == ExceptionKind.UNMAPPED_SKU.value and self._synced(order.ref):
                # The product sync may write the mapping (item codes from product data):
                # it releases the order then, as it releases ITEM_NOT_LAUNCHED.
                waiting = unmapped_skus(order, mappings)
                workflow_id = activity.info().workflow_id or ""
                await asyncio.to_thread(wait_for_mapping, self.engine, workflow_id, waiting)
            raise
        # What the channel says the order costs, for month-end's settlement comparison.
        await asyncio.to_thread(record_order_charge, self.engine, order)
        await self._launch_gate(order, plan)
        # Sold but not yet allocated at GXO: inventory sync holds these units back.
        skus_by_line = {line.line_id: line.sku for line in order.lines}
        demand = [(skus_by_line[w.channel_line_id], w.item_code, w.quantity) for w in plan.lines]
        await asyncio.to_thread(record_demand, self.engine, order.ref, demand)
        if self.on_demand is not None:
            await self.on_demand(sorted({item for _, item, _ in demand}))
        return plan

    def _synced(self, ref: OrderRef) -> bool:
        return (ref.channel, ref.account) in self.product_synced

    async def _launch_gate(self, order: ChannelOrder, plan: WarehouseOrder) -> None:
        """An item the product sync sent GXO but GXO has not accepted parks the order (never
        injected to be refused); the product sync signals it once GXO accepts the item. For
        an account whose product sync is on, an item no sync sent is launched only if GXO
        says it holds it active (loaded before consign, the sync's start date): asked until it
        does, then kept in the ledger. Other accounts' hand-mapped items are not held back.
        Inventory sync hears of a gated item: nothing moved its stock at GXO, so it would not
        push the gate's 0 and the channel would keep selling what the product was created with."""
        skus_by_line = {line.line_id: line.sku for line in order.lines}
        lines = {
            (plan.facility_id, w.item_code): skus_by_line[w.channel_line_id] for w in plan.lines
        }
        workflow_id = activity.info().workflow_id or ""
        blocked = await asyncio.to_thread(not_launched, self.engine, sorted(lines))
        if self._synced(order.ref) and self.items is not None:
            unsent = await asyncio.to_thread(not_in_ledger, self.engine, sorted(lines))
            blocked += await self._not_held(self.items, unsent, lines)
        if not blocked:
            await asyncio.to_thread(forget_waits, self.engine, [workflow_id])
            return
        await self._park_for_launch(workflow_id, plan.facility_id, sorted(blocked), lines)

    async def _not_held(
        self,
        items: ItemMasterPort,
        pairs: list[tuple[str, str]],
        skus: Mapping[tuple[str, str], str],
    ) -> list[tuple[str, str]]:
        """Ask GXO about items no product sync sent; keep what it holds, return the others."""
        held: list[tuple[ItemState, str]] = []
        missing: list[tuple[str, str]] = []
        for facility_id, item_code in pairs:
            with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
                state = await items.get_item(facility_id, item_code)
            if state is not None and state.status is ItemStatus.ACTIVE:
                held.append((state, skus[(facility_id, item_code)]))
            else:
                missing.append((facility_id, item_code))
        if held:
            await asyncio.to_thread(record_known, self.engine, held)
        return missing

    async def _park_for_launch(
        self,
        workflow_id: str,
        facility_id: str,
        blocked: list[tuple[str, str]],
        skus: Mapping[tuple[str, str], str],
    ) -> None:
        """Keep the order's wait for the product sync to release, and park it (non-retryable
        ITEM_NOT_LAUNCHED)."""
        waiting = [(facility, code, skus[(facility, code)]) for facility, code in blocked]
        await asyncio.to_thread(wait_for_launch, self.engine, workflow_id, waiting)
        if self.on_demand is not None:  # the channel sells it: inventory sync offers 0 now
            await self.on_demand(sorted({code for _, code in blocked}))
        named = ", ".join(f"{sku} ({code})" for _, code, sku in waiting)
        raise ApplicationError(
            f"GXO has not accepted {named} at {facility_id} yet: the order goes on by "
            "itself once the product sync sees it accepted",
            type=ExceptionKind.ITEM_NOT_LAUNCHED.value,
            non_retryable=True,
        )

    @activity.defn(name="inject_warehouse_order")
    async def inject(self, order: WarehouseOrder) -> InjectionResult:
        """Idempotent at GXO on (facility, reference): a retry returns the same order."""
        ref = order.order_ref
        try:
            with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
                try:
                    result = await self.warehouse.inject(order)
                except WarehouseRejected as refused:
                    await self._unknown_item(order, refused)
                    raise
        except ApplicationError as failure:
            if failure.non_retryable:
                await self._audit(ref, order, "inject", failure.message)
                await self._close_demand(ref)
            raise
        outcome = AuditOutcome.DUPLICATE if result.duplicate else AuditOutcome.ACCEPTED
        detail = f"{len(order.lines)} line(s) as {result.warehouse_order_id}"
        await self._audit(ref, order, "inject", detail, outcome)
        return result

    async def _unknown_item(self, order: WarehouseOrder, refused: WarehouseRejected) -> None:
        """GXO refused an order of a product-synced account as UNKNOWN_ITEM for items the
        ledger does not know (no sync sent them; GXO's answer changed since the gate asked):
        the item is not launched, so the order parks as ITEM_NOT_LAUNCHED and waits for the
        product sync like any other, rather than as a generic warehouse rejection."""
        rejection = refused.rejection
        if rejection.code is not RejectionCode.UNKNOWN_ITEM or not self._synced(order.order_ref):
            return
        lines = order.lines
        if rejection.line_number is not None and 0 < rejection.line_number <= len(lines):
            lines = [lines[rejection.line_number - 1]]
        mapped = await asyncio.to_thread(list_sku_mappings, self.engine, order.channel)
        sku_of = {m.item_code: m.sku for m in mapped}
        skus = {
            (order.facility_id, line.item_code): sku_of.get(line.item_code, line.item_code)
            for line in lines
        }
        unsent = await asyncio.to_thread(not_in_ledger, self.engine, sorted(skus))
        if not unsent:
            return  # the ledger says GXO holds them: a discrepancy for GXO, named as such
        workflow_id = activity.info().workflow_id or ""
        await self._park_for_launch(workflow_id, order.facility_id, unsent, skus)

    @activity.defn(name="close_order_demand")
    async def close_order_demand(self, ref: OrderRef) -> None:
        """The order has ended: whatever of it GXO never shipped stops holding stock back."""
        await self._close_demand(ref)

    async def _close_demand(self, ref: OrderRef) -> None:
        items = await asyncio.to_thread(close_demand, self.engine, ref)
        if items and self.on_demand is not None:
            await self.on_demand(items)

    @activity.defn(name="cancel_warehouse_order")
    async def cancel(self, request: WarehouseOrderRequest) -> CancelOutcome:
        with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
            outcome = await self.warehouse.cancel(request.facility_id, request.reference)
        accepted = outcome is not CancelOutcome.TOO_LATE
        if accepted:
            await self._close_demand(request.ref)
        await self._audit(
            request.ref,
            request,
            "cancel",
            outcome.value,
            AuditOutcome.ACCEPTED if accepted else AuditOutcome.REJECTED,
        )
        return outcome

    @activity.defn(name="get_warehouse_order")
    async def get_order(self, request: WarehouseOrderRequest) -> WarehouseLookup:
        with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
            state = await self.warehouse.get_order(request.facility_id, request.reference)
        return WarehouseLookup(state=state)

    @activity.defn(name="pull_warehouse_events")
    async def pull_events(self, request: PullRequest) -> EventsPulled:
        """Events since the cursor. Those GXO sent that consign cannot read are stored as set
        aside here, so their content never enters a workflow's history; the intake only counts
        them. A page that cannot be read as a whole is INVALID_WAREHOUSE_DATA, never retried.
        The page handed back stays within the payload budget (below)."""
        async with heartbeating():
            with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
                page = await self.warehouse.events_since(
                    request.facility_id, request.cursor, request.limit
                )
            await asyncio.to_thread(keep_set_aside, self.engine, page.set_aside)
            return await self._within_budget(request, page)

    async def _within_budget(self, request: PullRequest, page: EventPage) -> EventsPulled:
        """A dispatch larger than one payload is split and its parts pushed to the intake as
        signals of their own (the webhook does the same); the other events come back in
        sequence order until the budget is spent, the cursor at the last one handled."""
        budget = self.limits.payload_budget_bytes
        events: list[FeedEvent] = []
        used, handled = 0, request.cursor
        more = len(page.events) + len(page.set_aside) >= request.limit
        next_cursor = page.next_cursor
        for event in sorted(page.events, key=lambda e: e.sequence):
            parts: list[FeedEvent] = (
                list(split_dispatch(event, budget))
                if isinstance(event, WarehouseEvent)
                else [event]
            )
            if len(parts) > 1:
                await self._push_to_intake(parts)
            else:
                size = payload_size(event)
                if events and used + size > budget:
                    next_cursor, more = handled, True
                    break
                events.append(event)
                used += size
            handled = max(handled, event.sequence)
        notices = [record.notice() for record in page.set_aside]
        return EventsPulled(events=events, next_cursor=next_cursor, set_aside=notices, more=more)

    async def _push_to_intake(self, parts: list[FeedEvent]) -> None:
        intake_id = activity.info().workflow_id
        if self.client is None or intake_id is None:
            raise ApplicationError(
                "a dispatch too large for one payload needs a Temporal client and the intake "
                "workflow to push its parts to",
                non_retryable=True,
            )
        intake = self.client.get_workflow_handle(intake_id)
        for part in parts:
            await intake.signal(EVENTS_PUSHED_SIGNAL, EventDelivery(events=[part]))

    async def _audit(
        self,
        ref: OrderRef,
        target: WarehouseOrder | WarehouseOrderRequest,
        operation: str,
        detail: str,
        outcome: AuditOutcome = AuditOutcome.REJECTED,
    ) -> None:
        await audit(
            self.engine,
            system="gxo",
            operation=operation,
            channel=ref.channel,
            account=ref.account,
            order_id=ref.order_id,
            key=f"{target.facility_id}:{target.reference}",
            outcome=outcome,
            detail=detail,
        )
