"""ChannelActivities against the real Amazon sandbox on loopback, run by ActivityEnvironment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.channel import ChannelActivities
from activities.models import ParcelConfirmRequest, PollRequest
from domain.inventory import StockChange, StockChangeKind
from domain.limits import IntakeLimits
from domain.order import ChannelOrder, ChannelOrderStatus, FulfilledBy, OrderRef
from domain.warehouse import Parcel, ParcelLine
from integrations.amazon.factory import AmazonClient, build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.registry import Channel
from sandbox.amazon.generator import GenerateRequest
from sandbox.amazon.state import AmazonSandbox
from sandbox.gxo.catalogue import DPD_NEXT_DAY, RM_TRACKED_48
from sandbox.server import ServerThread
from store.audit import list_audit
from store.inventory import Demand, apply_stock_changes, demand_by_item, record_demand
from store.tables import AuditOutcome
from tests.activities.conftest import (
    AFN_ORDER,
    MFN_ORDER,
    MFN_ORDER_2,
    ROYAL_MAIL,
    SELLER,
    amazon_settings,
)


def ref(order_id: str = MFN_ORDER) -> OrderRef:
    return OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=order_id)


async def fetch(channel: ChannelActivities, order_id: str = MFN_ORDER) -> ChannelOrder:
    order: ChannelOrder = await ActivityEnvironment().run(channel.fetch_order, ref(order_id))
    return order


async def expect_failure(call: Any, *args: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(call, *args)
    return caught.value


def parcel(
    lines: dict[str, int],
    service: str = RM_TRACKED_48,
    parcel_id: str = "WO00000001-P1",
    tracking: str = "RU000000001GB",
) -> Parcel:
    return Parcel(
        parcel_id=parcel_id,
        tracking_number=tracking,
        carrier_service_code=service,
        shipped_at=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5),
        lines=[
            ParcelLine(line_number=n, item_code=f"GXO-{n}", channel_line_id=line, quantity=q)
            for n, (line, q) in enumerate(lines.items(), start=1)
        ],
    )


async def confirmations(admin: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
    response = await admin.get("/_sandbox/confirmations", params={"order_id": order_id})
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()["confirmations"]
    return found


# --- fetch_order ------------------------------------------------------------------------------


READERS = pytest.mark.parametrize("orders_reader", ["v2026", "v0"])


@READERS
async def test_fetch_order_normalises_an_unshipped_mfn_order(
    channel: ChannelActivities, amazon_sandbox: AmazonSandbox
) -> None:
    order = await fetch(channel)

    seeded = amazon_sandbox.orders[MFN_ORDER]
    assert order.ref == ref()
    assert order.status is ChannelOrderStatus.READY
    assert order.fulfilled_by is FulfilledBy.MERCHANT
    assert order.ship_service_level == "STANDARD"
    assert order.ship_by == seeded.latest_ship_date
    assert [(line.line_id, line.sku, line.quantity) for line in order.lines] == [
        (item.order_item_id, item.sku, item.quantity_ordered) for item in seeded.items
    ]
    assert [line.sku for line in order.lines] == ["TSHIRT-BLK-M", "CAP-KHK-OS"]
    assert order.ship_to is not None
    assert order.ship_to.country_code == "GB"
    assert order.ship_to.postal_code == seeded.address.postal_code


@READERS
async def test_fetch_unknown_order_is_order_not_found(channel: ChannelActivities) -> None:
    error = await expect_failure(channel.fetch_order, ref("202-9999999-9999999"))

    assert error.type == "ORDER_NOT_FOUND"
    assert error.non_retryable


async def test_an_order_with_more_lines_than_the_limit_parks_as_order_too_large(
    amazon_client: AmazonClient, engine: Engine
) -> None:
    """MFN_ORDER has two lines; with a limit of one it is a named, non-retryable exception
    (the order parks in RECEIVED) rather than a payload that grows every history it enters."""
    limited = ChannelActivities(
        {(Channel.AMAZON, SELLER): AmazonChannel(amazon_client)},
        engine,
        limits=IntakeLimits(max_lines_per_order=1),
    )
    error = await expect_failure(limited.fetch_order, ref())
    assert error.type == "ORDER_TOO_LARGE" and error.non_retryable
    assert "2 lines" in error.message and "CONSIGN_MAX_LINES_PER_ORDER" in error.message
    unlimited = ChannelActivities({(Channel.AMAZON, SELLER): AmazonChannel(amazon_client)}, engine)
    assert len((await fetch(unlimited)).lines) == 2  # within the default limit, as before


async def test_fetch_with_bad_lwa_credentials_is_auth_failed(
    amazon_server: ServerThread, engine: Engine
) -> None:
    settings = amazon_settings(amazon_server.url, client_secret="not-the-secret")
    async with build_amazon_client(settings) as client:
        activities = ChannelActivities({(Channel.AMAZON, SELLER): AmazonChannel(client)}, engine)
        error = await expect_failure(activities.fetch_order, ref())

    assert error.type == "CHANNEL_AUTH_FAILED"
    assert error.non_retryable
    assert "not-the-secret" not in str(error)


async def test_a_revoked_cached_token_is_refreshed_once(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient, amazon_sandbox: AmazonSandbox
) -> None:
    """The worker holds one LWA token; Amazon revoking it must not fail the next activity."""
    await fetch(channel)
    (await amazon_admin.put("/_sandbox/lwa", json={"revoke_tokens": True})).raise_for_status()

    order = await fetch(channel)

    assert order.ref == ref()
    assert amazon_sandbox.tokens.grant_count == 2


@READERS
async def test_an_order_amazon_sends_malformed_is_invalid_channel_data_not_retried(
    channel: ChannelActivities, amazon_sandbox: AmazonSandbox
) -> None:
    """Retrying cannot cure an answer that fails a model check: it must not retry forever."""
    seeded = amazon_sandbox.orders[MFN_ORDER]
    for item in seeded.items:
        item.currency = "GBPX"

    error = await expect_failure(channel.fetch_order, ref())

    assert error.type == "INVALID_CHANNEL_DATA"
    assert error.non_retryable
    assert "currency" in error.message and "at most 3 characters" in error.message
    assert "GBPX" not in str(error)  # field names, never values (they may be personal data)
    assert seeded.address.postal_code not in str(error)


async def test_fetch_during_an_amazon_outage_is_retryable(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient
) -> None:
    (await amazon_admin.put("/_sandbox/faults", json={"error_rate": 1.0})).raise_for_status()

    error = await expect_failure(channel.fetch_order, ref())

    assert not error.non_retryable
    assert "503" in str(error)


# --- poll_changes -----------------------------------------------------------------------------


@READERS
async def test_poll_changes_returns_the_mfn_orders_only(channel: ChannelActivities) -> None:
    since = datetime.now(UTC) - timedelta(hours=2)
    request = PollRequest(channel=Channel.AMAZON, account=SELLER, since=since)

    batch = await ActivityEnvironment().run(channel.poll_changes, request)

    assert sorted(c.ref.order_id for c in batch.changes) == [MFN_ORDER, MFN_ORDER_2]
    assert AFN_ORDER not in {c.ref.order_id for c in batch.changes}
    assert all(c.fulfilled_by is FulfilledBy.MERCHANT for c in batch.changes)
    assert all(c.ref.account == SELLER for c in batch.changes)
    assert batch.next_page_token is None
    assert since < batch.cursor


async def test_a_named_order_amazon_cannot_answer_does_not_hold_up_the_others(
    channel: ChannelActivities,
) -> None:
    """Orders a notification named are read one by one: one that fails is left to the next
    change search (the cursor has not moved past it) instead of failing the whole read."""
    since = datetime.now(UTC) - timedelta(hours=2)
    named = [MFN_ORDER, "999-0000000-0000000", MFN_ORDER_2]
    request = PollRequest(channel=Channel.AMAZON, account=SELLER, since=since, order_ids=named)

    batch = await ActivityEnvironment().run(channel.poll_changes, request)

    assert sorted(c.ref.order_id for c in batch.changes) == [MFN_ORDER, MFN_ORDER_2]
    assert batch.cursor == since


async def test_a_named_read_during_an_amazon_outage_is_retryable(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient
) -> None:
    (await amazon_admin.put("/_sandbox/faults", json={"error_rate": 1.0})).raise_for_status()
    since = datetime.now(UTC) - timedelta(hours=2)
    request = PollRequest(
        channel=Channel.AMAZON, account=SELLER, since=since, order_ids=[MFN_ORDER, MFN_ORDER_2]
    )

    error = await expect_failure(channel.poll_changes, request)

    assert not error.non_retryable


async def test_poll_changes_pages_through_a_long_scan(
    channel: ChannelActivities, amazon_sandbox: AmazonSandbox
) -> None:
    """More than one page of changes: the page token travels between activities and the
    cursor only moves once the scan is complete."""
    clock = amazon_sandbox.clock
    now = clock()
    clock.at = now - timedelta(minutes=20)  # type: ignore[attr-defined]
    amazon_sandbox.generate(GenerateRequest(count=120, seed=5, afn_share=0, pending_share=0))
    clock.at = now  # type: ignore[attr-defined]
    since = datetime.now(UTC) - timedelta(hours=2)

    seen: list[str] = []
    request = PollRequest(channel=Channel.AMAZON, account=SELLER, since=since)
    first = await ActivityEnvironment().run(channel.poll_changes, request)
    seen += [c.ref.order_id for c in first.changes]
    assert first.next_page_token is not None
    assert first.cursor == since
    request = request.model_copy(update={"page_token": first.next_page_token})
    second = await ActivityEnvironment().run(channel.poll_changes, request)
    seen += [c.ref.order_id for c in second.changes]

    assert second.next_page_token is None
    assert second.cursor > since
    assert len(seen) == len(set(seen)) == 122
    assert {MFN_ORDER, MFN_ORDER_2} <= set(seen)


async def test_poll_changes_of_an_unconfigured_channel_is_rejected(
    channel: ChannelActivities,
) -> None:
    request = PollRequest(channel=Channel.CENTRA, account="x", since=datetime.now(UTC))

    error = await expect_failure(channel.poll_changes, request)

    assert error.type == "UNKNOWN_ACCOUNT"
    assert error.non_retryable


async def test_another_account_of_a_served_channel_never_uses_this_accounts_port(
    channel: ChannelActivities,
) -> None:
    """Issue 9 §2: a port is one seller's (its token, its usage plan): an order of a seller
    this worker does not serve fails for good, named, instead of being read as another's."""
    ref = OrderRef(channel=Channel.AMAZON, account="A2OTHERSELLER", order_id="026-1-1")

    error = await expect_failure(channel.fetch_order, ref)

    assert error.type == "UNKNOWN_ACCOUNT"
    assert error.non_retryable
    assert "amazon:A2OTHERSELLER" in str(error)


