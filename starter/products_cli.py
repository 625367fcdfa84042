"""`consign products status|sync-now`: how each channel account's product sync is doing (the
ProductSync workflow's status), which SKUs are on sale but unknown to GXO's item master (so
orders for them park as ITEM_NOT_LAUNCHED and inventory sync offers 0), and a sweep now (the
sync_now update: the command prints what the sweep did)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Annotated

import httpx
import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine
from temporalio.client import Client

from domain.mapping import SkuMapping
from domain.products import ItemState
from integrations.errors import IntegrationError
from integrations.gxo.port import ItemMasterPort
from integrations.gxo.rest import RestWarehouse
from integrations.registry import WAREHOUSE, Channel, get_settings
from starter.answers import ask
from starter.client import expected_errors, run_with_client
from starter.inventory_cli import (
    AccountOption,
    ChannelOption,
    Target,
    _engine,
    _fmt_time,
    console,
    fetch_statuses,
    query_status,
    resolve_targets,
    status_table,
)
from starter.mappings_cli import DatabaseOption
from starter.orders_cli import AddressOption, NamespaceOption
from store.products import (
    NotAtGxo,
    item_master_states,
    never_sent,
    on_sale_unknown_to_gxo,
)
from workflows.deployment import facilities
from workflows.product_sync import (
    SYNC_NOW_SIGNAL,
    ProductSyncStatus,
    SyncAnswer,
    product_sync_id,
)

products_app = typer.Typer(
    help="Product sync to GXO's item master: status, SKUs GXO does not know, sweep now.",
    no_args_is_help=True,
)
NAME = "ProductSync"


def workflow_id(target: Target) -> str:
    return product_sync_id(target.channel, target.account)


async def read_status(client: Client, target: Target) -> ProductSyncStatus | str:
    return await query_status(client, workflow_id(target), NAME, ProductSyncStatus)


def print_sync_status(status: ProductSyncStatus) -> None:
    summary = status_table()
    summary.add_row("cursor", _fmt_time(status.cursor))
    summary.add_row("cycles", str(status.cycles))
    summary.add_row("SKUs read", str(status.products_read))
    summary.add_row("records sent", str(status.sent))
    summary.add_row("unchanged", str(status.unchanged))
    summary.add_row("pending at GXO", str(status.pending))
    summary.add_row("orders released", str(status.released))
    summary.add_row("unmapped SKUs", ", ".join(status.unmapped) or "-")
    summary.add_row("left to the product master", ", ".join(status.deferred) or "-")
    incomplete = "; ".join(status.incomplete)
    unreadable = "; ".join(status.unreadable)
    summary.add_row("set aside", f"[red]{escape(unreadable)}[/red]" if unreadable else "-")
    summary.add_row("sent without", f"[yellow]{escape(incomplete)}[/yellow]" if incomplete else "-")
    refused = "; ".join(status.refused)
    summary.add_row("refused by GXO", f"[red]{escape(refused)}[/red]" if refused else "-")
    error = status.last_error
    summary.add_row("last error", f"[red]{escape(error)}[/red]" if error else "-")
    console.print(summary)


Asked = dict[str, list[ItemState]]
AskGxoOption = Annotated[
    bool,
    typer.Option(
        "--ask-gxo/--no-ask-gxo",
        help=(
            "Ask GXO's item master (GET item, every facility in GXO_FACILITIES) about the "
            "mapped SKUs no product sync sent, so those GXO holds leave the report; without "
            "it they show as 'not sent'."
        ),
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of the tables.")
]


def open_item_master() -> RestWarehouse:
    """GXO's item master from the settings (GXO_API_URL, GXO_API_KEY); tests replace it."""
    settings = get_settings()
    return RestWarehouse(
        WAREHOUSE.settings_of(settings).base_url, WAREHOUSE.settings_of(settings).api_key
    )


async def ask_items(
    items: ItemMasterPort, where: Sequence[str], mappings: Sequence[SkuMapping]
) -> Asked:
    """GXO's answer about each mapped item at each facility (only those that know it)."""
    asked: Asked = {}
    for code in sorted({m.item_code for m in mappings}):
        states = [await items.get_item(facility, code) for facility in where]
        asked[code] = [state for state in states if state is not None]
    return asked


def ask_gxo(mappings: dict[Channel, list[SkuMapping]]) -> dict[Channel, Asked]:
    """What GXO holds of the items no product sync sent, per channel; one client for all."""
    where = facilities(get_settings())

    async def work() -> dict[Channel, Asked]:
        async with open_item_master() as items:
            return {c: await ask_items(items, where, found) for c, found in mappings.items()}

    return asyncio.run(work())


def ask_or_warn(unsent: dict[Channel, list[SkuMapping]]) -> dict[Channel, Asked] | None:
    """GXO's answers, or None (with a warning on stderr) when GXO cannot be asked: the report
    then shows those SKUs as "not sent", as with --no-ask-gxo."""
    if not any(unsent.values()):
        return {}
    try:
        return ask_gxo(unsent)
    except (IntegrationError, httpx.HTTPError, ValueError) as err:
        typer.echo(f"GXO's item master not asked ({type(err).__name__}: {err})", err=True)
        return None


