"""The launch gate for SKUs no product sync sent (issue 10 audit): an account whose product sync
is on injects only items GXO holds (asked once, then kept in the ledger as KNOWN_AT_GXO), other
accounts are not held back; GXO's UNKNOWN_ITEM for such an item parks ITEM_NOT_LAUNCHED; an
UNMAPPED_SKU order of a synced account waits for its mapping and the product sync releases it;
an order is released only once every item and SKU it waits for is ready."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.models import ItemCheckRequest, ItemsChecked
from activities.products import ProductActivities
from activities.warehouse import WarehouseActivities
from domain.exceptions import ExceptionKind
from domain.mapping import SkuMapping
from domain.order import ChannelOrder
from domain.products import ItemRecord, ItemState, ItemStatus
from domain.warehouse import (
    InjectionResult,
    Rejection,
    RejectionCode,
    WarehouseOrder,
)
from integrations.gxo.errors import WarehouseRejected
from integrations.registry import Channel
from sandbox.gxo.catalogue import UK_DAVENTRY
from store import products as ledger
from store.mappings import upsert_sku_mappings
from tests.activities.conftest import SELLER, SKU_ITEMS
from tests.activities.test_warehouse import ORDER_ID, channel_order

SYNCED = {(Channel.AMAZON, SELLER)}
WORKFLOW_ID = f"order:{Channel.AMAZON}:{SELLER}:{ORDER_ID}"
SKU, CODE = "TSHIRT-BLK-M", SKU_ITEMS["TSHIRT-BLK-M"]


class ItemMaster:
    """GXO's item master as the gate asks it: `held` per (facility, item code)."""

    def __init__(self, held: dict[tuple[str, str], ItemStatus] | None = None) -> None:
        self.held = dict(held or {})
        self.asked: list[tuple[str, str]] = []

    async def put_item(self, record: ItemRecord) -> ItemState:
        raise AssertionError("the gate never sends items")

    async def get_item(self, facility_id: str, item_code: str) -> ItemState | None:
        self.asked.append((facility_id, item_code))
        status = self.held.get((facility_id, item_code))
        if status is None:
            return None
        return ItemState(facility_id=facility_id, item_code=item_code, status=status)


class RefusingWarehouse:
    """GXO refusing every order with `rejection`."""

    def __init__(self, rejection: Rejection) -> None:
        self.rejection = rejection

    async def inject(self, order: WarehouseOrder) -> InjectionResult:
        raise WarehouseRejected(self.rejection)


def environment() -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id=WORKFLOW_ID)
    return env


def gate(
    engine: Engine, items: ItemMaster, synced: bool = True, warehouse: Any = None
) -> WarehouseActivities:
    return WarehouseActivities(
        warehouse, engine, product_synced=SYNCED if synced else (), items=items
    )


