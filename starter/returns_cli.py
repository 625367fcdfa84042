"""`consign returns` (find returns by stage, exception, channel, refunds left to a person) and
`consign return show|retry`: the returns counterpart of `consign orders` / `consign order`,
built on the same helpers. Retry is the ReturnFulfillment `retry` Update: the command prints
the stage the return reached."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.table import Table
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.service import RPCError

from domain.exceptions import ExceptionKind
from domain.returns import RETURN_WORKFLOW_NAME, RefundDecision, ReturnRef, ReturnStage
from domain.search_attributes import (
    CHANNEL,
    CHANNEL_ACCOUNT,
    CHANNEL_ORDER_ID,
    EXCEPTION_KIND,
    FACILITY_ID,
    REFUND_DECISION,
    RETURN_STAGE,
)
from integrations.registry import CHANNELS, get_settings
from starter.accounts_cli import account_for
from starter.answers import ask, requester
from starter.client import CliError, expected_errors, run_with_client
from starter.orders_cli import (
    AccountOption,
    AddressOption,
    ByOption,
    NamespaceOption,
    ReasonOption,
    console,
    fmt_time,
    parse_enum,
    query_model,
    quote,
)
from workflows.return_fulfillment import (
    RETRY_UPDATE,
    RetryAnswer,
    RetryRequest,
    ReturnStatus,
)

returns_app = typer.Typer(
    help="List return workflows by stage, exception, channel, refunds left to a person."
)
# The refund decisions that leave the refund (or store credit) to a person: the return
# completes in the channel without one (docs/operations.md, Returns).
REFUND_DUE = (RefundDecision.OPERATOR, RefundDecision.CREDIT_DUE)
return_app = typer.Typer(
    help="One return (RMA): show its state, retry or accept it.", no_args_is_help=True
)

ReturnChannelOption = Annotated[
    str | None,
    typer.Option(
        "--channel",
        help="The channel, when RMA is a bare return id (default: the "
        "one channel that takes returns).",
    ),
]
RmaArgument = Annotated[
    str,
    typer.Argument(
        metavar="RMA",
        help="The channel's return id, or the workflow id return:CHANNEL:ACCOUNT:RMA.",
    ),
]


def returns_query(
    stage: str | None = None,
    exception: str | None = None,
    channel: str | None = None,
    account: str | None = None,
    refund_due: bool = False,
) -> str:
    clauses = [f"WorkflowType = {quote(RETURN_WORKFLOW_NAME)}"]
    if refund_due:
        due = ", ".join(quote(decision.value) for decision in REFUND_DUE)
        clauses.append(f"{REFUND_DECISION.name} IN ({due})")
    if stage:
        clauses.append(f"{RETURN_STAGE.name} = {quote(parse_enum(ReturnStage, stage, 'stage'))}")
    if exception:
        kind = parse_enum(ExceptionKind, exception, "exception kind")
        clauses.append(f"{EXCEPTION_KIND.name} = {quote(kind)}")
    if channel:
        clauses.append(f"{CHANNEL.name} = {quote(_channel(channel))}")
    if account:
        clauses.append(f"{CHANNEL_ACCOUNT.name} = {quote(account)}")
    return " AND ".join(clauses)


def _channel(value: str) -> str:
    names = [module.name for module in CHANNELS if module.takes_returns]
    chosen = value.strip().lower()
    if chosen not in names:
        raise CliError(f"no returns for channel {value!r}; one of: {', '.join(names)}")
    return chosen


def resolve_return_id(rma: str, channel: str | None, account: str | None) -> str:
    """`return:centra:ACCOUNT:RMA` as is; a bare RMA on the one channel that takes returns
    (or --channel) and its configured account (or --account)."""
    if rma.startswith("return:"):
        if rma.count(":") < 3:
            raise CliError(f"{rma!r} is not a workflow id return:CHANNEL:ACCOUNT:RMA")
        return rma
    if channel is None:
        names = [module.name for module in CHANNELS if module.takes_returns]
        if len(names) != 1:
            raise CliError("give --channel or the workflow id return:CHANNEL:ACCOUNT:RMA")
        channel = names[0]
    chosen = _channel(channel)
    account = account_for(get_settings(), chosen, account)
    return ReturnRef(channel=chosen, account=account, rma=rma).workflow_id


class ReturnRow(BaseModel):
    """One line of `consign returns`, from search attributes only."""

    workflow_id: str
    channel: str
    rma: str
    order_id: str
    stage: str
    exception_kind: str
    facility: str
    running: bool
    refund_decision: str = ""  # domain.returns.RefundDecision once decided


def row_from_execution(execution: WorkflowExecution) -> ReturnRow:
    attrs = execution.typed_search_attributes
    return ReturnRow(
        workflow_id=execution.id,
        channel=attrs.get(CHANNEL) or "",
        rma=execution.id.rsplit(":", 1)[-1],
        order_id=attrs.get(CHANNEL_ORDER_ID) or "",
        stage=attrs.get(RETURN_STAGE) or "",
        exception_kind=attrs.get(EXCEPTION_KIND) or "",
        facility=attrs.get(FACILITY_ID) or "",
        running=execution.status == WorkflowExecutionStatus.RUNNING,
        refund_decision=attrs.get(REFUND_DECISION) or "",
    )


def returns_table(rows: list[ReturnRow], query: str) -> Table:
    table = Table(title=f"{len(rows)} return(s)", caption=query, caption_justify="left")
    for column in ("RMA", "channel", "order id", "stage", "exception", "refund", "facility"):
        table.add_column(column, overflow="fold")
    for row in rows:
        stage = row.stage if row.running else f"{row.stage} (closed)"
        due = row.refund_decision in REFUND_DUE
        table.add_row(
            row.rma,
            row.channel,
            row.order_id,
            stage,
            row.exception_kind,
            row.refund_decision,
            row.facility,
            style="red" if row.exception_kind else "yellow" if due else None,
        )
    return table


@returns_app.callback(invoke_without_command=True)
@expected_errors
def list_returns(
    stage: Annotated[
        str | None, typer.Option(help="ReturnStage, e.g. EXCEPTION, AWAITING_RECEIPT.")
    ] = None,
    exception: Annotated[
        str | None, typer.Option(help="ExceptionKind, e.g. RETURN_NOT_ARRIVED.")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="A channel that takes returns.")] = None,
    account: Annotated[str | None, typer.Option(help="Channel account.")] = None,
    refund_due: Annotated[
        bool,
        typer.Option(
            "--refund-due",
            help="Only returns whose refund the policy left to a person (RefundDecision "
            "OPERATOR or CREDIT_DUE): refund or credit them by hand in the channel.",
        ),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 50,
    json_output: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """List return workflows by stage, exception kind, channel and refund decision (from
    search attributes)."""
    query = returns_query(stage, exception, channel, account, refund_due)

    async def work(client: Client) -> list[ReturnRow]:
        try:
            return [
                row_from_execution(e) async for e in client.list_workflows(query, limit=limit + 1)
            ]
        except RPCError as err:
            raise CliError(f"visibility query failed: {err.message}") from err

    found = run_with_client(work, address, namespace)
    rows, more = found[:limit], len(found) > limit
    if json_output:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
    else:
        console.print(returns_table(rows, query))
        if more:
            console.print(
                f"[yellow]more returns match than the {limit} shown: raise --limit[/yellow]",
                highlight=False,
            )


def print_return(status: ReturnStatus) -> None:
    console.print(f"[bold]{status.ref.workflow_id}[/bold]")
    console.print(f"  stage            {status.stage.value}")
    console.print(f"  order            {status.channel_order_id or '-'}")
    console.print(f"  facility         {status.facility_id or '-'}")
    console.print(f"  GXO return       {status.gxo_return_id or '-'}")
    console.print(f"  received         {status.received or '-'}", markup=False, highlight=False)
    if status.decision is not None:
        decision = status.decision
        console.print(
            f"  decision         refund {decision.refund.value}, "
            f"{decision.restocked_units} unit(s) back to stock"
        )
    console.print(f"  completed        {'yes' if status.completed else 'no'}")
    console.print(f"  refunded         {'yes' if status.refunded else 'no'}")
    if status.exception is not None:
        exc = status.exception
        console.print(
            f"  exception        {exc.kind.value}, {fmt_time(exc.raised_at)}: {exc.message}",
            style="red",
            markup=False,
            highlight=False,
        )
    if status.retrying:
        console.print(f"  retrying         {status.retrying}", style="yellow", markup=False)
    if status.notice is not None:
        lines = Table(title="authorised")
        for column in ("line", "sku", "item code", "quantity"):
            lines.add_column(column)
        for line in status.notice.lines:
            lines.add_row(str(line.line_number), line.sku, line.item_code, str(line.quantity))
        console.print(lines)
    if status.receipts:
        receipts = Table(title="received at GXO")
        for column in ("receipt", "item code", "quantity", "disposition"):
            receipts.add_column(column)
        for receipt in status.receipts:
            for got in receipt.lines:
                receipts.add_row(
                    receipt.receipt_id, got.item_code, str(got.quantity), got.disposition
                )
        console.print(receipts)
    for note in status.history:
        console.print(f"  - {note}", markup=False, highlight=False)


@return_app.command("show")
@expected_errors
def show(
    rma: RmaArgument,
    channel: ReturnChannelOption = None,
    account: AccountOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the raw status.")] = False,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Show a return's full state (the workflow's `status` query)."""
    workflow_id = resolve_return_id(rma, channel, account)

    async def work(client: Client) -> ReturnStatus:
        return await query_model(client.get_workflow_handle(workflow_id), ReturnStatus)

    status = run_with_client(work, address, namespace)
    if json_output:
        typer.echo(status.model_dump_json(indent=2))
    else:
        print_return(status)


@return_app.command("retry")
@expected_errors
def retry(
    rma: RmaArgument,
    reason: ReasonOption = "",
    by: ByOption = "",
    accept: Annotated[
        bool,
        typer.Option(
            "--accept",
            help="RETURN_NOT_ARRIVED / RETURN_MISMATCH: close the return with what GXO "
            "received instead of waiting again.",
        ),
    ] = False,
    channel: ReturnChannelOption = None,
    account: AccountOption = None,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Retry a parked return: wait again for GXO (or --accept what arrived), read the policy
    again, or run the refused step again; prints the stage the return reached."""
    workflow_id = resolve_return_id(rma, channel, account)
    request = RetryRequest(reason=reason, requested_by=requester(by), accept=accept)

    async def work(client: Client) -> RetryAnswer:
        return await ask(
            client.get_workflow_handle(workflow_id), RETRY_UPDATE, request, RetryAnswer
        )

    answer = run_with_client(work, address, namespace)
    console.print(f"retry of {workflow_id}: {answer.stage.value}", markup=False, highlight=False)
