"""Orders the channels send that consign cannot read or act on. In a page of changes (Amazon's
searchOrders, Centra's events queue) the bad order is set aside, stored with its JSON, and the
orders around it are handed on; read alone (the order's own fetch), it is a named,
non-retryable failure the order parks with, never a retry loop, and its message carries field
names, never the buyer's data."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from activities.channel import ChannelActivities
from activities.models import PollRequest
from domain.limits import IntakeLimits
from domain.order import OrderRef
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.centra.client import CentraClient
from integrations.centra.port import CentraChannel
from integrations.registry import Channel
from tests.activities.test_intake_set_aside import ScriptedCentra
from tests.amazon.fakes import NOW, SELLER, FakeAmazon, beyond_model, json_response, settings
from tests.centra.support import TOKEN as CENTRA_TOKEN
from tests.centra.support import URL as CENTRA_URL
from tests.centra.support import documented_order
from tests.corpus import kept
from tests.corpus.activity import attempt, parks, set_aside
from tests.corpus.cases import NESTED_JSON, Case, Corpus, Observed, Outcome, missing, one, rows

SEARCH = "/orders/2026-01-01/orders"
GOOD_1, BAD, GOOD_2 = "202-0000001-0000001", "202-0000002-0000002", "202-0000003-0000003"
PERSONAL = ("Maria", "Santos", "Rua das Flores", "01234-567", "Astrid", "Storgatan")
Order = dict[str, Any]


@pytest.fixture(scope="module")
def amazon_order(reference_dir: Path) -> Order:
    """Amazon's own getOrder example (v2026-01-01), the template of every Amazon case."""
    path = reference_dir / "amazon-sp-api/sandbox-examples/orders_2026-01-01"
    example = json.loads((path / "getOrder_200_static_1.json").read_text())
    order: Order = example["response"]["order"]
    return order


def amazon(template: Order, order_id: str, change: Callable[[Order], Any] | None = None) -> Any:
    """A copy of Amazon's example as order `order_id`, changed by `change` (which returns it)."""
    order = copy.deepcopy(template)
    order["orderId"] = order_id
    return change(order) if change else order


def setting(value: Any, *path: str | int) -> Callable[[Order], Order]:
    def change(order: Order) -> Order:
        target: Any = order
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return order

    return change


def status(value: str) -> Callable[[Order], Order]:
    return setting(value, "fulfillment", "fulfillmentStatus")


def drop(field: str) -> Callable[[Order], Order]:
    return lambda order: {key: value for key, value in order.items() if key != field}


def every_price(currency: str) -> Callable[[Order], Order]:
    def change(order: Order) -> Order:
        order["proceeds"]["grandTotal"]["currencyCode"] = currency
        for item in order["orderItems"]:
            item["product"]["price"]["unitPrice"]["currencyCode"] = currency
        return order

    return change


def items(count: int) -> Callable[[Order], Order]:
    def change(order: Order) -> Order:
        [item] = order["orderItems"]
        order["orderItems"] = [{**item, "orderItemId": f"1719876543210{n}"} for n in range(count)]
        return order

    return change


@pytest.fixture
def fake() -> FakeAmazon:
    return FakeAmazon()


@pytest.fixture
async def amazon_channel(fake: FakeAmazon, engine: Engine) -> AsyncIterator[ChannelActivities]:
    async with fake.http() as http:
        client = build_amazon_client(settings("v2026"), http=http, clock=lambda: NOW)
        limits = IntakeLimits(max_lines_per_order=2)
        yield ChannelActivities(
            {(Channel.AMAZON, SELLER): AmazonChannel(client)}, engine, limits=limits
        )


# ---- Amazon: a page of searchOrders ----------------------------------------------------------

PAGE = "Amazon orders page"

