"""`consign db upgrade|current|history|revision` against temporary SQLite stores, and the store
commands' CONSIGN_DB_MIGRATE=off check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, inspect
from typer.testing import CliRunner

import store.migrate
from integrations.registry import get_settings
from starter import db_cli
from starter.cli import app
from store.db import create_engine_from_url
from store.migrate import head_revision, store_revision, upgrade_store
from store.migrations.baseline import baseline_schema
from store.tables import STORE_TABLES

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_cli.console, "width", 250)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["db", *args])
    return result.exit_code, result.output


def test_upgrade_then_current_then_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    head = head_revision()
    assert run("current", "--database-url", url) == (
        0,
        f"{url}: (none) (behind: run `consign db upgrade` to reach {head})\n",
    )
    assert run("upgrade", "--database-url", url) == (0, f"{url}: (empty) -> {head}\n")
    assert run("current", "--database-url", url) == (0, f"{url}: {head} (current)\n")
    assert run("upgrade", "--database-url", url) == (0, f"{url} is at {head}: nothing to do\n")


def test_upgrade_adopts_a_store_made_before_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = create_engine_from_url(url)
    baseline_schema().create_all(engine)  # as the release before migrations did
    code, output = run("upgrade", "--database-url", url)
    assert code == 0
    assert "a store made before migrations, stamped at the baseline" in output
    assert store_revision(engine) == head_revision()
    engine.dispose()


def test_history_lists_every_revision_newest_first() -> None:
    code, output = run("history")
    assert code == 0
    assert output.splitlines()[-1].startswith("0001  Baseline:")
    assert output.splitlines()[0].startswith(head_revision())


def test_an_unreachable_store_is_one_line() -> None:
    code, output = run("current", "--database-url", "postgresql://nobody@127.0.0.1:1/none")
    assert code == 1
    assert (
        output.strip()
        == "error: cannot open the store at postgresql+psycopg://nobody@127.0.0.1:1/none"
    )


def test_store_commands_refuse_a_store_behind_when_migrating_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("CONSIGN_DB_MIGRATE", "off")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["set-aside", "list", "--database-url", url])
        assert result.exit_code == 1
        assert "consign db upgrade" in result.output
        assert run("upgrade", "--database-url", url)[0] == 0
        assert runner.invoke(app, ["set-aside", "list", "--database-url", url]).exit_code == 0
    finally:
        get_settings.cache_clear()


def test_revision_writes_the_migration_a_model_change_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The developer's loop on a copy of the migrations: change a model, `consign db revision`,
    and the new revision brings a store to the changed models."""
    copy = tmp_path / "migrations"
    shutil.copytree(
        Path(store.migrate.__file__).parent / "migrations",
        copy,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    changed = MetaData()
    for table in STORE_TABLES:
        table.to_metadata(changed)
    changed.tables["sku_mapping"].append_column(Column("brand", String(), nullable=True))
    before = set((copy / "versions").glob("*.py"))
    monkeypatch.setattr(store.migrate, "SCRIPT_LOCATION", str(copy))
    monkeypatch.setattr(store.migrate, "STORE_METADATA", changed)

    code, output = run("revision", "-m", "sku brand")
    assert code == 0, output
    [written] = set((copy / "versions").glob("*.py")) - before  # the next after the head
    assert output.endswith(f"wrote {written}\n")
    assert 'batch_op.add_column(sa.Column("brand", sa.String(), nullable=True))' in (
        written.read_text()
    )

    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'store.db'}")
    assert upgrade_store(engine).after == written.name.split("_")[0]
    assert "brand" in {c["name"] for c in inspect(engine).get_columns("sku_mapping")}
    engine.dispose()


def test_revision_needs_a_message() -> None:
    assert run("revision", "-m", " ") == (1, "error: give the migration a message (-m)\n")