async def failure(call: Any, *args: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        await environment().run(call, *args)
    return caught.value


def order(skus: dict[str, int] | None = None) -> ChannelOrder:
    return channel_order(skus=skus or {SKU: 1})


async def test_a_synced_accounts_item_gxo_does_not_hold_parks_not_launched(
    engine: Engine,
) -> None:
    items = ItemMaster()
    refused = await failure(gate(engine, items).plan, order())
    assert refused.type == ExceptionKind.ITEM_NOT_LAUNCHED.value
    assert refused.non_retryable
    assert items.asked == [(UK_DAVENTRY, CODE)]
    waits = ledger.waiting_orders(engine)
    assert [(w.workflow_id, w.facility_id, w.item_code, w.sku) for w in waits] == [
        (WORKFLOW_ID, UK_DAVENTRY, CODE, SKU)
    ]


async def test_an_item_gxo_already_holds_goes_through_and_is_asked_once(
    engine: Engine,
) -> None:
    items = ItemMaster({(UK_DAVENTRY, CODE): ItemStatus.ACTIVE})
    activities = gate(engine, items)
    first: WarehouseOrder = await environment().run(activities.plan, order())
    second: WarehouseOrder = await environment().run(activities.plan, order())
    assert [line.item_code for line in first.lines] == [CODE]
    assert second == first
    assert items.asked == [(UK_DAVENTRY, CODE)]  # the second plan read the ledger
    [known] = ledger.item_ledger(engine)
    assert (known.channel, known.launched) == (ledger.KNOWN_AT_GXO, True)


async def test_an_item_gxo_holds_inactive_parks_until_gxo_activates_it(engine: Engine) -> None:
    items = ItemMaster({(UK_DAVENTRY, CODE): ItemStatus.INACTIVE})
    refused = await failure(gate(engine, items).plan, order())
    assert refused.type == ExceptionKind.ITEM_NOT_LAUNCHED.value
    items.held[(UK_DAVENTRY, CODE)] = ItemStatus.ACTIVE  # GXO is asked again, not the ledger
    planned: WarehouseOrder = await environment().run(gate(engine, items).plan, order())
    assert [line.item_code for line in planned.lines] == [CODE]
    assert ledger.waiting_orders(engine) == []


async def test_an_account_without_product_sync_is_not_held_back(engine: Engine) -> None:
    items = ItemMaster()
    planned: WarehouseOrder = await environment().run(
        gate(engine, items, synced=False).plan, order()
    )
    assert [line.item_code for line in planned.lines] == [CODE]
    assert items.asked == []


async def test_unknown_item_from_gxo_parks_a_synced_order_not_launched(engine: Engine) -> None:
    held = ItemMaster({(UK_DAVENTRY, CODE): ItemStatus.ACTIVE})
    planned: WarehouseOrder = await environment().run(
        gate(engine, held, synced=False).plan, order()
    )
    rejection = Rejection(
        code=RejectionCode.UNKNOWN_ITEM, message=f"item {CODE} unknown", line_number=1
    )
    refusing = RefusingWarehouse(rejection)
    refused = await failure(gate(engine, held, warehouse=refusing).inject, planned)
    assert refused.type == ExceptionKind.ITEM_NOT_LAUNCHED.value
    assert [(w.item_code, w.sku) for w in ledger.waiting_orders(engine)] == [(CODE, SKU)]
    # Another brand's order, or a ledger that says GXO holds the item: GXO's own word.
    other = await failure(gate(engine, held, synced=False, warehouse=refusing).inject, planned)
    assert other.type == ExceptionKind.WAREHOUSE_REJECTED.value


async def test_an_unmapped_sku_waits_for_the_mapping_the_product_sync_writes(
    engine: Engine,
) -> None:
    items = ItemMaster({(UK_DAVENTRY, "NEW-1"): ItemStatus.ACTIVE})
    refused = await failure(gate(engine, items).plan, order({"NEW-1": 1}))
    assert refused.type == ExceptionKind.UNMAPPED_SKU.value
    assert ledger.released(engine) == []
    # A mapping of the same SKU for another channel does not release an Amazon order.
    upsert_sku_mappings(engine, [SkuMapping(channel=Channel.CENTRA, sku="NEW-1", item_code="X")])
    assert ledger.released(engine) == []
    upsert_sku_mappings(
        engine, [SkuMapping(channel=Channel.AMAZON, sku="NEW-1", item_code="NEW-1")]
    )
    [release] = ledger.released(engine)
    assert (release.workflow_id, release.facility_id, release.item_code, release.sku) == (
        WORKFLOW_ID,
        ledger.MAPPING_WAIT,
        "NEW-1",
        "NEW-1",
    )
    # Planned again: the wait is over and goes.
    await environment().run(gate(engine, items).plan, order({"NEW-1": 1}))
    assert ledger.waiting_orders(engine) == []


async def test_an_unmapped_sku_of_an_account_without_product_sync_keeps_no_wait(
    engine: Engine,
) -> None:
    refused = await failure(gate(engine, ItemMaster(), synced=False).plan, order({"NEW-1": 1}))
    assert refused.type == ExceptionKind.UNMAPPED_SKU.value
    assert ledger.waiting_orders(engine) == []


async def test_an_order_is_released_only_once_every_wait_is_over(engine: Engine) -> None:
    ledger.wait_for_launch(
        engine, WORKFLOW_ID, [(UK_DAVENTRY, "A", "SKU-A"), (UK_DAVENTRY, "B", "SKU-B")]
    )
    held = ItemState(facility_id=UK_DAVENTRY, item_code="A", status=ItemStatus.ACTIVE)
    ledger.record_known(engine, [(held, "SKU-A")])
    assert ledger.released(engine) == []  # B is still missing: it would only park again
    other = ItemState(facility_id=UK_DAVENTRY, item_code="B", status=ItemStatus.ACTIVE)
    ledger.record_known(engine, [(other, "SKU-B")])
    assert sorted(w.item_code for w in ledger.released(engine)) == ["A", "B"]


async def test_the_product_sync_releases_an_order_once_gxo_holds_an_item_it_never_sent(
    engine: Engine,
) -> None:
    items = ItemMaster()
    await failure(gate(engine, items).plan, order())
    sync = ProductActivities({}, items, engine, [UK_DAVENTRY])
    request = ItemCheckRequest(channel=Channel.AMAZON, account=SELLER)
    checked: ItemsChecked = await ActivityEnvironment().run(sync.check, request)
    assert checked.releases == []
    items.held[(UK_DAVENTRY, CODE)] = ItemStatus.ACTIVE  # loaded at GXO by hand
    checked = await ActivityEnvironment().run(sync.check, request)
    assert [(r.workflow_id, r.item_code, r.sku) for r in checked.releases] == [
        (WORKFLOW_ID, CODE, SKU)
    ]