def unknown_table(found: list[NotAtGxo]) -> Table:
    table = Table(title=f"on sale but unknown to GXO: {len(found)} SKU(s)")
    for column in ("sku", "item code", "ledger", "detail"):
        table.add_column(column, overflow="fold")
    for item in found:
        style = "red" if "rejected" in item.state or item.state == "unknown to GXO" else "yellow"
        table.add_row(item.sku, item.item_code, item.state, item.detail or "", style=style)
    return table


@products_app.command("status")
@expected_errors
def status(
    channel: ChannelOption = None,
    account: AccountOption = None,
    database_url: DatabaseOption = None,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
    ask: AskGxoOption = True,
    as_json: JsonOption = False,
) -> None:
    """Show each channel account's ProductSync status, its mapped SKUs counted by what GXO's
    item master holds (accepted, sent, held by GXO but not sent, not sent, sent by another
    channel, ...), and its SKUs on sale (mapped) that GXO does not hold as sellable: by the
    item ledger, and for SKUs no product sync sent by asking GXO (`--no-ask-gxo`: not asked,
    shown as "not sent"). `--json` prints it as one document."""
    targets = resolve_targets(channel, account)
    engine = _engine(database_url)
    statuses = fetch_statuses(targets, address, namespace, read_status, workflow_id)
    channels = sorted({target.channel for target in targets})
    unsent = {c: never_sent(engine, c) for c in channels}
    asked = ask_or_warn(unsent) if ask else None
    if as_json:
        print_json(targets, statuses, engine, asked)
        return
    for target in targets:
        console.print(f"[bold]{escape(workflow_id(target))}[/bold]")
        found = statuses[target]
        if isinstance(found, str):
            console.print(f"[yellow]{escape(found)}[/yellow]", highlight=False)
        else:
            print_sync_status(found)
        answers = asked.get(target.channel, {}) if asked is not None else None
        states = item_master_states(engine, target.channel, answers)
        counts = ", ".join(f"{state} {count}" for state, count in states.items())
        console.print(f"mapped SKUs by GXO's item master: {counts or 'none'}", highlight=False)
        console.print(unknown_table(on_sale_unknown_to_gxo(engine, target.channel, answers)))


def print_json(
    targets: list[Target],
    statuses: dict[Target, ProductSyncStatus | str],
    engine: Engine,
    asked: dict[Channel, Asked] | None,
) -> None:
    """One document: per channel account, its sync's status (or why there is none), the
    mapped SKUs counted by GXO's item master, and the report, as the tables show them."""
    rows = []
    for target in targets:
        found = statuses[target]
        answers = asked.get(target.channel, {}) if asked is not None else None
        rows.append(
            {
                "workflow_id": workflow_id(target),
                "channel": target.channel,
                "account": target.account,
                "sync": found.model_dump(mode="json") if not isinstance(found, str) else None,
                "sync_error": found if isinstance(found, str) else None,
                "gxo_asked": answers is not None,
                "item_master": item_master_states(engine, target.channel, answers),
                "on_sale_unknown_to_gxo": [
                    n.model_dump(mode="json")
                    for n in on_sale_unknown_to_gxo(engine, target.channel, answers)
                ],
            }
        )
    typer.echo(json.dumps(rows, indent=2))


def describe_sync(workflow_id: str, answer: SyncAnswer) -> str:
    """One line: what the sweep did since the request, and what GXO still owes or refused."""
    status = answer.status
    done = "done" if answer.settled else "still running (see `consign products status`)"
    parts = [
        f"{SYNC_NOW_SIGNAL} of {workflow_id}: {done}",
        f"{answer.read} SKU(s) read",
        f"{answer.sent} record(s) sent to GXO",
        f"{answer.unchanged} unchanged",
        f"{answer.released} order(s) released",
        f"{status.pending} pending at GXO",
        f"{len(status.refused)} refused",
        f"{len(status.unmapped)} unmapped",
    ]
    if status.last_error:
        parts.append(f"last error: {status.last_error}")
    return ", ".join(parts)


@products_app.command("sync-now")
@expected_errors
def sync_now(
    channel: ChannelOption = None,
    account: AccountOption = None,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Ask each channel account's ProductSync to sweep products and check GXO now, and print
    what the sweep did (a Temporal Update: it waits for the answer)."""
    targets = resolve_targets(channel, account)

    async def work(client: Client) -> None:
        for target in targets:
            handle = client.get_workflow_handle(workflow_id(target))
            answer = await ask(handle, SYNC_NOW_SIGNAL, None, SyncAnswer)
            console.print(describe_sync(handle.id, answer), markup=False, highlight=False)

    run_with_client(work, address, namespace)
