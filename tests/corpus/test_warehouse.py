"""What GXO sends that consign cannot read or act on, pulled from its feeds. A record that does
not fit the contract is set aside with its JSON and the records around it flow (the events are
handed on, the stock changes applied, the cursor moves past it); a page that cannot be read at
all is a named failure that leaves the cursor where it was; an event for an order consign does
not have is kept unmatched; repeated and reordered events reach their order once each, in
sequence order, through the real WarehouseIntake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from activities.delivery import DeliveryActivities
from activities.inventory import InventoryActivities
from activities.models import EventDelivery, FacilityRequest, PullRequest
from activities.warehouse import WarehouseActivities
from domain.order import OrderRef
from integrations.gxo import wire
from integrations.gxo.mapping import event as read_wire_event
from integrations.gxo.rest import RestWarehouse
from integrations.registry import Channel
from store.inventory import available_by_item
from store.unmatched import list_unmatched
from tests.activities.temporal_server import DevServer
from tests.activities.test_intake_set_aside import (
    FakeGxo,
    progress_of,
    received_events,
    rest_over,
    start_orders,
    stock_change,
    until,
    warehouse_intake,
    wire_event,
)
from tests.corpus import kept
from tests.corpus.activity import attempt, parks, set_aside
from tests.corpus.cases import NESTED_JSON, Case, Corpus, Observed, Outcome, missing, one, rows
from workflows.warehouse_intake import (
    EVENTS_PUSHED_SIGNAL,
    WarehouseIntakeProgress,
)

MAX_PARCELS = 5
Record = dict[str, Any]


@pytest.fixture
def facility(unique: Callable[[str], str]) -> str:
    return unique("GXO-C-")


@pytest.fixture
def gxo_feed() -> FakeGxo:
    return FakeGxo()


@pytest.fixture
async def rest(gxo_feed: FakeGxo) -> AsyncIterator[RestWarehouse]:
    async with rest_over(gxo_feed, MAX_PARCELS) as rest:
        yield rest


def order_ref(facility: str, sequence: int) -> OrderRef:
    """An order of this case's own (the facility id is unique per case)."""
    account = f"A1-{facility}"
    return OrderRef(channel=Channel.AMAZON, account=account, order_id=f"202-{sequence:07d}-1")


def gxo_event(facility: str, sequence: int, kind: str = "CANCELLED", parcels: int = 0) -> Record:
    return wire_event(facility, sequence, order_ref(facility, sequence), kind, parcels)


def dispatch_in(facility: str, unit: str) -> Record:
    dispatch = gxo_event(facility, 2, "DISPATCH", parcels=1)
    dispatch["parcels"][0]["lines"][0]["unit_of_measure"] = unit
    return dispatch


# ---- GXO event feed ------------------------------------------------------------------------------

PULL = "GXO event pull"

GXO_PULL = [
    (
        Case(
            "gxo-pull-unknown-kind",
            PULL,
            "kind RETURNED",
            Outcome("set aside UNKNOWN_KIND", "kind 'RETURNED' is not one consign knows"),
        ),
        lambda f: {**gxo_event(f, 2), "kind": "RETURNED"},
    ),
    (
        Case(
            "gxo-pull-unknown-status",
            PULL,
            "order_status LOST",
            Outcome("set aside UNKNOWN_STATUS", "order_status 'LOST'"),
        ),
        lambda f: {**gxo_event(f, 2), "order_status": "LOST"},
    ),
    (
        Case(
            "gxo-pull-bad-date",
            PULL,
            "occurred_at 'yesterday'",
            Outcome("set aside MALFORMED", "occurred_at"),
        ),
        lambda f: {**gxo_event(f, 2), "occurred_at": "yesterday"},
    ),
    (
        Case(
            "gxo-pull-unknown-unit",
            PULL,
            "a parcel line in KG, not EA",
            Outcome("set aside INVALID_VALUE", "unit_of_measure 'KG'"),
        ),
        lambda f: dispatch_in(f, "KG"),
    ),
    (
        Case(
            "gxo-pull-too-many-parcels",
            PULL,
            f"{MAX_PARCELS + 1} parcels, limit {MAX_PARCELS}",
            Outcome("set aside TOO_LARGE", "GXO_MAX_PARCELS_PER_DISPATCH"),
        ),
        lambda f: gxo_event(f, 2, "DISPATCH", parcels=MAX_PARCELS + 1),
    ),
    (
        Case(
            "gxo-pull-not-an-object",
            PULL,
            'the string "EV-2" in the events list',
            Outcome("set aside MALFORMED", "valid dictionary"),
        ),
        lambda f: "EV-2",
    ),
]


