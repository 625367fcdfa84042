"""Gathers the daily check (docs/operations.md, "Daily checks") into one model: open orders by
stage and channel, exceptions with their owner (oldest first), orders at risk, stock drift and
stalled SKUs, intake health, set-aside and unmatched counts, and 7-day trends.

Everything about orders comes from Temporal visibility (search attributes, CloseTime) and the
workflows' own queries; set-aside records, unmatched events and the push ledger from the store.
Rendering is reporting/render.py's business."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    WorkflowExecution,
    WorkflowExecutionStatus,
)
from temporalio.service import RPCError, RPCStatusCode

from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from domain.lifecycle import STATUS_QUERY, WORKFLOW_NAME, OrderStage
from domain.owners import Owner
from domain.sync_status import InventorySyncStatus
from integrations.registry import CHANNEL_NAMES
from reporting.errors import ReportError
from reporting.order_rows import row_from_execution

QUERY_TIMEOUT = timedelta(seconds=5)
TREND_DAYS = 7
# The long-running intakes (and ProductSync, an intake of product data: its query is `status`).
# SettlementIntake runs on a Schedule: its short runs are read through the schedule's last run.
INTAKE_TYPES = ("ChannelIntake", "WarehouseIntake", "StockIntake", "ReturnIntake", "ProductSync")
INTAKE_QUERIES = {"ProductSync": "status"}  # every other intake answers `progress`
SCHEDULED_INTAKES = ("SettlementIntake",)
RETURNS = "ReturnFulfillment"
RUNNING = "ExecutionStatus = 'Running'"
ORDERS = f"WorkflowType = '{WORKFLOW_NAME}'"
# The workflows that park under an ExceptionKind: orders and returns.
PARKABLE = f"WorkflowType IN ('{WORKFLOW_NAME}', '{RETURNS}')"
RETURN_KINDS = frozenset(  # the kinds only a ReturnFulfillment parks under
    {
        ExceptionKind.RETURN_NOT_ARRIVED,
        ExceptionKind.RETURN_MISMATCH,
        ExceptionKind.UNMAPPED_DISPOSITION,
        ExceptionKind.REFUND_REFUSED,
    }
)
PAGE_SIZE = 1000  # executions per visibility page while looking for the oldest
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


class KindCount(BaseModel):
    """One exception kind: how many open orders and returns carry it (a count query, never
    cut) and the oldest of them."""

    kind: ExceptionKind
    owner: Owner
    count: int
    oldest: ExceptionRow | None  # None only when it left between the count and the list


class Exceptions(BaseModel):
    """What gather_exceptions found: the oldest rows overall (at most the limit), the total,
    and per kind its count and oldest row."""

    rows: list[ExceptionRow]  # oldest first
    total: int
    kinds: list[KindCount]  # most urgent first


class AtRiskRow(BaseModel):
    workflow_id: str
    channel: str
    order_id: str
    stage: str
    ship_by: datetime
    exception_kind: str


SCHEDULED = "scheduled"  # a scheduled intake (SettlementIntake) whose last run answered


class IntakeRow(BaseModel):
    workflow_id: str  # a scheduled intake's: its schedule's id
    workflow_type: str
    state: str  # "running", "scheduled", or why there is no progress to show
    polls: int | None = None
    last_poll_at: datetime | None = None
    last_error: str | None = None
    last_error_kind: str | None = None
    retrying: str | None = None
    set_aside: int | None = None
    run_started_at: datetime | None = None  # the current run's (continue-as-new starts one)

    @property
    def answering(self) -> bool:
        return self.state in ("running", SCHEDULED)

    @property
    def paused(self) -> bool:
        return self.last_error is not None

    @property
    def healthy(self) -> bool:
        return self.answering and not self.paused and self.retrying is None


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
    exception_kinds: list[KindCount] = Field(default_factory=list)  # counted per kind
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

    async def read(self, workflow_id: str) -> dict[str, Any] | None:
        """The `exception` part (kind, message, raised_at) of an order's or a return's status:
        both answer the same query name with the same shape there."""
        if not self.answering:
            return None
        handle = self.client.get_workflow_handle(workflow_id)
        try:
            answer = await handle.query(STATUS_QUERY, rpc_timeout=QUERY_TIMEOUT)
            exception = answer.get("exception") if isinstance(answer, dict) else None
            return exception if isinstance(exception, dict) else None
        except RPCError as err:
            if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                self.answering = False
            return None
        except Exception:  # a query failure on one order never stops the report
            return None


FAR = datetime.max.replace(tzinfo=UTC)


def _started(execution: WorkflowExecution) -> tuple[datetime, str]:
    return execution.start_time or FAR, execution.id


def _ship_by(execution: WorkflowExecution) -> tuple[datetime, str]:
    return execution.typed_search_attributes.get(sa.SHIP_BY) or FAR, execution.id


async def earliest(
    client: Client,
    query: str,
    want: int,
    key: Callable[[WorkflowExecution], tuple[datetime, str]] = _started,
) -> list[WorkflowExecution]:
    """The `want` executions `query` matches that come first by `key` (start time), in that
    order. Visibility lists newest first and SQL visibility (the dev server, PostgreSQL,
    MySQL) takes no ORDER BY, so this pages through every match (search attributes only,
    PAGE_SIZE a page) keeping the earliest: a list cut at `want` keeps the newest."""
    kept: list[WorkflowExecution] = []
    try:
        async for execution in client.list_workflows(query, page_size=PAGE_SIZE):
            kept.append(execution)
            if len(kept) >= want + PAGE_SIZE:
                kept = heapq.nsmallest(want, kept, key=key)
    except RPCError as err:
        raise ReportError(f"visibility query failed: {err.message}") from err
    return heapq.nsmallest(want, kept, key=key)


def _kind_of(value: str) -> ExceptionKind:
    try:
        return ExceptionKind(value)
    except ValueError:
        return ExceptionKind.UNEXPECTED_ERROR  # a kind this consign does not know


async def _exception_row(
    execution: WorkflowExecution, owners: dict[ExceptionKind, Owner], reader: _StatusReader
) -> ExceptionRow:
    order = row_from_execution(execution)
    kind = _kind_of(order.exception_kind)
    exception = await reader.read(execution.id) or {}
    raised = exception.get("raised_at")
    return ExceptionRow(
        **order.model_dump(include={"workflow_id", "channel", "order_id"}),
        stage=order.stage or execution.typed_search_attributes.get(sa.RETURN_STAGE) or "",
        kind=kind,
        owner=owners[kind],
        raised_at=datetime.fromisoformat(raised) if isinstance(raised, str) else None,
        started_at=execution.start_time,
        message=str(exception.get("message") or ""),
    )


async def gather_exceptions(
    client: Client, owners: dict[ExceptionKind, Owner], limit: int
) -> Exceptions:
    """Open orders and returns carrying an ExceptionKind (parked or flagged): each kind's
    count (a count query per kind) and oldest, and the `limit` oldest of all, oldest exception
    first. The oldest are taken by start time (what visibility holds), then aged by when the
    exception was raised (the status query; the start time when it does not answer)."""
    base = f"{PARKABLE} AND {RUNNING} AND {sa.EXCEPTION_KIND.name}"
    total = await _count(client, f"{base} IS NOT NULL")
    counts = {kind: await _count(client, f"{base} = '{kind.value}'") for kind in ExceptionKind}
    counts = {kind: n for kind, n in counts.items() if n}
    candidates: dict[ExceptionKind, list[WorkflowExecution]] = {
        kind: await earliest(client, f"{base} = '{kind.value}'", limit) for kind in counts
    }
    everyone = [e for found in candidates.values() for e in found]
    chosen = heapq.nsmallest(limit, everyone, key=_started)
    chosen_ids = {e.id for e in chosen}
    chosen += [found[0] for found in candidates.values() if found and found[0].id not in chosen_ids]
    reader = _StatusReader(client)
    rows = [await _exception_row(execution, owners, reader) for execution in chosen]
    rows.sort(key=lambda row: (row.since or FAR, row.workflow_id))
    kinds = [
        KindCount(
            kind=kind,
            owner=owners[kind],
            count=max(count, len(candidates[kind])),  # two queries, not one snapshot
            oldest=next((row for row in rows if row.kind is kind), None),
        )
        for kind, count in counts.items()
    ]
    kinds.sort(key=lambda k: (k.owner.severity.rank, -k.count, k.kind.value))
    listed = [row for row in rows if row.workflow_id in chosen_ids][:limit]
    return Exceptions(rows=listed, total=max(total, sum(k.count for k in kinds)), kinds=kinds)


async def gather_at_risk(
    client: Client, now: datetime, hours: float, limit: int
) -> tuple[list[AtRiskRow], int]:
    """Open orders not yet dispatched whose ship-by falls within `hours` (or has passed): the
    `limit` soonest (all of them read, not the newest `limit`), and how many there are."""
    done = ", ".join(f"'{stage.value}'" for stage in DISPATCHED)
    until = visibility_time(now + timedelta(hours=hours))
    query = (
        f"{ORDERS} AND {RUNNING} AND {sa.SHIP_BY.name} < {until}"
        f" AND {sa.ORDER_STAGE.name} NOT IN ({done})"
    )
    total = await _count(client, query)
    rows = []
    for execution in await earliest(client, query, limit, _ship_by):
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


def intake_row(
    workflow_id: str,
    workflow_type: str,
    answer: Any | str,
    run_started_at: datetime | None = None,
    state: str = "running",
) -> IntakeRow:
    """An intake's `progress` answer (IntakeHealth and its subclasses, read as JSON)."""
    if not isinstance(answer, dict):
        return IntakeRow(workflow_id=workflow_id, workflow_type=workflow_type, state=str(answer))
    retrying = answer.get("retrying")
    return IntakeRow(
        workflow_id=workflow_id,
        workflow_type=workflow_type,
        state=state,
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
        run_started_at=run_started_at,
    )


