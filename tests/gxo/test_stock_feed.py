"""The stock feed: picks, cancels and admin movements reported as changes, in batch cycles."""

from __future__ import annotations

import httpx

from domain.inventory import InventorySnapshot, StockChange, StockChangeKind
from integrations.gxo.rest import RestWarehouse
from integrations.registry import Channel
from sandbox.gxo.catalogue import DE_KOBLENZ, UK_DAVENTRY
from tests.gxo.builders import cycle, order

K = StockChangeKind


async def _all_changes(gxo: RestWarehouse, cursor: int = 0, limit: int = 3) -> list[StockChange]:
    """Page the feed to its end with small pages, asserting pages join without gaps."""
    out: list[StockChange] = []
    while True:
        page = await gxo.stock_changes(UK_DAVENTRY, cursor, limit)
        if not page.changes:
            assert page.next_cursor == cursor
            return out
        sequences = [c.sequence for c in page.changes]
        assert sequences == list(range(cursor + 1, cursor + 1 + len(sequences)))
        assert page.next_cursor == sequences[-1]
        out.extend(page.changes)
        cursor = page.next_cursor


def _moves(changes: list[StockChange]) -> list[tuple[str, str, int, int, int]]:
    return [(c.kind, c.item_code, c.quantity, c.on_hand_after, c.allocated_after) for c in changes]


async def _post(http: httpx.AsyncClient, path: str, body: object) -> None:
    (await http.post(path, json=body)).raise_for_status()


def _levels(snapshot: InventorySnapshot) -> dict[str, tuple[int, int]]:
    return {lv.item_code: (lv.on_hand, lv.allocated) for lv in snapshot.levels}


