"""`consign accounts` and `--account` with several accounts per channel (issue 9 §4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.registry import CHANNEL_NAMES, get_settings
from starter.accounts_cli import CHANNEL_CHOICES, account_for
from starter.cli import app
from starter.client import CliError
from starter.orders_cli import resolve_workflow_id
from tests.modules.test_accounts import SECOND_SELLER as ACCOUNTS
from tests.modules.test_accounts import SECRETS


@pytest.fixture
def second_seller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    path = tmp_path / "accounts.toml"
    path.write_text(ACCOUNTS)
    monkeypatch.setenv("CONSIGN_ACCOUNTS_FILE", str(path))
    monkeypatch.setenv("AMAZON_DE_REFRESH_TOKEN", SECRETS["AMAZON_DE_REFRESH_TOKEN"])
    monkeypatch.setenv("CONSIGN_ACCOUNTS", "amazon:A2SELLERDE")
    monkeypatch.delenv("AMAZON_SELLER_ID", raising=False)
    monkeypatch.delenv("CENTRA_ACCOUNT", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_accounts_lists_each_account_its_queues_and_whether_served_here(
    second_seller: None,
) -> None:
    result = CliRunner().invoke(app, ["accounts"], env={"COLUMNS": "300"})

    assert result.exit_code == 0, result.output
    rows = {line.split("│")[2].strip(): line for line in result.output.splitlines() if "│" in line}
    assert "amazon-confirmShipment@amazon:A2SELLERDE" in rows["A2SELLERDE"]
    assert "consign@amazon:A2SELLERDE" in rows["A2SELLERDE"]
    assert "GXO-DE-KOB" in rows["A2SELLERDE"]
    assert rows["A2SELLERDE"].rstrip("│ ").endswith("yes")  # CONSIGN_ACCOUNTS serves it
    assert rows["A1SANDBOXSELLER"].rstrip("│ ").endswith("no")
    assert "sandbox-brand" in rows


def test_a_bad_accounts_file_is_one_line(second_seller: None, tmp_path: Path) -> None:
    (tmp_path / "accounts.toml").write_text(ACCOUNTS + "colour = 1\n")

    result = CliRunner().invoke(app, ["accounts"])

    assert result.exit_code == 1
    assert "accounts[0] (amazon:A2SELLERDE): options.colour: not a setting" in result.output


def test_a_channel_with_several_accounts_needs_account(second_seller: None) -> None:
    settings = get_settings()

    with pytest.raises(CliError, match=r"amazon has 2 accounts \(A1SANDBOXSELLER, A2SELLERDE\)"):
        resolve_workflow_id("026-1-1", "amazon", None)
    assert resolve_workflow_id("026-1-1", "amazon", "A2SELLERDE") == (
        "order:amazon:A2SELLERDE:026-1-1"
    )
    assert account_for(settings, "centra", None) == "sandbox-brand"  # its only account


def test_channel_helps_come_from_the_registry() -> None:
    """No command lists the channels by hand in a help text: each says CHANNEL_CHOICES, the
    registry's names, so a new channel module shows up in every `--channel` help."""
    by_hand = " or ".join(CHANNEL_NAMES)  # what the helps said: "amazon or centra"
    starter = Path(__file__).resolve().parents[2] / "starter"
    assert [p.name for p in sorted(starter.glob("*_cli.py")) if by_hand in p.read_text()] == []
    for command in (["orders"], ["orders", "retry"], ["inventory", "status"], ["intakes"]):
        result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0 and CHANNEL_CHOICES in result.output, command
