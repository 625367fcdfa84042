"""The store's Alembic migrations, shipped inside the package so an installed consign (and its
image) can migrate its own store. store/migrate.py runs them; `consign db` is the command."""


class StoreSchemaError(RuntimeError):
    """The store's schema is not one this consign can use; the message says what to do."""
