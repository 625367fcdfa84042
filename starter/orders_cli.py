"""`consign orders` (find orders by stage, exception, channel) and `consign order show|retry|
reinject|resolve`: what operations use to see a stuck order and push it on, without the Web UI.
Retry, reinject and resolve are Temporal Updates: the command prints the workflow's answer."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from domain.exceptions import ExceptionKind
from domain.lifecycle import (
    REINJECT_SIGNAL,
    RESOLVE_UPDATE,
    RETRY_SIGNAL,
    STATUS_QUERY,
    WORKFLOW_NAME,
    OperatorAnswer,
    OperatorRequest,
    OrderStage,
    OrderStatus,
)
from domain.order import OrderRef
from domain.search_attributes import (
    CHANNEL,
    CHANNEL_ACCOUNT,
    EXCEPTION_KIND,
    ORDER_STAGE,
    SHIP_BY,
)
from integrations.registry import Channel, get_settings
from reporting.order_rows import OrderRow, row_from_execution
from starter.accounts_cli import ACCOUNT_HELP, CHANNEL_CHOICES, account_for
from starter.answers import ask, requester
from starter.client import CliError, expected_errors, run_with_client

console = Console()
order_app = typer.Typer(
    help="One order: show its state, retry / re-inject it, resolve an exception.",
    no_args_is_help=True,
)

QUERY_TIMEOUT = timedelta(seconds=10)
E = TypeVar("E", bound=StrEnum)
M = TypeVar("M", bound=BaseModel)

AddressOption = Annotated[
    str | None, typer.Option("--address", help="Temporal frontend (default: TEMPORAL_ADDRESS).")
]
NamespaceOption = Annotated[
    str | None, typer.Option("--namespace", help="Namespace (default: TEMPORAL_NAMESPACE).")
]
ChannelOption = Annotated[
    str | None,
    typer.Option("--channel", help=f"{CHANNEL_CHOICES}, when ID is a bare channel order id."),
]
AccountOption = Annotated[
    str | None,
    typer.Option("--account", help=ACCOUNT_HELP),
]
OrderIdArgument = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="Workflow id order:CHANNEL:ACCOUNT:ORDER_ID, or a channel order id with --channel.",
    ),
]


def parse_enum(enum: type[E], value: str, what: str) -> E:
    """Accept any case; reject unknown values with the list of valid ones."""
    for member in enum:
        if member.value.lower() == value.strip().lower():
            return member
    valid = ", ".join(m.value for m in enum)
    raise CliError(f"unknown {what} {value!r}; one of: {valid}")


def quote(value: str) -> str:
    """A visibility-query string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def build_query(
    stage: str | None = None,
    exception: str | None = None,
    channel: str | None = None,
    account: str | None = None,
    older_than: timedelta | None = None,
    ship_by_within: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """The visibility query for `consign orders`; enum values are validated first. Ages and
    windows count from `now` (default: the current time)."""
    clauses = [f"WorkflowType = {quote(WORKFLOW_NAME)}"]
    if stage:
        clauses.append(f"{ORDER_STAGE.name} = {quote(parse_enum(OrderStage, stage, 'stage'))}")
    if exception:
        kind = parse_enum(ExceptionKind, exception, "exception kind")
        clauses.append(f"{EXCEPTION_KIND.name} = {quote(kind)}")
    if channel:
        clauses.append(f"{CHANNEL.name} = {quote(parse_enum(Channel, channel, 'channel'))}")
    if account:
        clauses.append(f"{CHANNEL_ACCOUNT.name} = {quote(account)}")
    at = now or datetime.now(UTC)
    if older_than is not None:
        clauses.append(f"StartTime < {quote(_visibility_time(at - older_than))}")
    if ship_by_within is not None:
        clauses.append(f"{SHIP_BY.name} < {quote(_visibility_time(at + ship_by_within))}")
    return " AND ".join(clauses)


def _visibility_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str, option: str) -> timedelta:
    """`90m`, `6h`, `2d`, `1w` (a bare number is hours); a usage error otherwise."""
    value = text.strip().lower()
    unit = value[-1:] if value[-1:] in _UNITS else "h"
    number = value[:-1] if value[-1:] in _UNITS else value
    try:
        amount = float(number)
    except ValueError:
        amount = -1
    if amount < 0 or amount != amount:  # negative, unreadable or NaN
        raise typer.BadParameter(
            f"{text!r} is not a duration such as 90m, 6h, 2d or 1w", param_hint=option
        )
    return timedelta(seconds=amount * _UNITS[unit])


