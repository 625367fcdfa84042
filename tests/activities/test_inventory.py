"""InventoryActivities against the real GXO sandbox on loopback (cycles only on demand), a temp
SQLite store, and a recording stand-in for the channel's stock port (the Amazon and Centra ports
have their own tests)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.inventory import InventoryActivities
from activities.models import (
    DriftLine,
    FacilityRequest,
    PullRequest,
    StalledRequest,
    StockPlan,
    StockPlanRequest,
    StockPushRequest,
    StockReadRequest,
    SubmissionCheck,
)
from activities.warehouse import WarehouseActivities
from domain.inventory import BufferRule, ListingQuantity, PushOutcome, StockSubmission
from domain.mapping import SkuMapping
from domain.order import OrderRef
from integrations.amazon.errors import AmazonFeedFailed, AmazonThrottled, AmazonUnavailable
from integrations.channel import OutcomeSink, StockPort, SubmissionSink
from integrations.errors import IntegrationError
from integrations.registry import Channel
from sandbox.gxo.catalogue import UK_DAVENTRY
from store import inventory
from store.mappings import upsert_sku_mappings
from tests.activities.conftest import SELLER, SKU_ITEMS
from tests.activities.test_warehouse import ORDER_ID, channel_order

TSHIRT, CAP = "TSHIRT-BLK-M", "CAP-KHK-OS"
TSHIRT_ITEM, CAP_ITEM = SKU_ITEMS[TSHIRT], SKU_ITEMS[CAP]  # 50 and 30 on hand at Daventry
AMAZON_REF = OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=ORDER_ID)
CENTRA_REF = OrderRef(channel=Channel.CENTRA, account="centra-eu", order_id="C-1001")


class RecordingPort:
    """A channel's stock port: records every push, rejects the SKUs it is told to, and shows
    what it is told to on read-back."""

    channel = Channel.AMAZON
    account = SELLER

    def __init__(
        self,
        subtracts_own_orders: bool = False,
        reject: frozenset[str] = frozenset(),
        shown: dict[str, int] | None = None,
    ) -> None:
        self.subtracts_own_orders = subtracts_own_orders
        self.reject = reject
        self.shown = shown or {}
        self.pushes: list[list[ListingQuantity]] = []
        self.reads: list[list[str]] = []
        self.throttle_after: int | None = None  # the next push is throttled after this many

    async def push(
        self,
        quantities: list[ListingQuantity],
        submitted: SubmissionSink,
        answered: OutcomeSink | None = None,
    ) -> list[PushOutcome]:
        self.pushes.append(list(quantities))
        outcomes: list[PushOutcome] = []
        for q in quantities:
            if len(outcomes) == self.throttle_after:
                self.throttle_after = None
                raise AmazonThrottled("patchListingsItem")
            outcomes.append(
                PushOutcome(
                    sku=q.sku,
                    quantity=q.quantity,
                    accepted=q.sku not in self.reject,
                    submission=f"patch-{len(self.pushes)}",
                    message="listing is closed" if q.sku in self.reject else None,
                )
            )
            if answered is not None:
                await answered(outcomes[-1])
        return outcomes

    async def read(self, skus: list[str]) -> list[ListingQuantity]:
        self.reads.append(list(skus))
        return [ListingQuantity(sku=s, quantity=self.shown[s]) for s in skus if s in self.shown]


class FeedPort(RecordingPort):
    """A channel that takes a push as one submission it processes later (as Amazon's feeds),
    and whose connection can drop right after it has taken one (the response lost)."""

    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[StockSubmission] = []
        self.drop_after_submit = 0  # this many pushes fail once they have submitted
        self.answers: list[list[PushOutcome] | IntegrationError | None] = []

    async def push(
        self,
        quantities: list[ListingQuantity],
        submitted: SubmissionSink,
        answered: OutcomeSink | None = None,
    ) -> list[PushOutcome]:
        self.pushes.append(list(quantities))
        if quantities:
            submission = StockSubmission(
                submission=f"feed-{len(self.submitted) + 1}", quantities=quantities
            )
            self.submitted.append(submission)
            await submitted(submission)
        if self.drop_after_submit:
            self.drop_after_submit -= 1
            raise AmazonUnavailable("createFeed", "connection reset before the response")
        return []

    async def settle(self, submission: StockSubmission) -> list[PushOutcome] | None:
        answer = self.answers.pop(0)
        if isinstance(answer, IntegrationError):
            raise answer
        return answer


async def run(call: Any, *args: Any) -> Any:
    return await ActivityEnvironment().run(call, *args)


def activities(
    warehouse: WarehouseActivities, engine: Engine, port: StockPort
) -> InventoryActivities:
    return InventoryActivities(engine, warehouse.warehouse, {(Channel.AMAZON, SELLER): port})


def plan_request(
    items: list[str] | None = None, force: list[str] | None = None
) -> StockPlanRequest:
    return StockPlanRequest(
        channel=Channel.AMAZON, account=SELLER, items=items, force_skus=force or []
    )


def quantities(plan: StockPlan) -> dict[str, int]:
    return {q.sku: q.quantity for q in plan.quantities}


async def load(acts: InventoryActivities) -> None:
    await run(acts.load_snapshot, FacilityRequest(facility_id=UK_DAVENTRY))


def push_request(plan: StockPlan) -> StockPushRequest:
    return StockPushRequest(channel=Channel.AMAZON, account=SELLER, quantities=plan.quantities)


async def push(acts: InventoryActivities, plan: StockPlan) -> Any:
    return await run(acts.push, push_request(plan))


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort()


@pytest.fixture
def acts(
    warehouse: WarehouseActivities, engine: Engine, port: RecordingPort
) -> InventoryActivities:
    return activities(warehouse, engine, port)


# --- GXO into the store -----------------------------------------------------------------------


async def test_load_stock_snapshot_fills_the_store(
    acts: InventoryActivities, engine: Engine
) -> None:
    loaded = await run(acts.load_snapshot, FacilityRequest(facility_id=UK_DAVENTRY))

    assert loaded.cursor == 0
    assert {TSHIRT_ITEM, CAP_ITEM} <= set(loaded.items)
    available = inventory.available_by_item(engine, [UK_DAVENTRY])
    assert set(available) == set(loaded.items)
    assert (available[TSHIRT_ITEM], available[CAP_ITEM]) == (50, 30)


async def test_pull_stock_changes_applies_allocation_and_shipment_and_releases_demand(
    acts: InventoryActivities,
    warehouse: WarehouseActivities,
    gxo_admin: httpx.AsyncClient,
    engine: Engine,
) -> None:
    await load(acts)
    order = await run(warehouse.plan, channel_order())  # 2 x TSHIRT + 1 x CAP
    inventory.record_demand(engine, AMAZON_REF, [(TSHIRT, TSHIRT_ITEM, 2), (CAP, CAP_ITEM, 1)])
    await run(warehouse.inject, order)
    assert inventory.demand_by_item(engine).open == {
        TSHIRT_ITEM: {Channel.AMAZON: 2},
        CAP_ITEM: {Channel.AMAZON: 1},
    }
    changes = await warehouse.warehouse.stock_changes(UK_DAVENTRY, 0, 100)
    assert changes.changes == []  # nothing reported before the cycle ends
    (await gxo_admin.post("/_sandbox/cycle")).raise_for_status()

    pulled = await run(acts.pull_changes, PullRequest(facility_id=UK_DAVENTRY, cursor=0))

    page = await warehouse.warehouse.stock_changes(UK_DAVENTRY, 0, 100)
    kinds = {(c.item_code, c.kind.value) for c in page.changes}
    assert {(TSHIRT_ITEM, "ALLOCATION"), (TSHIRT_ITEM, "SHIPMENT")} <= kinds
    assert pulled.count == len(page.changes) and pulled.next_cursor == page.next_cursor > 0
    assert pulled.items == sorted([CAP_ITEM, TSHIRT_ITEM])
    available = inventory.available_by_item(engine, [UK_DAVENTRY])
    assert (available[TSHIRT_ITEM], available[CAP_ITEM]) == (48, 29)
    demand = inventory.demand_by_item(engine)
    assert demand.open == {} and demand.allocated == {}  # shipped: nothing held back
    # ...but shipped until consign confirms the parcels to the channel
    assert demand.shipped == {TSHIRT_ITEM: {Channel.AMAZON: 2}, CAP_ITEM: {Channel.AMAZON: 1}}
    inventory.confirm_shipped(engine, AMAZON_REF, "P1", [(TSHIRT_ITEM, 2), (CAP_ITEM, 1)])
    assert inventory.demand_by_item(engine).shipped == {}

    again = await run(
        acts.pull_changes, PullRequest(facility_id=UK_DAVENTRY, cursor=pulled.next_cursor)
    )
    assert (again.count, again.items, again.next_cursor) == (0, [], pulled.next_cursor)


# --- planning ---------------------------------------------------------------------------------


async def test_plan_returns_only_what_differs_from_the_ledger(acts: InventoryActivities) -> None:
    await load(acts)

    first = await run(acts.plan_push, plan_request())
    assert quantities(first) == {TSHIRT: 50, CAP: 30}
    await push(acts, first)

    assert (await run(acts.plan_push, plan_request())).quantities == []
    assert (await run(acts.plan_push, plan_request(items=[TSHIRT_ITEM]))).quantities == []
    forced = await run(acts.plan_push, plan_request(force=[CAP]))  # as a reconcile asks
    assert quantities(forced) == {CAP: 30}


async def test_plan_of_moved_items_names_only_their_skus(
    acts: InventoryActivities, engine: Engine
) -> None:
    await load(acts)
    await push(acts, await run(acts.plan_push, plan_request()))
    inventory.record_demand(engine, AMAZON_REF, [(TSHIRT, TSHIRT_ITEM, 1), (CAP, CAP_ITEM, 1)])

    plan = await run(acts.plan_push, plan_request(items=[TSHIRT_ITEM]))

    assert quantities(plan) == {TSHIRT: 49}
    assert plan.unmapped_items == []  # only a full plan reports these


async def test_plan_keeps_back_the_buffer_and_every_channels_open_demand(
    acts: InventoryActivities, engine: Engine
) -> None:
    await load(acts)
    inventory.replace_buffer_rules(
        engine,
        [
            BufferRule(units=5),
            BufferRule(channel=Channel.AMAZON, sku=CAP, percent=Decimal(10)),
        ],
    )
    inventory.record_demand(engine, AMAZON_REF, [(TSHIRT, TSHIRT_ITEM, 3)])
    inventory.record_demand(engine, CENTRA_REF, [("JACKET-M", TSHIRT_ITEM, 4)])

    plan = await run(acts.plan_push, plan_request())

    # TSHIRT: 50 available - 5 buffer - 3 Amazon - 4 Centra; CAP: 30 - ceil(10% of 30).
    assert quantities(plan) == {TSHIRT: 38, CAP: 27}


async def test_a_full_plan_reports_unmapped_items_and_skus_gxo_does_not_stock(
    acts: InventoryActivities, engine: Engine
) -> None:
    upsert_sku_mappings(
        engine, [SkuMapping(channel=Channel.AMAZON, sku="RAINCOAT-M", item_code="GXO-100007")]
    )  # stocked only at Koblenz, which no facility rule names
    await load(acts)

    plan = await run(acts.plan_push, plan_request())

    assert plan.unknown_to_gxo == ["RAINCOAT-M"]
    assert plan.unmapped_items == ["GXO-100001", "GXO-100003", "GXO-100004", "GXO-100005"]
    assert quantities(plan) == {TSHIRT: 50, CAP: 30, "RAINCOAT-M": 0}


async def test_a_port_that_subtracts_its_own_orders_gets_its_allocated_demand_back(
    warehouse: WarehouseActivities,
    gxo_admin: httpx.AsyncClient,
    engine: Engine,
) -> None:
    own = activities(warehouse, engine, RecordingPort(subtracts_own_orders=True))
    plain = activities(warehouse, engine, RecordingPort())
    await load(own)
    held = {ORDER_ID: {"hold_cycles": 3}}  # allocated at the next cycle, not shipped
    (await gxo_admin.post("/_sandbox/scenarios", json=held)).raise_for_status()
    await run(warehouse.inject, await run(warehouse.plan, channel_order(skus={TSHIRT: 2})))
    inventory.record_demand(engine, CENTRA_REF, [("JACKET-M", TSHIRT_ITEM, 4)])
    (await gxo_admin.post("/_sandbox/cycle")).raise_for_status()
    await run(own.pull_changes, PullRequest(facility_id=UK_DAVENTRY, cursor=0))
    demand = inventory.demand_by_item(engine)
    assert demand.allocated[TSHIRT_ITEM][Channel.AMAZON] == 2
    assert demand.open[TSHIRT_ITEM] == {Channel.CENTRA: 4}  # Amazon's units all allocated
    assert inventory.available_by_item(engine, [UK_DAVENTRY])[TSHIRT_ITEM] == 48

    own_plan = await run(own.plan_push, plan_request(items=[TSHIRT_ITEM]))
    plain_plan = await run(plain.plan_push, plan_request(items=[TSHIRT_ITEM]))

    # 48 available - 4 Centra open + 2 of its own allocated (it subtracts those itself).
    assert quantities(own_plan) == {TSHIRT: 46}
    assert quantities(plain_plan) == {TSHIRT: 44}


# --- push, read-back, stalls ------------------------------------------------------------------


async def test_push_records_accepted_and_rejected_skus_in_the_ledger(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    port = RecordingPort(reject=frozenset({CAP}))
    acts = activities(warehouse, engine, port)
    await load(acts)
    plan = await run(acts.plan_push, plan_request())

    report = await push(acts, plan)

    assert port.pushes == [plan.quantities]
    assert report.accepted == 1
    assert [(r.sku, r.quantity, r.accepted) for r in report.rejected] == [(CAP, 30, False)]
    ledger = inventory.ledger(engine, Channel.AMAZON, SELLER)
    assert (ledger[TSHIRT].outcome, ledger[TSHIRT].quantity) == ("accepted", 50)
    assert ledger[TSHIRT].pending_since is None and ledger[TSHIRT].submission == "patch-1"
    assert (ledger[CAP].outcome, ledger[CAP].quantity) == ("rejected", None)
    assert ledger[CAP].message == "listing is closed" and ledger[CAP].pending_since is not None
    assert quantities(await run(acts.plan_push, plan_request())) == {CAP: 30}  # tried again


async def test_a_push_throttled_halfway_resends_none_of_the_skus_already_answered(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    port = RecordingPort(reject=frozenset({CAP}))
    port.throttle_after = 2  # the channel answers two SKUs, then throttles the third
    acts = activities(warehouse, engine, port)
    upsert_sku_mappings(
        engine, [SkuMapping(channel=Channel.AMAZON, sku="BELT-90", item_code="GXO-100005")]
    )
    await load(acts)
    plan = await run(acts.plan_push, plan_request())
    first, second, third = plan.quantities
    with pytest.raises(ApplicationError):  # transient: Temporal retries the same activity
        await push(acts, plan)

    report = await push(acts, plan)  # the retry: same workflow run and activity id

    assert port.pushes == [plan.quantities, [third]]
    answered = [first, second, third]
    assert report.accepted == sum(1 for q in answered if q.sku != CAP)
    assert [r.sku for r in report.rejected] == [CAP]
    ledger = inventory.ledger(engine, Channel.AMAZON, SELLER)
    assert {q.sku: ledger[q.sku].outcome for q in answered} == {
        q.sku: "rejected" if q.sku == CAP else "accepted" for q in answered
    }


async def test_a_later_push_of_the_same_figure_is_sent_again(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    """What an earlier push activity got answered does not count for a new one (a drifted SKU
    is pushed again at the figure the ledger already holds)."""
    port = RecordingPort()
    acts = activities(warehouse, engine, port)
    await load(acts)
    plan = await run(acts.plan_push, plan_request())
    await ActivityEnvironment().run(acts.push, push_request(plan))
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, activity_id="another")
    report = await env.run(acts.push, push_request(plan))
    assert port.pushes == [plan.quantities, plan.quantities]
    assert report.accepted == len(plan.quantities)


async def test_read_channel_stock_reports_drift(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    port = RecordingPort(shown={TSHIRT: 50, CAP: 29})
    acts = activities(warehouse, engine, port)
    upsert_sku_mappings(
        engine, [SkuMapping(channel=Channel.AMAZON, sku="BELT-90", item_code="GXO-100005")]
    )
    await load(acts)

    report = await run(acts.read_back, StockReadRequest(channel=Channel.AMAZON, account=SELLER))

    assert port.reads == [sorted(["BELT-90", CAP, TSHIRT])]
    assert report.checked == 3
    assert report.drift == [
        DriftLine(sku="BELT-90", expected=0, shown=None),
        DriftLine(sku=CAP, expected=30, shown=29),
    ]
    ledger = inventory.ledger(engine, Channel.AMAZON, SELLER)
    assert (ledger[TSHIRT].shown, ledger[CAP].shown) == (50, 29)
    assert ledger[CAP].checked_at is not None


async def test_stalled_stock_skus_are_those_pending_longer_than_the_threshold(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    acts = activities(warehouse, engine, RecordingPort(reject=frozenset({CAP})))
    await load(acts)

    def request(seconds: float) -> StalledRequest:
        return StalledRequest(channel=Channel.AMAZON, account=SELLER, older_than_seconds=seconds)

    assert (await run(acts.stalled, request(0))).skus == []  # nothing pending yet
    plan = await run(acts.plan_push, plan_request())  # marks both pending

    assert (await run(acts.stalled, request(0))).skus == [CAP, TSHIRT]
    assert (await run(acts.stalled, request(3600))).skus == []

    await push(acts, plan)  # TSHIRT accepted, CAP rejected: still pending
    assert (await run(acts.stalled, request(0))).skus == [CAP]


# --- submissions the channel processes later ---------------------------------------------------


async def test_a_push_retried_after_its_response_was_lost_does_not_submit_again(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    port = FeedPort()
    port.drop_after_submit = 1
    acts = activities(warehouse, engine, port)
    await load(acts)
    plan = await run(acts.plan_push, plan_request())
    with pytest.raises(ApplicationError):  # transient: Temporal retries the same activity
        await push(acts, plan)

    report = await push(acts, plan)  # the retry: same workflow run and activity id

    assert [s.submission for s in port.submitted] == ["feed-1"]
    assert port.pushes[1] == []  # nothing left to send
    assert report.pending == port.submitted and report.rejected == []
    ledger = inventory.ledger(engine, Channel.AMAZON, SELLER)
    assert ledger[TSHIRT].pending_since is not None  # not accepted until the feed settles


def check(submission: StockSubmission, waited_hours: float | None = None) -> SubmissionCheck:
    return SubmissionCheck(
        channel=Channel.AMAZON, account=SELLER, submission=submission, waited_hours=waited_hours
    )


async def test_a_submission_is_checked_until_it_settles_and_its_outcomes_go_to_the_ledger(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    port = FeedPort()
    acts = activities(warehouse, engine, port)
    await load(acts)
    report = await push(acts, await run(acts.plan_push, plan_request()))
    [submission] = report.pending
    cap = next(q for q in submission.quantities if q.sku == CAP)
    port.answers = [
        None,
        [
            PushOutcome(sku=TSHIRT, quantity=50, accepted=True, submission="feed-1"),
            PushOutcome(
                sku=CAP, quantity=cap.quantity, accepted=False, submission="feed-1", message="bad"
            ),
        ],
    ]

    sent_by = "test/test-run/test"  # ActivityEnvironment's default workflow and activity ids
    assert inventory.submissions_sent_by(engine, Channel.AMAZON, SELLER, sent_by) == [submission]
    assert (await run(acts.check_submission, check(submission))).settled is False
    settled = await run(acts.check_submission, check(submission))

    assert (settled.settled, settled.accepted) == (True, [TSHIRT])
    assert [r.sku for r in settled.rejected] == [CAP]
    ledger = inventory.ledger(engine, Channel.AMAZON, SELLER)
    assert (ledger[TSHIRT].quantity, ledger[TSHIRT].submission) == (50, "feed-1")
    assert ledger[CAP].outcome == "rejected"
    assert inventory.submissions_sent_by(engine, Channel.AMAZON, SELLER, sent_by) == []


async def test_a_failed_or_endless_submission_settles_with_every_sku_not_accepted(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    port = FeedPort()
    acts = activities(warehouse, engine, port)
    await load(acts)
    report = await push(acts, await run(acts.plan_push, plan_request()))
    [submission] = report.pending
    port.answers = [AmazonFeedFailed("getFeed", "feed-1", "FATAL"), None]

    fatal = await run(acts.check_submission, check(submission))
    endless = await run(acts.check_submission, check(submission, waited_hours=8))

    assert fatal.accepted == endless.accepted == []
    assert {r.message for r in fatal.rejected} == {"getFeed: feed feed-1 ended FATAL"}
    assert {r.message for r in endless.rejected} == {
        "feed-1 still processing after 8 h: not counted as accepted"
    }
    ledger = inventory.ledger(engine, Channel.AMAZON, SELLER)
    assert {ledger[sku].outcome for sku in (TSHIRT, CAP)} == {"rejected"}
    assert ledger[TSHIRT].pending_since is not None  # still owed: the stall check sees it


async def test_a_channel_that_answers_at_once_has_nothing_to_settle(
    acts: InventoryActivities,
) -> None:
    submission = StockSubmission(submission="x", quantities=[])
    with pytest.raises(ApplicationError) as caught:
        await run(acts.check_submission, check(submission))
    assert caught.value.type == "CHANNEL_REJECTED" and caught.value.non_retryable