# --- confirm_parcel ---------------------------------------------------------------------------


async def test_confirm_parcel_records_the_mapped_package_at_amazon(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient, engine: Engine
) -> None:
    order = await fetch(channel)
    shirt, cap = (line.line_id for line in order.lines)
    request = ParcelConfirmRequest(
        ref=ref(), package_reference="1", parcel=parcel({shirt: 2, cap: 1})
    )

    result = await ActivityEnvironment().run(channel.confirm_parcel, request)

    assert result.package_reference == "1"
    assert result.carrier_code == ROYAL_MAIL
    [confirmed] = await confirmations(amazon_admin, MFN_ORDER)
    assert confirmed["package_reference_id"] == "1"
    assert confirmed["carrier_code"] == ROYAL_MAIL
    assert confirmed["shipping_method"] == "Tracked 48"
    assert confirmed["tracking_number"] == "RU000000001GB"
    assert confirmed["items"] == {shirt: 2, cap: 1}
    [entry] = list_audit(engine, order_id=MFN_ORDER)
    assert (entry.system, entry.operation, entry.outcome) == (
        "amazon",
        "confirmShipment",
        AuditOutcome.ACCEPTED,
    )
    assert entry.idempotency_key == "1:WO00000001-P1"


async def test_a_retried_confirm_edits_the_same_package(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient, amazon_sandbox: AmazonSandbox
) -> None:
    order = await fetch(channel)
    shirt = order.lines[0].line_id
    request = ParcelConfirmRequest(ref=ref(), package_reference="7", parcel=parcel({shirt: 2}))

    await ActivityEnvironment().run(channel.confirm_parcel, request)
    await ActivityEnvironment().run(channel.confirm_parcel, request)

    sent = await confirmations(amazon_admin, MFN_ORDER)
    assert [(c["package_reference_id"], c["edited"]) for c in sent] == [("7", False), ("7", True)]
    seeded = amazon_sandbox.orders[MFN_ORDER]
    assert list(seeded.packages) == ["7"]
    assert seeded.item(shirt) is not None
    assert seeded.item(shirt).quantity_shipped == 2  # type: ignore[union-attr]


