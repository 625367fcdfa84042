"""`consign orders` and `consign order show|retry|reinject|resolve` against a real dev
server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.exceptions import ExceptionKind
from domain.lifecycle import (
    REINJECT_SIGNAL,
    RESOLVE_UPDATE,
    RETRY_SIGNAL,
    WORKFLOW_NAME,
    OperatorRequest,
    OrderStage,
    OrderStatus,
    RetryingActivity,
)
from integrations.centra.module import CENTRA
from integrations.registry import Channel, get_settings
from starter import orders_cli
from starter.client import CliError
from starter.orders_cli import build_query, quote, resolve_workflow_id
from tests.starter.conftest import Invoke, OrderServer, make_status, unique_account
from tests.starter.fake_order import SIGNALS_QUERY


def test_build_query_validates_and_normalises_enums() -> None:
    query = build_query(stage="exception", exception="unmapped_sku", channel="AMAZON")
    assert query == (
        "WorkflowType = 'OrderFulfillment' AND OrderStage = 'EXCEPTION' "
        "AND ExceptionKind = 'UNMAPPED_SKU' AND Channel = 'amazon'"
    )
    with pytest.raises(CliError, match="unknown stage 'shipped-ish'"):
        build_query(stage="shipped-ish")


def test_quote_escapes_quotes_and_backslashes() -> None:
    assert quote("O'Brien\\x") == "'O\\'Brien\\\\x'"


def test_resolve_workflow_id_forms() -> None:
    full = "order:amazon:A1SELLER:123-4567890-1234567"
    assert resolve_workflow_id(full, None, None) == full
    assert resolve_workflow_id("123", "centra", "shop1") == "order:centra:shop1:123"
    with pytest.raises(CliError, match="--channel"):
        resolve_workflow_id("123", None, None)
    get_settings.cache_clear()
    assert resolve_workflow_id("10001", "centra", None) == (
        f"order:centra:{CENTRA.settings_of(get_settings()).account}:10001"
    )
    with pytest.raises(CliError, match="not a workflow id"):
        resolve_workflow_id("order:amazon", None, None)


async def test_orders_filters_by_stage_exception_and_channel(
    order_server: OrderServer, cli: Invoke
) -> None:
    account = unique_account()
    await order_server.start_order(
        make_status(account, "111-A", OrderStage.EXCEPTION, exception=ExceptionKind.UNMAPPED_SKU)
    )
    await order_server.start_order(make_status(account, "222-B", OrderStage.INJECTED))
    await order_server.start_order(
        make_status(
            account,
            "333-C",
            OrderStage.EXCEPTION,
            channel=Channel.CENTRA,
            exception=ExceptionKind.WAREHOUSE_REJECTED,
        )
    )
    await order_server.wait_visible(f"ChannelAccount = '{account}'", 3)
    base = ["orders", "--address", order_server.address, "--account", account]

    result = await cli(*base, "--stage", "exception")
    assert result.exit_code == 0, result.output
    assert "111-A" in result.output and "333-C" in result.output
    assert "222-B" not in result.output
    assert "UNMAPPED_SKU" in result.output and "GXO-UK-DAV" in result.output
    assert "2026-03-04 23:59 UTC" in result.output

    result = await cli(*base, "--stage", "EXCEPTION", "--channel", "amazon")
    assert "111-A" in result.output and "333-C" not in result.output

    result = await cli(*base, "--exception", "WAREHOUSE_REJECTED")
    assert "333-C" in result.output and "111-A" not in result.output

    result = await cli(*base, "--limit", "1")
    assert "1 order(s)" in result.output


async def test_orders_escaped_value_is_a_valid_query(
    order_server: OrderServer, cli: Invoke
) -> None:
    result = await cli("orders", "--address", order_server.address, "--account", "O'Brien\\")
    assert result.exit_code == 0, result.output
    assert "0 order(s)" in result.output


async def test_order_show_prints_the_status_query(order_server: OrderServer, cli: Invoke) -> None:
    account = unique_account()
    status = make_status(
        account, "444-D", OrderStage.EXCEPTION, exception=ExceptionKind.NO_FACILITY
    )
    await order_server.start_order(status)

    result = await cli("order", "show", status.ref.workflow_id, "--address", order_server.address)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "EXCEPTION" in out and "NO_FACILITY" in out and "no item code" in out
    assert "TEE-BLK-M" in out and "CAP-RED" in out and "TRK123" in out
    assert "injected into GXO-UK-DAV" in out
    line = next(row for row in out.splitlines() if "TEE-BLK-M" in row)
    cells = [cell.strip() for cell in line.split("│") if cell.strip()]
    assert cells == ["L1", "TEE-BLK-M", "3", "1", "1", "1"]  # ordered/shipped/cancelled/remaining

    # the bare channel order id with --channel/--account reaches the same workflow
    result = await cli(
        "order", "show", "444-D", "--channel", "amazon", "--account", account, "--json",
        "--address", order_server.address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert OrderStatus.model_validate_json(result.output) == status


async def test_order_show_names_a_call_that_keeps_failing(
    order_server: OrderServer, cli: Invoke
) -> None:
    failing = RetryingActivity(
        activity="confirm_parcel",
        attempts=16,
        last_failure="AMAZON_TRANSIENT: confirmShipment: HTTP 503",
        since=datetime(2026, 3, 2, 9, 45, tzinfo=UTC),
    )
    status = make_status(unique_account(), "666-F").model_copy(update={"retrying": failing})
    await order_server.start_order(status)

    result = await cli("order", "show", status.ref.workflow_id, "--address", order_server.address)
    assert result.exit_code == 0, result.output
    assert "retrying" in result.output and "confirm_parcel: 16 attempts" in result.output
    assert "HTTP 503" in result.output


async def test_order_show_unknown_workflow_is_one_line(
    order_server: OrderServer, cli: Invoke
) -> None:
    result = await cli("order", "show", "order:amazon:NOPE:000", "--address", order_server.address)
    assert result.exit_code == 1
    assert "workflow order:amazon:NOPE:000 not found" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command,signal",
    [("retry", RETRY_SIGNAL), ("reinject", REINJECT_SIGNAL), ("resolve", RESOLVE_UPDATE)],
)
async def test_operator_updates_carry_the_request_and_print_the_answer(
    order_server: OrderServer, cli: Invoke, command: str, signal: str
) -> None:
    status = make_status(
        unique_account(), "555-E", OrderStage.EXCEPTION, exception=ExceptionKind.UNMAPPED_SKU
    )
    handle = await order_server.start_order(status)

    result = await cli(
        "order", command, status.ref.workflow_id, "--reason", "SKU mapped", "--by", "ops-anna",
        "--address", order_server.address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{signal} of {status.ref.workflow_id}: EXCEPTION, exception UNMAPPED_SKU" in (
        result.output.replace("\n", "")
    )
    received = await handle.query(SIGNALS_QUERY, result_type=list[tuple[str, OperatorRequest]])
    assert received == [(signal, OperatorRequest(reason="SKU mapped", requested_by="ops-anna"))]


async def test_update_to_unknown_workflow_fails_cleanly(
    order_server: OrderServer, cli: Invoke
) -> None:
    result = await cli("order", "retry", "order:amazon:NOPE:1", "--address", order_server.address)
    assert result.exit_code == 1
    assert "not found or already closed" in result.output


async def test_a_refused_update_prints_the_reason(
    order_server: OrderServer, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "kim")
    status = make_status(unique_account(), "777-G", OrderStage.SHIPPED)
    handle = await order_server.start_order(status)
    args = ("--reason", "why", "--address", order_server.address)
    result = await cli("order", "retry", status.ref.workflow_id, *args)
    assert result.exit_code == 1
    assert f"retry refused by {status.ref.workflow_id}: the order is SHIPPED" in result.output
    assert "Traceback" not in result.output
    received = await handle.query(SIGNALS_QUERY, result_type=list[tuple[str, OperatorRequest]])
    assert received == []

    status = make_status(unique_account(), "777-H", OrderStage.LATE)
    handle = await order_server.start_order(status)
    result = await cli("order", "resolve", status.ref.workflow_id, *args)
    assert result.exit_code == 0, result.output
    received = await handle.query(SIGNALS_QUERY, result_type=list[tuple[str, OperatorRequest]])
    assert received == [(RESOLVE_UPDATE, OperatorRequest(reason="why", requested_by="kim"))]


async def test_unreachable_temporal_is_one_line(cli: Invoke) -> None:
    result = await cli("orders", "--address", "127.0.0.1:1")
    assert result.exit_code == 1
    assert result.output.strip() == "error: cannot reach Temporal at 127.0.0.1:1"


async def test_order_show_without_a_worker_says_so(
    order_server: OrderServer, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orders_cli, "QUERY_TIMEOUT", timedelta(seconds=1))
    status = make_status(unique_account(), "666-F")
    await order_server.client.start_workflow(
        WORKFLOW_NAME, status, id=status.ref.workflow_id, task_queue="nobody-polls-this"
    )
    result = await cli("order", "show", status.ref.workflow_id, "--address", order_server.address)
    assert result.exit_code == 1
    assert "no worker answered the status query" in result.output