async def _run_start(client: Client, workflow_id: str) -> datetime | None:
    try:
        described = await client.get_workflow_handle(workflow_id).describe(
            rpc_timeout=QUERY_TIMEOUT
        )
    except RPCError:
        return None
    return described.start_time


async def _long_running_row(client: Client, workflow_id: str, workflow_type: str) -> IntakeRow:
    query = INTAKE_QUERIES.get(workflow_type, "progress")
    answer = await _query_running(client, workflow_id, query)
    started = await _run_start(client, workflow_id) if isinstance(answer, dict) else None
    return intake_row(workflow_id, workflow_type, answer, started)


async def _scheduled_row(client: Client, schedule_id: str, workflow_type: str) -> IntakeRow:
    """A scheduled intake as its schedule's last run left it: a run still going answers its
    progress query; a completed run's result is the same model (SettlementIntakeProgress)."""
    try:
        described = await client.get_schedule_handle(schedule_id).describe()
    except RPCError as err:
        state = (
            "not scheduled"
            if err.status == RPCStatusCode.NOT_FOUND
            else f"Temporal refused: {err.message}"
        )
        return IntakeRow(workflow_id=schedule_id, workflow_type=workflow_type, state=state)
    runs = [
        action.action
        for action in described.info.recent_actions
        if isinstance(action.action, ScheduleActionExecutionStartWorkflow)
    ]
    if not runs:
        return IntakeRow(workflow_id=schedule_id, workflow_type=workflow_type, state=SCHEDULED)
    last = runs[-1]
    handle = client.get_workflow_handle(last.workflow_id, run_id=last.first_execution_run_id)
    try:
        run = await handle.describe(rpc_timeout=QUERY_TIMEOUT)
        if run.status == WorkflowExecutionStatus.RUNNING:
            answer: Any = await handle.query("progress", rpc_timeout=QUERY_TIMEOUT)
        elif run.status == WorkflowExecutionStatus.COMPLETED:
            answer = await handle.result(rpc_timeout=QUERY_TIMEOUT)
        else:
            answer = f"last run {run.status.name.lower() if run.status else 'unknown'}"
    except Exception as err:  # a failed read (an RPCError's text is its message) is shown
        answer = f"last run unreadable: {err}"
    return intake_row(schedule_id, workflow_type, answer, state=SCHEDULED)


