"""consign's Amazon returns port against the sandbox in process, every SP-API exchange checked
against the Reports and Feeds models: returns learned from one requested report (and no second
report before `report_every`), the refund as an order-adjustment feed shaped like the
reference's authored message, applied once; a refund Amazon refuses is REFUND_REFUSED; and the
reference's authored returns file parsed by header name."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from domain.exceptions import ExceptionKind
from integrations.amazon.factory import AmazonClient, build_amazon_client
from integrations.amazon.returns import (
    AmazonRefundRefused,
    AmazonReturns,
    RefundLine,
    parse_returns_report,
    refund_message,
)
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS
from sandbox.amazon.generator import LineSpec, OrderSpec
from sandbox.amazon.state import AmazonSandbox
from tests.amazon.sandboxed import BASE, CheckedTransport, ManualClock, sandbox_settings
from tests.sandbox.test_amazon_sandbox_returns import ship_all
from tests.support.spapi_models import REFERENCE_DIR

SAMPLES = REFERENCE_DIR / "amazon-sp-api" / "samples-authored"
ORDER = "202-0000000-0000001"


@dataclass
class World:
    clock: ManualClock
    sandbox: AmazonSandbox
    client: AmazonClient
    port: AmazonReturns
    transport: CheckedTransport

    def returned(self, lines: dict[str, int], order_id: str = ORDER) -> str:
        if order_id not in self.sandbox.orders:
            specs = [LineSpec(sku=sku, quantity=2) for sku in lines]
            self.sandbox.create([OrderSpec(order_id=order_id, lines=specs)])
            ship_all(self.sandbox, order_id)
        rma: str = self.sandbox.create_return(order_id, lines, "CR-DEFECTIVE")[0].rma
        return rma


@pytest.fixture
async def world() -> AsyncIterator[World]:
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock)
    transport = CheckedTransport(create_app(sandbox))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())
        port = AmazonReturns(
            client, report_every=timedelta(minutes=30), clock=clock, sleep=clock.sleep
        )
        yield World(clock, sandbox, client, port, transport)


async def test_returns_come_from_one_report_per_interval(world: World) -> None:
    rma = world.returned({SKUS[0]: 1, SKUS[1]: 2})
    events = await world.port.return_events(10)
    assert list(events.values()) == [rma]
    (found,) = await world.port.returns([rma])
    assert found.channel_order_id == ORDER and not found.refunded
    assert [(line.sku, line.quantity) for line in found.lines] == [(SKUS[0], 1), (SKUS[1], 2)]
    assert await world.port.return_events(10) == events  # not confirmed: served again
    await world.port.confirm(list(events))
    world.returned({SKUS[0]: 1}, "202-0000000-0000002")
    assert await world.port.return_events(10) == {}  # within report_every: no new report
    assert world.sandbox.calls["createReport"] == 1
    world.clock.advance(31 * 60)
    later = await world.port.return_events(10)
    assert len(later) == 2  # the overlap re-reads the first: its workflow id makes it harmless
    assert world.sandbox.calls["createReport"] == 2
    assert world.transport.checked > 0


async def test_a_refund_is_one_adjustment_feed_applied_once(world: World) -> None:
    rma = world.returned({SKUS[0]: 1})
    await world.port.return_events(10)
    prepared = await world.port.prepare_refund(rma)
    sent = await world.port.send_refund(prepared)
    assert await world.port.refund_result(rma, sent) is False  # still processing
    world.clock.advance(5)
    assert await world.port.refund_result(rma, sent) is True
    (adjustment,) = world.sandbox.returns.adjustments
    unit = world.sandbox.orders[ORDER].items[0].unit_price
    assert adjustment.amounts == {"Principal": unit}
    assert adjustment.reason == "CustomerReturn"
    assert adjustment.merchant_adjustment_item_id == f"{rma}-1"
    world.clock.advance(31 * 60)
    fresh = AmazonReturns(world.client, clock=world.clock, sleep=world.clock.sleep)
    found = await fresh.get_return(rma)  # a new process: looked up in a 60-day report
    assert found is not None and found.refunded


async def test_a_refund_amazon_refuses_is_refund_refused(world: World) -> None:
    rma = world.returned({SKUS[0]: 2})
    await world.port.return_events(10)
    first = await world.port.send_refund(await world.port.prepare_refund(rma))
    second = await world.port.send_refund(await world.port.prepare_refund(rma))
    world.clock.advance(5)
    assert await world.port.refund_result(rma, first)
    with pytest.raises(AmazonRefundRefused) as refused:
        await world.port.refund_result(rma, second)  # more than the item's shipped value
    assert refused.value.exception_kind is ExceptionKind.REFUND_REFUSED


def test_the_authored_returns_file_is_read_by_header_name() -> None:
    text = (SAMPLES / "returns-flat-file-mfn-AUTHORED.tsv").read_text()
    rows = parse_returns_report(text)
    assert len(rows) == 8
    first = rows[0]
    assert (first.order_id, first.rma, first.sku) == (
        "114-3385520-9106643",
        "Dk8fQ2xvRRMA",
        "VASE-CLR-10",
    )
    assert first.refunded == Decimal("38.49") and first.requested is not None
    assert first.requested.day == 9 and first.requested.month == 7
    assert rows[1].refunded is None  # not refunded yet
    # A row that ends early (as the live capture did) is padded, not refused.
    header, row = text.splitlines()[:2]
    short = "\t".join(row.split("\t")[:27])
    assert parse_returns_report(f"{header}\n{short}\n")[0].refunded is None


def paths(element: ET.Element, prefix: str = "") -> set[str]:
    here = f"{prefix}/{element.tag}"
    found = {here}
    for child in element:
        found |= paths(child, here)
    return found


def test_the_refund_message_has_the_authored_sample_structure() -> None:
    sample = ET.parse(SAMPLES / "order-adjustment-refund-AUTHORED.xml").getroot()
    ours = ET.fromstring(
        refund_message(
            "A1EXAMPLESELLER",
            "114-3385520-9106643",
            [RefundLine("55301234567807", "Dk8fQ2xvRRMA-1", Decimal("32.5"), "USD")],
        )
    )
    assert paths(ours) == paths(sample)
    amounts = [a for a in ours.iter("Amount")]
    assert [(a.text, a.get("currency")) for a in amounts] == [("32.50", "USD")]
