"""The launch gate in the activities (issue 10): an item the product sync sent GXO but GXO has not
accepted sells nothing (InventoryActivities' targets: 0 whatever GXO's stock says) and parks an
order for it as ITEM_NOT_LAUNCHED before any demand is recorded (WarehouseActivities'
`_launch_gate`), with the order's wait kept for the product sync to release. Against the GXO
sandbox (its Daventry stock: 50 of the T-shirt, 30 of the cap) and a temp store."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from activities.inventory import InventoryActivities
from activities.models import StockPlanRequest, StockPushRequest
from activities.warehouse import WarehouseActivities
from domain.exceptions import ExceptionKind
from domain.mapping import SkuMapping
from domain.products import ItemRecord, ItemState, ItemStatus
from integrations.registry import Channel
from sandbox.centra.product_admin import NewProduct, add_product
from sandbox.gxo.catalogue import DE_KOBLENZ, UK_DAVENTRY
from store import products as ledger
from store.inventory import demand_by_item
from store.mappings import upsert_sku_mappings
from tests.activities.test_inventory import (
    CAP,
    CAP_ITEM,
    TSHIRT,
    TSHIRT_ITEM,
    RecordingPort,
    activities,
    load,
    plan_request,
    quantities,
    run,
)
from tests.activities.test_warehouse import channel_order, expect_failure, plan
from tests.centra.support import Harness

WORKFLOW = "test"  # ActivityEnvironment's workflow id: the wait is kept under it


def sent(engine: Engine, facility: str, status: ItemStatus) -> None:
    """The product sync sent the T-shirt's item to `facility`; GXO answered `status`."""
    record = ItemRecord(facility_id=facility, item_code=TSHIRT_ITEM, description="T", sku=TSHIRT)
    state = ItemState(facility_id=facility, item_code=TSHIRT_ITEM, status=status)
    ledger.record_sent(engine, Channel.CENTRA, "brand", [(record, state)])


def accept(engine: Engine, facility: str) -> None:
    state = ItemState(facility_id=facility, item_code=TSHIRT_ITEM, status=ItemStatus.ACTIVE)
    ledger.record_states(engine, [state])


@pytest.fixture
def stock(warehouse: WarehouseActivities, engine: Engine) -> InventoryActivities:
    return activities(warehouse, engine, RecordingPort())


async def test_an_item_gxo_has_not_accepted_is_offered_as_0_until_it_is(
    stock: InventoryActivities, engine: Engine
) -> None:
    await load(stock)
    assert quantities(await run(stock.plan_push, plan_request())) == {TSHIRT: 50, CAP: 30}
    sent(engine, UK_DAVENTRY, ItemStatus.PENDING)
    gated = await run(stock.plan_push, plan_request(force=[TSHIRT, CAP]))
    assert quantities(gated) == {TSHIRT: 0, CAP: 30}  # GXO holds 50, but not as launched
    accept(engine, UK_DAVENTRY)
    launched = await run(stock.plan_push, plan_request(force=[TSHIRT]))
    assert quantities(launched)[TSHIRT] == 50


async def test_an_item_launched_at_one_facility_is_not_held_back(
    stock: InventoryActivities, engine: Engine
) -> None:
    """The gate is per item: accepted anywhere, it sells what the account's facilities hold."""
    await load(stock)
    sent(engine, UK_DAVENTRY, ItemStatus.PENDING)
    sent(engine, DE_KOBLENZ, ItemStatus.ACTIVE)
    assert quantities(await run(stock.plan_push, plan_request())) == {TSHIRT: 50, CAP: 30}


async def test_a_rejected_item_is_offered_as_0(stock: InventoryActivities, engine: Engine) -> None:
    await load(stock)
    sent(engine, UK_DAVENTRY, ItemStatus.PENDING)
    refused = ItemState(
        facility_id=UK_DAVENTRY,
        item_code=TSHIRT_ITEM,
        status=ItemStatus.REJECTED,
        rejection="no weight",
    )
    ledger.record_states(engine, [refused])
    assert quantities(await run(stock.plan_push, plan_request())) == {TSHIRT: 0, CAP: 30}


async def test_an_order_for_an_item_gxo_has_not_accepted_parks_before_any_demand(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    told: list[list[str]] = []

    async def on_demand(items: list[str]) -> None:
        told.append(items)

    gated = WarehouseActivities(warehouse.warehouse, engine, on_demand)
    sent(engine, UK_DAVENTRY, ItemStatus.PENDING)
    order = channel_order()
    failure = await expect_failure(gated.plan, order)
    assert failure.type == ExceptionKind.ITEM_NOT_LAUNCHED.value and failure.non_retryable
    assert f"{TSHIRT} ({TSHIRT_ITEM})" in failure.message and CAP not in failure.message
    waits = ledger.waiting_orders(engine)
    assert [(w.workflow_id, w.facility_id, w.item_code, w.sku) for w in waits] == [
        (WORKFLOW, UK_DAVENTRY, TSHIRT_ITEM, TSHIRT)
    ]
    assert ledger.released(engine) == []
    # Never planned: no demand held back; inventory sync told of the gated item only (so the
    # channel is shown the gate's 0 now, not when GXO's stock of it first moves).
    assert demand_by_item(engine).open == {} and told == [[TSHIRT_ITEM]]
    accept(engine, UK_DAVENTRY)
    assert [w.workflow_id for w in ledger.released(engine)] == [WORKFLOW]
    planned = await plan(gated, order)
    assert {line.item_code for line in planned.lines} == {TSHIRT_ITEM, CAP_ITEM}
    assert ledger.waiting_orders(engine) == []  # planning went through: the wait is gone
    assert told[1:] == [sorted([TSHIRT_ITEM, CAP_ITEM])]


async def test_an_item_kept_by_hand_is_not_gated(warehouse: WarehouseActivities) -> None:
    """No ledger row (mapped by hand, never sent by the product sync): the order plans."""
    planned = await plan(warehouse, channel_order())
    assert len(planned.lines) == 2


async def test_once_an_order_parks_centra_shows_0_of_the_item_it_was_created_with_stock_of(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    """The chain the demo's launch scene checks, activity by activity: a product created in
    Centra with stock sells it until consign plans the SKU; the parked order tells inventory
    sync of its gated item, whose plan for Centra is 0, pushed over Centra's own figure."""
    centra = Harness()
    new = {
        "number": "LNC800",
        "name": "Launch Shell",
        "variants": [
            {
                "number": "RED",
                "name": "Launch Shell Red",
                "sizes": [{"size_number": "M", "stock": 20}],
            }
        ],
    }
    _, [sku] = add_product(centra.sandbox, NewProduct.model_validate(new))
    upsert_sku_mappings(
        engine, [SkuMapping(channel=Channel.CENTRA, sku=sku, item_code=TSHIRT_ITEM)]
    )
    sent(engine, UK_DAVENTRY, ItemStatus.PENDING)
    told: list[str] = []

    async def on_demand(items: list[str]) -> None:
        told.extend(items)

    await expect_failure(
        WarehouseActivities(warehouse.warehouse, engine, on_demand).plan, channel_order()
    )
    stock = InventoryActivities(
        engine, warehouse.warehouse, {(Channel.CENTRA, "brand-eu"): centra.stock}
    )
    await load(stock)
    plan = await run(
        stock.plan_push, StockPlanRequest(channel=Channel.CENTRA, account="brand-eu", items=told)
    )
    await run(
        stock.push,
        StockPushRequest(channel=Channel.CENTRA, account="brand-eu", quantities=plan.quantities),
    )
    assert centra.sandbox.stock.get(sku).physical == 0  # was 20: what Centra would go on selling
