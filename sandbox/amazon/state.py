"""The sandbox seller: orders, accepted confirmations, LWA grants, usage plans and call
statistics, behind one lock (uvicorn serves from its own thread while tests inspect)."""

from __future__ import annotations

import random
import secrets
import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox.amazon import lifecycle
from sandbox.amazon.carriers import load_carrier_codes
from sandbox.amazon.catalogue import MARKETPLACES, SKUS, ean, physical, product_type
from sandbox.amazon.errors import SpApiError
from sandbox.amazon.feeds import (
    FEED_WINDOW_SECONDS,
    Feed,
    FeedDesk,
    FeedValidators,
    load_feed_schema,
)
from sandbox.amazon.generator import GenerateRequest, OrderFactory, OrderSpec, generate
from sandbox.amazon.listings import Attributes, ListingsBook, Problem, physical_attributes
from sandbox.amazon.lwa import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_SELLER_ID,
    TokenIssuer,
)
from sandbox.amazon.notifications import NotificationDesk
from sandbox.amazon.pagination import Pager
from sandbox.amazon.records import Clock, Confirmation, OrderStatus, SandboxOrder, system_clock
from sandbox.amazon.restricted import ALL_ROLES, Access, RestrictedData
from sandbox.amazon.returns import (
    REPORT_CONTENT_TYPE as RETURNS_CONTENT_TYPE,
)
from sandbox.amazon.returns import (
    RETURNS_REPORT,
    ReturnsDesk,
    SandboxReturn,
    load_returns_header,
)
from sandbox.amazon.settlements import CloseRequest, Refund, Report, SettlementDesk
from sandbox.amazon.shipments import apply_package, parse_package
from sandbox.amazon.usage_plans import UsagePlans


def _details(sku: str, marketplace_id: str) -> Attributes:
    """A catalogue listing's package attributes (catalogue.PHYSICAL)."""
    found = physical(sku)
    if found is None:
        return {}
    return physical_attributes(
        found.weight, found.dimensions, ean(sku), found.origin, marketplace_id
    )


