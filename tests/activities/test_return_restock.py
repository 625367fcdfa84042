"""Sellable returned units reach available-to-sell (issue 10): a return GXO receives SELLABLE is
a RETURN movement in its stock feed; the stock intake's pull applies it and names the item, and
inventory sync's plan for the moved items raises the channel's figure for the SKU by the units
returned. A DAMAGED unit is not restocked: its SKU's figure does not move. On the GXO sandbox
(its returns desk, one cycle), a SQLite store and the recording stock port of test_inventory.
The end-to-end demo checks GXO's RETURN movements per RMA (starter/demo_returns.py); the
channel's figure is checked here, where no other order moves it at the same time."""

from __future__ import annotations

from typing import cast

import httpx
from sqlalchemy import Engine

from activities.models import PullRequest
from activities.warehouse import WarehouseActivities
from domain.returns import ReturnNotice, ReturnNoticeLine
from integrations.gxo.port import ReturnsPort
from sandbox.gxo.catalogue import UK_DAVENTRY
from store import inventory
from tests.activities.test_inventory import (
    CAP,
    CAP_ITEM,
    TSHIRT,
    TSHIRT_ITEM,
    RecordingPort,
    activities,
    load,
    plan_request,
    push,
    quantities,
    run,
)

RMA = "RMA-RESTOCK-1"


def notice(lines: list[tuple[str, str, int]]) -> ReturnNotice:
    return ReturnNotice(
        facility_id=UK_DAVENTRY,
        rma=RMA,
        channel="amazon",
        account="A1",
        channel_order_id="202-0000000-0000001",
        lines=[
            ReturnNoticeLine(
                line_number=n, channel_line_id=str(n), sku=sku, item_code=code, quantity=units
            )
            for n, (sku, code, units) in enumerate(lines, start=1)
        ],
    )


async def test_sellable_returned_units_raise_the_channels_figure_damaged_ones_do_not(
    warehouse: WarehouseActivities, engine: Engine, gxo_admin: httpx.AsyncClient
) -> None:
    acts = activities(warehouse, engine, RecordingPort())
    await load(acts)
    await push(acts, await run(acts.plan_push, plan_request()))  # the channel shows 50 and 30
    scenario = {RMA: {"dispositions": {CAP_ITEM: "DAMAGED"}}}
    (await gxo_admin.post("/_sandbox/return-scenarios", json=scenario)).raise_for_status()
    lines = [(TSHIRT, TSHIRT_ITEM, 2), (CAP, CAP_ITEM, 1)]
    await cast(ReturnsPort, warehouse.warehouse).notify_return(notice(lines))  # RestWarehouse
    (await gxo_admin.post("/_sandbox/cycle")).raise_for_status()

    pulled = await run(acts.pull_changes, PullRequest(facility_id=UK_DAVENTRY, cursor=0))

    assert TSHIRT_ITEM in pulled.items
    available = inventory.available_by_item(engine, [UK_DAVENTRY])
    assert (available[TSHIRT_ITEM], available[CAP_ITEM]) == (52, 30)
    plan = await run(acts.plan_push, plan_request(items=pulled.items))
    assert quantities(plan) == {TSHIRT: 52}  # CAP unchanged: nothing to push
