"""Gathers the daily check (docs/operations.md, "Daily checks") into one model: open orders by
stage and channel, exceptions with their owner (oldest first), orders at risk, stock drift and
stalled SKUs, intake health, set-aside and unmatched counts, and 7-day trends.

Everything about orders comes from Temporal visibility (search attributes, CloseTime) and the
workflows' own queries; set-aside records, unmatched events and the push ledger from the store.
Rendering is reporting/render.py's business."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from domain.exceptions import ExceptionKind
from domain.lifecycle import STATUS_QUERY, WORKFLOW_NAME, OrderStage, OrderStatus
from domain.owners import Owner
from integrations.registry import CHANNEL_NAMES
from reporting.errors import ReportError
from reporting.order_rows import row_from_execution
from workflows import search_attributes as sa
from workflows.inventory_sync import InventorySyncStatus

QUERY_TIMEOUT = timedelta(seconds=5)
TREND_DAYS = 7
INTAKE_TYPES = ("ChannelIntake", "WarehouseIntake", "StockIntake", "ReturnIntake")
RUNNING = "ExecutionStatus = 'Running'"
ORDERS = f"WorkflowType = '{WORKFLOW_NAME}'"
DISPATCHED = tuple(stage for stage in OrderStage if stage.is_final)  # incl. RESOLVED by hand


class StageCount(BaseModel):
    stage: OrderStage
    channel: str
    count: int


class ExceptionRow(BaseModel):
    workflow_id: str
    channel: str
    order_id: str
    stage: str
    kind: ExceptionKind
    owner: Owner
    raised_at: datetime | None  # from the order's status; None when it did not answer
    started_at: datetime | None  # the workflow's start, the age when raised_at is unknown
    message: str = ""

    @property
    def since(self) -> datetime | None:
        return self.raised_at or self.started_at


class AtRiskRow(BaseModel):
    workflow_id: str
    channel: str
    order_id: str
    stage: str
    ship_by: datetime
    exception_kind: str


class IntakeRow(BaseModel):
    workflow_id: str
    workflow_type: str
    state: str  # "running", or why there is no progress to show
    polls: int | None = None
    last_poll_at: datetime | None = None
    last_error: str | None = None
    last_error_kind: str | None = None
    retrying: str | None = None
    set_aside: int | None = None

    @property
    def paused(self) -> bool:
        return self.last_error is not None

    @property
    def healthy(self) -> bool:
        return self.state == "running" and not self.paused and self.retrying is None


class DriftRow(BaseModel):
    sku: str
    expected: int
    shown: int | None


class StockRow(BaseModel):
    workflow_id: str
    state: str  # "running", or why there is no status
    last_push_at: datetime | None = None
    last_reconcile_at: datetime | None = None
    stalled: list[str] = Field(default_factory=list)
    rejected: list[str] = Field(default_factory=list)
    drift: list[DriftRow] = Field(default_factory=list)
    last_error: str | None = None
    ledger_drift: int = 0  # SKUs whose read-back differs from what the channel last accepted


class DayCount(BaseModel):
    day: date
    count: int


class DailyReport(BaseModel):
    day: date
    generated_at: datetime
    at_risk_hours: float
    limit: int
    stages: list[StageCount]
    exceptions: list[ExceptionRow]  # oldest first
    exceptions_total: int
    at_risk: list[AtRiskRow]  # soonest ship-by first
    at_risk_total: int
    stock: list[StockRow]
    intakes: list[IntakeRow]
    set_aside_open: int
    unmatched_open: int
    closed_per_day: list[DayCount]
    exceptions_per_day: list[DayCount]


def visibility_time(value: datetime) -> str:
    """A datetime literal for a visibility query."""
    return "'" + value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "'"


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def trend_days(day: date) -> list[date]:
    """The TREND_DAYS days ending with `day`, oldest first."""
    return [day - timedelta(days=back) for back in range(TREND_DAYS - 1, -1, -1)]


async def _count(client: Client, query: str) -> int:
    try:
        return (await client.count_workflows(query)).count
    except RPCError as err:
        raise ReportError(f"visibility query failed: {err.message}") from err


async def _list(client: Client, query: str, limit: int) -> list[WorkflowExecution]:
    try:
        return [e async for e in client.list_workflows(query, limit=limit)]
    except RPCError as err:
        raise ReportError(f"visibility query failed: {err.message}") from err


async def count_stages(client: Client) -> list[StageCount]:
    """Open orders per stage and channel (one count query per pair; zeros left out)."""
    found = []
    for channel in CHANNEL_NAMES:
        for stage in OrderStage:
            query = (
                f"{ORDERS} AND {RUNNING} AND {sa.ORDER_STAGE.name} = '{stage.value}' "
                f"AND {sa.CHANNEL.name} = '{channel}'"
            )
            count = await _count(client, query)
            if count:
                found.append(StageCount(stage=stage, channel=channel, count=count))
    return found


class _StatusReader:
    """Asks orders for their status until one query goes unanswered (no worker): after that the
    report uses start times rather than waiting QUERY_TIMEOUT for every order."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.answering = True

    async def read(self, workflow_id: str) -> OrderStatus | None:
        if not self.answering:
            return None
        handle = self.client.get_workflow_handle(workflow_id)
        try:
            return await handle.query(
                STATUS_QUERY, result_type=OrderStatus, rpc_timeout=QUERY_TIMEOUT
            )
        except RPCError as err:
            if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                self.answering = False
            return None
        except Exception:  # a query failure on one order never stops the report
            return None