AMAZON_PAGE = [
    (
        Case(
            "amazon-page-unknown-status",
            PAGE,
            "fulfillmentStatus ON_HOLD",
            Outcome("set aside UNKNOWN_STATUS", "fulfillmentStatus 'ON_HOLD'"),
        ),
        status("ON_HOLD"),
    ),
    (
        Case(
            "amazon-page-missing-field",
            PAGE,
            "an order without lastUpdatedTime",
            Outcome("set aside MALFORMED", "lastUpdatedTime is missing"),
        ),
        drop("lastUpdatedTime"),
    ),
    (
        Case(
            "amazon-page-not-an-object",
            PAGE,
            'the string "not an order" in the list',
            Outcome("set aside MALFORMED"),
        ),
        lambda order: "not an order",
    ),
    (
        Case(
            "amazon-page-unknown-fulfiller",
            PAGE,
            "fulfilledBy PARTNER",
            Outcome("set aside INVALID_VALUE", "fulfilledBy"),
        ),
        setting("PARTNER", "fulfillment", "fulfilledBy"),
    ),
]


@rows("change", AMAZON_PAGE)
async def test_an_amazon_order_in_a_page_that_cannot_be_read(
    case: Case,
    change: Callable[[Order], Any],
    amazon_order: Order,
    fake: FakeAmazon,
    amazon_channel: ChannelActivities,
    engine: Engine,
    corpus: Corpus,
) -> None:
    bad = amazon(amazon_order, BAD, change)
    orders = [amazon(amazon_order, GOOD_1), bad, amazon(amazon_order, GOOD_2)]
    fake.on("GET", SEARCH, beyond_model(200, {"orders": orders}))
    request = PollRequest(channel=Channel.AMAZON, account=SELLER, since=NOW - timedelta(hours=1))

    batch = await attempt(amazon_channel.poll_changes, request)

    if isinstance(batch, Observed):
        corpus.check(case, batch)
        return
    observed = set_aside(batch.set_aside, engine, bad)
    handed_on = [change.ref.order_id for change in batch.changes]
    observed.lost += missing("the good orders handed on", [GOOD_1, GOOD_2], handed_on)
    corpus.check(case, observed)


UNREADABLE_PAGES = [
    (
        Case(
            "amazon-page-not-json",
            PAGE,
            "a 200 answer that is an HTML page",
            Outcome(parks("INVALID_CHANNEL_DATA"), "searchOrders: HTTP 200 body is not JSON"),
        ),
        httpx.Response(200, content=b"<html>busy</html>"),
    ),
    (
        Case(
            "amazon-page-deeply-nested",
            PAGE,
            "a 200 answer of 10,000 nested brackets",
            Outcome(parks("INVALID_CHANNEL_DATA"), "searchOrders: HTTP 200 body is not JSON"),
        ),
        httpx.Response(200, content=NESTED_JSON),
    ),
    (
        Case(
            "amazon-page-retry-after-infinite",
            PAGE,
            "429 with Retry-After: inf",
            Outcome("retried AMAZON_TRANSIENT", "HTTP 429"),
        ),
        httpx.Response(429, headers={"Retry-After": "inf"}, json={"errors": []}),
    ),
]


@rows("answer", UNREADABLE_PAGES)
async def test_an_amazon_answer_with_no_orders_to_read(
    case: Case,
    answer: httpx.Response,
    fake: FakeAmazon,
    amazon_channel: ChannelActivities,
    engine: Engine,
    corpus: Corpus,
) -> None:
    """Nothing in it can be read, so nothing is handed on and the intake's cursor stays where
    it was: the next poll reads the same changes again (the intake shows the failure)."""
    fake.on("GET", SEARCH, lambda request: answer)
    request = PollRequest(channel=Channel.AMAZON, account=SELLER, since=NOW - timedelta(hours=1))

    observed = await attempt(amazon_channel.poll_changes, request)

    assert isinstance(observed, Observed), "an answer without orders was read"
    observed.lost += kept.nothing_stored(engine)
    corpus.check(case, observed)


# ---- Amazon: one order read in full (getOrder) -------------------------------------------------

DETAIL = "Amazon order detail"
ORDER_PATH = f"{SEARCH}/{BAD}"


def order_answer(template: Order, change: Callable[[Order], Any]) -> Callable[[FakeAmazon], object]:
    return lambda fake: fake.on(
        "GET", ORDER_PATH, beyond_model(200, {"order": amazon(template, BAD, change)})
    )