class AmazonSandbox:
    """Everything the simulated Seller Central account knows.

    `clock` drives timestamps, token expiry, throttling refills and auto-release, so tests
    can move time instead of sleeping. `auto_release_seconds` releases Pending orders
    (Pending -> Unshipped) that long after purchase; None leaves them for the admin API.
    `roles` are the restricted roles the calling app holds (all by default): without them
    Amazon withholds personal data (restricted.py).
    Every catalogue SKU is listed in every marketplace with `listing_quantity`; feeds finish
    `feed_processing_seconds` after submission (or when the admin API processes them)."""

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        seller_id: str = DEFAULT_SELLER_ID,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        refresh_token: str = DEFAULT_REFRESH_TOKEN,
        token_lifetime_seconds: int = 3600,
        rate_scale: float = 1.0,
        carrier_codes: frozenset[str] | None = None,
        auto_release_seconds: float | None = None,
        seed_orders: int = 0,
        seed: int = 1,
        listing_quantity: int = 0,
        feed_processing_seconds: float = 2.0,
        feed_schema: dict[str, Any] | None = None,
        roles: frozenset[str] = ALL_ROLES,
        notification_delivery_seconds: float = 0.5,
        report_processing_seconds: float = 2.0,
    ) -> None:
        self.clock = clock
        self.seller_id = seller_id
        self.lock = threading.RLock()
        self.orders: dict[str, SandboxOrder] = {}
        self.confirmations: list[Confirmation] = []
        self.tokens = TokenIssuer(
            clock, client_id, client_secret, {refresh_token: seller_id}, token_lifetime_seconds
        )
        self.restricted = RestrictedData(clock, roles, token_lifetime_seconds)
        self.usage = UsagePlans(clock, rate_scale)
        self.carriers = carrier_codes if carrier_codes is not None else load_carrier_codes()
        self.auto_release_seconds = auto_release_seconds
        self.pager = Pager()
        self.calls: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.unauthorized = 0
        types = {sku: product_type(sku) for sku in SKUS}
        self.listings = ListingsBook(types, MARKETPLACES, clock, listing_quantity, _details)
        schema = feed_schema if feed_schema is not None else load_feed_schema()
        self.feeds = FeedDesk(FeedValidators(schema), feed_processing_seconds)
        self.settlements = SettlementDesk()
        self.returns = ReturnsDesk(load_returns_header())
        self.report_processing_seconds = report_processing_seconds
        self.feeds.adjuster = lambda feed, content, now: self.returns.process_adjustments(
            feed.feed_id, feed.seller_id, content, self.orders, now
        )
        self.notifications = NotificationDesk(delivery_seconds=notification_delivery_seconds)
        self._releasing: dict[str, SandboxOrder] = {}  # orders with a release_at to apply
        if seed_orders:
            self.generate(GenerateRequest(count=seed_orders, seed=seed))

    # --- orders -------------------------------------------------------------------------

    def add(self, orders: list[SandboxOrder]) -> list[SandboxOrder]:
        with self.lock:
            for order in orders:
                if order.status is OrderStatus.PENDING and self.auto_release_seconds is not None:
                    order.release_at = order.purchase_date + timedelta(
                        seconds=self.auto_release_seconds
                    )
                self.orders[order.order_id] = order
                if order.release_at is not None:
                    self._releasing[order.order_id] = order
            return orders

    def create(self, specs: list[OrderSpec], seed: int = 1) -> list[SandboxOrder]:
        with self.lock:
            duplicate = [s.order_id for s in specs if s.order_id and s.order_id in self.orders]
            if duplicate:
                raise ValueError(f"orders already exist: {duplicate}")
            factory = OrderFactory(random.Random(seed), self.seller_id, set(self.orders))
            now = self.clock()
            return self.add([factory.build(spec, now) for spec in specs])

    def generate(self, request: GenerateRequest) -> list[SandboxOrder]:
        with self.lock:
            return self.add(generate(request, self.clock(), self.seller_id, set(self.orders)))

    def set_auto_release(self, seconds: float | None) -> None:
        """Schedule (or stop) automatic release for every order still Pending."""
        with self.lock:
            self.auto_release_seconds = seconds
            for order in self.orders.values():
                if order.status is OrderStatus.PENDING:
                    order.release_at = (
                        None
                        if seconds is None
                        else order.purchase_date + timedelta(seconds=seconds)
                    )
                    self._releasing[order.order_id] = order

    def tick(self) -> None:
        """Apply time-driven changes (auto-release, feed processing) before anyone reads."""
        with self.lock:
            now = self.clock()
            # Only the orders waiting for release: every API call ticks, so a walk over all
            # orders made each call cost more as orders grew (bench.throughput at 2,000).
            for order in list(self._releasing.values()):
                if order.release_at is None or order.status is not OrderStatus.PENDING:
                    del self._releasing[order.order_id]  # released or cancelled meanwhile
                elif order.release_at <= now:
                    lifecycle.release(order, now)
                    del self._releasing[order.order_id]
            self.feeds.tick(now, self.listings)

    # --- settlements ----------------------------------------------------------------------

    def close_settlement(self, request: CloseRequest) -> Report:
        with self.lock:
            mine = [o for o in self.orders.values() if o.seller_id == self.seller_id]
            return self.settlements.close(mine, self.clock(), request)

    def refund(self, order_id: str, quantity: int | None = None) -> Refund:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise KeyError(order_id)
            return self.settlements.refund(order, self.clock(), quantity)

    # --- returns --------------------------------------------------------------------------

    def create_return(
        self, order_id: str, lines: dict[str, int], reason: str, in_policy: bool = True
    ) -> list[SandboxReturn]:
        """The buyer asks to return shipped units (ValueError: nothing of that shipped)."""
        with self.lock:
            order = self._existing(order_id)
            return self.returns.create(order, lines, reason, self.clock(), in_policy)

    def create_returns_report(self, seller_id: str, body: object) -> Report:
        """createReport of the returns report: the rows as of now, ready (or CANCELLED when
        there are none) `report_processing_seconds` later."""
        if not isinstance(body, dict):
            raise SpApiError(400, "The request body must be a JSON object")
        markets = body.get("marketplaceIds")
        if (
            not isinstance(markets, list)
            or not markets
            or not all(isinstance(m, str) for m in markets)
        ):
            raise SpApiError(400, "marketplaceIds must be a non-empty array of strings")
        with self.lock:
            now = self.clock()
            start, end = self.returns.report_range(body, now)
            mine = {o.order_id for o in self.orders.values() if o.seller_id == seller_id}
            rows = [
                row
                for row in self.returns.report_rows(markets, start, end)
                if row.split("\t", 1)[0] in mine
            ]
            text = "\n".join(["\t".join(self.returns.header), *rows]) + "\n"
            desk = self.settlements
            report = Report(
                report_id=str(50_000_000_000 + len(desk.reports) + 1),
                document_id=f"amzn1.spdoc.1.4.na.{secrets.token_hex(8)}",
                settlement_id="",
                marketplace_id=markets[0],
                start=start,
                end=end,
                created=now,
                ready_at=now + timedelta(seconds=self.report_processing_seconds),
                total=Decimal(0),
                content=text.encode("utf-8"),
                compressed=False,
                content_type=RETURNS_CONTENT_TYPE,
                report_type=RETURNS_REPORT,
                empty=not rows,
                seller_id=seller_id,
            )
            desk.reports[report.report_id] = report
            return report

    # --- listings and feeds ---------------------------------------------------------------

    def patch_listing(
        self, sku: str, marketplace_ids: list[str], body: dict[str, Any]
    ) -> list[Problem]:
        """A structurally valid ListingsItemPatchRequest (see listings.structural_patches)."""
        with self.lock:
            return self.listings.patch(sku, marketplace_ids, body["productType"], body["patches"])

    def create_feed(self, seller_id: str, body: object) -> Feed:
        """The JSON_LISTINGS_FEED window (5 per 5 minutes) shrinks with rate_scale, like
        every usage plan, so a fast demo is throttled in proportion."""
        with self.lock:
            window = FEED_WINDOW_SECONDS / self.usage.rate_scale
            try:
                return self.feeds.create_feed(seller_id, body, self.clock(), window)
            except SpApiError as error:
                if error.status == 429:
                    self.throttled["createFeed"] += 1
                raise

    def process_feeds(self) -> list[Feed]:
        with self.lock:
            return self.feeds.process_all(self.clock(), self.listings)

    def get(self, order_id: str) -> SandboxOrder | None:
        with self.lock:
            self.tick()
            return self.orders.get(order_id)

    def release(self, order_id: str) -> SandboxOrder:
        with self.lock:
            order = self._existing(order_id)
            lifecycle.release(order, self.clock())
            return order

    def cancel(
        self,
        order_id: str,
        buyer_requested: bool,
        reason: str | None = None,
        request_only: bool = False,
    ) -> SandboxOrder:
        with self.lock:
            order = self._existing(order_id)
            lifecycle.cancel(order, self.clock(), buyer_requested, reason, request_only)
            return order

    def confirm_shipment(self, order_id: str, body: object) -> Confirmation:
        """Validate and apply one package; raises SpApiError exactly as Amazon answers."""
        with self.lock:
            now = self.clock()
            marketplace_id, package = parse_package(body, self.carriers, now)
            order = self.orders.get(order_id)
            if order is None:
                raise SpApiError(404, f"Order {order_id} was not found")
            confirmation = apply_package(order, marketplace_id, package, now)
            self.confirmations.append(confirmation)
            return confirmation

    def _existing(self, order_id: str) -> SandboxOrder:
        order = self.orders.get(order_id)
        if order is None:
            raise KeyError(order_id)
        return order

    # --- access -------------------------------------------------------------------------

    def access(self, access_token: str | None, method: str, path: str) -> Access | None:
        """Who calls and what personal data the token releases: an LWA access token acts for
        its seller on every operation and releases nothing restricted; a Restricted Data Token
        only on the resources it names. None (answered 403) for anything else."""
        with self.lock:
            seller = self.tokens.seller_for(access_token)
            if seller is not None:
                return Access(seller, frozenset())
            grant = self.restricted.grant(access_token)
            unlocked = grant.elements_for(method, path) if grant is not None else None
            if grant is None or unlocked is None:
                self.unauthorized += 1
                return None
            return Access(grant.seller_id, unlocked)

    def admit(self, seller_id: str, operation: str) -> bool:
        """Count the call and take a token from its usage-plan bucket."""
        with self.lock:
            self.calls[operation] += 1
            if self.usage.try_acquire(seller_id, operation):
                return True
            self.throttled[operation] += 1
            return False

    def stats(self) -> dict[str, object]:
        with self.lock:
            return {
                "calls": dict(self.calls),
                "throttled": dict(self.throttled),
                "unauthorized": self.unauthorized,
                "token_grants": self.tokens.grant_count,
                "restricted_data_tokens": self.restricted.issued,
                "confirmations": len(self.confirmations),
                "orders": len(self.orders),
                "feeds": len(self.feeds.feeds),
                "rate_scale": self.usage.rate_scale,
            }
