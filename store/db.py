"""Engines and sessions. One engine per process, a short session per repository call, so the
sync repository functions are safe to run from several threads (asyncio.to_thread)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

DEFAULT_DATABASE_URL = "sqlite:///var/consign.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_SQLITE_BEGIN_OPTION = "consign_sqlite_begin"


def normalise_url(url: str) -> str:
    """Route bare PostgreSQL URLs (as Heroku-style DATABASE_URLs are written) to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_engine_from_url(url: str = DEFAULT_DATABASE_URL) -> Engine:
    """The process-wide engine for DATABASE_URL: SQLite (default) or PostgreSQL."""
    sa_url = make_url(normalise_url(url))
    if sa_url.get_backend_name() == "sqlite":
        return _sqlite_engine(sa_url)
    return create_engine(sa_url, pool_pre_ping=True)


def _sqlite_engine(sa_url: URL) -> Engine:
    database = sa_url.database or ""
    in_memory = database in ("", ":memory:") or sa_url.query.get("mode") == "memory"
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    }
    if in_memory:
        # One shared connection, or every pooled connection would see its own empty database.
        kwargs["poolclass"] = StaticPool
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(sa_url, **kwargs)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from pysqlite so writers can BEGIN IMMEDIATE (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """WAL (readers never block the writer) is kept in the file, but switching a new file to it
    fails at once with "database is locked" while another connection holds it, busy_timeout or
    not: several workers opening a fresh store together wait their turn here instead."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _on_sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads and then writes cannot wait for the lock (SQLITE_BUSY
    # at once, busy_timeout ignored); IMMEDIATE takes the write lock up front and waits.
    mode = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE"):
        raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def writer(engine: Engine) -> Engine:
    """The engine for writers: on SQLite each transaction takes the write lock up front."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{_SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    return engine


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A short read-only unit of work; objects stay usable after it closes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One transaction: commits on success, rolls back everything on any exception."""
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        yield session