def resolve_workflow_id(order: str, channel: str | None, account: str | None) -> str:
    """`order:amazon:A1..:123-...` as is; a bare order id needs --channel (and an account)."""
    if order.startswith("order:"):
        if order.count(":") < 3:
            raise CliError(f"{order!r} is not a workflow id order:CHANNEL:ACCOUNT:ORDER_ID")
        return order
    if channel is None:
        raise CliError(
            "give the full workflow id (order:CHANNEL:ACCOUNT:ORDER_ID) "
            "or --channel with the channel order id"
        )
    chosen = parse_enum(Channel, channel, "channel")
    account = account_for(get_settings(), chosen, account)
    return OrderRef(channel=chosen, account=account, order_id=order).workflow_id


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def not_found(workflow_id: str, err: RPCError) -> CliError:
    if err.status == RPCStatusCode.NOT_FOUND:
        return CliError(f"workflow {workflow_id} not found")
    return CliError(f"Temporal refused the request for {workflow_id}: {err.message}")


# -- consign orders -------------------------------------------------------------------------


async def find_orders(client: Client, query: str, limit: int) -> list[OrderRow]:
    """At most `limit` rows, in visibility's order."""
    try:
        return [row_from_execution(e) async for e in client.list_workflows(query, limit=limit)]
    except RPCError as err:
        raise CliError(f"visibility query failed: {err.message}") from err


CSV_COLUMNS = list(OrderRow.model_fields)


def orders_csv(rows: list[OrderRow]) -> str:
    """The rows as CSV, text cells formula-escaped as `consign mappings export` does."""
    from store.csv_io import escape_formula

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells = row.model_dump(mode="json")
        writer.writerow(
            [
                escape_formula(cells[c]) if isinstance(cells[c], str) else _csv_cell(cells[c])
                for c in CSV_COLUMNS
            ]
        )
    return out.getvalue()


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def orders_table(rows: list[OrderRow], query: str) -> Table:
    table = Table(title=f"{len(rows)} order(s)", caption=query, caption_justify="left")
    for column in ("workflow id", "channel", "order id", "stage", "exception", "facility"):
        table.add_column(column, overflow="fold")
    table.add_column("ship-by", no_wrap=True)
    for row in rows:
        stage = row.stage if row.running else f"{row.stage} (closed)"
        style = "red" if row.exception_kind else None
        table.add_row(
            row.workflow_id,
            row.channel,
            row.order_id,
            stage,
            row.exception_kind,
            row.facility,
            fmt_time(row.ship_by),
            style=style,
        )
    return table


orders_app = typer.Typer(
    help="List order workflows (the options below), or retry the parked ones in bulk (retry).",
    invoke_without_command=True,
)


