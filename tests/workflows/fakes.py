"""In-memory stand-ins for the channel and GXO, registered under the real activity names, so the
workflow's decisions are tested on the time-skipping server without any HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.models import (
    CaptureRequest,
    ConfirmResult,
    ParcelConfirmRequest,
    SetAsideEvent,
    WarehouseLookup,
    WarehouseOrderRequest,
)
from domain.capture import CaptureState, PaymentCapture
from domain.exceptions import ConsignError, ExceptionKind
from domain.mapping import CarrierServiceMapping, FacilityRule, MappingSet, SkuMapping
from domain.order import ChannelOrder, ChannelOrderStatus, FulfilledBy, OrderLine, OrderRef, ShipTo
from domain.planning import plan_warehouse_order
from domain.warehouse import (
    CancelOutcome,
    InjectionResult,
    Parcel,
    ParcelLine,
    WarehouseEvent,
    WarehouseEventKind,
    WarehouseOrder,
    WarehouseOrderState,
    WarehouseOrderStatus,
    warehouse_reference,
)
from integrations.registry import Channel

ACCOUNT = "A1TESTSELLER"
_ids = itertools.count(1)


def make_order(
    order_id: str | None = None,
    status: ChannelOrderStatus = ChannelOrderStatus.READY,
    lines: list[tuple[str, int]] | None = None,
    ship_by_in: timedelta | None = timedelta(days=3),
    fulfilled_by: FulfilledBy = FulfilledBy.MERCHANT,
    now: datetime | None = None,
) -> ChannelOrder:
    """`now` is the test server's clock, which time skipping moves ahead of the wall clock."""
    now = now or datetime.now(UTC)
    order_id = order_id or f"202-{next(_ids):07d}-0000001"
    return ChannelOrder(
        ref=OrderRef(channel=Channel.AMAZON, account=ACCOUNT, order_id=order_id),
        status=status,
        fulfilled_by=fulfilled_by,
        marketplace_id="A1F83G8C2ARO7P",
        ship_service_level="Std UK Dom_1",
        created_at=now,
        last_updated_at=now,
        ship_by=now + ship_by_in if ship_by_in else None,
        ship_to=ShipTo(name="Test Person", line1="1 High St", city="Leeds", country_code="GB"),
        lines=[
            OrderLine(line_id=f"{i}0000", sku=sku, quantity=qty)
            for i, (sku, qty) in enumerate(lines or [("TSHIRT-BLK-M", 1)], start=1)
        ],
    )


def mappings(skus: list[str]) -> MappingSet:
    return MappingSet(
        skus=[
            SkuMapping(
                channel=Channel.AMAZON,
                sku=sku,
                item_code=f"GXO-{sku}",
                hs_code="610910",
                country_of_origin="PT",
                customs_description="cotton t-shirt",
                customs_value=Decimal("12.50"),
                customs_currency="GBP",
            )
            for sku in skus
        ],
        facility_rules=[FacilityRule(facility_id="GXO-UK-DAV", domestic_countries="GB")],
        carrier_services=[
            CarrierServiceMapping(
                channel=Channel.AMAZON,
                ship_service_level="Std UK Dom_1",
                carrier_service_code="RM-TRACKED-48",
            )
        ],
    )


def parcel(parcel_id: str, *lines: tuple[str, int], tracking: str | None = None) -> Parcel:
    """A GXO parcel shipping (channel line id, units) pairs; tracking TRK<parcel id> unless
    given."""
    return Parcel(
        parcel_id=parcel_id,
        tracking_number=tracking or f"TRK{parcel_id}",
        carrier_service_code="RM-TRACKED-48",
        shipped_at=datetime.now(UTC),
        lines=[
            ParcelLine(line_number=n, item_code="GXO", channel_line_id=line_id, quantity=qty)
            for n, (line_id, qty) in enumerate(lines, start=1)
        ],
    )


