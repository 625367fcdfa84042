"""ChannelActivities with the Centra port against the Centra sandbox: a parcel's payment
capture comes back in the confirm result, the order's other pending captures reach the port,
settle_capture reports a capture's state (and is refused for a channel without captures), and an
order in a status consign does not know becomes a permanent, explained failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.channel import ChannelActivities
from activities.models import CaptureRequest, ConfirmResult, ParcelConfirmRequest
from domain.capture import CaptureState, PaymentCapture
from domain.exceptions import ExceptionKind
from domain.mapping import CarrierCodeMapping
from domain.order import OrderRef
from domain.warehouse import Parcel, ParcelLine
from integrations.amazon.port import AmazonChannel
from integrations.centra.client import CentraClient
from integrations.centra.port import CentraChannel
from integrations.registry import Channel
from store.mappings import upsert_carrier_codes
from tests.centra.support import TOKEN, URL, Harness

NUMBER = 1001
SERVICE = "DHL-PAKET"


def ref() -> OrderRef:
    return OrderRef(channel=Channel.CENTRA, account="brand-eu", order_id=str(NUMBER))


def request(harness: Harness, parcel_id: str, line: int, others: list[str]) -> ParcelConfirmRequest:
    line_id = harness.line_ids(NUMBER)[line]
    parcel = Parcel(
        parcel_id=parcel_id,
        tracking_number=f"TRK-{parcel_id}",
        carrier_service_code=SERVICE,
        shipped_at=datetime.now(UTC) - timedelta(minutes=5),
        lines=[ParcelLine(line_number=1, item_code="GXO-1", channel_line_id=line_id, quantity=1)],
    )
    return ParcelConfirmRequest(
        ref=ref(), package_reference="1", parcel=parcel, other_captures=others
    )


@pytest.fixture
def harness(engine: Engine) -> Harness:
    upsert_carrier_codes(
        engine,
        [
            CarrierCodeMapping(
                channel=Channel.CENTRA,
                carrier_service_code=SERVICE,
                carrier_code="DHL",
                shipping_method="Paket",
            )
        ],
    )
    built = Harness()
    built.now = datetime.now(UTC)
    built.order(
        NUMBER, ("JKT100BLKM", 1), ("TEE200WHTS", 1), payment="asynchronous", created_at=built.now
    )
    return built


async def test_the_capture_comes_back_and_other_parcels_pending_captures_are_passed(
    harness: Harness, engine: Engine
) -> None:
    activities = ChannelActivities({(Channel.CENTRA, "brand-eu"): harness.channel}, engine)
    first: ConfirmResult = await ActivityEnvironment().run(
        activities.confirm_parcel, request(harness, "P1", 0, [])
    )
    assert first.capture is not None and first.capture.state is CaptureState.PENDING
    harness.transport.lose.add("CreateShipment")
    with pytest.raises(ApplicationError):  # transient: Temporal would retry it
        await ActivityEnvironment().run(
            activities.confirm_parcel, request(harness, "P2", 1, first.capture.requests)
        )
    second: ConfirmResult = await ActivityEnvironment().run(
        activities.confirm_parcel, request(harness, "P2", 1, first.capture.requests)
    )
    assert second.capture is not None and second.capture.state is CaptureState.PENDING
    assert set(second.capture.requests).isdisjoint(first.capture.requests)
    requests = [
        e for e in harness.sandbox.order(NUMBER).payments if e.entry_type == "CAPTURE_REQUEST"
    ]
    assert len(requests) == 2  # one per parcel, none repeated
    harness.sandbox.settle_captures(NUMBER, success=True)
    settled: PaymentCapture = await ActivityEnvironment().run(
        activities.settle_capture, CaptureRequest(ref=ref(), capture=first.capture)
    )
    assert settled.state is CaptureState.CAPTURED


async def test_settle_capture_of_a_channel_without_captures_is_refused(engine: Engine) -> None:
    amazon = AmazonChannel.__new__(AmazonChannel)  # never called: refused before any request
    activities = ChannelActivities({(Channel.AMAZON, "A"): amazon}, engine)
    capture = PaymentCapture(parcel_id="P", shipment_id="1", state=CaptureState.PENDING)
    amazon_ref = OrderRef(channel=Channel.AMAZON, account="A", order_id="1")
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(
            activities.settle_capture, CaptureRequest(ref=amazon_ref, capture=capture)
        )
    assert caught.value.non_retryable and caught.value.type == ExceptionKind.CHANNEL_REJECTED.value


async def test_an_unknown_status_is_a_permanent_explained_failure(engine: Engine) -> None:
    def respond(_: httpx.Request) -> httpx.Response:
        order = {"number": NUMBER, "status": "ARCHIVE", "id": "x", "isOnHold": False}
        data = {"visible": [order], "held": [], "unpaid": [], "heldUnpaid": []}
        return httpx.Response(200, json={"data": data})

    http = httpx.AsyncClient(transport=httpx.MockTransport(respond))
    port = CentraChannel(
        CentraClient(URL, SecretStr(TOKEN), http), "brand-eu", dispatch_sla=timedelta(hours=48)
    )
    activities = ChannelActivities({(Channel.CENTRA, "brand-eu"): port}, engine)
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(activities.fetch_order, ref())
    assert caught.value.non_retryable
    assert caught.value.type == ExceptionKind.INVALID_CHANNEL_DATA.value
    assert "order 1001 has status 'ARCHIVE', which consign does not know" in caught.value.message
