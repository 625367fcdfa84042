"""The order lifecycle's public shape: stages, the workflow's input, its `status` query result,
and the signals operations send. The CLI and the workflow share these models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.capture import PaymentCapture
from domain.deadlines import DeadlinePolicy
from domain.exceptions import ExceptionKind
from domain.order import OrderChange, OrderRef
from domain.shipment import LineProgress

WORKFLOW_NAME = "OrderFulfillment"
STATUS_QUERY = "status"
ORDER_CHANGED_SIGNAL = "order_changed"
WAREHOUSE_EVENT_SIGNAL = "warehouse_event"
RETRY_SIGNAL = "retry"
REINJECT_SIGNAL = "reinject"
STOCK_CHANGED_SIGNAL = "stock_changed"  # InventorySync: GXO items whose levels moved


class OrderStage(StrEnum):
    RECEIVED = "RECEIVED"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"  # channel has not cleared it (Amazon Pending)
    PLANNING = "PLANNING"
    INJECTED = "INJECTED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    AT_RISK = "AT_RISK"  # ship-by is near and GXO has not dispatched everything
    LATE = "LATE"  # ship-by passed with lines still open
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
    SKIPPED_AFN = "SKIPPED_AFN"
    EXCEPTION = "EXCEPTION"

    @property
    def is_final(self) -> bool:
        return self in (OrderStage.SHIPPED, OrderStage.CANCELLED, OrderStage.SKIPPED_AFN)


class OrderFulfillmentInput(BaseModel):
    ref: OrderRef
    change: OrderChange | None = None  # what intake saw; the workflow still reads the order
    deadlines: DeadlinePolicy = Field(default_factory=DeadlinePolicy)


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
    late: bool = False
    injections: int = 0
    history: list[str] = Field(default_factory=list)  # short, PII-free notes of what happened