@rows("change", GXO_PULL)
async def test_a_gxo_event_in_the_feed_that_cannot_be_read(
    case: Case,
    change: Callable[[str], Any],
    facility: str,
    gxo_feed: FakeGxo,
    rest: RestWarehouse,
    engine: Engine,
    corpus: Corpus,
) -> None:
    bad = change(facility)
    gxo_feed.events = [gxo_event(facility, 1), bad, gxo_event(facility, 3)]
    warehouse = WarehouseActivities(rest, engine)

    pulled = await attempt(warehouse.pull_events, PullRequest(facility_id=facility, cursor=0))

    assert not isinstance(pulled, Observed), f"the pull failed: {pulled}"
    observed = set_aside(pulled.set_aside, engine, bad)
    good = [f"EV-{facility}-1", f"EV-{facility}-3"]
    observed.lost += missing("the good events handed on", good, [e.event_id for e in pulled.events])
    observed.lost += missing("the cursor past the bad event", 3, pulled.next_cursor)
    corpus.check(case, observed)


# A page that breaks the contract as a whole: never retried, nothing read from it.
BROKEN_PAGE = Outcome(parks("INVALID_WAREHOUSE_DATA"), "response does not match the contract")

UNREADABLE_PAGES = [
    (
        Case(
            "gxo-pull-page-not-json",
            PULL,
            "a feed page that is an HTML page",
            BROKEN_PAGE,
        ),
        httpx.Response(200, content=b"<html>maintenance</html>"),
    ),
    (
        Case(
            "gxo-pull-page-deeply-nested",
            PULL,
            "a feed page of 10,000 nested brackets",
            BROKEN_PAGE,
        ),
        httpx.Response(200, content=NESTED_JSON),
    ),
    (
        Case(
            "gxo-pull-envelope-events-not-a-list",
            PULL,
            "a feed page whose events are an object, not a list",
            BROKEN_PAGE,
        ),
        httpx.Response(200, json={"events": {"sequence": 8}, "next_cursor": 8}),
    ),
    (
        Case(
            "gxo-pull-envelope-no-cursor",
            PULL,
            "a feed page without next_cursor",
            BROKEN_PAGE,
        ),
        httpx.Response(200, json={"events": []}),
    ),
    (
        Case(
            "gxo-pull-retry-after-infinite",
            PULL,
            "429 with Retry-After: inf",
            Outcome("retried GXO_TRANSIENT", "HTTP 429"),
        ),
        httpx.Response(429, headers={"Retry-After": "inf"}, json={"error": {"code": "BUSY"}}),
    ),
]


@rows("answer", UNREADABLE_PAGES)
async def test_a_gxo_feed_answer_with_no_events_to_read(
    case: Case, answer: httpx.Response, facility: str, engine: Engine, corpus: Corpus
) -> None:
    """Nothing in it can be read: the pull fails (for good, or to be retried) and the cursor
    stays, so the events are read once GXO answers properly; the intake shows the failure."""
    transport = httpx.MockTransport(lambda request: answer)
    async with httpx.AsyncClient(transport=transport) as http:
        warehouse = WarehouseActivities(RestWarehouse("http://gxo.test", "key", http=http), engine)
        observed = await attempt(warehouse.pull_events, PullRequest(facility_id=facility, cursor=7))

    assert isinstance(observed, Observed), "an answer without events was read"
    observed.lost += kept.nothing_stored(engine)
    corpus.check(case, observed)


# ---- GXO stock feed ------------------------------------------------------------------------------

STOCK = "GXO stock change"

STOCK_CHANGES = [
    (
        Case(
            "stock-negative-on-hand",
            STOCK,
            "on_hand_after -4",
            Outcome("set aside INVALID_VALUE", "on_hand_after"),
        ),
        lambda f: stock_change(f, 2, "I-2", -4),
    ),
    (
        Case(
            "stock-figure-out-of-range",
            STOCK,
            "on_hand_after 10**20",
            Outcome("set aside INVALID_VALUE", "on_hand_after"),
        ),
        lambda f: {**stock_change(f, 2, "I-2", 10**20), "quantity": 10**20},
    ),
    (
        Case(
            "stock-unknown-kind",
            STOCK,
            "kind SCRAPPED",
            Outcome("set aside UNKNOWN_KIND", "kind 'SCRAPPED' is not one consign knows"),
        ),
        lambda f: {**stock_change(f, 2, "I-2", 5), "kind": "SCRAPPED"},
    ),
    (
        Case(
            "stock-missing-item-code",
            STOCK,
            "no item_code",
            Outcome("set aside MALFORMED", "item_code: Field required"),
        ),
        lambda f: {k: v for k, v in stock_change(f, 2, "I-2", 5).items() if k != "item_code"},
    ),
    (
        Case(
            "stock-quantity-not-a-number",
            STOCK,
            "quantity 'ten'",
            Outcome("set aside MALFORMED", "quantity"),
        ),
        lambda f: {**stock_change(f, 2, "I-2", 5), "quantity": "ten"},
    ),
]