AMAZON_DETAIL: list[tuple[Case, Callable[[Order], Callable[[FakeAmazon], object]]]] = [
    (
        Case(
            "amazon-order-bad-currency",
            DETAIL,
            "currencyCode GBPX on every price",
            Outcome(parks("INVALID_CHANNEL_DATA"), "currency"),
        ),
        lambda template: order_answer(template, every_price("GBPX")),
    ),
    (
        Case(
            "amazon-order-negative-quantity",
            DETAIL,
            "quantityOrdered -3",
            Outcome(parks("INVALID_CHANNEL_DATA"), "quantityOrdered is not a non-negative"),
        ),
        lambda template: order_answer(template, setting(-3, "orderItems", 0, "quantityOrdered")),
    ),
    (
        Case(
            "amazon-order-unknown-status",
            DETAIL,
            "fulfillmentStatus ON_HOLD",
            Outcome(parks("INVALID_CHANNEL_DATA"), "fulfillmentStatus 'ON_HOLD'"),
        ),
        lambda template: order_answer(template, status("ON_HOLD")),
    ),
    (
        Case(
            "amazon-order-too-many-lines",
            DETAIL,
            "3 order items, limit 2",
            Outcome(parks("ORDER_TOO_LARGE"), "CONSIGN_MAX_LINES_PER_ORDER"),
        ),
        lambda template: order_answer(template, items(3)),
    ),
    (
        Case(
            "amazon-order-not-found",
            DETAIL,
            "an order id Amazon does not know (404)",
            Outcome(parks("ORDER_NOT_FOUND"), "HTTP 404"),
        ),
        lambda template: (
            lambda fake: fake.on(
                "GET",
                ORDER_PATH,
                json_response(
                    404, {"errors": [{"code": "NotFound", "message": "Order not found"}]}
                ),
            )
        ),
    ),
    (
        Case(
            "amazon-order-token-revoked",
            DETAIL,
            "LWA answers invalid_grant (the seller revoked the app)",
            Outcome(parks("CHANNEL_AUTH_FAILED"), "invalid_grant"),
        ),
        lambda template: (
            lambda fake: fake.token_handlers.append(
                json_response(400, {"error": "invalid_grant", "error_description": "revoked"})
            )
        ),
    ),
]


@rows("script", AMAZON_DETAIL)
async def test_an_amazon_order_that_cannot_be_read_in_full(
    case: Case,
    script: Callable[[Order], Callable[[FakeAmazon], object]],
    amazon_order: Order,
    fake: FakeAmazon,
    amazon_channel: ChannelActivities,
    corpus: Corpus,
) -> None:
    script(amazon_order)(fake)
    ref = OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=BAD)

    observed = await attempt(amazon_channel.fetch_order, ref)

    if not isinstance(observed, Observed):
        observed = Observed("read", f"{len(observed.lines)} line(s)")
    # The order stays with its workflow, parked on this failure; its message must not carry
    # the buyer's data into the workflow's history and the Web UI.
    leaked = [word for word in PERSONAL if word in observed.message]
    observed.lost += [f"personal data in the message: {leaked}"] if leaked else []
    corpus.check(case, observed)


# ---- Centra: the events queue, and one order read in full ----------------------------------------

CENTRA_EVENTS = "Centra order events"
CENTRA_DETAIL = "Centra order detail"


@pytest.fixture
async def centra_http() -> AsyncIterator[
    Callable[[list[Order]], tuple[ScriptedCentra, CentraChannel]]
]:
    clients: list[httpx.AsyncClient] = []

    def scripted(orders: list[Order]) -> tuple[ScriptedCentra, CentraChannel]:
        centra = ScriptedCentra(orders)
        http = httpx.AsyncClient(transport=httpx.MockTransport(centra))
        clients.append(http)
        client = CentraClient(CENTRA_URL, SecretStr(CENTRA_TOKEN), http)
        return centra, CentraChannel(client, "brand-c", dispatch_sla=timedelta(hours=48))

    yield scripted
    for http in clients:
        await http.aclose()


CENTRA_QUEUE = [
    (
        Case(
            "centra-order-unknown-status",
            CENTRA_EVENTS,
            "status ARCHIVE",
            Outcome("set aside UNKNOWN_STATUS", "order 1002 has status 'ARCHIVE'"),
        ),
        documented_order(number=1002, status="ARCHIVE"),
    ),
    (
        Case(
            "centra-order-malformed",
            CENTRA_EVENTS,
            "an order without updatedAt",
            Outcome("set aside MALFORMED", "updatedAt"),
        ),
        {k: v for k, v in documented_order(number=1002).items() if k != "updatedAt"},
    ),
]


