"""AmazonStock against the Amazon sandbox, in process: every SP-API request the client sends
and every answer the sandbox gives is validated (strictly) against Amazon's official Listings
Items and Feeds models, so a push that works here is one Amazon understands. Feeds go in two
phases: `push` submits them, `settle` asks once about one; the sandbox's clock is moved by
hand."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from domain.inventory import ListingQuantity, PushOutcome, StockSubmission
from integrations.amazon.errors import AmazonFeedFailed, AmazonRequestRejected, AmazonThrottled
from integrations.amazon.factory import AmazonClient, build_amazon_client
from integrations.amazon.feeds import ListingsFeed
from integrations.amazon.stock import AmazonStock, build_amazon_stock
from integrations.channel import SettlingStockPort, StockPort
from integrations.registry import Channel
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS, UK
from sandbox.amazon.listings import Problem
from sandbox.amazon.lwa import DEFAULT_SELLER_ID
from sandbox.amazon.state import AmazonSandbox
from tests.amazon.sandboxed import CheckedTransport, ManualClock, sandbox_settings


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> AmazonSandbox:
    return AmazonSandbox(clock=clock, listing_quantity=7)


@pytest.fixture
def transport(sandbox: AmazonSandbox) -> CheckedTransport:
    return CheckedTransport(create_app(sandbox))


@pytest.fixture
async def client(transport: CheckedTransport, clock: ManualClock) -> AsyncIterator[AmazonClient]:
    async with httpx.AsyncClient(transport=transport) as http:
        yield build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())


@pytest.fixture
def stock(client: AmazonClient) -> AmazonStock:
    return build_amazon_stock(client, patch_threshold=3)


def spapi_calls(sandbox: AmazonSandbox) -> dict[str, int]:
    return {op: n for op, n in sandbox.stats()["calls"].items()}  # type: ignore[attr-defined]


class Submitted(list[StockSubmission]):
    """The sink a push hands its feeds to."""

    async def __call__(self, submission: StockSubmission) -> None:
        self.append(submission)


async def push_and_settle(
    stock: AmazonStock, clock: ManualClock, wanted: list[ListingQuantity]
) -> list[PushOutcome]:
    """A push, then each feed it submitted asked about once its processing time has passed."""
    submitted = Submitted()
    outcomes = await stock.push(wanted, submitted)
    clock.advance(2)  # the sandbox's default processing time
    for submission in submitted:
        settled = await stock.settle(submission)
        assert settled is not None
        outcomes.extend(settled)
    return outcomes


def test_amazon_stock_is_a_stock_port_that_settles_later(stock: AmazonStock) -> None:
    port: StockPort = stock
    assert (port.channel, port.account, port.subtracts_own_orders) == (
        Channel.AMAZON,
        DEFAULT_SELLER_ID,
        False,
    )
    assert isinstance(stock, SettlingStockPort)


async def test_small_batch_patches_each_sku_and_keeps_lead_time(
    stock: AmazonStock, sandbox: AmazonSandbox, transport: CheckedTransport
) -> None:
    wanted = [ListingQuantity(sku=SKUS[0], quantity=5), ListingQuantity(sku=SKUS[1], quantity=0)]
    outcomes = await stock.push(wanted, Submitted())
    assert [(o.sku, o.quantity, o.accepted, o.submission) for o in outcomes] == [
        (SKUS[0], 5, True, "patch"),
        (SKUS[1], 0, True, "patch"),
    ]
    # Each listing's product type is read once, then cached for the next pushes.
    assert spapi_calls(sandbox) == {"getListingsItem": 2, "patchListingsItem": 2}
    await stock.push(wanted, Submitted())
    assert spapi_calls(sandbox) == {"getListingsItem": 2, "patchListingsItem": 4}
    assert sandbox.listings.quantity(SKUS[0], UK.marketplace_id) == 5
    merged = sandbox.listings.attributes(SKUS[0], UK.marketplace_id)
    assert merged is not None
    assert merged["fulfillment_availability"][0]["lead_time_to_ship_max_days"] == 2
    assert transport.checked == 6


async def test_patches_name_the_listings_product_type_and_a_changed_one_is_read_again(
    stock: AmazonStock, sandbox: AmazonSandbox
) -> None:
    """The sandbox refuses a patch under another product type, as Amazon's validation does."""
    sku = SKUS[0]
    assert all(
        o.accepted for o in await stock.push([ListingQuantity(sku=sku, quantity=3)], Submitted())
    )
    listing = sandbox.listings.listing(sku, UK.marketplace_id)
    assert listing is not None and listing.product_type == "SHIRT"
    listing.product_type = "APPAREL"  # the seller reclassified it in Seller Central
    [stale] = await stock.push([ListingQuantity(sku=sku, quantity=4)], Submitted())
    assert not stale.accepted and "does not match" in (stale.message or "")
    [fresh] = await stock.push([ListingQuantity(sku=sku, quantity=4)], Submitted())
    assert fresh.accepted
    assert sandbox.listings.quantity(sku, UK.marketplace_id) == 4
    assert spapi_calls(sandbox) == {"getListingsItem": 2, "patchListingsItem": 3}


