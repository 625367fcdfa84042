"""GXO's item master per facility (docs/gxo-interface.md, "Item master"): a new item loads at
the next cycle, orders and stock for an item the facility does not hold are refused, scripted
holds and refusals, and a retried PUT changes nothing."""

from __future__ import annotations

import httpx
import pytest

from domain.products import ItemRecord, ItemStatus
from domain.warehouse import RejectionCode
from integrations.gxo.errors import WarehouseRejected
from integrations.gxo.rest import RestWarehouse
from sandbox.gxo.catalogue import DE_KOBLENZ, UK_DAVENTRY
from tests.gxo.builders import order

NEW = ItemRecord(
    facility_id=UK_DAVENTRY,
    item_code="JKT900BLKM",
    description="Storm Jacket Black M",
    sku="JKT900BLKM",
    ean="7350000000995",
    hs_code="620193",
    country_of_origin="PT",
)


async def cycle(http: httpx.AsyncClient) -> None:
    (await http.post("/_sandbox/cycle")).raise_for_status()


async def test_a_new_item_is_pending_until_the_next_cycle_and_orderable_after(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    state = await gxo.put_item(NEW)
    assert (state.status, state.revision) == (ItemStatus.PENDING, 1)
    with pytest.raises(WarehouseRejected) as refused:
        await gxo.inject(order("L-1", [(NEW.item_code, 1)]))
    assert refused.value.rejection.code is RejectionCode.UNKNOWN_ITEM
    assert "pending" in refused.value.rejection.message
    await cycle(http)
    loaded = await gxo.get_item(UK_DAVENTRY, NEW.item_code)
    assert loaded is not None and loaded.status is ItemStatus.ACTIVE
    assert not (await gxo.inject(order("L-1", [(NEW.item_code, 1)]))).duplicate
    # One item master per facility: Koblenz still does not know it.
    assert await gxo.get_item(DE_KOBLENZ, NEW.item_code) is None


async def test_stock_for_an_item_the_facility_does_not_hold_is_refused(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    receipt = {"facility_id": UK_DAVENTRY, "item_code": NEW.item_code, "quantity": 3}
    refused = await http.post("/_sandbox/restock", json=receipt)
    assert (refused.status_code, refused.json()["error"]["reason"]) == (422, "UNKNOWN_ITEM")
    await gxo.put_item(NEW)
    await cycle(http)
    (await http.post("/_sandbox/restock", json=receipt)).raise_for_status()


async def test_a_held_item_loads_once_the_hold_is_cleared(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    hold = {NEW.item_code: {"hold_cycles": 99}}
    (await http.post("/_sandbox/item-scenarios", json=hold)).raise_for_status()
    await gxo.put_item(NEW)
    await cycle(http)
    await cycle(http)
    assert (await gxo.get_item(UK_DAVENTRY, NEW.item_code)).status is ItemStatus.PENDING  # type: ignore[union-attr]
    (await http.delete("/_sandbox/item-scenarios")).raise_for_status()
    await cycle(http)
    assert (await gxo.get_item(UK_DAVENTRY, NEW.item_code)).status is ItemStatus.ACTIVE  # type: ignore[union-attr]


async def test_a_record_the_wms_refuses_at_load_is_rejected_with_its_reason(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    refuse = {NEW.item_code: {"reject": "dimensions missing for a new item"}}
    (await http.post("/_sandbox/item-scenarios", json=refuse)).raise_for_status()
    await gxo.put_item(NEW)
    await cycle(http)
    state = await gxo.get_item(UK_DAVENTRY, NEW.item_code)
    assert state is not None and state.status is ItemStatus.REJECTED
    assert state.rejection == "dimensions missing for a new item"
    (await http.delete("/_sandbox/item-scenarios")).raise_for_status()
    resent = await gxo.put_item(NEW)  # a rejected record may be sent again
    assert (resent.status, resent.revision) == (ItemStatus.PENDING, 2)


async def test_the_gateway_refuses_a_malformed_record_at_once(gxo: RestWarehouse) -> None:
    with pytest.raises(WarehouseRejected) as refused:
        await gxo.put_item(NEW.model_copy(update={"ean": "12345"}))
    assert refused.value.rejection.code is RejectionCode.INVALID_ITEM
    assert await gxo.get_item(UK_DAVENTRY, NEW.item_code) is None


async def test_the_same_record_again_changes_nothing_and_a_change_applies_at_once(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await gxo.put_item(NEW)
    await cycle(http)
    again = await gxo.put_item(NEW)
    assert (again.status, again.revision) == (ItemStatus.ACTIVE, 1)
    retired = await gxo.put_item(NEW.model_copy(update={"active": False}))
    assert (retired.status, retired.revision) == (ItemStatus.INACTIVE, 2)
    with pytest.raises(WarehouseRejected) as refused:
        await gxo.inject(order("L-2", [(NEW.item_code, 1)]))
    assert "inactive" in refused.value.rejection.message


async def test_items_a_facility_already_holds_take_stock_at_once_and_keep_their_record(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    held = {"facility_id": UK_DAVENTRY, "item_code": NEW.item_code, "description": "Held"}
    level = [{"facility_id": UK_DAVENTRY, "item_code": NEW.item_code, "on_hand": 4}]
    assert (await http.put("/_sandbox/stock", json=level)).status_code == 422
    (await http.put("/_sandbox/items", json=[held])).raise_for_status()
    (await http.put("/_sandbox/stock", json=level)).raise_for_status()
    state = await gxo.get_item(UK_DAVENTRY, NEW.item_code)
    assert state is not None and (state.status, state.revision) == (ItemStatus.ACTIVE, 1)
    (await http.put("/_sandbox/items", json=[{**held, "description": "Again"}])).raise_for_status()
    again = await gxo.get_item(UK_DAVENTRY, NEW.item_code)
    assert again is not None and again.revision == 1
    assert await gxo.get_item(DE_KOBLENZ, NEW.item_code) is None
    unknown = await http.put("/_sandbox/items", json=[{**held, "facility_id": "GXO-XX"}])
    assert unknown.status_code == 404


async def test_a_record_consign_sent_is_held_at_once_when_the_wms_loads_the_catalogue(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    """consign's product sync may send an item before the catalogue is loaded beside it (the
    demo world, a bench): the load makes the pending record known, so stock can be set."""
    sent = await gxo.put_item(NEW)
    assert sent.status is ItemStatus.PENDING
    held = {"facility_id": UK_DAVENTRY, "item_code": NEW.item_code, "description": "Held"}
    (await http.put("/_sandbox/items", json=[held])).raise_for_status()
    level = [{"facility_id": UK_DAVENTRY, "item_code": NEW.item_code, "on_hand": 4}]
    (await http.put("/_sandbox/stock", json=level)).raise_for_status()
    state = await gxo.get_item(UK_DAVENTRY, NEW.item_code)
    assert state is not None and (state.status, state.revision) == (ItemStatus.ACTIVE, 1)
