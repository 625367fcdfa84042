"""Idempotent bulk upsert on a natural key, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

CHUNK = 500  # rows per statement: well inside SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class WriteCounts:
    """What a write changed, for the CLI's report."""

    created: int = 0
    updated: int = 0
    removed: int = 0


def _dedupe(rows: Sequence[dict[str, Any]], key: Sequence[str]) -> list[dict[str, Any]]:
    # PostgreSQL refuses ON CONFLICT touching one row twice in a statement: the last one wins.
    by_key = {tuple(row[k] for k in key): row for row in rows}
    return list(by_key.values())


def _existing_keys(
    session: Session, table: Table, key: Sequence[str], rows: Sequence[dict[str, Any]]
) -> set[tuple[Any, ...]]:
    columns = [table.c[k] for k in key]
    wanted = [tuple(row[k] for k in key) for row in rows]
    found: set[tuple[Any, ...]] = set()
    for start in range(0, len(wanted), CHUNK):
        query = select(*columns).where(tuple_(*columns).in_(wanted[start : start + CHUNK]))
        found.update(tuple(r) for r in session.connection().execute(query))
    return found


def dialect_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ON CONFLICT on the session's backend."""
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"ON CONFLICT inserts are not implemented for {dialect}")


def upsert_rows(
    session: Session, table: Table, key: Sequence[str], rows: Sequence[dict[str, Any]]
) -> WriteCounts:
    """Insert rows, updating every non-key column where the natural key already exists."""
    unique = _dedupe(rows, key)
    if not unique:
        return WriteCounts()
    existing = _existing_keys(session, table, key, unique)
    for start in range(0, len(unique), CHUNK):
        statement = dialect_insert(session, table).values(unique[start : start + CHUNK])
        updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in key}
        session.connection().execute(
            statement.on_conflict_do_update(index_elements=list(key), set_=updates)
        )
    updated = len(existing)
    return WriteCounts(created=len(unique) - updated, updated=updated)


def replace_set(session: Session, rows: Sequence[SQLModel], model: type[SQLModel]) -> WriteCounts:
    """Swap a table whose rows only make sense as a whole set (facility, buffer, disposition
    rules) in the session's transaction. On PostgreSQL under READ COMMITTED two replacements
    would each keep the other's new rows: the lock (readers unaffected) serialises them;
    SQLite's BEGIN IMMEDIATE already does."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    if session.connection().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE"))
    removed = session.connection().execute(delete(table)).rowcount
    session.add_all(rows)
    return WriteCounts(created=len(rows), removed=removed)