async def gather_intakes(client: Client, expected: dict[str, str]) -> list[IntakeRow]:
    """Every intake that should run (`expected`: id -> type, from the settings) or runs; a
    scheduled one (SettlementIntake: id is its schedule's) through its schedule's last run."""
    scheduled = {wid: kind for wid, kind in expected.items() if kind in SCHEDULED_INTAKES}
    running = {wid: kind for wid, kind in expected.items() if wid not in scheduled}
    running.update(await running_ids(client, INTAKE_TYPES))
    rows = [await _long_running_row(client, wid, kind) for wid, kind in running.items()]
    rows += [await _scheduled_row(client, sid, kind) for sid, kind in scheduled.items()]
    return sorted(rows, key=lambda row: row.workflow_id)


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

    exceptions = await gather_exceptions(client, owners, limit)
    at_risk, at_risk_total = await gather_at_risk(client, now, at_risk_hours, limit)
    return DailyReport(
        day=day,
        generated_at=now,
        at_risk_hours=at_risk_hours,
        limit=limit,
        stages=await count_stages(client),
        exceptions=exceptions.rows,
        exceptions_total=exceptions.total,
        exception_kinds=exceptions.kinds,
        at_risk=at_risk,
        at_risk_total=at_risk_total,
        stock=await gather_stock(client, engine, expected_syncs),
        intakes=await gather_intakes(client, expected_intakes),
        set_aside_open=len(list_set_aside(engine)),
        unmatched_open=len(list_unmatched(engine)),
        closed_per_day=await closed_per_day(client, day),
        exceptions_per_day=exceptions_per_day(exceptions.rows, day),
    )
