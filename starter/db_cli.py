"""`consign db upgrade|current|history|revision`: the store's schema migrations (docs/store.md).
`upgrade` is what a deployment runs as a one-shot job before it rolls workers that have
CONSIGN_DB_MIGRATE=off; `revision` is for developers who changed store/tables.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from starter.client import CliError, expected_errors
from starter.mappings_cli import DatabaseOption, store_errors, store_url

if TYPE_CHECKING:
    from sqlalchemy import Engine

console = Console()
db_app = typer.Typer(help="Migrate the store's schema.", no_args_is_help=True)


@contextmanager
def _store(database_url: str | None) -> Iterator[tuple[Engine, str]]:
    """The store's engine, not migrated or checked (that is these commands' job), and how to
    show its URL; errors on the way are one line each."""
    from store.db import create_engine_from_url

    url, shown = store_url(database_url)
    with store_errors(shown):
        engine = create_engine_from_url(url)
        try:
            yield engine, shown
        finally:
            engine.dispose()


@db_app.command("upgrade")
@expected_errors
def upgrade(
    database_url: DatabaseOption = None,
    revision: Annotated[
        str, typer.Option(help="The revision to reach (default: the newest).")
    ] = "head",
) -> None:
    """Apply every migration the store lacks (safe to run again, and beside running workers)."""
    from store.migrate import upgrade_store

    with _store(database_url) as (engine, shown):
        done = upgrade_store(engine, revision)
    if done.adopted:
        console.print(f"{shown}: a store made before migrations, stamped at the baseline")
    if done.before == done.after:
        console.print(f"{shown} is at {done.after}: nothing to do", highlight=False)
    else:
        console.print(f"{shown}: {done.before or '(empty)'} -> {done.after}", highlight=False)


@db_app.command("current")
@expected_errors
def current(database_url: DatabaseOption = None) -> None:
    """Print the store's revision and whether it is the newest this consign knows."""
    from store.migrate import head_revision, store_revision

    with _store(database_url) as (engine, shown):
        revision = store_revision(engine)
    head = head_revision()
    state = "current" if revision == head else f"behind: run `consign db upgrade` to reach {head}"
    console.print(f"{shown}: {revision or '(none)'} ({state})", highlight=False)


@db_app.command("history")
@expected_errors
def history() -> None:
    """List the migrations this consign carries, newest first."""
    from store.migrate import revisions

    for script in revisions():
        console.print(f"{script.revision}  {script.doc}", highlight=False)


@db_app.command("revision")
@expected_errors
def revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
    empty: Annotated[
        bool, typer.Option("--empty", help="An empty revision, not compared with the models.")
    ] = False,
) -> None:
    """Write a new migration from the difference between store/tables.py and the newest
    revision (a scratch SQLite migrated to it), into store/migrations/versions/; review it,
    and test it on PostgreSQL too, before committing."""
    from store.migrate import new_revision

    if not message.strip():
        raise CliError("give the migration a message (-m)")
    path = new_revision(message, autogenerate=not empty)
    console.print(f"wrote {path}", highlight=False)