@orders_app.callback()
@expected_errors
def list_orders(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option(help="OrderStage, e.g. EXCEPTION, LATE.")] = None,
    exception: Annotated[str | None, typer.Option(help="ExceptionKind, e.g. UNMAPPED_SKU.")] = None,
    channel: Annotated[str | None, typer.Option(help=f"{CHANNEL_CHOICES}.")] = None,
    account: Annotated[str | None, typer.Option(help="Channel account.")] = None,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than", help="Only orders whose workflow started longer ago: 90m, 6h, 2d, 1w."
        ),
    ] = None,
    ship_by_within: Annotated[
        str | None,
        typer.Option(
            "--ship-by-within",
            help="Only orders whose ship-by is within this from now, or passed: 6h, 2d.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 50,
    json_output: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    csv_output: Annotated[bool, typer.Option("--csv", help="Print the rows as CSV.")] = False,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """List order workflows by stage, exception kind, channel, age and ship-by (from search
    attributes)."""
    if ctx.invoked_subcommand is not None:
        return
    if json_output and csv_output:
        raise typer.BadParameter("choose one of --json and --csv", param_hint="--csv")
    query = build_query(
        stage,
        exception,
        channel,
        account,
        older_than=parse_duration(older_than, "--older-than") if older_than else None,
        ship_by_within=(
            parse_duration(ship_by_within, "--ship-by-within") if ship_by_within else None
        ),
    )

    async def work(client: Client) -> list[OrderRow]:
        return await find_orders(client, query, limit + 1)

    found = run_with_client(work, address, namespace)
    rows, more = found[:limit], len(found) > limit
    if json_output:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
    elif csv_output:
        typer.echo(orders_csv(rows), nl=False)
    else:
        console.print(orders_table(rows, query))
    if more:
        hint = f"more orders match than the {limit} shown: raise --limit or narrow the filters"
        if json_output or csv_output:
            print(hint, file=sys.stderr)
        else:
            console.print(f"[yellow]{hint}[/yellow]", highlight=False)


# -- consign order show ---------------------------------------------------------------------


async def query_status(handle: WorkflowHandle[Any, Any]) -> OrderStatus:
    return await query_model(handle, OrderStatus)


async def query_model(handle: WorkflowHandle[Any, Any], result_type: type[M]) -> M:
    """The workflow's `status` query (orders, returns), every failure one line."""
    try:
        return await handle.query(STATUS_QUERY, result_type=result_type, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as err:
        # the client reports its own rpc_timeout as CANCELLED ("Timeout expired")
        if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
            raise CliError(
                f"no worker answered the status query for {handle.id} (is the worker running?)"
            ) from err
        raise not_found(handle.id, err) from err
    except WorkflowQueryFailedError as err:
        raise CliError(f"status query failed for {handle.id}: {err}") from err


def print_status(status: OrderStatus) -> None:
    ref = status.ref
    console.print(f"[bold]{ref.workflow_id}[/bold]")
    console.print(f"  stage            {status.stage.value}{'  (late)' if status.late else ''}")
    console.print(f"  facility         {status.facility_id or '-'}")
    console.print(f"  warehouse order  {status.warehouse_order_id or '-'}")
    console.print(f"  GXO reference    {status.warehouse_reference or '-'}")
    console.print(f"  ship-by          {fmt_time(status.ship_by) or '-'}")
    console.print(f"  injections       {status.injections}")
    if status.exception is not None:
        exc = status.exception
        console.print(
            f"  [red]exception        {exc.kind.value} at {exc.stage.value}, "
            f"{fmt_time(exc.raised_at)}: {exc.message}[/red]"
        )
    if status.retrying is not None:
        retrying = status.retrying
        console.print(
            f"  [yellow]retrying         {retrying.activity}: {retrying.attempts} attempts "
            f"since {fmt_time(retrying.since)}, last: {retrying.last_failure}[/yellow]"
        )
    lines = Table(title="lines")
    for column in ("line", "sku", "ordered", "shipped", "cancelled", "remaining"):
        lines.add_column(column, justify="right" if column not in ("line", "sku") else "left")
    for line in status.lines:
        lines.add_row(
            line.line_id,
            line.sku,
            str(line.ordered),
            str(line.shipped),
            str(line.cancelled),
            str(line.remaining),
        )
    console.print(lines)
    if status.parcels:
        parcels = Table(title="parcels")
        for column in ("parcel", "package ref", "tracking", "confirmed"):
            parcels.add_column(column)
        for parcel in status.parcels:
            parcels.add_row(
                parcel.parcel_id,
                parcel.package_reference,
                parcel.tracking_number,
                "yes" if parcel.confirmed else "no",
            )
        console.print(parcels)
    if status.history:
        console.print("history")
        for note in status.history:
            console.print(f"  - {note}", markup=False, highlight=False)


@order_app.command("show")
@expected_errors
def show(
    order: OrderIdArgument,
    channel: ChannelOption = None,
    account: AccountOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the raw status.")] = False,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Show an order's full state (the workflow's `status` query)."""
    workflow_id = resolve_workflow_id(order, channel, account)

    async def work(client: Client) -> OrderStatus:
        return await query_status(client.get_workflow_handle(workflow_id))

    status = run_with_client(work, address, namespace)
    if json_output:
        typer.echo(status.model_dump_json(indent=2))
    else:
        print_status(status)


# -- consign order retry | reinject | resolve -----------------------------------------------


def describe_answer(workflow_id: str, answer: OperatorAnswer) -> str:
    """One line: where the order got to after the request, and what it still holds."""
    where = f"{answer.action} of {workflow_id}: {answer.stage.value}"
    if not answer.settled:
        where += " (still at work: see `consign order show` in a while)"
    if answer.exception is not None:
        exc = answer.exception
        where += f", exception {exc.kind.value}: {exc.message}"
    if answer.retrying is not None:
        where += f", retrying {answer.retrying.activity}: {answer.retrying.last_failure}"
    return where


ReasonOption = Annotated[str, typer.Option(help="Why (kept in the order's history).")]
ByOption = Annotated[str, typer.Option("--by", help="Who asked (audit trail; default: $USER).")]


def _add_update_command(name: str, update: str, help_text: str) -> None:
    """`order retry`, `reinject` and `resolve` differ only in the update they send."""

    @order_app.command(name, help=help_text)
    @expected_errors
    def command(
        order: OrderIdArgument,
        reason: ReasonOption = "",
        by: ByOption = "",
        channel: ChannelOption = None,
        account: AccountOption = None,
        address: AddressOption = None,
        namespace: NamespaceOption = None,
    ) -> None:
        workflow_id = resolve_workflow_id(order, channel, account)
        request = OperatorRequest(reason=reason, requested_by=requester(by))

        async def work(client: Client) -> OperatorAnswer:
            handle = client.get_workflow_handle(workflow_id)
            return await ask(handle, update, request, OperatorAnswer)

        answer = run_with_client(work, address, namespace)
        console.print(describe_answer(workflow_id, answer), markup=False, highlight=False)


_add_update_command(
    "retry",
    RETRY_SIGNAL,
    "Retry the step that failed (after fixing a mapping, for example); prints the stage the "
    "order reached. Injected orders: ask GXO for parcels consign never saw.",
)
_add_update_command(
    "reinject",
    REINJECT_SIGNAL,
    "Send the order to the warehouse again (in EXCEPTION: re-read, re-plan, re-send); prints "
    "the stage the order reached.",
)
_add_update_command(
    "resolve",
    RESOLVE_UPDATE,
    "Mark an exception handled without retrying; --reason is required and kept in the "
    "order's history with who asked. A flag (at risk, late, refused cancel) is cleared and "
    "the order moves on; a parked order handled by hand (e.g. shipped outside consign) ends "
    "as RESOLVED without contacting GXO or the channel.",
)


# -- consign orders retry -------------------------------------------------------------------


@orders_app.command("retry")
@expected_errors
def bulk_retry(
    reason: Annotated[str, typer.Option(help="Why (kept in every order's history).")],
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            help='A visibility query narrowing the parked orders, e.g. "ExceptionKind = '
            "'UNMAPPED_SKU' AND Channel = 'centra'\".",
        ),
    ] = None,
    exception: Annotated[str | None, typer.Option(help="ExceptionKind, e.g. UNMAPPED_SKU.")] = None,
    channel: Annotated[str | None, typer.Option(help=f"{CHANNEL_CHOICES}.")] = None,
    account: Annotated[
        str | None, typer.Option(help="Only this channel account's (seller id, store name).")
    ] = None,
    by: ByOption = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count and list what would be retried.")
    ] = False,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Retry every parked (EXCEPTION) order the filters select, with one Temporal batch
    operation (a batch `retry` signal); prints the count and the batch's outcome."""
    from starter.bulk_retry import BatchOutcome, parked_query, retry_batch

    if not reason.strip():
        raise typer.BadParameter("say why (kept in every order's history)", param_hint="--reason")
    selected = parked_query(
        build_query(exception=exception, channel=channel, account=account), query
    )
    request = OperatorRequest(reason=reason, requested_by=requester(by))

    async def work(client: Client) -> tuple[int, list[OrderRow], BatchOutcome | None]:
        try:
            count = (await client.count_workflows(selected)).count
        except RPCError as err:
            raise CliError(f"visibility query failed: {err.message}") from err
        if dry_run or count == 0:
            return count, await find_orders(client, selected, 20), None
        return count, [], await retry_batch(client, selected, request)

    count, rows, outcome = run_with_client(work, address, namespace)
    console.print(f"{count} parked order(s) match: {selected}", markup=False, highlight=False)
    if outcome is None:
        for row in rows:
            console.print(f"  {row.workflow_id}  {row.exception_kind}", highlight=False)
        if count > len(rows):
            console.print(f"  ... and {count - len(rows)} more", highlight=False)
        if dry_run and count:
            console.print("dry run: nothing sent")
        return
    console.print(
        f"batch {outcome.job_id}: {outcome.state}, {outcome.done} of {outcome.total} retried, "
        f"{outcome.failed} failed",
        highlight=False,
    )
    if outcome.state == "RUNNING":
        console.print(f"still running: `temporal batch describe --job-id {outcome.job_id}`")
    elif outcome.state != "COMPLETED" or outcome.failed:
        raise CliError(f"the batch retry {outcome.job_id} did not complete for every order")