async def gather_exceptions(
    client: Client, owners: dict[ExceptionKind, Owner], limit: int
) -> tuple[list[ExceptionRow], int]:
    """Open orders carrying an ExceptionKind (parked or flagged), oldest exception first, with
    the total (the list is cut at `limit`)."""
    query = f"{ORDERS} AND {RUNNING} AND {sa.EXCEPTION_KIND.name} IS NOT NULL"
    total = await _count(client, query)
    reader = _StatusReader(client)
    rows = []
    for execution in await _list(client, query, limit):
        order = row_from_execution(execution)
        try:
            kind = ExceptionKind(order.exception_kind)
        except ValueError:
            kind = ExceptionKind.UNEXPECTED_ERROR  # a kind this consign does not know
        status = await reader.read(execution.id)
        exception = status.exception if status else None
        rows.append(
            ExceptionRow(
                **order.model_dump(include={"workflow_id", "channel", "order_id", "stage"}),
                kind=kind,
                owner=owners[kind],
                raised_at=exception.raised_at if exception else None,
                started_at=execution.start_time,
                message=exception.message if exception else "",
            )
        )
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda row: (row.since or far, row.workflow_id))
    return rows, total


async def gather_at_risk(
    client: Client, now: datetime, hours: float, limit: int
) -> tuple[list[AtRiskRow], int]:
    """Open orders not yet dispatched whose ship-by falls within `hours` (or has passed)."""
    done = ", ".join(f"'{stage.value}'" for stage in DISPATCHED)
    until = visibility_time(now + timedelta(hours=hours))
    query = (
        f"{ORDERS} AND {RUNNING} AND {sa.SHIP_BY.name} < {until}"
        f" AND {sa.ORDER_STAGE.name} NOT IN ({done})"
    )
    total = await _count(client, query)
    rows = []
    for execution in await _list(client, query, limit):
        order = row_from_execution(execution)
        if order.ship_by is None:
            continue
        rows.append(
            AtRiskRow(
                **order.model_dump(include={"workflow_id", "channel", "order_id", "stage"}),
                ship_by=order.ship_by,
                exception_kind=order.exception_kind,
            )
        )
    rows.sort(key=lambda row: (row.ship_by, row.workflow_id))
    return rows, total


async def running_ids(client: Client, workflow_types: tuple[str, ...]) -> dict[str, str]:
    """Running workflows of these types: id -> type."""
    types = ", ".join(f"'{name}'" for name in workflow_types)
    query = f"WorkflowType IN ({types}) AND {RUNNING}"
    return {e.id: e.workflow_type for e in await _list(client, query, 1000)}


async def _query_running(client: Client, workflow_id: str, query: str) -> Any | str:
    """The query's answer (JSON as a dict), or one line saying why there is none."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        described = await handle.describe(rpc_timeout=QUERY_TIMEOUT)
        if described.status != WorkflowExecutionStatus.RUNNING:
            state = described.status.name.lower() if described.status else "unknown"
            return f"not running ({state})"
        return await handle.query(query, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return "not running (never started)"
        if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
            return "no worker answered"
        return f"Temporal refused the query: {err.message}"
    except Exception as err:  # a failed query is shown, never fatal
        return f"{query} query failed: {err}"


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def intake_row(workflow_id: str, workflow_type: str, answer: Any | str) -> IntakeRow:
    """An intake's `progress` answer (IntakeHealth and its subclasses, read as JSON)."""
    if not isinstance(answer, dict):
        return IntakeRow(workflow_id=workflow_id, workflow_type=workflow_type, state=str(answer))
    retrying = answer.get("retrying")
    return IntakeRow(
        workflow_id=workflow_id,
        workflow_type=workflow_type,
        state="running",
        polls=answer.get("polls"),
        last_poll_at=_when(answer.get("last_success_at")),
        last_error=answer.get("last_error"),
        last_error_kind=answer.get("last_error_kind"),
        retrying=(
            f"{retrying.get('activity')}: {retrying.get('attempts')} attempts, "
            f"last {retrying.get('last_failure')}"
            if isinstance(retrying, dict)
            else None
        ),
        set_aside=answer.get("set_aside"),
    )


