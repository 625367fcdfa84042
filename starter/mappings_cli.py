"""`consign mappings import|export`: operations maintain SKU, facility and carrier mappings as
CSV files (a spreadsheet round-trip), and the store is the single copy every flow reads."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from integrations.registry import CHANNEL_NAMES, get_settings
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
    DISPOSITIONS = "dispositions"


KindArgument = Annotated[
    MappingKind,
    typer.Argument(
        help="skus, facilities, carrier-services, carrier-codes or dispositions (returns policy)."
    ),
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="Store URL (default: DATABASE_URL).")
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Import a file with no rows even where that deletes every rule (facilities, buffers).",
    ),
]


def _engine(database_url: str | None) -> Engine:
    """The store, imported lazily so the rest of the CLI starts fast and works without it;
    migrated first unless CONSIGN_DB_MIGRATE=off, which only checks it is current."""
    from config import DbMigrate
    from store.migrate import open_store

    url, shown = store_url(database_url)
    with store_errors(shown):
        return open_store(url, migrate=get_settings().db_migrate is DbMigrate.AUTO)


def store_url(database_url: str | None) -> tuple[str, str]:
    """The store URL (--database-url, else DATABASE_URL) and how to show it (no password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from store.db import normalise_url

    url = database_url or get_settings().database_url
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise CliError("the store URL (DATABASE_URL or --database-url) is not a URL") from None
    return url, parsed.render_as_string(hide_password=True)


@contextmanager
def store_errors(shown: str) -> Iterator[None]:
    """A driver that is not installed, a database or a folder that cannot be reached, a schema
    this consign cannot use: one line each (the password never shown)."""
    from sqlalchemy.exc import OperationalError

    from store.migrations import StoreSchemaError

    try:
        yield
    except ImportError as err:
        raise CliError(f"no database driver for {shown.split(':', 1)[0]} ({shown})") from err
    except (OperationalError, OSError) as err:
        raise CliError(f"cannot open the store at {shown}") from err
    except StoreSchemaError as err:
        raise CliError(str(err)) from err


def import_kind(kind: str, file: Path, database_url: str | None, force: bool = False) -> None:
    """Import a CSV of one kind; shared by `mappings import` and `inventory buffers import`.
    Every problem with the file is an error naming it, never a traceback."""
    from store.csv_io import (
        CsvImportError,
        ImportRefused,
        UnreadableCsv,
        import_csv,
        read_csv_bytes,
        read_csv_file,
    )

    stdin = str(file) == "-"
    name = "stdin" if stdin else str(file)
    try:
        text = read_csv_bytes(sys.stdin.buffer) if stdin else read_csv_file(file)
    except UnreadableCsv as err:
        raise CliError(f"{name}: {err}") from err
    engine = _engine(database_url)
    try:
        report = import_csv(
            engine, kind, io.StringIO(text, newline=""), channels=CHANNEL_NAMES, force=force
        )
    except CsvImportError as err:
        raise CliError(f"{name}: {err}") from err
    except ImportRefused as err:
        raise CliError(f"{name}: {err}; to delete them, import it again with --force") from err
    console.print(
        f"{kind}: {report.rows} row(s) imported ({report.created} created, "
        f"{report.updated} updated, {report.removed} removed)",
        highlight=False,
    )


def export_kind(kind: str, file: Path | None, database_url: str | None) -> None:
    """Write one kind as CSV, in the columns import reads; stdout carries only the CSV."""
    from store.csv_io import export_csv

    engine = _engine(database_url)
    if file is None or str(file) == "-":
        export_csv(engine, kind, sys.stdout)
        return
    try:
        with file.open("w", newline="", encoding="utf-8") as stream:
            rows = export_csv(engine, kind, stream)
    except OSError as err:
        raise CliError(f"{file}: cannot write it: {err.strerror or err}") from err
    console.print(f"{rows} {kind} row(s) written to {file}", highlight=False)


@mappings_app.command("import")
@expected_errors
def import_mappings(
    kind: KindArgument,
    file: Annotated[Path, typer.Argument(help="CSV file to import ('-' for stdin).")],
    database_url: DatabaseOption = None,
    force: ForceOption = False,
) -> None:
    """Import FILE: skus and carrier kinds are upserted by their key; facilities and
    dispositions replace the whole set (a file with no rows is refused unless --force; no
    disposition rows means the default returns policy)."""
    import_kind(kind.value, file, database_url, force)


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
    export_kind(kind.value, file, database_url)