async def test_confirm_with_an_unmapped_carrier_service_is_unmapped_carrier(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient, engine: Engine
) -> None:
    order = await fetch(channel)
    request = ParcelConfirmRequest(
        ref=ref(),
        package_reference="1",
        parcel=parcel({order.lines[0].line_id: 1}, service=DPD_NEXT_DAY),
    )

    error = await expect_failure(channel.confirm_parcel, request)

    assert error.type == "UNMAPPED_CARRIER"
    assert error.non_retryable
    assert DPD_NEXT_DAY in str(error)
    assert await confirmations(amazon_admin, MFN_ORDER) == []
    [entry] = list_audit(engine, order_id=MFN_ORDER)
    assert entry.outcome is AuditOutcome.REJECTED


async def test_confirm_over_the_ordered_quantity_is_channel_rejected(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient, engine: Engine
) -> None:
    order = await fetch(channel)
    request = ParcelConfirmRequest(
        ref=ref(), package_reference="1", parcel=parcel({order.lines[1].line_id: 5})
    )

    error = await expect_failure(channel.confirm_parcel, request)

    assert error.type == "CHANNEL_REJECTED"
    assert error.non_retryable
    assert await confirmations(amazon_admin, MFN_ORDER) == []
    [entry] = list_audit(engine, order_id=MFN_ORDER)
    assert entry.outcome is AuditOutcome.REJECTED
    assert "exceeds" in entry.detail


