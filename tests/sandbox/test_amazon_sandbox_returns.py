"""The sandbox's MFN returns (reference/amazon-sp-api/returns.md): the returns report requested
with createReport and read as the reference's flat file (its 32 columns, in order), and the
POST_PAYMENT_ADJUSTMENT_DATA feed that refunds them, the reference's authored message first.
Every SP-API exchange is validated strictly against the official Reports and Feeds models."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import DEFAULT_MARKETPLACE_ID, SKUS
from sandbox.amazon.generator import LineSpec, OrderSpec
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import to_wire
from tests.sandbox.test_amazon_sandbox import ManualClock
from tests.sandbox.test_amazon_sandbox_stock import Caller
from tests.support.spapi_models import REFERENCE_DIR

SAMPLES = REFERENCE_DIR / "amazon-sp-api" / "samples-authored"
RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
XML_CT = "text/xml; charset=UTF-8"
MARKET = DEFAULT_MARKETPLACE_ID
ORDER = "114-3385520-9106643"  # the authored sample's refunded order


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> AmazonSandbox:
    made = AmazonSandbox(clock=clock, feed_processing_seconds=10, report_processing_seconds=5)
    made.create(
        [
            OrderSpec(
                order_id=ORDER, lines=[LineSpec(sku=SKUS[0], quantity=2), LineSpec(sku=SKUS[1])]
            ),
            OrderSpec(order_id="114-0000000-0000002", lines=[LineSpec(sku=SKUS[0])]),
        ]
    )
    ship_all(made, ORDER)
    return made


def ship_all(sandbox: AmazonSandbox, order_id: str) -> None:
    """Every unit of the order confirmed shipped in one package."""
    order = sandbox.orders[order_id]
    sandbox.confirm_shipment(
        order_id,
        {
            "marketplaceId": order.marketplace_id,
            "packageDetail": {
                "packageReferenceId": "1",
                "carrierCode": "UPS",
                "trackingNumber": "1Z999",
                "shipDate": to_wire(sandbox.clock()),
                "orderItems": [
                    {"orderItemId": i.order_item_id, "quantity": i.quantity_ordered}
                    for i in order.items
                ],
            },
        },
    )


@pytest.fixture
def caller(sandbox: AmazonSandbox) -> Iterator[Caller]:
    with TestClient(create_app(sandbox)) as client:
        yield Caller(client)


def request_report(caller: Caller, **extra: str) -> str:
    body = {"reportType": RETURNS_REPORT, "marketplaceIds": [MARKET], **extra}
    response = caller.call("POST", "/reports/2021-06-30/reports", body=body)
    assert response.status_code == 202, response.text
    report_id: str = response.json()["reportId"]
    return report_id


def report_rows(caller: Caller, clock: ManualClock, report_id: str) -> list[dict[str, str]]:
    path = f"/reports/2021-06-30/reports/{report_id}"
    assert caller.call("GET", path).json()["processingStatus"] == "IN_PROGRESS"
    clock.advance(seconds=5)
    report = caller.call("GET", path).json()
    assert report["processingStatus"] == "DONE"
    link = caller.call("GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    text = caller.client.get(link.json()["url"]).text
    header, *lines = text.splitlines()
    columns = header.split("\t")
    return [dict(zip(columns, line.split("\t"), strict=True)) for line in lines]


def test_a_return_of_shipped_units_is_in_the_report_with_the_reference_columns(
    caller: Caller, clock: ManualClock
) -> None:
    made = caller.client.post(
        "/_sandbox/returns", json={"order_id": ORDER, "lines": {SKUS[0]: 1}}
    ).json()
    assert made["rma"].endswith("RRMA") and len(made["rma"]) == 12
    assert (
        caller.client.post(
            "/_sandbox/returns", json={"order_id": "114-0000000-0000002", "lines": {SKUS[0]: 1}}
        ).status_code
        == 409  # nothing shipped yet
    )
    clock.advance(minutes=1)
    rows = report_rows(caller, clock, request_report(caller))
    sample = (SAMPLES / "returns-flat-file-mfn-AUTHORED.tsv").read_text().splitlines()[0]
    assert list(rows[0]) == sample.split("\t")  # the 32 columns, in the reference's order
    assert len(rows) == 1
    row = rows[0]
    assert row["Order ID"] == ORDER and row["Amazon RMA ID"] == made["rma"]
    assert row["Merchant SKU"] == SKUS[0] and row["Return quantity"] == "1"
    assert row["Order quantity"] == "2" and row["Merchant RMA ID"] == " "
    assert row["Refunded Amount"] == ""
    day, month, year = row["Return request date"].split("-")
    assert len(day) == 2 and month.isalpha() and len(month) == 3 and len(year) == 4


def test_an_empty_range_ends_cancelled_and_a_long_range_is_refused(
    caller: Caller, clock: ManualClock
) -> None:
    report_id = request_report(caller)
    clock.advance(seconds=5)
    report = caller.call("GET", f"/reports/2021-06-30/reports/{report_id}").json()
    assert report["processingStatus"] == "CANCELLED" and "reportDocumentId" not in report
    start = to_wire(clock.now.replace(year=clock.now.year - 1))
    refused = caller.call(
        "POST",
        "/reports/2021-06-30/reports",
        body={
            "reportType": RETURNS_REPORT,
            "marketplaceIds": [MARKET],
            "dataStartTime": start,
        },
    )
    assert refused.status_code == 400


def submit_adjustment(caller: Caller, content: bytes) -> str:
    created = caller.call("POST", "/feeds/2021-06-30/documents", body={"contentType": XML_CT})
    assert created.status_code == 201, created.text
    document = created.json()
    put = caller.client.put(document["url"], content=content, headers={"content-type": XML_CT})
    assert put.status_code == 200
    spec = {
        "feedType": "POST_PAYMENT_ADJUSTMENT_DATA",
        "marketplaceIds": [MARKET],
        "inputFeedDocumentId": document["feedDocumentId"],
    }
    feed = caller.call("POST", "/feeds/2021-06-30/feeds", body=spec)
    assert feed.status_code == 202, feed.text
    feed_id: str = feed.json()["feedId"]
    return feed_id


def processing_report(caller: Caller, clock: ManualClock, feed_id: str) -> ET.Element:
    clock.advance(seconds=10)
    feed: dict[str, Any] = caller.call("GET", f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "DONE", feed
    link = caller.call("GET", f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}")
    return ET.fromstring(caller.client.get(link.json()["url"]).content)


def authored_refund(sandbox: AmazonSandbox, amount: str = "32.50") -> bytes:
    """The reference's authored message, aimed at the sandbox order's first item."""
    text = (SAMPLES / "order-adjustment-refund-AUTHORED.xml").read_text()
    item = sandbox.orders[ORDER].items[0]
    text = text.replace("55301234567807", item.order_item_id)
    text = text.replace('currency="USD"', f'currency="{item.currency}"')
    return text.replace(">32.50<", f">{amount}<").encode()


def test_the_authored_refund_applies_and_shows_in_the_next_report(
    caller: Caller, clock: ManualClock, sandbox: AmazonSandbox
) -> None:
    caller.client.post("/_sandbox/returns", json={"order_id": ORDER, "lines": {SKUS[0]: 1}})
    unit = sandbox.orders[ORDER].items[0].unit_price
    report = processing_report(
        caller, clock, submit_adjustment(caller, authored_refund(sandbox, f"{unit:.2f}"))
    )
    assert report.findtext("MessageType") == "ProcessingReport"
    assert report.findtext("Message/ProcessingReport/ProcessingSummary/MessagesSuccessful") == "1"
    adjustments = caller.client.get("/_sandbox/adjustments").json()["adjustments"]
    assert [a["merchant_adjustment_item_id"] for a in adjustments] == ["RFND-114-3385520-9106643-1"]
    assert adjustments[0]["reason"] == "CustomerReturn"
    rows = report_rows(caller, clock, request_report(caller))
    assert Decimal(rows[0]["Refunded Amount"]) == unit + Decimal("5.99")  # with shipping


def test_a_bad_message_is_an_error_result_and_not_xml_is_fatal(
    caller: Caller, clock: ManualClock, sandbox: AmazonSandbox
) -> None:
    too_much = authored_refund(sandbox, "9999.00")
    report = processing_report(caller, clock, submit_adjustment(caller, too_much))
    result = report.find("Message/ProcessingReport/Result")
    assert result is not None and result.findtext("ResultCode") == "Error"
    assert result.findtext("MessageID") == "1"
    bad_reason = authored_refund(sandbox).replace(b"CustomerReturn", b"Changed mind")
    report = processing_report(caller, clock, submit_adjustment(caller, bad_reason))
    assert report.findtext(".//MessagesWithError") == "1"
    assert caller.client.get("/_sandbox/adjustments").json()["adjustments"] == []
    feed_id = submit_adjustment(caller, b"{}")
    clock.advance(seconds=10)
    feed = caller.call("GET", f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "FATAL"