def dispatch(
    order: ChannelOrder,
    seq: int,
    *parcels: Parcel,
    status: WarehouseOrderStatus | None = None,
    facility_id: str = "GXO-UK-DAV",
) -> WarehouseEvent:
    """What GXO reports for the order as the fakes planned and injected it."""
    reference = warehouse_reference(order.ref)
    return WarehouseEvent(
        event_id=f"evt-{order.ref.order_id}-{seq}",
        sequence=seq,
        kind=WarehouseEventKind.DISPATCH,
        facility_id=facility_id,
        reference=reference,
        channel_order_id=order.ref.order_id,
        channel=order.ref.channel,
        account=order.ref.account,
        warehouse_order_id=f"WO-{reference}",
        order_status=status or WarehouseOrderStatus.PARTIALLY_SHIPPED,
        occurred_at=datetime.now(UTC),
        parcels=list(parcels),
    )


class FakeWorld:
    """The channel order store and the warehouse, as the activities see them."""

    def __init__(self) -> None:
        self.orders: dict[str, ChannelOrder] = {}
        self.mappings = MappingSet()
        self.injections: list[WarehouseOrder] = []
        self.confirms: list[ParcelConfirmRequest] = []
        self.set_aside: list[SetAsideEvent] = []
        self.plan_reference: Callable[[WarehouseOrder], str] | None = None  # a planner's rule
        self.not_launched: set[str] = set()  # item codes GXO has not accepted (launch gate)
        self.cancels: list[WarehouseOrderRequest] = []
        self.closed_demand: list[OrderRef] = []  # orders that ended holding stock back
        self.cancel_outcome = CancelOutcome.CANCELLED
        self.warehouse_parcels: dict[str, list[Parcel]] = {}
        self.lookups = 0
        self.confirm_failures: dict[str, ApplicationError] = {}
        self.inject_failures: list[ApplicationError] = []
        self.lookup_failures: list[ApplicationError] = []
        self.fetch_failures: list[Exception] = []
        self.outages: dict[str, int] = {}  # activity name -> attempts that fail transiently
        self.cancel_failures: list[ApplicationError] = []
        self.fetches = 0

    def add(self, order: ChannelOrder) -> ChannelOrder:
        self.orders[order.ref.order_id] = order
        wanted = mappings([line.sku for line in order.lines]).skus
        self.mappings.skus.extend(m for m in wanted if m not in self.mappings.skus)
        if not self.mappings.facility_rules:
            base = mappings([])
            self.mappings.facility_rules = base.facility_rules
            self.mappings.carrier_services = base.carrier_services
        return order

    def _outage(self, activity_name: str) -> None:
        """Fail the call for a reason retrying cures, while the activity's outage lasts."""
        if self.outages.get(activity_name, 0) > 0:
            self.outages[activity_name] -= 1
            raise ApplicationError(f"{activity_name}: HTTP 503", type="AMAZON_TRANSIENT")

    def activities(self) -> list[Callable[..., object]]:
        @activity.defn(name="fetch_channel_order")
        async def fetch_channel_order(ref: OrderRef) -> ChannelOrder:
            self.fetches += 1
            self._outage("fetch_channel_order")
            if self.fetch_failures:
                raise self.fetch_failures.pop(0)
            return self.orders[ref.order_id]

        @activity.defn(name="plan_fulfilment")
        async def plan_fulfilment(order: ChannelOrder) -> WarehouseOrder:
            try:
                plan = plan_warehouse_order(order, self.mappings)
            except ConsignError as err:
                raise ApplicationError(
                    err.message, type=err.kind.value, non_retryable=True
                ) from err
            waiting = sorted({w.item_code for w in plan.lines} & self.not_launched)
            if waiting:
                raise ApplicationError(
                    f"GXO has not accepted {', '.join(waiting)} yet",
                    type=ExceptionKind.ITEM_NOT_LAUNCHED.value,
                    non_retryable=True,
                )
            if self.plan_reference is None:
                return plan
            return plan.model_copy(update={"reference": self.plan_reference(plan)})

        @activity.defn(name="inject_warehouse_order")
        async def inject_warehouse_order(order: WarehouseOrder) -> InjectionResult:
            if self.inject_failures:
                raise self.inject_failures.pop(0)
            duplicate = any(o.reference == order.reference for o in self.injections)
            self.injections.append(order)
            return InjectionResult(
                warehouse_order_id=f"WO-{order.reference}",
                status=WarehouseOrderStatus.RECEIVED,
                duplicate=duplicate,
            )

        @activity.defn(name="cancel_warehouse_order")
        async def cancel_warehouse_order(request: WarehouseOrderRequest) -> CancelOutcome:
            if self.cancel_failures:
                raise self.cancel_failures.pop(0)
            self.cancels.append(request)
            return self.cancel_outcome

        @activity.defn(name="close_order_demand")
        async def close_order_demand(ref: OrderRef) -> None:
            self.closed_demand.append(ref)

        @activity.defn(name="get_warehouse_order")
        async def get_warehouse_order(request: WarehouseOrderRequest) -> WarehouseLookup:
            self.lookups += 1
            if self.lookup_failures:
                raise self.lookup_failures.pop(0)
            parcels = self.warehouse_parcels.get(request.ref.order_id, [])
            return WarehouseLookup(
                state=WarehouseOrderState(
                    warehouse_order_id=f"WO-{request.reference}",
                    reference=request.reference,
                    facility_id=request.facility_id,
                    status=WarehouseOrderStatus.PARTIALLY_SHIPPED
                    if parcels
                    else WarehouseOrderStatus.RELEASED,
                    parcels=parcels,
                )
            )

        @activity.defn(name="confirm_parcel")
        async def confirm_parcel(request: ParcelConfirmRequest) -> ConfirmResult:
            self._outage("confirm_parcel")
            failure = self.confirm_failures.pop(request.parcel.parcel_id, None)
            if failure is not None:
                raise failure
            self.confirms.append(request)
            return ConfirmResult(
                package_reference=request.package_reference, carrier_code="Royal Mail"
            )

        @activity.defn(name="set_aside_warehouse_event")
        async def set_aside_warehouse_event(request: SetAsideEvent) -> None:
            self.set_aside.append(request)

        return [
            fetch_channel_order,
            plan_fulfilment,
            inject_warehouse_order,
            cancel_warehouse_order,
            close_order_demand,
            get_warehouse_order,
            confirm_parcel,
            set_aside_warehouse_event,
        ]


