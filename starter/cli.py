"""The `consign` command: one entry point for the local stack, the demo, order operations,
mappings, inventory sync and cluster setup. Run `consign --help` for the list."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from temporalio.client import Client

from integrations.registry import get_settings
from starter import captures_cli  # noqa: F401  (adds `settlements centra`)
from starter.accounts_cli import list_accounts
from starter.amazon_cli import amazon_app
from starter.client import CliError, expected_errors, run_with_client
from starter.db_cli import db_app
from starter.intakes_cli import list_intakes
from starter.inventory_cli import inventory_app
from starter.mappings_cli import mappings_app
from starter.metrics_cli import metrics_app
from starter.monitor_cli import monitor_app
from starter.orders_cli import order_app, orders_app
from starter.owners_cli import show_owners
from starter.products_cli import products_app
from starter.report_cli import report_app
from starter.returns_cli import return_app, returns_app
from starter.setaside_cli import setaside_app
from starter.settlements_cli import settlements_app
from starter.temporal_setup import CONSIGN_KEYS, ensure_search_attributes
from starter.unmatched_cli import unmatched_app

console = Console()
app = typer.Typer(
    name="consign",
    help="consign: Amazon and Centra orders through the GXO warehouse, on Temporal.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
)
temporal_app = typer.Typer(help="Prepare a Temporal cluster for consign.", no_args_is_help=True)

app.add_typer(orders_app, name="orders")
app.add_typer(order_app, name="order")
app.add_typer(returns_app, name="returns")
app.add_typer(return_app, name="return")
app.add_typer(mappings_app, name="mappings")
app.add_typer(inventory_app, name="inventory")
app.add_typer(products_app, name="products")
app.add_typer(setaside_app, name="set-aside")
app.add_typer(db_app, name="db")
app.add_typer(settlements_app, name="settlements")
app.add_typer(temporal_app, name="temporal")
app.add_typer(report_app, name="report")
app.add_typer(unmatched_app, name="unmatched")
app.add_typer(metrics_app, name="metrics")
app.add_typer(monitor_app, name="monitor")
app.add_typer(amazon_app, name="amazon")
app.command("intakes")(list_intakes)
app.command("accounts")(list_accounts)
app.command("owners")(show_owners)


@app.command()
@expected_errors
def dev(
    keep_temporal: Annotated[
        bool,
        typer.Option(
            "--keep-temporal",
            help="Keep Temporal's state in var/dev/temporal.db (the sandboxes and the store "
            "start afresh either way).",
        ),
    ] = False,
    temporal_port: Annotated[int, typer.Option(help="Temporal frontend (gRPC) port.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Temporal Web UI port.")] = 8233,
    amazon_port: Annotated[int, typer.Option(help="Amazon SP-API sandbox port.")] = 8701,
    gxo_port: Annotated[int, typer.Option(help="GXO sandbox port.")] = 8702,
    centra_port: Annotated[int, typer.Option(help="Centra sandbox port.")] = 8703,
    sandboxes: Annotated[
        bool, typer.Option(help="Start the Amazon, GXO and Centra sandboxes.")
    ] = True,
    worker: Annotated[bool, typer.Option(help="Start the worker.")] = True,
    orders: Annotated[
        bool, typer.Option(help="Generate a sandbox order now and then (Amazon, Centra).")
    ] = True,
    order_every: Annotated[
        float, typer.Option(min=1, help="Seconds between generated orders.")
    ] = 20.0,
) -> None:
    """Run the live dev world until Ctrl-C: Temporal dev server, sandboxes and worker at the
    demo's speed, the demo's mappings and stock, and an order generator."""
    from starter.dev_world import build_dev_stack, run_dev_world

    ports = {
        "temporal": temporal_port,
        "ui": ui_port,
        "amazon": amazon_port,
        "gxo": gxo_port,
        "centra": centra_port,
    }
    stack = build_dev_stack(ports, keep_temporal=keep_temporal, sandboxes=sandboxes, worker=worker)
    with console.status("starting Temporal, the sandboxes and the worker..."):
        stack.start()
    try:
        console.print(f"[green]ready[/green]  Temporal     {stack.temporal_address}")
        console.print(f"       Web UI       {stack.ui_url}")
        if sandboxes:
            console.print(f"       Amazon       {stack.amazon_url}")
            console.print(f"       GXO          {stack.gxo_url}")
            console.print(f"       Centra       {stack.centra_url}/graphql")
            console.print(f"       alerts       {stack.alerts_url}")
        console.print(f"       store        {stack.environment()['DATABASE_URL']}")
        console.print(f"       logs         {stack.log_dir}")
        console.print("Ctrl-C stops everything.")
        dead = asyncio.run(run_dev_world(stack, order_every if orders else None, console))
        console.print(
            f"[red]{dead.name} exited[/red] (log {dead.log_path}); stopping the rest",
            highlight=False,
        )
    except KeyboardInterrupt:
        console.print("stopping...")
    finally:
        stack.stop()


@app.command()
@expected_errors
def demo(
    orders: Annotated[int, typer.Option(min=1, help="How many sandbox orders to run.")] = 60,
) -> None:
    """Start the stack, push ORDERS sandbox orders through it and report what happened."""
    from starter.demo import run_demo  # imported here: the other commands start faster

    run_demo(orders=orders)


@app.command("codec-server")
@expected_errors
def codec_server(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8234,
) -> None:
    """Serve Temporal's remote codec endpoints, so that holders of CONSIGN_CODEC_SERVER_TOKEN
    see decoded payloads in the Web UI and the temporal CLI (docs/security.md)."""
    import uvicorn

    from codec.aesgcm import EncryptionCodec
    from codec.converter import configured_key_ring
    from codec.server import create_codec_app

    settings = get_settings().codec
    if not settings.server_token.get_secret_value().strip():
        raise CliError("CONSIGN_CODEC_SERVER_TOKEN is not set: without it nobody could decode")
    app = create_codec_app(EncryptionCodec(configured_key_ring()), settings)
    console.print(f"codec server on http://{host}:{port} for {', '.join(settings.ui_origins)}")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@app.command("codec-key")
@expected_errors
def codec_key(
    key_id: Annotated[str, typer.Argument(help="The new key's id, e.g. 2027-01.")],
) -> None:
    """Print a new AES-256 key as an `id:base64` entry for CONSIGN_CODEC_KEYS (a secret)."""
    from codec.keys import new_key_entry

    typer.echo(new_key_entry(key_id))


@temporal_app.command("setup")
@expected_errors
def temporal_setup(
    address: Annotated[
        str | None, typer.Option(help="Temporal frontend (default: TEMPORAL_ADDRESS).")
    ] = None,
    namespace: Annotated[
        str | None, typer.Option(help="Namespace (default: TEMPORAL_NAMESPACE).")
    ] = None,
) -> None:
    """Register consign's search attributes on the namespace (safe to run again)."""
    space = namespace or get_settings().temporal.namespace

    async def work(client: Client) -> list[str]:
        return await ensure_search_attributes(client, space)

    added = run_with_client(work, address, space)
    known = ", ".join(key.name for key in CONSIGN_KEYS)
    if added:
        console.print(f"registered on {space}: {', '.join(added)}", highlight=False)
    else:
        console.print(f"{space} already has all search attributes ({known})", highlight=False)


if __name__ == "__main__":
    app()