@rows("bad", CENTRA_QUEUE)
async def test_a_centra_order_in_the_events_queue_that_cannot_be_read(
    case: Case,
    bad: Order,
    centra_http: Callable[[list[Order]], tuple[ScriptedCentra, CentraChannel]],
    engine: Engine,
    corpus: Corpus,
) -> None:
    orders = [documented_order(number=1001), bad, documented_order(number=1003)]
    _, port = centra_http(orders)
    channel = ChannelActivities({(Channel.CENTRA, "brand-c"): port}, engine)
    request = PollRequest(channel=Channel.CENTRA, account="brand-c", since=NOW)

    batch = await attempt(channel.poll_changes, request)

    assert not isinstance(batch, Observed), f"the poll failed: {batch}"
    observed = set_aside(batch.set_aside, engine, bad)
    handed_on = [change.ref.order_id for change in batch.changes]
    observed.lost += missing("the good orders handed on", ["1001", "1003"], handed_on)
    # Every event is acknowledged: the bad order's is kept in the store, not left queued.
    observed.lost += missing("events acknowledged", ["1", "2", "3"], sorted(batch.ack))
    corpus.check(case, observed)


CENTRA_ORDER = [
    (
        Case(
            "centra-order-detail-unknown-status",
            CENTRA_DETAIL,
            "status ARCHIVE, read alone",
            Outcome(parks("INVALID_CHANNEL_DATA"), "order 1002 has status 'ARCHIVE'"),
        ),
        [documented_order(number=1002, status="ARCHIVE")],
    ),
    (
        Case(
            "centra-order-not-found",
            CENTRA_DETAIL,
            "an order number Centra does not know",
            Outcome(parks("ORDER_NOT_FOUND"), "1002"),
        ),
        [],
    ),
    (
        Case(
            "centra-order-no-address",
            CENTRA_DETAIL,
            "shippingAddress null",
            Outcome(parks("MISSING_ADDRESS")),
        ),
        [documented_order(number=1002, shippingAddress=None)],
    ),
]


@rows("orders", CENTRA_ORDER)
async def test_a_centra_order_that_cannot_be_read_in_full(
    case: Case,
    orders: list[Order],
    centra_http: Callable[[list[Order]], tuple[ScriptedCentra, CentraChannel]],
    engine: Engine,
    corpus: Corpus,
) -> None:
    _, port = centra_http(orders)
    channel = ChannelActivities({(Channel.CENTRA, "brand-c"): port}, engine)
    ref = OrderRef(channel=Channel.CENTRA, account="brand-c", order_id="1002")

    observed = await attempt(channel.fetch_order, ref)

    if not isinstance(observed, Observed):
        observed = Observed("read", f"{len(observed.lines)} line(s)")
    leaked = [word for word in PERSONAL if word in observed.message]
    observed.lost += [f"personal data in the message: {leaked}"] if leaked else []
    corpus.check(case, observed)


CENTRA_NESTED = Case(
    "centra-answer-deeply-nested",
    CENTRA_EVENTS,
    "an answer of 10,000 nested brackets",
    Outcome(parks("INVALID_CHANNEL_DATA"), "body has no data object"),
)


@one(CENTRA_NESTED)
async def test_a_centra_answer_that_cannot_be_read_at_all(
    case: Case, engine: Engine, corpus: Corpus
) -> None:
    def nested(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=NESTED_JSON)

    async with httpx.AsyncClient(transport=httpx.MockTransport(nested)) as http:
        client = CentraClient(CENTRA_URL, SecretStr(CENTRA_TOKEN), http)
        port = CentraChannel(client, "brand-c", dispatch_sla=timedelta(hours=48))
        channel = ChannelActivities({(Channel.CENTRA, "brand-c"): port}, engine)
        request = PollRequest(channel=Channel.CENTRA, account="brand-c", since=NOW)
        observed = await attempt(channel.poll_changes, request)

    assert isinstance(observed, Observed), "an answer that is not JSON was read"
    observed.lost += kept.nothing_stored(engine)
    corpus.check(case, observed)