@rows("change", STOCK_CHANGES)
async def test_a_gxo_stock_change_that_cannot_be_read(
    case: Case,
    change: Callable[[str], Record],
    facility: str,
    gxo_feed: FakeGxo,
    rest: RestWarehouse,
    engine: Engine,
    corpus: Corpus,
) -> None:
    bad = change(facility)
    gxo_feed.levels = [
        {"facility_id": facility, "item_code": item, "on_hand": 10}
        for item in ("I-1", "I-2", "I-3")
    ]
    gxo_feed.changes = [
        stock_change(facility, 1, "I-1", 7),
        bad,
        stock_change(facility, 3, "I-3", 2),
    ]
    stock = InventoryActivities(engine, rest, {})
    loaded = await attempt(stock.load_snapshot, FacilityRequest(facility_id=facility))
    assert not isinstance(loaded, Observed), f"the snapshot failed: {loaded}"

    pulled = await attempt(stock.pull_changes, PullRequest(facility_id=facility, cursor=0))

    assert not isinstance(pulled, Observed), f"the pull failed: {pulled}"
    observed = set_aside(pulled.set_aside, engine, bad)
    # The changes around it are applied; the item it names keeps its level until a later
    # change of it is read.
    levels = available_by_item(engine, [facility])
    observed.lost += missing("the stock levels", {"I-1": 7, "I-2": 10, "I-3": 2}, levels)
    observed.lost += missing("the cursor past the bad change", 3, pulled.next_cursor)
    corpus.check(case, observed)


SNAPSHOT = Case(
    "stock-snapshot-negative",
    "GXO inventory snapshot",
    "a level of on_hand -4",
    Outcome("set aside INVALID_VALUE", "on_hand"),
)


@one(SNAPSHOT)
async def test_a_gxo_snapshot_level_that_cannot_be_read(
    case: Case,
    facility: str,
    gxo_feed: FakeGxo,
    rest: RestWarehouse,
    engine: Engine,
    corpus: Corpus,
) -> None:
    bad = {"facility_id": facility, "item_code": "I-2", "on_hand": -4}
    gxo_feed.levels = [
        {"facility_id": facility, "item_code": "I-1", "on_hand": 10},
        bad,
        {"facility_id": facility, "item_code": "I-3", "on_hand": 3},
    ]

    loaded = await attempt(
        InventoryActivities(engine, rest, {}).load_snapshot, FacilityRequest(facility_id=facility)
    )

    assert not isinstance(loaded, Observed), f"the snapshot failed: {loaded}"
    observed = set_aside(loaded.set_aside, engine, bad)
    levels = available_by_item(engine, [facility])
    observed.lost += missing("the other levels", {"I-1": 10, "I-3": 3}, levels)
    corpus.check(case, observed)


STOCK_PAGE = "GXO stock page"


def pull_stock(stock: InventoryActivities, facility: str) -> Awaitable[object]:
    return attempt(stock.pull_changes, PullRequest(facility_id=facility, cursor=7))


def load_stock(stock: InventoryActivities, facility: str) -> Awaitable[object]:
    return attempt(stock.load_snapshot, FacilityRequest(facility_id=facility))


UNREADABLE_STOCK_PAGES = [
    (
        Case(
            "stock-page-envelope-changes-not-a-list",
            STOCK_PAGE,
            "a stock-changes page whose changes are a string",
            BROKEN_PAGE,
        ),
        (pull_stock, httpx.Response(200, json={"changes": "none", "next_cursor": 9})),
    ),
    (
        Case(
            "stock-page-not-json",
            STOCK_PAGE,
            "a stock-changes page that is an HTML page",
            BROKEN_PAGE,
        ),
        (pull_stock, httpx.Response(200, content=b"<html>maintenance</html>")),
    ),
    (
        Case(
            "stock-snapshot-envelope-no-levels",
            STOCK_PAGE,
            "an inventory snapshot without its levels list",
            BROKEN_PAGE,
        ),
        (load_stock, httpx.Response(200, json={"facility_id": "F", "cursor": 3})),
    ),
]


