"""Buyers' addresses against the sandbox, which keeps Amazon's rules for restricted data: the v0
reader gets the address through one Restricted Data Token for every order; v2026 needs none.
Without the restricted role both readers fail with an authorisation error naming the role,
instead of handing planning an address with its personal fields missing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from domain.exceptions import ExceptionKind
from integrations.amazon.errors import AmazonAccessDenied
from integrations.amazon.factory import AmazonClient, build_amazon_client
from sandbox.amazon.app import create_app
from sandbox.amazon.generator import OrderSpec
from sandbox.amazon.records import OrderStatus
from sandbox.amazon.state import AmazonSandbox
from tests.amazon.sandboxed import CheckedTransport, ManualClock, sandbox_settings

READERS = pytest.mark.parametrize("reader", ["v2026", "v0"])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> AmazonSandbox:
    return AmazonSandbox(clock=clock)


@pytest.fixture
async def amazon(
    sandbox: AmazonSandbox, clock: ManualClock, reader: str
) -> AsyncIterator[AmazonClient]:
    async with httpx.AsyncClient(transport=CheckedTransport(create_app(sandbox))) as http:
        yield build_amazon_client(sandbox_settings(reader), http=http, clock=clock)


def orders(sandbox: AmazonSandbox, count: int, **spec: object) -> list[str]:
    specs = [OrderSpec(lines=[{"sku": "CAP-KHK-OS"}], **spec) for _ in range(count)]  # type: ignore[arg-type]
    return [order.order_id for order in sandbox.create(specs)]


@READERS
async def test_every_order_arrives_with_its_full_address(
    amazon: AmazonClient, sandbox: AmazonSandbox, reader: str
) -> None:
    for order_id in orders(sandbox, 3):
        order = await amazon.reader.get_order(order_id)
        seeded = sandbox.orders[order_id].address
        assert order.ship_to is not None
        assert (order.ship_to.name, order.ship_to.line1) == (seeded.name, seeded.line1)
        assert order.ship_to.phone == seeded.phone
    # v0: one RDT (generic path) serves every order for its lifetime; v2026 needs none.
    assert sandbox.restricted.issued == (1 if reader == "v0" else 0)


@READERS
async def test_a_pending_order_needs_no_address_and_no_token(
    amazon: AmazonClient, sandbox: AmazonSandbox, reader: str
) -> None:
    [order_id] = orders(sandbox, 1, status=OrderStatus.PENDING)
    order = await amazon.reader.get_order(order_id)
    assert order.ship_to is None and sandbox.restricted.issued == 0


@READERS
async def test_without_the_role_the_read_fails_naming_it(
    amazon: AmazonClient, sandbox: AmazonSandbox, reader: str
) -> None:
    [order_id] = orders(sandbox, 1)
    sandbox.restricted.roles = frozenset()
    with pytest.raises(AmazonAccessDenied) as caught:
        await amazon.reader.get_order(order_id)
    assert caught.value.exception_kind is ExceptionKind.CHANNEL_AUTH_FAILED
    assert "Direct-to-Consumer Shipping (Restricted)" in str(caught.value)
    assert sandbox.orders[order_id].address.name not in str(caught.value)