async def test_the_reconcile_warms_the_product_type_cache(
    stock: AmazonStock, sandbox: AmazonSandbox
) -> None:
    await stock.read([SKUS[0], SKUS[1]])
    await stock.push([ListingQuantity(sku=SKUS[0], quantity=1)], Submitted())
    assert spapi_calls(sandbox) == {"searchListingsItems": 1, "patchListingsItem": 1}


async def test_unknown_sku_patch_comes_back_rejected_with_amazons_message(
    stock: AmazonStock,
) -> None:
    outcomes = await stock.push(
        [ListingQuantity(sku="NOT-LISTED", quantity=1), ListingQuantity(sku=SKUS[2], quantity=4)],
        Submitted(),
    )
    rejected, accepted = outcomes
    assert (rejected.accepted, accepted.accepted) == (False, True)
    assert rejected.message is not None and "NOT-LISTED" in rejected.message


async def test_large_batch_goes_as_one_feed_and_maps_issues_back_to_skus(
    stock: AmazonStock, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    wanted = [ListingQuantity(sku=sku, quantity=10 + i) for i, sku in enumerate(SKUS[:5])]
    wanted.append(ListingQuantity(sku="GHOST-SKU", quantity=3))
    submitted = Submitted()
    at_once = await stock.push(wanted, submitted)
    # Submitted, not waited for: the push asked nothing about the feed.
    assert [q.sku for s in submitted for q in s.quantities] == list(SKUS[:5])
    assert "getFeed" not in spapi_calls(sandbox)
    [feed_submission] = submitted
    assert await stock.settle(feed_submission) is None  # still processing
    clock.advance(2)
    settled = await stock.settle(feed_submission)
    assert settled is not None
    outcomes = at_once + settled
    calls = spapi_calls(sandbox)
    assert calls["createFeedDocument"] == calls["createFeed"] == calls["getFeedDocument"] == 1
    assert calls["getFeed"] == 2
    assert calls["searchListingsItems"] == 1  # the six SKUs' product types, in one call
    assert "getListingsItem" not in calls
    assert "patchListingsItem" not in calls
    by_sku = {o.sku: o for o in outcomes}
    # A SKU Amazon has no listing for never reaches the feed: it has no product type.
    ghost = by_sku.pop("GHOST-SKU")
    assert (ghost.accepted, ghost.submission) == (False, "searchListingsItems")
    assert "GHOST-SKU" in (ghost.message or "")
    feed_ids = {o.submission for o in by_sku.values()}
    assert len(feed_ids) == 1 and feed_ids != {"patch"}
    assert all(by_sku[sku].accepted for sku in SKUS[:5])
    assert {sku: sandbox.listings.quantity(sku, UK.marketplace_id) for sku in SKUS[:5]} == {
        sku: 10 + i for i, sku in enumerate(SKUS[:5])
    }
    feed = sandbox.feeds.feeds[feed_ids.pop()]
    assert (feed.status, feed.messages) == ("DONE", 5)


async def test_a_feed_level_issue_rejects_every_sku_of_the_feed(
    stock: AmazonStock, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    sandbox.feeds.feed_level_error = Problem("4000001", "The feed could not be processed.")
    wanted = [ListingQuantity(sku=sku, quantity=9) for sku in SKUS[:4]]
    outcomes = await push_and_settle(stock, clock, wanted)
    assert [(o.sku, o.accepted) for o in outcomes] == [(sku, False) for sku in SKUS[:4]]
    assert all("4000001" in (o.message or "") for o in outcomes)
    assert {sandbox.listings.quantity(sku, UK.marketplace_id) for sku in SKUS[:4]} == {7}


async def test_read_returns_what_the_sandbox_shows_and_omits_unknown_skus(
    stock: AmazonStock, sandbox: AmazonSandbox
) -> None:
    await stock.push([ListingQuantity(sku=SKUS[0], quantity=42)], Submitted())
    found = await stock.read([SKUS[0], SKUS[1], "NOT-LISTED"])
    assert found == [
        ListingQuantity(sku=SKUS[0], quantity=42),
        ListingQuantity(sku=SKUS[1], quantity=7),
    ]


async def test_a_large_catalogue_is_read_20_skus_a_call_at_amazons_rate(
    stock: AmazonStock, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    extra = [f"BULK-{n:04d}" for n in range(1, 181)]
    for n, sku in enumerate(extra):
        sandbox.listings.add(sku, "SHIRT", quantity=n)
    wanted = [*SKUS, *extra, "NOT-LISTED"]  # 201 SKUs: 11 calls of up to 20

    found = {item.sku: item.quantity for item in await stock.read(wanted)}

    assert found == {**dict.fromkeys(SKUS, 7), **{sku: n for n, sku in enumerate(extra)}}
    stats = sandbox.stats()
    assert stats["calls"] == {"searchListingsItems": 11}
    assert stats["throttled"] == {}  # 5 at once, then one per 0.2 s of the sandbox's clock
    assert clock.seconds() >= (11 - 5) / 5


async def test_bad_quantity_sends_nothing(stock: AmazonStock, sandbox: AmazonSandbox) -> None:
    bad = ListingQuantity.model_construct(sku=SKUS[0], quantity=-1)
    with pytest.raises(AmazonRequestRejected, match="negative"):
        await stock.push([ListingQuantity(sku=SKUS[1], quantity=1), bad], Submitted())
    assert spapi_calls(sandbox) == {}


async def test_sixth_feed_in_five_minutes_is_a_transient_throttle(
    stock: AmazonStock, clock: ManualClock
) -> None:
    batch = [ListingQuantity(sku=sku, quantity=1) for sku in SKUS[:4]]
    for _ in range(5):
        await stock.push(batch, Submitted())
    with pytest.raises(AmazonThrottled) as caught:
        await stock.push(batch, Submitted())
    assert caught.value.transient
    clock.advance(300)
    assert all(o.accepted for o in await push_and_settle(stock, clock, batch))


async def test_fatal_feed_is_a_permanent_error_naming_the_feed(
    client: AmazonClient, clock: ManualClock
) -> None:
    feeds = client.feeds
    no_messages = ListingsFeed({"header": {"sellerId": DEFAULT_SELLER_ID, "version": "2.0"}})
    feed_id = await feeds.submit_listings_feed(no_messages, [UK.marketplace_id])
    clock.advance(2)
    with pytest.raises(AmazonFeedFailed, match=rf"feed {feed_id} ended FATAL") as caught:
        await feeds.feed_result(feed_id)
    assert not caught.value.transient


async def test_a_slow_feed_is_submitted_once_and_asked_about_until_it_is_done(
    stock: AmazonStock, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    """Amazon may take hours: each settle is one getFeed, nothing is ever submitted again."""
    sandbox.feeds.processing_seconds = 2 * 3600
    submitted = Submitted()
    await stock.push([ListingQuantity(sku=sku, quantity=2) for sku in SKUS[:4]], submitted)
    [feed] = submitted
    checks = 0
    while (settled := await stock.settle(feed)) is None:
        checks += 1
        clock.advance(300)
    assert [(o.sku, o.accepted, o.submission) for o in settled] == [
        (sku, True, feed.submission) for sku in SKUS[:4]
    ]
    calls = spapi_calls(sandbox)
    assert (calls["createFeed"], calls["getFeed"]) == (1, checks + 1)
    assert checks == 24  # two simulated hours, asked every five minutes