@rows("read", UNREADABLE_STOCK_PAGES)
async def test_a_gxo_stock_answer_with_nothing_to_read(
    case: Case,
    read: tuple[Callable[[InventoryActivities, str], Awaitable[object]], httpx.Response],
    facility: str,
    engine: Engine,
    corpus: Corpus,
) -> None:
    """A stock page or snapshot that breaks the contract as a whole is a named failure, not
    retried: nothing is applied and the cursor stays, so the intake reads it again once GXO
    answers properly (the intake shows the kind meanwhile)."""
    call, answer = read
    transport = httpx.MockTransport(lambda request: answer)
    async with httpx.AsyncClient(transport=transport) as http:
        stock = InventoryActivities(engine, RestWarehouse("http://gxo.test", "key", http=http), {})
        observed = await call(stock, facility)

    assert isinstance(observed, Observed), "an answer without stock figures was read"
    observed.lost += kept.nothing_stored(engine)
    observed.lost += missing("stock levels", {}, available_by_item(engine, [facility]))
    corpus.check(case, observed)


# ---- Handing events to their orders --------------------------------------------------------------

UNKNOWN_ORDER = Case(
    "gxo-event-unknown-order",
    "GXO event delivery",
    "a dispatch naming an order consign never had",
    Outcome("kept unmatched NO_ORDER", "no order workflow"),
)


@one(UNKNOWN_ORDER)
async def test_a_gxo_event_for_an_order_consign_does_not_have(
    case: Case, facility: str, dev_server: DevServer, engine: Engine, corpus: Corpus
) -> None:
    delivery = DeliveryActivities(dev_server.client, engine, dev_server.task_queue)
    known, unknown = order_ref(facility, 1), order_ref(facility, 2)  # unknown never started
    await start_orders(delivery, [known])
    sent = [wire_event(facility, 1, known), wire_event(facility, 2, unknown, "DISPATCH", 1)]
    events = [read_wire_event(wire.Event.model_validate(e)) for e in sent]

    report = await attempt(delivery.deliver_warehouse_events, EventDelivery(events=events))

    assert not isinstance(report, Observed), f"the delivery failed: {report}"
    reasons = [entry.reason or "" for entry in list_unmatched(engine)]
    reason = reasons[0] if len(reasons) == 1 else f"{len(reasons)} unmatched: {reasons}"
    observed = Observed(f"kept unmatched {reason.partition(':')[0]}", reason.partition(": ")[2])
    observed.lost += kept.unmatched(engine, "NO_ORDER", json.dumps(sent[1]))
    observed.lost += missing("the good event delivered", 1, report.delivered)
    observed.lost += missing(
        "the good event at its order",
        [f"EV-{facility}-1"],
        await received_events(dev_server, known, 1),
    )
    corpus.check(case, observed)


REPEATS = Case(
    "gxo-events-repeated-reordered",
    "GXO event pull + push",
    "events out of sequence, one twice in a page, one both pushed and pulled",
    Outcome("delivered once each, in sequence", "2 repeats dropped"),
)


@one(REPEATS)
async def test_repeated_and_reordered_events_reach_their_orders_once_in_order(
    case: Case,
    facility: str,
    gxo_feed: FakeGxo,
    rest: RestWarehouse,
    dev_server: DevServer,
    engine: Engine,
    corpus: Corpus,
) -> None:
    """The real WarehouseIntake on the dev server, pulling from the feed and pushed to."""
    first, second = order_ref(facility, 1), order_ref(facility, 2)
    delivery = DeliveryActivities(dev_server.client, engine, dev_server.task_queue)
    await start_orders(delivery, [first, second])
    one, two, three = (
        wire_event(facility, 1, first),
        wire_event(facility, 2, second),
        wire_event(facility, 3, first),
    )
    gxo_feed.events = [three, one, two, one]
    pushed = EventDelivery(events=[read_wire_event(wire.Event.model_validate(two))])
    warehouse = WarehouseActivities(rest, engine, client=dev_server.client)
    start = {"start_signal": EVENTS_PUSHED_SIGNAL, "start_signal_args": [pushed]}
    async with warehouse_intake(dev_server, facility, warehouse, delivery, **start) as handle:
        progress = await until(
            lambda: progress_of(handle, WarehouseIntakeProgress), lambda p: p.cursor == 3
        )
        at_first = await received_events(dev_server, first, 2)
        at_second = await received_events(dev_server, second, 1)

    observed = Observed(
        "delivered once each, in sequence" if progress.delivered == 3 else "delivered",
        f"{progress.delivered} delivered, {progress.duplicates_dropped} repeats dropped",
    )
    observed.lost += missing(
        "events at the first order", [one["event_id"], three["event_id"]], at_first
    )
    observed.lost += missing("events at the second order", [two["event_id"]], at_second)
    observed.lost += missing("the intake's last error", None, progress.last_error)
    corpus.check(case, observed)
