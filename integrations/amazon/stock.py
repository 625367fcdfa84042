"""Amazon as a stock port: the quantities inventory sync pushes and the daily reconcile reads.

A handful of SKUs go as single patchListingsItem calls (5 per second, answered at once); more
go as JSON_LISTINGS_FEEDs, because a feed carries up to 25,000 SKUs yet counts as one of only
five submissions allowed per five minutes. A feed is submitted once and asked about later
(`settle`), since Amazon takes minutes to hours to process one. Amazon subtracts nothing itself
for MFN listings, so the figure pushed is what may be sold.
"""

from __future__ import annotations

from domain.inventory import ListingQuantity, PushOutcome, StockSubmission
from integrations.amazon.factory import AmazonClient
from integrations.amazon.feeds import FeedIssue, FeedsApi, build_listings_feeds
from integrations.amazon.listings import ListingIssue, ListingsApi, checked_quantity, not_listed
from integrations.amazon.settings import CHANNEL
from integrations.amazon.usage_plans import Operation
from integrations.channel import OutcomeSink, SubmissionSink

DEFAULT_PATCH_THRESHOLD = 20
PATCH = "patch"
LOOKUP = Operation.SEARCH_LISTINGS_ITEMS.value  # a SKU refused before any feed: no listing


def _describe(issues: list[ListingIssue] | list[FeedIssue]) -> str:
    return "; ".join(f"{i.code}: {i.message}" if i.code else i.message for i in issues)


class AmazonStock:
    """integrations.channel.StockPort and SettlingStockPort for one seller account and
    marketplace."""

    channel = CHANNEL
    subtracts_own_orders = False

    def __init__(
        self,
        listings: ListingsApi,
        feeds: FeedsApi,
        seller_id: str,
        marketplace_id: str,
        *,
        patch_threshold: int = DEFAULT_PATCH_THRESHOLD,
        issue_locale: str = "en_US",
    ) -> None:
        self.listings = listings
        self.feeds = feeds
        self.account = seller_id
        self.marketplace_id = marketplace_id
        self.patch_threshold = patch_threshold
        self.issue_locale = issue_locale

    async def push(
        self,
        quantities: list[ListingQuantity],
        submitted: SubmissionSink,
        answered: OutcomeSink | None = None,
    ) -> list[PushOutcome]:
        """An outcome or a submitted feed per distinct SKU (a repeated SKU keeps its last
        quantity). Every quantity is checked before the first call, so a bad one sends nothing
        at all. Calls wait for their usage-plan token (pacing.py), so a batch of patches runs
        at Amazon's rate instead of being throttled halfway."""
        latest = {item.sku: item for item in quantities}
        for item in latest.values():
            checked_quantity(Operation.PATCH_LISTINGS_ITEM.value, item.sku, item.quantity)
        items = list(latest.values())
        if not items:
            return []
        if len(items) > self.patch_threshold:
            return await self._feed(items, submitted, answered)
        outcomes: list[PushOutcome] = []
        for item in items:
            outcomes.append(await self._patch(item))
            if answered is not None:
                await answered(outcomes[-1])
        return outcomes

    async def _patch(self, item: ListingQuantity) -> PushOutcome:
        result = await self.listings.set_quantity(item.sku, item.quantity, self.marketplace_id)
        problems = result.errors
        message = _describe(problems) if problems else None
        if not result.accepted and message is None:
            message = f"Amazon answered {result.status}"
        return PushOutcome(
            sku=item.sku,
            quantity=item.quantity,
            accepted=result.accepted,
            submission=PATCH,
            message=message,
        )

    async def _product_types(
        self, items: list[ListingQuantity], answered: OutcomeSink | None
    ) -> tuple[dict[str, str], list[PushOutcome]]:
        """Each SKU's product type (cached; the rest looked up 20 at a time), and a rejection
        for every SKU Amazon has no listing for."""
        found = await self.listings.product_types([i.sku for i in items], self.marketplace_id)
        unlisted: list[PushOutcome] = []
        for item in items:
            if item.sku in found:
                continue
            result = not_listed(item.sku, self.marketplace_id)
            unlisted.append(
                PushOutcome(
                    sku=item.sku,
                    quantity=item.quantity,
                    accepted=False,
                    submission=LOOKUP,
                    message=_describe(result.issues),
                )
            )
            if answered is not None:
                await answered(unlisted[-1])
        return found, unlisted

    async def _feed(
        self,
        items: list[ListingQuantity],
        submitted: SubmissionSink,
        answered: OutcomeSink | None,
    ) -> list[PushOutcome]:
        """Feeds submitted, not waited for: each goes to `submitted` as soon as Amazon has it.
        Returns the rejections of SKUs Amazon has no listing for."""
        product_types, outcomes = await self._product_types(items, answered)
        items = [item for item in items if item.sku in product_types]
        feeds = build_listings_feeds(
            self.account, items, product_types, issue_locale=self.issue_locale
        )
        wanted = {item.sku: item for item in items}
        for feed in feeds:
            feed_id = await self.feeds.submit_listings_feed(feed, [self.marketplace_id])
            # Message n carries the n-th quantity: the messageId -> SKU map, in order.
            carried = [wanted[feed.skus[number]] for number in sorted(feed.skus)]
            await submitted(StockSubmission(submission=feed_id, quantities=carried))
        return outcomes

    async def settle(self, submission: StockSubmission) -> list[PushOutcome] | None:
        """One getFeed; when the feed is DONE, its processing report per SKU (an issue without
        a messageId rejects every SKU of the feed). FATAL or CANCELLED raises AmazonFeedFailed."""
        result = await self.feeds.feed_result(submission.submission)
        if result is None:
            return None
        skus = dict(enumerate(submission.skus(), start=1))
        by_sku = result.report.issues_by_sku(skus)
        outcomes: list[PushOutcome] = []
        for item in submission.quantities:
            errors = [i for i in by_sku.get(item.sku, []) if i.severity == "ERROR"]
            if errors:
                self.listings.forget_product_type(item.sku, self.marketplace_id)
            outcomes.append(
                PushOutcome(
                    sku=item.sku,
                    quantity=item.quantity,
                    accepted=not errors,
                    submission=result.feed_id,
                    message=_describe(errors) if errors else None,
                )
            )
        return outcomes

    async def read(self, skus: list[str]) -> list[ListingQuantity]:
        """searchListingsItems, 20 SKUs a call; SKUs Amazon does not list, or that have no
        seller-fulfilled quantity, are omitted."""
        shown = await self.listings.quantities(skus, self.marketplace_id)
        return [
            ListingQuantity(sku=sku, quantity=quantity)
            for sku, quantity in shown.items()
            if quantity is not None
        ]


def build_amazon_stock(
    client: AmazonClient,
    *,
    marketplace_id: str | None = None,
    patch_threshold: int = DEFAULT_PATCH_THRESHOLD,
) -> AmazonStock:
    """The stock port on the client's connection pool and token cache; the marketplace
    defaults to the account's first."""
    return AmazonStock(
        client.listings,
        client.feeds,
        client.account,
        marketplace_id or client.marketplace_ids[0],
        patch_threshold=patch_threshold,
    )
