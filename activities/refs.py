"""Typed references to every activity: the name a workflow schedules, the one argument it sends
and the result it decodes. Workflows call activities only through these (never by a string),
so mypy checks what they send and get back, and tests/modules/test_activity_refs.py checks that
each is registered on the worker with the same types. The names are in stored histories: never
rename one (docs/adding-a-channel.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from activities.models import (
    AckRequest,
    CaptureRequest,
    ChangeBatch,
    ChangeSet,
    CloseRequest,
    ConfirmResult,
    DeliveryReport,
    DriftReport,
    EventDelivery,
    EventsPulled,
    FacilityRequest,
    ItemCheckRequest,
    ItemsChecked,
    ItemSendRequest,
    ItemsSent,
    ParcelConfirmRequest,
    PolicyRequest,
    PollRequest,
    ProductReadRequest,
    PullRequest,
    ReleaseRequest,
    ReturnClosed,
    ReturnIntakeRequest,
    ReturnPlan,
    ReturnPolicy,
    ReturnsTaken,
    SetAsideEvent,
    SnapshotLoaded,
    StalledRequest,
    StalledSkus,
    StartReport,
    StockNotice,
    StockPlan,
    StockPlanRequest,
    StockPulled,
    StockPushReport,
    StockPushRequest,
    StockReadRequest,
    SubmissionCheck,
    SubmissionChecked,
    WarehouseLookup,
    WarehouseOrderRequest,
)
from activities.settlement_models import (
    Reconciled,
    ReconcileRequest,
    SettlementFetchRequest,
    SettlementListRequest,
    SettlementReports,
    StoredSettlementReport,
)
from domain.capture import PaymentCapture
from domain.monitor import AlertBatch, DailyReportRequest, DailyReportWritten, Found, Thresholds
from domain.order import ChannelOrder, OrderRef
from domain.products import ProductPage
from domain.returns import NoticeResult, ReturnNotice, ReturnRef
from domain.warehouse import CancelOutcome, InjectionResult, WarehouseOrder

A = TypeVar("A")
R = TypeVar("R")


@dataclass(frozen=True)
class ActivityRef(Generic[A, R]):
    name: str
    arg: type[A]
    result: type[R]


NONE = type(None)

# Channel (activities/channel.py): on the queue the channel module names, else the main one.
FETCH_CHANNEL_ORDER = ActivityRef("fetch_channel_order", OrderRef, ChannelOrder)
POLL_CHANNEL_CHANGES = ActivityRef("poll_channel_changes", PollRequest, ChangeBatch)
ACK_CHANNEL_CHANGES = ActivityRef("ack_channel_changes", AckRequest, NONE)
CONFIRM_PARCEL = ActivityRef("confirm_parcel", ParcelConfirmRequest, ConfirmResult)
SETTLE_CAPTURE = ActivityRef("settle_capture", CaptureRequest, PaymentCapture)

# Warehouse (activities/warehouse.py).
PLAN_FULFILMENT = ActivityRef("plan_fulfilment", ChannelOrder, WarehouseOrder)
INJECT_WAREHOUSE_ORDER = ActivityRef("inject_warehouse_order", WarehouseOrder, InjectionResult)
CANCEL_WAREHOUSE_ORDER = ActivityRef("cancel_warehouse_order", WarehouseOrderRequest, CancelOutcome)
CLOSE_ORDER_DEMAND = ActivityRef("close_order_demand", OrderRef, NONE)
GET_WAREHOUSE_ORDER = ActivityRef("get_warehouse_order", WarehouseOrderRequest, WarehouseLookup)
PULL_WAREHOUSE_EVENTS = ActivityRef("pull_warehouse_events", PullRequest, EventsPulled)

# Delivery (activities/delivery.py): signals to other workflows.
START_ORDER_WORKFLOWS = ActivityRef("start_order_workflows", ChangeSet, StartReport)
DELIVER_WAREHOUSE_EVENTS = ActivityRef("deliver_warehouse_events", EventDelivery, DeliveryReport)
SET_ASIDE_WAREHOUSE_EVENT = ActivityRef("set_aside_warehouse_event", SetAsideEvent, NONE)
NOTIFY_STOCK_CHANGED = ActivityRef("notify_stock_changed", StockNotice, NONE)

# Inventory (activities/inventory.py).
LOAD_STOCK_SNAPSHOT = ActivityRef("load_stock_snapshot", FacilityRequest, SnapshotLoaded)
PULL_STOCK_CHANGES = ActivityRef("pull_stock_changes", PullRequest, StockPulled)
PLAN_STOCK_PUSH = ActivityRef("plan_stock_push", StockPlanRequest, StockPlan)
PUSH_STOCK = ActivityRef("push_stock", StockPushRequest, StockPushReport)
CHECK_STOCK_SUBMISSION = ActivityRef("check_stock_submission", SubmissionCheck, SubmissionChecked)
READ_CHANNEL_STOCK = ActivityRef("read_channel_stock", StockReadRequest, DriftReport)
STALLED_STOCK_SKUS = ActivityRef("stalled_stock_skus", StalledRequest, StalledSkus)

# Settlements (activities/settlements.py): listing and reading on the channel's limited queues.
LIST_SETTLEMENT_REPORTS = ActivityRef(
    "list_settlement_reports", SettlementListRequest, SettlementReports
)
STORE_SETTLEMENT_REPORT = ActivityRef(
    "store_settlement_report", SettlementFetchRequest, StoredSettlementReport
)
RECONCILE_SETTLEMENT = ActivityRef("reconcile_settlement", ReconcileRequest, Reconciled)
# Health monitor (activities/monitor.py).
CHECK_HEALTH = ActivityRef("check_health", Thresholds, Found)
SEND_ALERTS = ActivityRef("send_alerts", AlertBatch, int)
WRITE_DAILY_REPORT = ActivityRef("write_daily_report", DailyReportRequest, DailyReportWritten)
# Product sync (activities/products.py): the read on the queue the channel module names.
READ_CHANNEL_PRODUCTS = ActivityRef("read_channel_products", ProductReadRequest, ProductPage)
SEND_ITEMS = ActivityRef("send_items", ItemSendRequest, ItemsSent)
CHECK_ITEMS = ActivityRef("check_items", ItemCheckRequest, ItemsChecked)
RELEASE_LAUNCHED_ORDERS = ActivityRef("release_launched_orders", ReleaseRequest, NONE)
# Returns (activities/returns.py).
PLAN_RETURN = ActivityRef("plan_return", ReturnRef, ReturnPlan)
NOTIFY_RETURN = ActivityRef("notify_return", ReturnNotice, NoticeResult)
LOAD_RETURN_POLICY = ActivityRef("load_return_policy", PolicyRequest, ReturnPolicy)
CLOSE_RETURN = ActivityRef("close_return", CloseRequest, ReturnClosed)
TAKE_CHANNEL_RETURNS = ActivityRef("take_channel_returns", ReturnIntakeRequest, ReturnsTaken)

EVERY: tuple[ActivityRef[Any, Any], ...] = (
    CHECK_HEALTH,
    SEND_ALERTS,
    WRITE_DAILY_REPORT,
    FETCH_CHANNEL_ORDER,
    POLL_CHANNEL_CHANGES,
    ACK_CHANNEL_CHANGES,
    CONFIRM_PARCEL,
    SETTLE_CAPTURE,
    PLAN_FULFILMENT,
    INJECT_WAREHOUSE_ORDER,
    CANCEL_WAREHOUSE_ORDER,
    CLOSE_ORDER_DEMAND,
    GET_WAREHOUSE_ORDER,
    PULL_WAREHOUSE_EVENTS,
    START_ORDER_WORKFLOWS,
    DELIVER_WAREHOUSE_EVENTS,
    SET_ASIDE_WAREHOUSE_EVENT,
    NOTIFY_STOCK_CHANGED,
    LOAD_STOCK_SNAPSHOT,
    PULL_STOCK_CHANGES,
    PLAN_STOCK_PUSH,
    PUSH_STOCK,
    CHECK_STOCK_SUBMISSION,
    READ_CHANNEL_STOCK,
    STALLED_STOCK_SKUS,
    LIST_SETTLEMENT_REPORTS,
    STORE_SETTLEMENT_REPORT,
    RECONCILE_SETTLEMENT,
    READ_CHANNEL_PRODUCTS,
    SEND_ITEMS,
    CHECK_ITEMS,
    RELEASE_LAUNCHED_ORDERS,
    PLAN_RETURN,
    NOTIFY_RETURN,
    LOAD_RETURN_POLICY,
    CLOSE_RETURN,
    TAKE_CHANNEL_RETURNS,
)
