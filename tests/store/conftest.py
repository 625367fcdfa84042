"""Store fixtures: every test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is
set. Each PostgreSQL test gets its own schema (via search_path), dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.engine import make_url

from store.db import create_engine_from_url, normalise_url, write_session
from store.migrate import init_db
from store.tables import STORE_TABLES, AuditOutcome, AuditRecord

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def _postgres_engine(base_url: str, schema: str) -> Engine:
    url = make_url(normalise_url(base_url)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    return create_engine_from_url(url.render_as_string(hide_password=False))


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    engine = create_engine_from_url(f"sqlite:///{tmp_path}/consign.db")
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_engine_from_url(f"sqlite:///{tmp_path}/consign.db")
        init_db(engine)
        yield engine
        engine.dispose()
        return
    assert TEST_DATABASE_URL is not None
    schema = f"consign_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine_from_url(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = _postgres_engine(TEST_DATABASE_URL, schema)
    try:
        init_db(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def wipe(engine: Engine) -> None:
    """Empty every store table: hypothesis reuses one engine across examples."""
    with write_session(engine) as session:
        for table in STORE_TABLES:
            session.execute(delete(table))


def audit_record(**overrides: Any) -> AuditRecord:
    """A valid audit entry for a GXO injection; tests override what they look at."""
    values: dict[str, Any] = {
        "system": "gxo",
        "operation": "inject",
        "channel": "amazon",
        "account": "A1SELLER",
        "order_id": "202-1111111-1111111",
        "outcome": AuditOutcome.ACCEPTED,
    }
    values.update(overrides)
    return AuditRecord.model_validate(values)