async def test_pick_cycle_allocates_then_ships_with_the_order_reference(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await gxo.inject(order("P-1", [("GXO-100001", 3), ("GXO-100002", 1)]))
    await cycle(http)
    changes = await _all_changes(gxo)
    assert _moves(changes) == [
        (K.ALLOCATION, "GXO-100001", 3, 50, 3),
        (K.ALLOCATION, "GXO-100002", 1, 50, 1),
        (K.SHIPMENT, "GXO-100001", -3, 47, 0),
        (K.SHIPMENT, "GXO-100002", -1, 49, 0),
    ]
    assert {(c.reference, c.channel) for c in changes} == {("P-1", Channel.AMAZON)}
    levels = _levels(await gxo.inventory(UK_DAVENTRY))
    assert levels["GXO-100001"] == (47, 0) and levels["GXO-100002"] == (49, 0)


async def test_short_pick_allocates_only_what_it_picks(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await _post(http, "/_sandbox/scenarios", {"P-2": {"short_pick": {"line": 1, "ship": 2}}})
    await gxo.inject(order("P-2", [("GXO-100003", 3)]))
    await cycle(http)
    first = await _all_changes(gxo)
    assert _moves(first) == [
        (K.ALLOCATION, "GXO-100003", 2, 20, 2),
        (K.SHIPMENT, "GXO-100003", -2, 18, 0),
    ]
    await cycle(http)
    rest = await _all_changes(gxo, cursor=first[-1].sequence)
    assert _moves(rest) == [
        (K.ALLOCATION, "GXO-100003", 1, 18, 1),
        (K.SHIPMENT, "GXO-100003", -1, 17, 0),
    ]


async def test_short_stock_allocates_what_is_there_and_the_rest_after_receipt(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await gxo.inject(order("P-3", [("GXO-100004", 7)]))  # 5 on hand
    await cycle(http)
    await _post(
        http,
        "/_sandbox/restock",
        {"facility_id": UK_DAVENTRY, "item_code": "GXO-100004", "quantity": 4},
    )
    await cycle(http)
    assert _moves(await _all_changes(gxo)) == [
        (K.ALLOCATION, "GXO-100004", 5, 5, 5),
        (K.SHIPMENT, "GXO-100004", -5, 0, 0),
        (K.RECEIPT, "GXO-100004", 4, 4, 0),
        (K.ALLOCATION, "GXO-100004", 2, 4, 2),
        (K.SHIPMENT, "GXO-100004", -2, 2, 0),
    ]


async def test_cancel_before_any_allocation_moves_no_stock(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await gxo.inject(order("C-1", [("GXO-100001", 2)]))
    await gxo.cancel(UK_DAVENTRY, "C-1")
    await cycle(http)
    assert await _all_changes(gxo) == []
    assert _levels(await gxo.inventory(UK_DAVENTRY))["GXO-100001"] == (50, 0)


async def test_cancel_after_allocation_deallocates(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await _post(http, "/_sandbox/scenarios", {"C-2": {"hold_cycles": 2}})
    await gxo.inject(order("C-2", [("GXO-100001", 2)]))
    await cycle(http)  # released and waiting for its wave: stock reserved
    held = await gxo.inventory(UK_DAVENTRY)
    assert _levels(held)["GXO-100001"] == (50, 2)
    await cycle(http)  # still held: the reservation is not repeated
    await gxo.cancel(UK_DAVENTRY, "C-2")
    await cycle(http)
    changes = await _all_changes(gxo)
    assert _moves(changes) == [
        (K.ALLOCATION, "GXO-100001", 2, 50, 2),
        (K.DEALLOCATION, "GXO-100001", -2, 50, 0),
    ]
    assert changes[-1].reference == "C-2"


async def test_admin_movements_are_receipt_adjustment_and_return(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    item = {"facility_id": UK_DAVENTRY, "item_code": "GXO-100004"}
    await _post(http, "/_sandbox/restock", {**item, "quantity": 5})
    await _post(http, "/_sandbox/adjust", {**item, "quantity": -3, "reason": "damaged"})
    await _post(http, "/_sandbox/return", {**item, "quantity": 1, "reference": "R-1"})
    await _post(http, "/_sandbox/adjust", {**item, "quantity": -100, "reason": "count"})
    put = [{**item, "on_hand": 9}]
    (await http.put("/_sandbox/stock", json=put)).raise_for_status()
    await cycle(http)
    changes = await _all_changes(gxo)
    assert _moves(changes) == [
        (K.RECEIPT, "GXO-100004", 5, 10, 0),
        (K.ADJUSTMENT, "GXO-100004", -3, 7, 0),
        (K.RETURN, "GXO-100004", 1, 8, 0),
        (K.ADJUSTMENT, "GXO-100004", -8, 0, 0),  # never below zero on hand
        (K.ADJUSTMENT, "GXO-100004", 9, 9, 0),  # a stock-take to the new level
    ]
    assert changes[2].reference == "R-1"


async def test_changes_are_invisible_until_the_cycle_ends(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    opening = await gxo.inventory(UK_DAVENTRY)
    body = {"facility_id": UK_DAVENTRY, "item_code": "GXO-100001", "quantity": 5}
    live = (await http.post("/_sandbox/restock", json=body)).json()
    assert live["on_hand"] == 55  # the shelf has it ...
    await gxo.inject(order("V-1", [("GXO-100001", 1)]))
    assert (await gxo.stock_changes(UK_DAVENTRY, 0, 10)).changes == []  # ... the feed does not
    assert await gxo.inventory(UK_DAVENTRY) == opening
    await cycle(http)
    after = await gxo.inventory(UK_DAVENTRY)
    assert after.cursor == 3 and after.as_of >= opening.as_of
    assert _levels(after)["GXO-100001"] == (54, 0)


async def test_snapshot_levels_equal_the_sum_of_visible_changes(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    before = _levels(await gxo.inventory(UK_DAVENTRY))
    await _post(http, "/_sandbox/scenarios", {"H-1": {"hold_cycles": 3}})
    await gxo.inject(order("H-1", [("GXO-100006", 4)]))
    await gxo.inject(order("S-1", [("GXO-100001", 3), ("GXO-100004", 9)]))
    await cycle(http)
    item = {"facility_id": UK_DAVENTRY, "item_code": "GXO-100005"}
    await _post(http, "/_sandbox/restock", {**item, "quantity": 6})
    await _post(http, "/_sandbox/return", {**item, "quantity": 2, "reference": "S-0"})
    await gxo.inject(order("S-2", [("GXO-100005", 5)]))
    await cycle(http)
    await cycle(http)
    snapshot = await gxo.inventory(UK_DAVENTRY)
    changes = await _all_changes(gxo)
    assert snapshot.cursor == changes[-1].sequence
    totals = dict(before)
    for change in changes:
        on_hand, allocated = totals[change.item_code]
        if change.kind in (K.ALLOCATION, K.DEALLOCATION):
            allocated += change.quantity
        else:
            on_hand += change.quantity
            allocated += change.quantity if change.kind is K.SHIPMENT else 0
        assert (on_hand, allocated) == (change.on_hand_after, change.allocated_after)
        totals[change.item_code] = (on_hand, allocated)
    assert _levels(snapshot) == totals
    assert totals["GXO-100006"] == (30, 4)  # H-1 still held with its reservation


async def test_feeds_are_per_facility(gxo: RestWarehouse, http: httpx.AsyncClient) -> None:
    await gxo.inject(order("D-1", [("GXO-100001", 1)]))
    await cycle(http)
    assert (await gxo.stock_changes(DE_KOBLENZ, 0, 10)).changes == []
    de = await gxo.inventory(DE_KOBLENZ)
    assert de.cursor == 0 and _levels(de)["GXO-100001"] == (40, 0)


async def test_paging_past_the_end_keeps_the_cursor(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    for n in range(4):
        await gxo.inject(order(f"G-{n}", [("GXO-100002", 1)]))
    await cycle(http)
    changes = await _all_changes(gxo, limit=3)  # asserts contiguous pages
    assert [c.sequence for c in changes] == list(range(1, 9))
    page = await gxo.stock_changes(UK_DAVENTRY, 8, 100)
    assert page.changes == [] and page.next_cursor == 8
