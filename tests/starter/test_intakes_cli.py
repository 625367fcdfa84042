"""`consign intakes --channel/--account`: one channel's or one account's intakes, without the
warehouse's."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from starter import intakes_cli
from starter.cli import app
from tests.starter.conftest import Invoke, OrderServer, unique_account
from tests.starter.report_world import report_world


def test_an_intake_belongs_to_the_channel_and_account_its_id_names() -> None:
    assert intakes_cli.of_account("intake:amazon:A1", "amazon", "A1")
    assert intakes_cli.of_account("return-intake:amazon:A1", None, "A1")
    assert not intakes_cli.of_account("intake:amazon:A1", "centra", None)
    assert not intakes_cli.of_account("intake:amazon:A1", None, "A2")
    assert not intakes_cli.of_account("warehouse-events:GXO-UK-DAV", None, None)


async def test_intakes_narrowed_to_one_channel_or_account(
    order_server: OrderServer, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = unique_account(), unique_account()
    expected = {
        f"intake:amazon:{first}": "ChannelIntake",
        f"intake:amazon:{second}": "ChannelIntake",
        f"return-intake:amazon:{second}": "ReturnIntake",
        f"intake:centra:{second}": "ChannelIntake",
        "warehouse-events:GXO-XX": "WarehouseIntake",
    }
    monkeypatch.setattr(intakes_cli.console, "width", 250)
    monkeypatch.setattr(intakes_cli, "expected_intakes", lambda settings: expected)
    async with report_world(order_server) as world:
        where = ("--address", world.address, "--namespace", world.namespace)
        by_channel = await cli("intakes", "--channel", "amazon", *where)
        by_account = await cli("intakes", "--channel", "amazon", "--account", second, *where)
    assert by_channel.exit_code == 0, by_channel.output
    shown = [wid for wid in expected if wid in by_channel.output]
    assert shown == list(expected)[:3]
    assert by_account.exit_code == 0, by_account.output
    shown = [wid for wid in expected if wid in by_account.output]
    assert shown == [f"intake:amazon:{second}", f"return-intake:amazon:{second}"]


def test_intakes_of_an_unknown_channel_is_one_line() -> None:
    result = CliRunner().invoke(app, ["intakes", "--channel", "ebay"])
    assert result.exit_code == 1
    assert "unknown channel 'ebay'" in result.output
