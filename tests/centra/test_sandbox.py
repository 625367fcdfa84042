"""The Centra port against the sandbox that executes schema.graphql: the real wire shapes,
permissions, events queue and shipment rules, over httpx.ASGITransport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from domain.order import Channel, ChannelOrderStatus, OrderRef
from domain.shipment import ConfirmItem, ShipConfirmation
from integrations.centra.client import CentraClient
from integrations.centra.errors import CentraPermissionDenied, CentraUnauthorized
from integrations.centra.port import CentraChannel
from integrations.centra.settings import CaptureMode
from integrations.channel import ChangeQuery
from sandbox.centra.app import create_app
from sandbox.centra.generator import LineSpec, OrderSpec
from sandbox.centra.state import CentraSandbox
from sandbox.centra.tokens import ALL_PERMISSIONS, ORDER_READ

TOKEN = "consign-test-token"
READ_ONLY = "read-only-token"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=1)


def build(token: str = TOKEN) -> tuple[CentraSandbox, CentraChannel]:
    sandbox = CentraSandbox(
        clock=lambda: NOW,
        tokens={TOKEN: ALL_PERMISSIONS, READ_ONLY: frozenset({ORDER_READ})},
    )
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sandbox)))
    client = CentraClient("http://centra.test/graphql", SecretStr(token), http)
    channel = CentraChannel(
        client,
        "brand-eu",
        dispatch_sla=timedelta(hours=48),
        capture_mode=CaptureMode.CAPTURE,
        clock=lambda: NOW,
    )
    return sandbox, channel


def spec(number: int, **changes: object) -> OrderSpec:
    fields: dict[str, object] = {
        "number": number,
        "lines": [LineSpec(SKU="JKT100BLKM", quantity=2), LineSpec(SKU="JKT100BLKL")],
        "shipping_option": "Express EU",
        "created_at": NOW - timedelta(hours=1),
    }
    fields.update(changes)
    return OrderSpec.model_validate(fields)


async def test_events_name_new_orders_until_acknowledged() -> None:
    sandbox, channel = build()
    assert (await channel.changes(ChangeQuery(since=SINCE))).changes == []  # registers
    sandbox.create([spec(501), spec(502, on_hold=True)])
    page = await channel.changes(ChangeQuery(since=SINCE))
    statuses = {c.ref.order_id: c.status for c in page.changes}
    assert statuses == {"501": ChannelOrderStatus.READY, "502": ChannelOrderStatus.PENDING}
    assert page.ack
    await channel.acknowledge(page.ack)
    assert (await channel.changes(ChangeQuery(since=SINCE))).ack == []


async def test_get_order_normalises_a_sandbox_order() -> None:
    sandbox, channel = build()
    sandbox.create([spec(501)])
    order = await channel.get_order("501")
    assert order.ref.order_id == "501" and order.status is ChannelOrderStatus.READY
    assert [(line.sku, line.quantity) for line in order.lines] == [
        ("JKT100BLKM", 2),
        ("JKT100BLKL", 1),
    ]
    assert order.ship_service_level == "Express EU"
    assert order.ship_by == order.created_at + timedelta(hours=48)
    assert order.ship_to is not None and order.ship_to.country_code == "SE"


async def test_sweep_reads_open_orders() -> None:
    sandbox, channel = build()
    sandbox.create([spec(n) for n in range(601, 604)] + [spec(604, status="PENDING")])
    page = await channel.changes(ChangeQuery(since=SINCE, sweep=True))
    assert sorted(c.ref.order_id for c in page.changes) == ["601", "602", "603"]
    assert page.next_page_token is None


async def test_confirm_parcel_ships_once() -> None:
    sandbox, channel = build()
    sandbox.create([spec(501)])
    order = await channel.get_order("501")
    confirmation = ShipConfirmation(
        ref=OrderRef(channel=Channel.CENTRA, account="brand-eu", order_id="501"),
        parcel_id="P1",
        package_reference="1",
        carrier_code="DHL",
        tracking_number="JD0001",
        shipped_at=NOW + timedelta(minutes=3),  # the warehouse clock runs ahead
        items=[ConfirmItem(line_id=line.line_id, quantity=line.quantity) for line in order.lines],
    )
    await channel.confirm_parcel(confirmation)
    await channel.confirm_parcel(confirmation)
    shipped = await channel.get_order("501")
    assert shipped.status is ChannelOrderStatus.SHIPPED
    assert [line.quantity_shipped for line in shipped.lines] == [2, 1]
    assert len(sandbox.order(501).shipments) == 1


async def test_a_missing_permission_is_named() -> None:
    _, channel = build(READ_ONLY)
    with pytest.raises(CentraPermissionDenied) as caught:
        await channel.changes(ChangeQuery(since=SINCE))
    assert caught.value.permission == "Event:write"  # setEventListeners, before any read
    assert "the Centra API token lacks Event:write" in str(caught.value)


async def test_an_unknown_token_is_unauthorized() -> None:
    _, channel = build("expired-token")
    with pytest.raises(CentraUnauthorized):
        await channel.get_order("1")