@dataclass
class CaptureWorld(FakeWorld):
    """FakeWorld whose channel captures payment: confirm_parcel answers `at_confirm`, and each
    settle_capture check answers the next of `checks` (the last one repeats)."""

    at_confirm: CaptureState = CaptureState.PENDING
    checks: list[CaptureState] = field(default_factory=lambda: [CaptureState.CAPTURED])
    settles: list[CaptureRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def activities(self) -> list[Callable[..., object]]:
        @activity.defn(name="confirm_parcel")
        async def confirm_parcel(request: ParcelConfirmRequest) -> ConfirmResult:
            self.confirms.append(request)
            number = len(self.confirms)
            capture = PaymentCapture(
                parcel_id=request.parcel.parcel_id,
                shipment_id=str(100 + number),
                state=self.at_confirm,
                requests=[str(500 + number)] if self.at_confirm is CaptureState.PENDING else [],
                message="declined" if self.at_confirm is CaptureState.FAILED else None,
            )
            return ConfirmResult(
                package_reference=request.package_reference, carrier_code="DHL", capture=capture
            )

        @activity.defn(name="settle_capture")
        async def settle_capture(request: CaptureRequest) -> PaymentCapture:
            self.settles.append(request)
            state = self.checks.pop(0) if len(self.checks) > 1 else self.checks[0]
            return request.capture.model_copy(
                update={
                    "state": state,
                    "requests": request.capture.requests if state is CaptureState.PENDING else [],
                    "message": "settled FAILED" if state is CaptureState.FAILED else None,
                }
            )

        others = [a for a in super().activities() if getattr(a, "__name__", "") != "confirm_parcel"]
        return [*others, confirm_parcel, settle_capture]
