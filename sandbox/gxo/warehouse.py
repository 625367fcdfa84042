"""The simulated warehouse: orders, stock, batch cycles and the per-facility event feed.

Everything here is synchronous and in memory; the app serialises access on one event loop.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from pydantic import ValidationError

from sandbox.gxo import packing, validation
from sandbox.gxo.catalogue import UNDELIVERABLE_POSTAL_CODES, Catalogue, default_catalogue
from sandbox.gxo.items import ItemMaster
from sandbox.gxo.models import (
    CancelRecord,
    InjectionCount,
    LineProgress,
    ProcessingSettings,
    SandboxOrder,
    Scenario,
    UnlabelledReturn,
)
from sandbox.gxo.returns import ReturnsDesk
from sandbox.gxo.stock import FacilityStock, OrderTag
from sandbox.gxo.wire import (
    Accepted,
    CancelOutcome,
    Carton,
    EventFeedPage,
    EventKind,
    ItemRecord,
    ItemView,
    Movement,
    OrderStatus,
    OrderView,
    Rejection,
    RejectionCode,
    ReturnAccepted,
    ReturnAuthorisation,
    ReturnEvent,
    ReturnReceiptView,
    ReturnView,
    ShippingOrder,
    Snapshot,
    StockFeedPage,
    StockLevel,
    WarehouseEvent,
)

FeedEvent = WarehouseEvent | ReturnEvent
Clock = Callable[[], datetime]
Listener = Callable[[FeedEvent], None]


class BadRequest(ValueError):
    """The body is not a 940 at all (400), as opposed to a 940 GXO refuses (422)."""


class UnknownFacility(KeyError):
    """A facility id that is not in the catalogue (404 on reads)."""


class UnknownItem(KeyError):
    """Stock for an item the facility's item master does not hold (the WMS refuses it)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class GxoWarehouse:
    """State and processing rules. `settings` and `scenarios` may change between cycles."""

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        settings: ProcessingSettings | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        self.catalogue = catalogue or default_catalogue()
        self.clock = clock
        opened = clock()
        self.ledgers: dict[str, FacilityStock] = {
            fid: FacilityStock(fid, facility.stock, opened)
            for fid, facility in self.catalogue.facilities.items()
        }
        self.items = ItemMaster()
        for fid, facility in self.catalogue.facilities.items():
            for code in facility.stock:
                known = self.catalogue.items.get(code)
                self.items.seed(fid, code, known.description if known else code, opened)
        self.orders: list[SandboxOrder] = []
        self.live: dict[tuple[str, str], SandboxOrder] = {}
        self.events: dict[str, list[FeedEvent]] = {fid: [] for fid in self.ledgers}
        self.returns = ReturnsDesk(self._emit_return, self._restock_return)
        self.injections: dict[str, InjectionCount] = {}
        self.cancels: list[CancelRecord] = []
        self.scenarios: dict[str, Scenario] = {}
        self.listeners: list[Listener] = []
        self.cycles_run = 0
        self._tracking_counters: dict[str, int] = {}
        self._cartons = 0  # SSCC serials handed out
        self.configure(settings or ProcessingSettings())

    @property
    def stock(self) -> dict[str, dict[str, int]]:
        """Live on-hand units per facility and item (what pickers find on the shelf)."""
        return {fid: ledger.on_hand for fid, ledger in self.ledgers.items()}

    def configure(self, settings: ProcessingSettings) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)

    # ---- inject -------------------------------------------------------------------------

    def inject(self, payload: Mapping[str, object]) -> Accepted | Rejection:
        """Accept a 940 body idempotently on (facility, reference). Raises BadRequest."""
        reference = payload.get("reference")
        if not isinstance(reference, str) or not reference:
            raise BadRequest("reference (the depositor order number) is required")
        count = self.injections.setdefault(reference, InjectionCount())
        count.calls += 1
        channel_order_id = payload.get("channel_order_id")
        if isinstance(channel_order_id, str):
            count.channel_order_id = channel_order_id
        rejection = validation.check_quantities(payload)
        if rejection is not None:
            count.rejected += 1
            return rejection
        try:
            order = ShippingOrder.model_validate(payload)
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
            raise BadRequest(f"body is not a valid order: {', '.join(fields)}") from exc
        duplicates = validation.duplicate_line_numbers(order)
        if duplicates:
            raise BadRequest(f"duplicate line numbers {duplicates}")
        existing = self.live.get((order.facility_id, order.reference))
        # A rejected order is dead: re-sending its reference (after a fix) creates a new one.
        if existing is not None and existing.status is not OrderStatus.REJECTED:
            count.duplicates += 1
            return Accepted(
                warehouse_order_id=existing.warehouse_order_id,
                status=existing.status,
                duplicate=True,
            )
        rejection = validation.validate(order, self.catalogue, self.items)
        if rejection is not None:
            count.rejected += 1
            return rejection
        count.created += 1
        created = self._create(order)
        return Accepted(warehouse_order_id=created.warehouse_order_id, status=created.status)

    def scenario(self, reference: str, channel_order_id: str | None) -> Scenario:
        """Scripted by reference, or by the channel order id (what a test or demo knows)."""
        found = self.scenarios.get(reference)
        if found is None and channel_order_id is not None:
            found = self.scenarios.get(channel_order_id)
        return found or Scenario()

    def _create(self, order: ShippingOrder) -> SandboxOrder:
        scenario = self.scenario(order.reference, order.channel_order_id)
        record = SandboxOrder(
            warehouse_order_id=f"WO{len(self.orders) + 1:08d}",
            facility_id=order.facility_id,
            reference=order.reference,
            channel_order_id=order.channel_order_id,
            status=OrderStatus.RECEIVED,
            received_at=self.clock(),
            order=order,
            lines=[
                LineProgress(
                    line_number=line.line_number,
                    item_code=line.item_code,
                    channel_line_id=line.channel_line_id,
                    quantity=line.quantity,
                )
                for line in order.lines
            ],
            ready_after_cycle=self.cycles_run
            + self.settings.dispatch_delay_cycles
            + scenario.hold_cycles,
        )
        self.orders.append(record)
        self.live[(order.facility_id, order.reference)] = record
        return record

    # ---- cancel and reads ---------------------------------------------------------------

    def cancel(self, facility_id: str, reference: str) -> tuple[CancelOutcome, SandboxOrder | None]:
        """Cancel before any pick; idempotent for an already cancelled order."""
        self._facility(facility_id)
        record = self.live.get((facility_id, reference))
        if record is None or record.status is OrderStatus.REJECTED:
            outcome = CancelOutcome.NOT_FOUND
        elif record.status is OrderStatus.CANCELLED:
            outcome = CancelOutcome.CANCELLED
        elif record.picked:
            outcome = CancelOutcome.TOO_LATE
        else:
            outcome = CancelOutcome.CANCELLED
            record.status = OrderStatus.CANCELLED
            self._reserve(record, {line.line_number: 0 for line in record.lines}, self.clock())
            self._emit(record, EventKind.CANCELLED)
        self.cancels.append(
            CancelRecord(
                facility_id=facility_id,
                reference=reference,
                channel_order_id=record.channel_order_id if record else None,
                outcome=outcome,
                at=self.clock(),
            )
        )
        return outcome, record

    def state(self, facility_id: str, reference: str) -> OrderView | None:
        self._facility(facility_id)
        record = self.live.get((facility_id, reference))
        if record is None:
            return None
        return OrderView(
            warehouse_order_id=record.warehouse_order_id,
            reference=record.reference,
            channel_order_id=record.channel_order_id,
            facility_id=record.facility_id,
            status=record.status,
            parcels=record.parcels,
            rejection=record.rejection,
        )

    def events_since(self, facility_id: str, cursor: int, limit: int) -> EventFeedPage:
        """Events with sequence > cursor; next_cursor is the last sequence returned."""
        self._facility(facility_id)
        feed = self.events[facility_id]
        page = feed[max(cursor, 0) : max(cursor, 0) + limit]
        return EventFeedPage(events=page, next_cursor=page[-1].sequence if page else cursor)

    def _facility(self, facility_id: str) -> None:
        if facility_id not in self.catalogue.facilities:
            raise UnknownFacility(facility_id)

    # ---- stock --------------------------------------------------------------------------

    def _ledger(self, facility_id: str, item_code: str) -> FacilityStock:
        """The facility's ledger, for an item its item master holds (else UnknownItem)."""
        self._facility(facility_id)
        if not self.items.knows(facility_id, item_code):
            raise UnknownItem(item_code)
        return self.ledgers[facility_id]

    # ---- item master --------------------------------------------------------------------

    def put_item(self, facility_id: str, record: ItemRecord) -> tuple[ItemView, bool] | Rejection:
        """Create or change an item master record (888); see sandbox/gxo/items.py."""
        self._facility(facility_id)
        return self.items.put(facility_id, record, self.clock(), self.cycles_run)

    def hold_item(self, facility_id: str, item_code: str, description: str) -> None:
        """An item the facility already holds, ACTIVE at once (items.ItemMaster.hold)."""
        self._facility(facility_id)
        self.items.hold(facility_id, item_code, description, self.clock())

    def item(self, facility_id: str, item_code: str) -> ItemView | None:
        self._facility(facility_id)
        return self.items.view(facility_id, item_code)

    def set_stock(self, level: StockLevel) -> None:
        """A stock-take: on hand becomes `level.on_hand`, reported as an ADJUSTMENT."""
        ledger = self._ledger(level.facility_id, level.item_code)
        delta = level.on_hand - ledger.on_hand.get(level.item_code, 0)
        ledger.on_hand.setdefault(level.item_code, 0)
        ledger.move(Movement.ADJUSTMENT, level.item_code, delta, 0, self.clock())

    def restock(self, facility_id: str, item_code: str, quantity: int) -> int:
        """Goods received into stock (944 RECEIPT); returns the new on-hand level."""
        ledger = self._ledger(facility_id, item_code)
        ledger.move(Movement.RECEIPT, item_code, quantity, 0, self.clock())
        return ledger.on_hand[item_code]

    def adjust(self, facility_id: str, item_code: str, quantity: int) -> int:
        """A 947 adjustment (damage, found, count); on hand never goes below zero, so a larger
        write-off removes only what is there. Returns the new on-hand level."""
        ledger = self._ledger(facility_id, item_code)
        delta = max(quantity, -ledger.on_hand.get(item_code, 0))
        ledger.on_hand.setdefault(item_code, 0)
        ledger.move(Movement.ADJUSTMENT, item_code, delta, 0, self.clock())
        return ledger.on_hand[item_code]

    def receive_return(
        self, facility_id: str, item_code: str, quantity: int, reference: str
    ) -> int:
        """A customer return put back to stock; `reference` is the channel order id."""
        ledger = self._ledger(facility_id, item_code)
        returned = OrderTag(reference=reference)
        ledger.move(Movement.RETURN, item_code, quantity, 0, self.clock(), returned)
        return ledger.on_hand[item_code]

    # ---- returns (180 notice, 944 receipts) ----------------------------------------------

    def notify_return(self, body: ReturnAuthorisation) -> ReturnAccepted:
        self._facility(body.facility_id)
        return self.returns.notify(body, self.cycles_run)

    def return_view(self, facility_id: str, rma: str) -> ReturnView | None:
        self._facility(facility_id)
        return self.returns.view(facility_id, rma)

    def receive_unlabelled(self, parcel: UnlabelledReturn) -> ReturnEvent:
        self._facility(parcel.facility_id)
        return self.returns.receive_unlabelled(parcel, self.clock())

    def _restock_return(self, facility_id: str, item_code: str, quantity: int, rma: str) -> None:
        """Sellable units back on the shelf (a RETURN movement, reported at the cycle's end);
        an item the facility's master does not hold cannot be stocked (it waits in quarantine)."""
        if self.items.knows(facility_id, item_code):
            self.receive_return(facility_id, item_code, quantity, rma)

    def _emit_return(self, facility_id: str, receipt: ReturnReceiptView) -> ReturnEvent:
        feed = self.events[facility_id]
        sequence = len(feed) + 1
        event = ReturnEvent(
            event_id=f"EV-{facility_id}-{sequence:08d}",
            sequence=sequence,
            facility_id=facility_id,
            occurred_at=receipt.received_at,
            receipt=receipt,
        )
        feed.append(event)
        for listener in self.listeners:
            listener(event)
        return event

    def stock_levels(self) -> list[StockLevel]:
        """Live levels (the admin view), ahead of what the feed has reported."""
        return [
            StockLevel(
                facility_id=fid,
                item_code=code,
                on_hand=on_hand,
                allocated=ledger.allocated.get(code, 0),
            )
            for fid, ledger in self.ledgers.items()
            for code, on_hand in sorted(ledger.on_hand.items())
        ]

    def inventory(self, facility_id: str) -> Snapshot:
        self._facility(facility_id)
        return self.ledgers[facility_id].snapshot()

    def stock_changes(self, facility_id: str, cursor: int, limit: int) -> StockFeedPage:
        self._facility(facility_id)
        return self.ledgers[facility_id].page(cursor, limit)

    def _reserve(self, record: SandboxOrder, targets: dict[int, int], at: datetime) -> None:
        """Move each line's allocation to its target units, one change per item and kind."""
        deltas: dict[str, int] = {}
        for line in record.lines:
            target = targets.get(line.line_number, line.allocated)
            deltas[line.item_code] = deltas.get(line.item_code, 0) + target - line.allocated
            line.allocated = target
        ledger = self.ledgers[record.facility_id]
        for code, delta in deltas.items():
            kind = Movement.ALLOCATION if delta > 0 else Movement.DEALLOCATION
            ledger.move(kind, code, 0, delta, at, _tag(record))

    def _hold(self, record: SandboxOrder, at: datetime) -> None:
        """An order waiting for its pick wave reserves what stock it can meanwhile."""
        ledger = self.ledgers[record.facility_id]
        free = {code: ledger.available(code) for code in ledger.on_hand}
        targets: dict[int, int] = {}
        for line in record.lines:
            take = min(line.remaining - line.allocated, free.get(line.item_code, 0))
            if take > 0:
                targets[line.line_number] = line.allocated + take
                free[line.item_code] -= take
        self._reserve(record, targets, at)

    def _ship(self, record: SandboxOrder, picked: dict[int, int], at: datetime) -> None:
        """Picked units leave the building: on hand and allocated drop together."""
        units: dict[str, int] = {}
        for line in record.lines:
            units[line.item_code] = units.get(line.item_code, 0) + picked.get(line.line_number, 0)
            line.allocated -= picked.get(line.line_number, 0)
        ledger = self.ledgers[record.facility_id]
        for code, n in units.items():
            ledger.move(Movement.SHIPMENT, code, -n, -n, at, _tag(record))

    def _free_for(self, record: SandboxOrder) -> dict[str, int]:
        """Units this order may pick per item: on hand less what other orders hold."""
        ledger = self.ledgers[record.facility_id]
        mine: dict[str, int] = {}
        for line in record.lines:
            mine[line.item_code] = mine.get(line.item_code, 0) + line.allocated
        return {
            code: max(0, on_hand - ledger.allocated.get(code, 0) + mine.get(code, 0))
            for code, on_hand in ledger.on_hand.items()
        }

    # ---- cycles -------------------------------------------------------------------------

    def run_cycle(self) -> list[FeedEvent]:
        """One batch: release, allocate and pick, pack, dispatch; returns received and
        inspected. Returns the events emitted."""
        self.cycles_run += 1
        now = self.clock()  # one wave: parcels and events of a cycle share a timestamp
        emitted: list[FeedEvent] = []
        for record in [r for r in self.orders if r.open]:
            event = self._process(record, now)
            if event is not None:
                emitted.append(event)
        emitted += self.returns.run_cycle(self.cycles_run, now)
        self.items.load(self.cycles_run, now)
        # The cycle's report: everything recorded since the last one becomes visible.
        for ledger in self.ledgers.values():
            ledger.publish(now)
        return emitted

    def _process(self, record: SandboxOrder, now: datetime) -> WarehouseEvent | None:
        scenario = self.scenario(record.reference, record.channel_order_id)
        if record.status is OrderStatus.RECEIVED:
            rejection = self._carrier_check(record, scenario)
            if rejection is not None:
                record.status = OrderStatus.REJECTED
                record.rejection = rejection
                return self._emit(record, EventKind.REJECTED, at=now)
            record.status = OrderStatus.RELEASED
        cycle = self.cycles_run
        if cycle < record.backorder_until_cycle:
            return None
        if cycle <= record.ready_after_cycle:
            self._hold(record, now)
            return None
        picked, short = packing.pick(
            [line for line in record.lines if line.remaining > 0],
            self._free_for(record),
            None if record.picked else scenario.short_pick,
            self.settings.short_pick_rate,
            self.rng,
        )
        # Allocate exactly what this wave picks (releasing any reservation it did not).
        self._reserve(
            record,
            {line.line_number: picked.get(line.line_number, 0) for line in record.lines},
            now,
        )
        if short:
            record.backorder_until_cycle = cycle + self.settings.backorder_cycles
        if not picked:
            return None
        self._ship(record, picked, now)
        parcels = self._pack(record, picked, scenario, now)
        record.picked = True
        for line in record.lines:
            line.shipped += picked.get(line.line_number, 0)
        record.parcels.extend(parcels)
        done = all(line.remaining == 0 for line in record.lines)
        record.status = OrderStatus.SHIPPED if done else OrderStatus.PARTIALLY_SHIPPED
        return self._emit(record, EventKind.DISPATCH, parcels, at=now)

    def _carrier_check(self, record: SandboxOrder, scenario: Scenario) -> Rejection | None:
        """What only shows at release: a scripted rejection or a carrier refusing the address."""
        if scenario.reject is not None:
            return Rejection(code=scenario.reject, message="rejected by warehouse processing")
        postal = (record.order.ship_to.postal_code or "").replace(" ", "").upper()
        if postal in UNDELIVERABLE_POSTAL_CODES:
            return Rejection(
                code=RejectionCode.INVALID_ADDRESS,
                message="the carrier refused the ship-to address",
            )
        return None

    def _pack(
        self, record: SandboxOrder, picked: dict[int, int], scenario: Scenario, now: datetime
    ) -> list[Carton]:
        max_units = 1 if scenario.split else self.settings.max_units_per_parcel
        code = record.order.carrier_service_code
        count = packing.parcel_count(picked, max_units)
        return packing.pack(
            record.lines,
            picked,
            max_units,
            first_parcel=len(record.parcels) + 1,
            id_prefix=record.warehouse_order_id,
            carrier_service_code=code,
            tracking_numbers=[self._tracking_number(code) for _ in range(count)],
            ssccs=[self._sscc() for _ in range(count)],
            shipped_at=now,
        )

    def _sscc(self) -> str:
        self._cartons += 1
        return packing.sscc(self._cartons)

    def _tracking_number(self, carrier_service_code: str) -> str:
        n = self._tracking_counters.get(carrier_service_code, 0) + 1
        self._tracking_counters[carrier_service_code] = n
        service = self.catalogue.carrier_services[carrier_service_code]
        return service.tracking_format.format(n=n)

    def _emit(
        self,
        record: SandboxOrder,
        kind: EventKind,
        parcels: list[Carton] | None = None,
        at: datetime | None = None,
    ) -> WarehouseEvent:
        feed = self.events[record.facility_id]
        sequence = len(feed) + 1
        shipment_id = None
        if kind is EventKind.DISPATCH:
            record.shipments += 1
            shipment_id = f"{record.warehouse_order_id}-S{record.shipments:02d}"
        event = WarehouseEvent(
            event_id=f"EV-{record.facility_id}-{sequence:08d}",
            sequence=sequence,
            kind=kind,
            facility_id=record.facility_id,
            reference=record.reference,
            channel_order_id=record.channel_order_id,
            channel=record.order.channel,
            account=record.order.account,
            warehouse_order_id=record.warehouse_order_id,
            shipment_id=shipment_id,
            order_status=record.status,
            occurred_at=at or self.clock(),
            parcels=parcels or [],
            rejection=record.rejection if kind is EventKind.REJECTED else None,
        )
        feed.append(event)
        for listener in self.listeners:
            listener(event)
        return event


def _tag(record: SandboxOrder) -> OrderTag:
    return OrderTag(
        reference=record.reference,
        channel_order_id=record.channel_order_id,
        channel=record.order.channel,
        account=record.order.account,
    )
