"""Alembic's environment for the store: it runs on the connection store.migrate hands over (in
the transaction that holds the migration lock), never on a URL of its own, and sees only the
store's tables, so a database shared with other applications keeps theirs. Batch mode lets
SQLite, which cannot ALTER most things, take the same migrations as PostgreSQL."""

from __future__ import annotations

from alembic import context

from store.migrate import STORE_METADATA, include_name

config = context.config
if context.is_offline_mode():
    raise RuntimeError("the store's migrations run on a live connection (consign db upgrade)")
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the store's migrations through store.migrate or `consign db`")

context.configure(
    connection=connection,
    target_metadata=STORE_METADATA,
    include_name=include_name,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
