"""The top-level commands that need neither Temporal nor the store."""

from __future__ import annotations

import sys
import types

import pytest
from typer.testing import CliRunner

from starter.cli import app

runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "demo", "orders", "order", "mappings", "temporal"):
        assert command in result.output


def test_demo_passes_the_order_count_to_run_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    fake = types.ModuleType("starter.demo")

    def run_demo(orders: int) -> None:
        calls.append(orders)

    fake.run_demo = run_demo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "starter.demo", fake)
    result = runner.invoke(app, ["demo", "--orders", "7"])
    assert result.exit_code == 0, result.output
    assert calls == [7]


def test_demo_rejects_zero_orders() -> None:
    assert runner.invoke(app, ["demo", "--orders", "0"]).exit_code == 2
