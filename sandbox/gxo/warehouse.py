"""The simulated warehouse: orders, stock, batch cycles and the per-facility event feed.

Everything here is synchronous and in memory; the app serialises access on one event loop.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from domain.warehouse import (
    CancelOutcome,
    EventPage,
    InjectionResult,
    Parcel,
    Rejection,
    RejectionCode,
    WarehouseEvent,
    WarehouseEventKind,
    WarehouseOrder,
    WarehouseOrderState,
    WarehouseOrderStatus,
)
from sandbox.gxo import packing, validation
from sandbox.gxo.catalogue import UNDELIVERABLE_POSTAL_CODES, Catalogue, default_catalogue
from sandbox.gxo.models import (
    CancelRecord,
    InjectionCount,
    LineProgress,
    ProcessingSettings,
    SandboxOrder,
    Scenario,
    StockLevel,
)

Clock = Callable[[], datetime]
Listener = Callable[[WarehouseEvent], None]


class BadRequest(ValueError):
    """The body is not a 940 at all (400), as opposed to a 940 GXO refuses (422)."""


class UnknownFacility(KeyError):
    """A facility id that is not in the catalogue (404 on reads)."""


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
        self.stock: dict[str, dict[str, int]] = {
            fid: dict(facility.stock) for fid, facility in self.catalogue.facilities.items()
        }
        self.orders: list[SandboxOrder] = []
        self.live: dict[tuple[str, str], SandboxOrder] = {}
        self.events: dict[str, list[WarehouseEvent]] = {fid: [] for fid in self.stock}
        self.injections: dict[str, InjectionCount] = {}
        self.cancels: list[CancelRecord] = []
        self.scenarios: dict[str, Scenario] = {}
        self.listeners: list[Listener] = []
        self.cycles_run = 0
        self._tracking_counters: dict[str, int] = {}
        self.configure(settings or ProcessingSettings())

    def configure(self, settings: ProcessingSettings) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)

    # ---- inject -------------------------------------------------------------------------

    def inject(self, payload: Mapping[str, object]) -> InjectionResult | Rejection:
        """Accept a 940 body idempotently on (facility, reference). Raises BadRequest."""
        reference = payload.get("reference")
        if not isinstance(reference, str) or not reference:
            raise BadRequest("reference (the channel order id) is required")
        count = self.injections.setdefault(reference, InjectionCount())
        count.calls += 1
        rejection = validation.check_quantities(payload)
        if rejection is not None:
            count.rejected += 1
            return rejection
        try:
            order = WarehouseOrder.model_validate(payload)
        except ValueError as exc:
            raise BadRequest(f"body is not a valid order: {exc.__class__.__name__}") from exc
        duplicates = validation.duplicate_line_numbers(order)
        if duplicates:
            raise BadRequest(f"duplicate line numbers {duplicates}")
        existing = self.live.get((order.facility_id, order.reference))
        # A rejected order is dead: re-sending its reference (after a fix) creates a new one.
        if existing is not None and existing.status is not WarehouseOrderStatus.REJECTED:
            count.duplicates += 1
            return InjectionResult(
                warehouse_order_id=existing.warehouse_order_id,
                status=existing.status,
                duplicate=True,
            )
        rejection = validation.validate(order, self.catalogue)
        if rejection is not None:
            count.rejected += 1
            return rejection
        count.created += 1
        created = self._create(order)
        return InjectionResult(warehouse_order_id=created.warehouse_order_id, status=created.status)

    def _create(self, order: WarehouseOrder) -> SandboxOrder:
        scenario = self.scenarios.get(order.reference, Scenario())
        record = SandboxOrder(
            warehouse_order_id=f"WO{len(self.orders) + 1:08d}",
            facility_id=order.facility_id,
            reference=order.reference,
            status=WarehouseOrderStatus.RECEIVED,
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
        if record is None or record.status is WarehouseOrderStatus.REJECTED:
            outcome = CancelOutcome.NOT_FOUND
        elif record.status is WarehouseOrderStatus.CANCELLED:
            outcome = CancelOutcome.CANCELLED
        elif record.picked:
            outcome = CancelOutcome.TOO_LATE
        else:
            outcome = CancelOutcome.CANCELLED
            record.status = WarehouseOrderStatus.CANCELLED
            self._emit(record, WarehouseEventKind.CANCELLED)
        self.cancels.append(
            CancelRecord(
                facility_id=facility_id, reference=reference, outcome=outcome, at=self.clock()
            )
        )
        return outcome, record

    def state(self, facility_id: str, reference: str) -> WarehouseOrderState | None:
        self._facility(facility_id)
        record = self.live.get((facility_id, reference))
        if record is None:
            return None
        return WarehouseOrderState(
            warehouse_order_id=record.warehouse_order_id,
            reference=record.reference,
            facility_id=record.facility_id,
            status=record.status,
            parcels=record.parcels,
            rejection=record.rejection,
        )

    def events_since(self, facility_id: str, cursor: int, limit: int) -> EventPage:
        """Events with sequence > cursor; next_cursor is the last sequence returned."""
        self._facility(facility_id)
        feed = self.events[facility_id]
        page = feed[max(cursor, 0) : max(cursor, 0) + limit]
        return EventPage(events=page, next_cursor=page[-1].sequence if page else cursor)

    def _facility(self, facility_id: str) -> None:
        if facility_id not in self.catalogue.facilities:
            raise UnknownFacility(facility_id)

    # ---- stock --------------------------------------------------------------------------

    def set_stock(self, level: StockLevel) -> None:
        """Set on-hand stock; an item new to the facility joins its item master."""
        self._facility(level.facility_id)
        self.stock[level.facility_id][level.item_code] = level.on_hand
        self.catalogue.facilities[level.facility_id].stock.setdefault(level.item_code, 0)

    def restock(self, facility_id: str, item_code: str, quantity: int) -> int:
        self._facility(facility_id)
        levels = self.stock[facility_id]
        levels[item_code] = levels.get(item_code, 0) + quantity
        self.catalogue.facilities[facility_id].stock.setdefault(item_code, 0)
        return levels[item_code]

    def stock_levels(self) -> list[StockLevel]:
        return [
            StockLevel(facility_id=fid, item_code=code, on_hand=on_hand)
            for fid, levels in self.stock.items()
            for code, on_hand in sorted(levels.items())
        ]

    # ---- cycles -------------------------------------------------------------------------

    def run_cycle(self) -> list[WarehouseEvent]:
        """One batch: release, allocate and pick, pack, dispatch. Returns the events emitted."""
        self.cycles_run += 1
        now = self.clock()  # one wave: parcels and events of a cycle share a timestamp
        emitted: list[WarehouseEvent] = []
        for record in [r for r in self.orders if r.open]:
            event = self._process(record, now)
            if event is not None:
                emitted.append(event)
        return emitted

    def _process(self, record: SandboxOrder, now: datetime) -> WarehouseEvent | None:
        scenario = self.scenarios.get(record.reference, Scenario())
        if record.status is WarehouseOrderStatus.RECEIVED:
            rejection = self._carrier_check(record, scenario)
            if rejection is not None:
                record.status = WarehouseOrderStatus.REJECTED
                record.rejection = rejection
                return self._emit(record, WarehouseEventKind.REJECTED, at=now)
            record.status = WarehouseOrderStatus.RELEASED
        cycle = self.cycles_run
        if cycle <= record.ready_after_cycle or cycle < record.backorder_until_cycle:
            return None
        picked, short = packing.pick(
            [line for line in record.lines if line.remaining > 0],
            self.stock[record.facility_id],
            None if record.picked else scenario.short_pick,
            self.settings.short_pick_rate,
            self.rng,
        )
        if short:
            record.backorder_until_cycle = cycle + self.settings.backorder_cycles
        if not picked:
            return None
        parcels = self._pack(record, picked, scenario, now)
        record.picked = True
        for line in record.lines:
            line.shipped += picked.get(line.line_number, 0)
        record.parcels.extend(parcels)
        done = all(line.remaining == 0 for line in record.lines)
        record.status = (
            WarehouseOrderStatus.SHIPPED if done else WarehouseOrderStatus.PARTIALLY_SHIPPED
        )
        return self._emit(record, WarehouseEventKind.DISPATCH, parcels, at=now)

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
    ) -> list[Parcel]:
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
            shipped_at=now,
        )

    def _tracking_number(self, carrier_service_code: str) -> str:
        n = self._tracking_counters.get(carrier_service_code, 0) + 1
        self._tracking_counters[carrier_service_code] = n
        service = self.catalogue.carrier_services[carrier_service_code]
        return service.tracking_format.format(n=n)

    def _emit(
        self,
        record: SandboxOrder,
        kind: WarehouseEventKind,
        parcels: list[Parcel] | None = None,
        at: datetime | None = None,
    ) -> WarehouseEvent:
        feed = self.events[record.facility_id]
        sequence = len(feed) + 1
        event = WarehouseEvent(
            event_id=f"EV-{record.facility_id}-{sequence:08d}",
            sequence=sequence,
            kind=kind,
            facility_id=record.facility_id,
            reference=record.reference,
            channel=record.order.channel,
            account=record.order.account,
            warehouse_order_id=record.warehouse_order_id,
            order_status=record.status,
            occurred_at=at or self.clock(),
            parcels=parcels or [],
            rejection=record.rejection if kind is WarehouseEventKind.REJECTED else None,
        )
        feed.append(event)
        for listener in self.listeners:
            listener(event)
        return event
