"""Store migrations (Alembic, store/migrations/): bring a store to the newest revision, or check
that it is there. An upgrade runs in one transaction that first takes a lock (PostgreSQL: an
advisory lock; SQLite: BEGIN IMMEDIATE), so workers starting together migrate once and the rest
find the work done. A store made before migrations (tables, no alembic_version) is adopted:
brought to the baseline schema and stamped, then upgraded like any other."""

from __future__ import annotations

import importlib.util
from argparse import Namespace
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from store.db import DEFAULT_DATABASE_URL, create_engine_from_url, writer
from store.migrations import StoreSchemaError
from store.migrations.adopt import adopt_unversioned
from store.tables import STORE_TABLES

STORE_METADATA = SQLModel.metadata
STORE_TABLE_NAMES = frozenset(table.name for table in STORE_TABLES)
SCRIPT_LOCATION = "store:migrations"
_LOCK_KEY = 0x636F6E7369676E  # "consign": one migrating process at a time on PostgreSQL


class StoreNotMigrated(StoreSchemaError):
    """The store's schema is not the one this consign needs; the message says what to run."""


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade did: the revision before (None: an empty store) and after."""

    before: str | None
    after: str | None
    adopted: bool  # a store made before migrations, stamped at the baseline first


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic looks at the store's tables only (the database may hold other applications')."""
    return type_ != "table" or name in STORE_TABLE_NAMES


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: no alembic.ini to ship or to find at run time."""
    config = Config(cmd_opts=Namespace(quiet=True))  # consign reports what it did itself
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "store/migrations/versions has no revision"
    return head


def revisions() -> list[Script]:
    """Every revision, newest first."""
    return list(script_directory().walk_revisions())


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the migration lock until it commits or rolls back."""
    with writer(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
        yield connection


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def store_revision(engine: Engine) -> str | None:
    """The store's revision; None for an empty store or one made before migrations."""
    with engine.connect() as connection:
        return current_revision(connection)


def upgrade_store(engine: Engine, revision: str = "head") -> Upgrade:
    """Adopt a store made before migrations, then apply every migration up to `revision`."""
    with locked(engine) as connection:
        adopted = adopt_unversioned(connection, lambda rev: _stamp(connection, rev))
        before = current_revision(connection)
        _known(before)
        command.upgrade(alembic_config(connection), revision)
        return Upgrade(before, current_revision(connection), adopted)


def require_current(engine: Engine) -> None:
    """Refuse a store that is not at the newest revision (CONSIGN_DB_MIGRATE=off)."""
    revision = store_revision(engine)
    _known(revision)
    head = head_revision()
    if revision != head:
        raise StoreNotMigrated(
            f"the store is at revision {revision or '(none)'}, this consign needs {head}: "
            "run `consign db upgrade` (or set CONSIGN_DB_MIGRATE=auto)"
        )


def _known(revision: str | None) -> None:
    if revision is None:
        return
    try:
        script_directory().get_revision(revision)
    except CommandError:
        raise StoreNotMigrated(
            f"the store is at revision {revision}, which this consign does not know: a newer "
            "release migrated it; run that release (or downgrade the store with it)"
        ) from None


def _stamp(connection: Connection, revision: str) -> None:
    command.stamp(alembic_config(connection), revision)


def new_revision(message: str, *, autogenerate: bool = True) -> Path:
    """Write a new revision file under store/migrations/versions: the difference between the
    models and a scratch in-memory SQLite store at head, for a developer to review."""
    engine = create_engine_from_url("sqlite://")
    try:
        upgrade_store(engine)
        with locked(engine) as connection:
            config = alembic_config(connection)
            if importlib.util.find_spec("ruff"):  # a dev install: written as ruff would
                config.set_section_option("post_write_hooks", "hooks", "ruff")
                config.set_section_option("post_write_hooks", "ruff.type", "module")
                config.set_section_option("post_write_hooks", "ruff.module", "ruff")
                config.set_section_option(
                    "post_write_hooks", "ruff.options", "format REVISION_SCRIPT_FILENAME"
                )
            script = command.revision(
                config,
                message=message,
                autogenerate=autogenerate,
                rev_id=f"{len(revisions()) + 1:04d}",
            )
    finally:
        engine.dispose()
    assert isinstance(script, Script)
    return Path(script.path)


def init_db(engine: Engine) -> None:
    """Bring the store's schema to the newest migration (store/migrate.py); safe to call from
    every worker at start-up: one migrates, the others wait for it and find nothing to do."""
    upgrade_store(engine)


def open_store(url: str = DEFAULT_DATABASE_URL, *, migrate: bool = True) -> Engine:
    """The engine, with the store migrated to the newest revision (`migrate`), or checked to be
    there (StoreNotMigrated if not): what a worker or the CLI calls once at start-up."""
    engine = create_engine_from_url(url)
    try:
        if migrate:
            init_db(engine)
        else:
            require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
