"""`consign orders retry`: a Temporal batch signal to the parked orders a query selects, on the
real dev server with the stand-in order workflow."""

from __future__ import annotations

import pytest

from domain.exceptions import ExceptionKind
from domain.lifecycle import RETRY_SIGNAL, OperatorRequest, OrderStage
from starter.bulk_retry import parked_query
from tests.starter.conftest import Invoke, OrderServer, make_status, unique_account
from tests.starter.fake_order import SIGNALS_QUERY

Received = list[tuple[str, OperatorRequest]]


def test_the_query_is_always_narrowed_to_parked_running_orders() -> None:
    query = parked_query("WorkflowType = 'OrderFulfillment'", "ExceptionKind = 'NO_FACILITY'")
    assert query == (
        "WorkflowType = 'OrderFulfillment' AND ExecutionStatus = 'Running' AND "
        "OrderStage = 'EXCEPTION' AND (ExceptionKind = 'NO_FACILITY')"
    )
    assert (
        parked_query("A", "  ") == "A AND ExecutionStatus = 'Running' AND OrderStage = 'EXCEPTION'"
    )


async def test_bulk_retry_signals_only_the_parked_orders_the_query_selects(
    order_server: OrderServer, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "ops-kim")
    account = unique_account()
    parked = [
        await order_server.start_order(
            make_status(
                account, f"90{i}", OrderStage.EXCEPTION, exception=ExceptionKind.UNMAPPED_SKU
            )
        )
        for i in range(2)
    ]
    other_kind = await order_server.start_order(
        make_status(account, "903", OrderStage.EXCEPTION, exception=ExceptionKind.NO_FACILITY)
    )
    injected = await order_server.start_order(make_status(account, "904", OrderStage.INJECTED))
    await order_server.wait_visible(f"ChannelAccount = '{account}'", 4)
    args = [
        "orders", "retry", "--query", f"ChannelAccount = '{account}'",
        "--exception", "unmapped_sku", "--reason", "SKUs mapped",
        "--address", order_server.address,
    ]  # fmt: skip

    result = await cli(*args, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 parked order(s) match" in result.output and "dry run: nothing sent" in result.output
    assert all(handle.id in result.output for handle in parked)
    assert other_kind.id not in result.output

    result = await cli(*args)
    assert result.exit_code == 0, result.output
    assert "COMPLETED, 2 of 2 retried, 0 failed" in result.output
    expected = [(RETRY_SIGNAL, OperatorRequest(reason="SKUs mapped", requested_by="ops-kim"))]
    for handle in parked:
        assert await handle.query(SIGNALS_QUERY, result_type=Received) == expected
    for handle in (other_kind, injected):
        assert await handle.query(SIGNALS_QUERY, result_type=Received) == []


async def test_bulk_retry_with_nothing_parked_sends_nothing(
    order_server: OrderServer, cli: Invoke
) -> None:
    account = unique_account()
    result = await cli(
        "orders", "retry", "--query", f"ChannelAccount = '{account}'", "--reason", "x",
        "--address", order_server.address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "0 parked order(s) match" in result.output and "batch" not in result.output


async def test_bulk_retry_with_a_bad_query_is_one_line(
    order_server: OrderServer, cli: Invoke
) -> None:
    result = await cli(
        "orders", "retry", "--query", "NoSuchAttribute = 1", "--reason", "x",
        "--address", order_server.address,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "visibility query failed" in result.output and "Traceback" not in result.output


async def test_bulk_retry_with_account_retries_only_that_accounts_orders(
    order_server: OrderServer, cli: Invoke
) -> None:
    """Two sellers' orders parked for one cause: `--account` retries one seller's alone."""
    mine, other = unique_account(), unique_account()
    kind = ExceptionKind.UNMAPPED_SKU
    chosen = await order_server.start_order(
        make_status(mine, "910", OrderStage.EXCEPTION, exception=kind)
    )
    left = await order_server.start_order(
        make_status(other, "910", OrderStage.EXCEPTION, exception=kind)
    )
    both = f"ChannelAccount IN ('{mine}', '{other}')"
    await order_server.wait_visible(both, 2)

    result = await cli(
        "orders", "retry", "--query", both, "--account", mine, "--reason", "SKUs mapped",
        "--address", order_server.address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"ChannelAccount = '{mine}'" in result.output
    assert "COMPLETED, 1 of 1 retried, 0 failed" in result.output
    assert len(await chosen.query(SIGNALS_QUERY, result_type=Received)) == 1
    assert await left.query(SIGNALS_QUERY, result_type=Received) == []
