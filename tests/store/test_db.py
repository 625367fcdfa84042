from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import Engine, inspect

from store.audit import record_audit
from store.db import create_engine_from_url, normalise_url, read_session
from store.migrate import init_db
from tests.store.conftest import audit_record


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql://u:p@h/db?sslmode=require", "postgresql+psycopg://u:p@h/db?sslmode=require"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///var/consign.db", "sqlite:///var/consign.db"),
    ],
)
def test_normalise_url_routes_postgres_to_psycopg(given, expected):
    assert normalise_url(given) == expected


def test_postgres_url_uses_psycopg_driver():
    engine = create_engine_from_url("postgres://user@127.0.0.1:1/nowhere")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_sqlite_creates_parent_dir_and_uses_wal(tmp_path):
    path = tmp_path / "a" / "b" / "consign.db"
    engine = create_engine_from_url(f"sqlite:///{path}")
    init_db(engine)
    assert path.parent.is_dir()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
    engine.dispose()


def test_processes_opening_a_fresh_sqlite_file_together_all_get_wal(tmp_path):
    """Switching a new file to WAL fails at once while another connection holds it (busy_timeout
    does not apply): without waiting for its turn, an opener failed in about one round of 100 with
    "database is locked" (CI, test_workers_starting_together_migrate_once)."""
    for round_ in range(120):
        engines = [create_engine_from_url(f"sqlite:///{tmp_path}/{round_}.db") for _ in range(6)]
        with ThreadPoolExecutor(6) as pool:
            modes = list(pool.map(_journal_mode, engines))
        assert modes == ["wal"] * 6
        for engine in engines:
            engine.dispose()


def _journal_mode(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("PRAGMA journal_mode").scalar())


def test_in_memory_sqlite_is_shared_across_sessions():
    engine = create_engine_from_url("sqlite://")
    init_db(engine)
    record_audit(engine, audit_record())
    with read_session(engine) as session:
        assert session.connection().exec_driver_sql("SELECT count(*) FROM audit_entry").scalar()
    engine.dispose()


def test_init_db_is_idempotent_and_creates_every_table(engine):
    init_db(engine)
    init_db(engine)
    names = set(inspect(engine).get_table_names())
    assert {
        "sku_mapping",
        "facility_rule",
        "carrier_service_mapping",
        "carrier_code_mapping",
        "audit_entry",
        "unmatched_event",
    } <= names


def test_naive_datetimes_are_refused(engine):
    entry = audit_record(at=datetime(2026, 1, 1, 12, 0))
    with pytest.raises(Exception, match="naive datetime"):
        record_audit(engine, entry)
