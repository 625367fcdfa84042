"""The sandbox's settlement reports through consign's Reports client, every SP-API request and
response checked against Amazon's Reports model: listing with the model's rules, documents that
are gzip or not, links that expire after 5 minutes, the documented createReport 400, a late
report and a malformed row, and a settlement made of what the sandbox shipped and refunded."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from domain.settlement_attribution import AmountKind, attribute
from integrations.amazon.errors import AmazonRequestRejected
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.pacing import UsagePacer
from integrations.amazon.settlement import SettlementFileError, parse_settlement
from sandbox.amazon.generator import LineSpec, OrderSpec
from sandbox.amazon.records import FulfillmentChannel, OrderStatus
from sandbox.amazon.settlements import CloseRequest
from tests.amazon.sandboxed import BASE, sandbox_settings
from tests.settlements.sandbox_world import SKU


async def test_a_closed_settlement_is_listed_fetched_and_reconciles(world) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    w.ship("111-0000000-0000002", quantity=1)
    w.sandbox.create(
        [
            OrderSpec(
                order_id="222-0000000-0000009",
                fulfillment_channel=FulfillmentChannel.AFN,
                status=OrderStatus.SHIPPED,
                lines=[LineSpec(sku=SKU)],
            )
        ]
    )
    w.clock.advance(3600)
    w.sandbox.refund("111-0000000-0000002")
    w.clock.advance(3600)
    report = w.sandbox.close_settlement(CloseRequest())
    page = await client.reports.list_settlement_reports()
    assert [entry.report_id for entry in page.reports] == [report.report_id]
    assert page.reports[0].report_document_id == report.document_id
    document = await client.reports.fetch_document(report.document_id)
    settlement = parse_settlement(document.text)
    assert settlement.settlement_id == report.settlement_id
    assert settlement.total == report.total
    attribution = attribute(settlement)
    assert attribution.attributed == attribution.deposit
    assert attribution.unrecognised == ()
    orders = {order.order_id: order for order in attribution.orders}
    assert orders["111-0000000-0000001"].settled_quantities == {SKU: 2}
    assert orders["111-0000000-0000002"].refunded_quantities == {SKU: 1}
    assert orders["222-0000000-0000009"].fulfillment_id == "AFN"
    totals = attribution.by_kind()
    assert totals[AmountKind.PROMOTION] < 0
    assert totals[AmountKind.ADVERTISING] == Decimal("-12.50")
    assert totals[AmountKind.SUBSCRIPTION] == Decimal("-39.99")
    assert totals[AmountKind.RESERVE_HELD] < 0
    assert w.transport.checked >= 2


async def test_the_next_settlement_releases_the_reserve_and_settles_only_new_shipments(
    world,
) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    first = w.sandbox.close_settlement(CloseRequest())
    w.clock.advance(14 * 86400)
    w.ship("111-0000000-0000003")
    second = w.sandbox.close_settlement(CloseRequest())
    one = attribute(parse_settlement((await client.reports.fetch_document(first.document_id)).text))
    two = attribute(
        parse_settlement((await client.reports.fetch_document(second.document_id)).text)
    )
    assert two.reserve_released == one.reserve_held > 0
    assert [o.order_id for o in two.orders] == ["111-0000000-0000003"]


async def test_gzip_charset_and_eu_layout(world) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    report = w.sandbox.close_settlement(
        CloseRequest(gzip=True, decimal_comma=True, charset="", advertising=Decimal("1234.56"))
    )
    document = await client.reports.fetch_document(report.document_id)
    assert document.compressed
    assert document.charset == "iso-8859-1"
    settlement = parse_settlement(document.text)
    assert settlement.total == report.total
    assert "," in document.text.split("\n")[1]


async def test_an_expired_link_is_fetched_again(world, monkeypatch) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    report = w.sandbox.close_settlement(CloseRequest())
    real_link = client.reports.document_link
    calls = 0

    async def slow_link(document_id: str):
        nonlocal calls
        calls += 1
        link = await real_link(document_id)
        if calls == 1:
            w.clock.advance(5 * 60)  # the download starts as the link expires
        return link

    monkeypatch.setattr(client.reports, "document_link", slow_link)
    document = await client.reports.fetch_document(report.document_id)
    assert calls == 2
    assert parse_settlement(document.text).total == report.total


async def test_a_late_report_is_listed_only_when_done(world) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    report = w.sandbox.close_settlement(CloseRequest(late_seconds=600))
    assert (await client.reports.list_settlement_reports()).reports == ()
    with pytest.raises(AmazonRequestRejected) as caught:
        await client.reports.fetch_document(report.document_id)
    assert caught.value.status == 404
    w.clock.advance(600)
    [entry] = (await client.reports.list_settlement_reports()).reports
    assert entry.processing_status == "DONE"


async def test_a_malformed_row_is_refused_by_the_parser(world) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    report = w.sandbox.close_settlement(CloseRequest(malformed_row=True))
    document = await client.reports.fetch_document(report.document_id)
    with pytest.raises(SettlementFileError, match="line 3: amount"):
        parse_settlement(document.text)


async def test_pages_follow_the_next_token_alone(world) -> None:
    w, client = world
    for _ in range(3):
        w.clock.advance(60)
        w.sandbox.close_settlement(CloseRequest())
    first = await client.reports.list_settlement_reports(page_size=2)
    assert len(first.reports) == 2 and first.next_token
    second = await client.reports.list_settlement_reports(next_token=first.next_token)
    assert len(second.reports) == 1 and second.next_token is None
    ids = [r.report_id for r in first.reports + second.reports]
    assert len(set(ids)) == 3


async def test_the_model_rules_of_get_reports_and_create_report(world) -> None:
    w, _client = world
    async with httpx.AsyncClient(transport=w.transport, base_url=BASE) as http:
        token = (
            await http.post(
                "/auth/o2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": sandbox_settings().refresh_token.get_secret_value(),
                    "client_id": sandbox_settings().client_id,
                    "client_secret": sandbox_settings().client_secret.get_secret_value(),
                },
            )
        ).json()["access_token"]
        headers = {"x-amz-access-token": token}
        root = "/reports/2021-06-30/reports"
        missing = await http.get(root, headers=headers)
        assert missing.status_code == 400
        mixed = await http.get(
            root,
            params={"nextToken": "x", "reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"},
            headers=headers,
        )
        assert mixed.status_code == 400
        created = await http.post(
            root,
            json={
                "reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
                "marketplaceIds": ["ATVPDKIKX0DER"],
            },
            headers=headers,
        )
        assert created.status_code == 400
        assert created.json()["errors"][0]["message"] == (
            "Request for report type 1118 is not allowed at this time"
        )


async def test_reports_are_kept_90_days(world) -> None:
    w, client = world
    w.sandbox.close_settlement(CloseRequest())
    w.clock.advance(89 * 86400)
    assert len((await client.reports.list_settlement_reports()).reports) == 1
    w.clock.advance(2 * 86400)
    assert (await client.reports.list_settlement_reports()).reports == ()


async def test_get_reports_is_rate_limited_as_the_model_says(world) -> None:
    """getReports: a burst of 10, then one per 45 s (0.0222/s). Unpaced, the 11th call at once
    is throttled; consign's pacer (on the sandbox's clock) waits for the refill instead."""
    w, _client = world
    async with httpx.AsyncClient(transport=w.transport, base_url=BASE) as http:
        unpaced = build_amazon_client(
            sandbox_settings(), http=http, pacer=UsagePacer(1_000_000, clock=w.clock.seconds)
        )
        for _ in range(10):  # the burst
            await unpaced.reports.list_settlement_reports()
        with pytest.raises(Exception, match="429"):
            await unpaced.reports.list_settlement_reports()
        assert w.sandbox.throttled["getReports"] == 1
        w.clock.advance(10 * 46)  # the sandbox's bucket full again (0.0222 per second)
        paced = build_amazon_client(sandbox_settings(), http=http, pacer=w.clock.pacer())
        started = w.clock.seconds()
        for _ in range(11):
            await paced.reports.list_settlement_reports()
        assert w.sandbox.throttled["getReports"] == 1  # none more
        assert w.clock.seconds() - started >= 45  # waited for tokens, not for 429s
