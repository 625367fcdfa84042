"""Adopting a store made before migrations: the previous releases created the tables with
create_all and added new nullable columns at every start, so such a store has some or all of
the baseline's tables, no alembic_version, and may miss what came later (tables, nullable
columns, their indexes). Those are added, nothing is dropped or rewritten, and the store is
stamped at the baseline; the usual upgrade takes it from there."""

from __future__ import annotations

from collections.abc import Callable

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Table, inspect
from sqlalchemy.engine import Connection

from store.migrations import StoreSchemaError
from store.migrations.baseline import REVISION, baseline_schema

VERSION_TABLE = "alembic_version"


class CannotAdopt(StoreSchemaError):
    """A store made before migrations that lacks a column no migration can add without data."""


def adopt_unversioned(connection: Connection, stamp: Callable[[str], None]) -> bool:
    """Bring an unversioned store to the baseline and stamp it; False if there was none."""
    present = set(inspect(connection).get_table_names())
    schema = baseline_schema()
    if VERSION_TABLE in present or not present & set(schema.tables):
        return False
    operations = Operations(MigrationContext.configure(connection))
    for table in schema.sorted_tables:
        if table.name in present:
            _complete(connection, operations, table)
        else:
            table.create(connection)
    stamp(REVISION)
    return True


def _complete(connection: Connection, operations: Operations, table: Table) -> None:
    inspector = inspect(connection)
    columns = {column["name"] for column in inspector.get_columns(table.name)}
    for column in table.columns:
        if column.name not in columns:
            operations.add_column(table.name, _addable(table, column))
    indexes = {index["name"] for index in inspector.get_indexes(table.name)}
    for index in table.indexes:
        if index.name not in indexes:
            index.create(connection)


def _addable(table: Table, column: Column[object]) -> Column[object]:
    if not column.nullable:
        raise CannotAdopt(
            f"{table.name}.{column.name} is missing and NOT NULL: this store predates the "
            "release before migrations; open it with that release first, then upgrade"
        )
    return column._copy()
