"""`consign metrics serve`: the state gauges (starter/metrics_exporter.py) for Prometheus to
scrape. One per deployment; the workers serve the event metrics themselves
(CONSIGN_METRICS_ADDRESS)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from temporalio.client import Client

from integrations.registry import get_settings
from reporting.owners_file import load_owner_table
from starter.client import expected_errors, run_with_client
from starter.mappings_cli import DatabaseOption
from starter.mappings_cli import _engine as open_engine
from starter.metrics_exporter import StateReader, build_app
from starter.orders_cli import AddressOption, NamespaceOption
from workflows.deployment import expected_intakes, expected_syncs

console = Console()
metrics_app = typer.Typer(help="Prometheus metrics of consign's state.", no_args_is_help=True)


@metrics_app.command("serve")
@expected_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9465,
    every: Annotated[
        float, typer.Option(min=1, help="Read the state at most once per this many seconds.")
    ] = 30.0,
    database_url: DatabaseOption = None,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Serve /metrics: orders by stage, open exceptions by kind and owner, intake and stock
    health (docs/operations.md, Metrics)."""
    settings = get_settings()
    engine = open_engine(database_url)
    owners = load_owner_table()

    async def work(client: Client) -> None:
        reader = StateReader(
            client, engine, owners, expected_intakes(settings), expected_syncs(settings), every
        )
        config = uvicorn.Config(build_app(reader), host=host, port=port, log_level="warning")
        console.print(f"metrics on http://{host}:{port}/metrics", highlight=False)
        await uvicorn.Server(config).serve()

    run_with_client(work, address, namespace)