async def test_a_throttled_confirm_is_retryable_and_paced_by_temporal(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient, engine: Engine
) -> None:
    order = await fetch(channel)
    plans = {"plans": {"confirmShipment": {"rate": 0.25, "burst": 1}}}
    (await amazon_admin.put("/_sandbox/usage-plans", json=plans)).raise_for_status()
    line = order.lines[1].line_id
    first = ParcelConfirmRequest(ref=ref(), package_reference="1", parcel=parcel({line: 1}))
    await ActivityEnvironment().run(channel.confirm_parcel, first)

    again = first.model_copy(update={"package_reference": "2"})
    error = await expect_failure(channel.confirm_parcel, again)

    assert not error.non_retryable
    # A 429 carries no x-amzn-RateLimit-Limit (Amazon's models): the retry's delay is
    # Temporal's backoff (and the confirmShipment queue's rate), not a figure from Amazon.
    assert error.next_retry_delay is None
    assert [e.outcome for e in list_audit(engine, order_id=MFN_ORDER)] == [AuditOutcome.ACCEPTED]


async def test_confirm_during_an_amazon_outage_is_retryable_and_not_audited(
    channel: ChannelActivities, amazon_admin: httpx.AsyncClient, engine: Engine
) -> None:
    order = await fetch(channel)
    (await amazon_admin.put("/_sandbox/faults", json={"error_rate": 1.0})).raise_for_status()
    request = ParcelConfirmRequest(
        ref=ref(), package_reference="1", parcel=parcel({order.lines[1].line_id: 1})
    )

    error = await expect_failure(channel.confirm_parcel, request)

    assert not error.non_retryable
    assert list_audit(engine, order_id=MFN_ORDER) == []


def _moved(
    sequence: int, kind: StockChangeKind, quantity: int, on_hand: int, allocated: int
) -> StockChange:
    return StockChange(
        sequence=sequence,
        facility_id="GXO-UK-DAV",
        item_code="GXO-1",
        kind=kind,
        quantity=quantity,
        on_hand_after=on_hand,
        allocated_after=allocated,
        reference=MFN_ORDER,
        channel=Channel.AMAZON,
        account=SELLER,
        at=datetime.now(UTC),
    )


async def test_a_retried_confirm_releases_the_parcels_demand_once(
    channel: ChannelActivities, engine: Engine
) -> None:
    """A confirm retried after it updated the store (its signal to the syncs failed, or its
    completion was lost) must not count the parcel twice: the demand would stay at -2 units
    for good and a channel that subtracts its own orders would show 2 units too few."""
    order = await fetch(channel)
    shirt = order.lines[0].line_id
    record_demand(engine, ref(), [("SHIRT", "GXO-1", 2)])
    apply_stock_changes(engine, [_moved(1, StockChangeKind.ALLOCATION, 2, 10, 2)])
    request = ParcelConfirmRequest(ref=ref(), package_reference="1", parcel=parcel({shirt: 2}))

    await ActivityEnvironment().run(channel.confirm_parcel, request)
    await ActivityEnvironment().run(channel.confirm_parcel, request)  # the retry
    apply_stock_changes(engine, [_moved(2, StockChangeKind.SHIPMENT, -2, 8, 0)])

    assert demand_by_item(engine) == Demand()