async def gather_intakes(client: Client, expected: dict[str, str]) -> list[IntakeRow]:
    """Every intake that should run (`expected`: id -> type, from the settings) or runs."""
    everything = {**expected, **await running_ids(client, INTAKE_TYPES)}
    return [
        intake_row(wid, kind, await _query_running(client, wid, "progress"))
        for wid, kind in sorted(everything.items())
    ]


def stock_row(workflow_id: str, answer: Any | str, ledger_drift: int) -> StockRow:
    if not isinstance(answer, dict):
        return StockRow(workflow_id=workflow_id, state=str(answer), ledger_drift=ledger_drift)
    status = InventorySyncStatus.model_validate(answer)
    return StockRow(
        workflow_id=workflow_id,
        state="running",
        last_push_at=status.last_push_at,
        last_reconcile_at=status.last_reconcile_at,
        stalled=status.stalled,
        rejected=[outcome.sku for outcome in status.rejected],
        drift=[DriftRow(sku=d.sku, expected=d.expected, shown=d.shown) for d in status.drift],
        last_error=status.last_error,
        ledger_drift=ledger_drift,
    )


def ledger_drift(engine: Engine, workflow_id: str) -> int:
    """SKUs of `inventory:<channel>:<account>` whose read-back differs from what was accepted."""
    from store.inventory import ledger

    parts = workflow_id.split(":", 2)
    if len(parts) != 3 or parts[1] not in CHANNEL_NAMES:
        return 0
    entries = ledger(engine, parts[1], parts[2])
    return sum(e.checked_at is not None and e.shown != e.quantity for e in entries.values())


async def gather_stock(client: Client, engine: Engine, expected: list[str]) -> list[StockRow]:
    everything = set(expected) | set(await running_ids(client, ("InventorySync",)))
    return [
        stock_row(wid, await _query_running(client, wid, "status"), ledger_drift(engine, wid))
        for wid in sorted(everything)
    ]


async def closed_per_day(client: Client, day: date) -> list[DayCount]:
    """Orders whose workflow completed (shipped, cancelled, skipped as AFN) per UTC day of
    CloseTime; runs that continued as new, failed or were terminated are not counted."""
    found = []
    for each in trend_days(day):
        start = day_start(each)
        query = (
            f"{ORDERS} AND ExecutionStatus = 'Completed' AND CloseTime >= "
            f"{visibility_time(start)} AND CloseTime < {visibility_time(start + timedelta(days=1))}"
        )
        found.append(DayCount(day=each, count=await _count(client, query)))
    return found


def exceptions_per_day(rows: list[ExceptionRow], day: date) -> list[DayCount]:
    """Open exceptions by the UTC day they were raised (the order's status; start time when it
    did not answer). An exception cleared since is not counted: visibility keeps no history."""
    counts = dict.fromkeys(trend_days(day), 0)
    for row in rows:
        since = row.since
        if since is not None and since.astimezone(UTC).date() in counts:
            counts[since.astimezone(UTC).date()] += 1
    return [DayCount(day=d, count=n) for d, n in counts.items()]


async def gather_report(
    client: Client,
    engine: Engine,
    *,
    day: date,
    now: datetime,
    at_risk_hours: float,
    owners: dict[ExceptionKind, Owner],
    expected_intakes: dict[str, str],
    expected_syncs: list[str],
    limit: int = 200,
) -> DailyReport:
    """The whole report. `now` is when current states are read (at-risk window); `day` names
    the report and ends the 7-day trends."""
    from store.set_aside import list_set_aside
    from store.unmatched import list_unmatched

    exceptions, exceptions_total = await gather_exceptions(client, owners, limit)
    at_risk, at_risk_total = await gather_at_risk(client, now, at_risk_hours, limit)
    return DailyReport(
        day=day,
        generated_at=now,
        at_risk_hours=at_risk_hours,
        limit=limit,
        stages=await count_stages(client),
        exceptions=exceptions,
        exceptions_total=exceptions_total,
        at_risk=at_risk,
        at_risk_total=at_risk_total,
        stock=await gather_stock(client, engine, expected_syncs),
        intakes=await gather_intakes(client, expected_intakes),
        set_aside_open=len(list_set_aside(engine)),
        unmatched_open=len(list_unmatched(engine)),
        closed_per_day=await closed_per_day(client, day),
        exceptions_per_day=exceptions_per_day(exceptions, day),
    )
