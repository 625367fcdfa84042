"""`consign mappings import|export`: operations maintain SKU, facility and carrier mappings as
CSV files (a spreadsheet round-trip), and the store is the single copy every flow reads."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from config import get_settings
from starter.client import CliError, expected_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

console = Console()
mappings_app = typer.Typer(
    help="Import and export the mapping tables as CSV.", no_args_is_help=True
)


class MappingKind(StrEnum):
    SKUS = "skus"
    FACILITIES = "facilities"
    CARRIER_SERVICES = "carrier-services"
    CARRIER_CODES = "carrier-codes"


KindArgument = Annotated[
    MappingKind, typer.Argument(help="skus, facilities, carrier-services or carrier-codes.")
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="Store URL (default: DATABASE_URL).")
]


def _engine(database_url: str | None) -> Engine:
    """The store, imported lazily so the rest of the CLI works without it."""
    from store.db import open_store

    return open_store(database_url or get_settings().database_url)


@mappings_app.command("import")
@expected_errors
def import_mappings(
    kind: KindArgument,
    file: Annotated[Path, typer.Argument(help="CSV file to import ('-' for stdin).")],
    database_url: DatabaseOption = None,
) -> None:
    """Insert or update the mappings in FILE (rows are upserted by their key)."""
    from store.csv_io import import_csv

    engine = _engine(database_url)
    if str(file) == "-":
        report = import_csv(engine, kind.value, sys.stdin)
    else:
        if not file.is_file():
            raise CliError(f"no such file: {file}")
        with file.open(newline="", encoding="utf-8-sig") as stream:
            report = import_csv(engine, kind.value, stream)
    console.print(f"{kind.value}: {report}", highlight=False)


@mappings_app.command("export")
@expected_errors
def export_mappings(
    kind: KindArgument,
    file: Annotated[
        Path | None, typer.Argument(help="Where to write the CSV (default: stdout).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write the mappings of KIND as CSV, in the same columns `import` reads."""
    from store.csv_io import export_csv

    engine = _engine(database_url)
    if file is None or str(file) == "-":
        export_csv(engine, kind.value, sys.stdout)
        return
    with file.open("w", newline="", encoding="utf-8") as stream:
        export_csv(engine, kind.value, stream)
    console.print(f"{kind.value} written to {file}", highlight=False)
