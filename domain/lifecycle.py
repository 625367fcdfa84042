"""The order lifecycle's public shape: stages, the workflow's input, its `status` query result,
and the signals operations send. The CLI and the workflow share these models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.capture import PaymentCapture
from domain.deadlines import DeadlinePolicy
from domain.exceptions import ExceptionKind
from domain.order import ChannelOrder, OrderChange, OrderRef
from domain.shipment import LineProgress
from domain.warehouse import Parcel, WarehouseEvent, WarehouseOrder

WORKFLOW_NAME = "OrderFulfillment"
STATUS_QUERY = "status"
ORDER_CHANGED_SIGNAL = "order_changed"
WAREHOUSE_EVENT_SIGNAL = "warehouse_event"
RETRY_SIGNAL = "retry"
REINJECT_SIGNAL = "reinject"
RESOLVE_UPDATE = "resolve"  # an update only: marks an exception handled by hand, no retry
STOCK_CHANGED_SIGNAL = "stock_changed"  # InventorySync: GXO items whose levels moved


class OrderStage(StrEnum):
    RECEIVED = "RECEIVED"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"  # channel has not cleared it (payment pending)
    PLANNING = "PLANNING"
    INJECTED = "INJECTED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    AT_RISK = "AT_RISK"  # ship-by is near and GXO has not dispatched everything
    LATE = "LATE"  # ship-by passed with lines still open
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
    SKIPPED_AFN = "SKIPPED_AFN"
    EXCEPTION = "EXCEPTION"
    # A parked order whose exception an operator closed by hand (`resolve`): handled outside
    # consign (e.g. shipped by other means); consign did nothing more for it.
    RESOLVED = "RESOLVED"

    @property
    def is_final(self) -> bool:
        return self in (
            OrderStage.SHIPPED,
            OrderStage.CANCELLED,
            OrderStage.SKIPPED_AFN,
            OrderStage.RESOLVED,
        )


class OperatorRequest(BaseModel):
    """Body of the `retry` and `reinject` signals: who asked, and why (for the audit trail)."""

    reason: str = ""
    requested_by: str = "operator"


class ExceptionInfo(BaseModel):
    kind: ExceptionKind
    message: str
    raised_at: datetime
    stage: OrderStage  # where the order was when it failed


class ParcelRecord(BaseModel):
    parcel_id: str
    package_reference: str
    tracking_number: str
    confirmed: bool = False


# OrderFulfillment's refusals of an operator request the order does not need (its update
# validators), shared with callers that tell them apart from other failures.
NOT_PARKED = "the order is not parked"
ALREADY_WAITING = "is already waiting to be acted on"


class RetryingActivity(BaseModel):
    """A call that keeps failing for a reason a retry may cure (an outage, throttling): Temporal
    keeps retrying it, and the order says so instead of waiting silently."""

    activity: str
    attempts: int  # attempts so far, all rounds together
    last_failure: str
    since: datetime  # when the first round of attempts ran out


def still_retrying(
    current: RetryingActivity | None, activity: str, attempts: int, failure: str, now: datetime
) -> RetryingActivity:
    """The entry after another round of `activity` ran out: it keeps `since` while the same
    call is still the one retrying."""
    same = current is not None and current.activity == activity
    return RetryingActivity(
        activity=activity,
        attempts=attempts,
        last_failure=failure,
        since=current.since if current is not None and same else now,
    )


def retrying_after_success(
    current: RetryingActivity | None, activity: str
) -> RetryingActivity | None:
    """The entry once `activity` succeeded: cleared if it was the one retrying."""
    return None if current is not None and current.activity == activity else current


class OperatorAnswer(BaseModel):
    """What the `retry`, `reinject` and `resolve` updates reply once the order has acted on the
    request: the stage it reached and the exception it holds then. `settled` is False when
    the answer bound passed while the order was still at work (the request still goes on)."""

    action: str
    stage: OrderStage
    settled: bool = True
    exception: ExceptionInfo | None = None
    retrying: RetryingActivity | None = None


class OrderStatus(BaseModel):
    """What `consign order show` and the `status` query return: the full state."""

    ref: OrderRef
    stage: OrderStage
    facility_id: str | None = None
    warehouse_order_id: str | None = None
    warehouse_reference: str | None = None  # the reference GXO knows the order by (W05-02)
    ship_by: datetime | None = None
    lines: list[LineProgress] = Field(default_factory=list)
    parcels: list[ParcelRecord] = Field(default_factory=list)
    captures: list[PaymentCapture] = Field(default_factory=list)  # not yet captured: waited for
    exception: ExceptionInfo | None = None
    retrying: RetryingActivity | None = None
    late: bool = False
    injections: int = 0
    history: list[str] = Field(default_factory=list)  # short, PII-free notes of what happened


class PendingSignal(BaseModel):
    """An operator's `retry` or `reinject` the workflow had not acted on yet."""

    action: str
    request: OperatorRequest


class CarriedState(BaseModel):
    """Everything an order's workflow knows, handed to its next run when it continues as new
    (a long-lived order keeps its history short). Only ever built at a point where the run
    waits, so nothing in flight is lost."""

    status: OrderStatus
    order: ChannelOrder | None = None
    plan: WarehouseOrder | None = None
    sent_reference: str | None = None  # the reference GXO may hold for this order
    latest_change: OrderChange | None = None
    last_seen: datetime | None = None
    changed: bool = False
    events: list[WarehouseEvent] = Field(default_factory=list)  # received, not handled yet
    recovered: list[Parcel] = Field(default_factory=list)
    seen_event_ids: list[str] = Field(default_factory=list)
    operator: PendingSignal | None = None
    cancel_refused: bool = False
    set_aside: list[str] = Field(default_factory=list)
    chased: bool = False  # the deadline watcher has chased GXO before the ship-by
    ship_by_passed: bool = False  # ... and has looked at the order at the ship-by


class OrderFulfillmentInput(BaseModel):
    ref: OrderRef
    change: OrderChange | None = None  # what intake saw; the workflow still reads the order
    deadlines: DeadlinePolicy = Field(default_factory=DeadlinePolicy)
    carried: CarriedState | None = None  # set when a run continues as new
