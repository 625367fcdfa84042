"""GXO pages read record by record: an event of a kind consign does not know, a negative stock
figure or a dispatch beyond the parcel limit is set aside with the record as received, and the
records around it are read. Before: the whole page was refused and the facility's feed stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from domain.setaside import SetAsideFeed, SetAsideReason
from integrations.gxo import wire
from integrations.gxo.errors import WarehouseRequestError
from integrations.gxo.rest import RestWarehouse
from integrations.registry import CHANNEL_NAMES

FACILITY = "GXO-UK-DAV"
AT = datetime(2026, 12, 1, 10, tzinfo=UTC)


def parcel(parcel_id: str) -> dict[str, Any]:
    return wire.Parcel(
        parcel_id=parcel_id,
        tracking_number=f"TRK-{parcel_id}",
        carrier_service_code="RM-TRACKED-48",
        shipped_at=AT,
        lines=[wire.ParcelLine(line_number=1, item_code="GXO-1", channel_line_id="L1", quantity=1)],
    ).model_dump(mode="json")


def event(sequence: int, kind: str = "DISPATCH", parcels: int = 1) -> dict[str, Any]:
    body = wire.Event(
        event_id=f"EV-{sequence}",
        sequence=sequence,
        kind="CANCELLED",
        facility_id=FACILITY,
        reference=f"AK7M-{sequence}",
        channel="amazon",
        account="A1SELLER",
        warehouse_order_id=f"WO{sequence}",
        order_status="SHIPPED",
        occurred_at=AT,
    ).model_dump(mode="json")
    body["kind"] = kind
    if kind == "DISPATCH":
        body["parcels"] = [parcel(f"P{sequence}-{n}") for n in range(parcels)]
    return body


def change(sequence: int, on_hand_after: int = 5, kind: str = "ADJUSTMENT") -> dict[str, Any]:
    return {
        "sequence": sequence,
        "facility_id": FACILITY,
        "item_code": f"GXO-{sequence}",
        "kind": kind,
        "quantity": -1,
        "on_hand_after": on_hand_after,
        "allocated_after": 0,
        "at": AT.isoformat(),
    }


def serving(body: Any) -> Callable[[httpx.Request], httpx.Response]:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    return respond


async def read(body: Any, call: Callable[[RestWarehouse], Any], max_parcels: int = 3) -> Any:
    transport = httpx.MockTransport(serving(body))
    async with httpx.AsyncClient(transport=transport) as http:
        gxo = RestWarehouse(
            "http://gxo.test",
            "key",
            http=http,
            max_parcels_per_dispatch=max_parcels,
            channels=CHANNEL_NAMES,
        )
        return await call(gxo)


async def test_an_event_page_keeps_flowing_around_the_records_it_cannot_read() -> None:
    unknown_channel = {**event(5, "CANCELLED"), "channel": "ebay"}
    missing = {k: v for k, v in event(6, "CANCELLED").items() if k != "warehouse_order_id"}
    items = [
        event(1),
        event(2, "RETURNED"),
        event(3, "CANCELLED"),
        ["not", "an", "event"],
        unknown_channel,
        missing,
        event(7, parcels=4),
        event(8, parcels=3),
        {**event(9, "CANCELLED"), "occurred_at": "yesterday"},
    ]
    page = await read(
        {"events": items, "next_cursor": 9}, lambda g: g.events_since(FACILITY, 0, 200)
    )

    assert [e.event_id for e in page.events] == ["EV-1", "EV-3", "EV-8"]
    assert page.next_cursor == 9
    reasons = {r.record_id: r.reason for r in page.set_aside}
    assert reasons.pop("EV-2") is SetAsideReason.UNKNOWN_KIND
    assert reasons.pop("EV-5") is SetAsideReason.INVALID_VALUE
    assert reasons.pop("EV-6") is SetAsideReason.MALFORMED
    assert reasons.pop("EV-7") is SetAsideReason.TOO_LARGE
    assert reasons.pop("EV-9") is SetAsideReason.MALFORMED  # a date that is not one
    [(content_id, not_an_object)] = reasons.items()
    assert content_id.startswith("sha256:") and not_an_object is SetAsideReason.MALFORMED
    by_id = {r.record_id: r for r in page.set_aside}
    assert "kind 'RETURNED' is not one consign knows" in by_id["EV-2"].detail
    assert "warehouse_order_id" in by_id["EV-6"].detail
    assert "4 parcels" in by_id["EV-7"].detail and "3" in by_id["EV-7"].detail
    assert json.loads(by_id["EV-2"].raw) == items[1]  # as received
    for record in page.set_aside:
        assert (record.system, record.feed, record.scope) == (
            "gxo",
            SetAsideFeed.WAREHOUSE_EVENTS,
            FACILITY,
        )


async def test_a_negative_stock_figure_is_set_aside_and_the_other_changes_read() -> None:
    items = [change(1), change(2, on_hand_after=-4), change(3, kind="WRITE_OFF"), change(4)]
    page = await read(
        {"changes": items, "next_cursor": 4}, lambda g: g.stock_changes(FACILITY, 0, 200)
    )

    assert [c.sequence for c in page.changes] == [1, 4]
    assert page.next_cursor == 4
    negative, kind = page.set_aside
    assert (negative.record_id, negative.reason) == ("2", SetAsideReason.INVALID_VALUE)
    assert "on_hand_after" in negative.detail
    assert (kind.record_id, kind.reason) == ("3", SetAsideReason.UNKNOWN_KIND)
    assert negative.feed is SetAsideFeed.STOCK_CHANGES and json.loads(negative.raw) == items[1]


async def test_a_snapshot_level_that_cannot_be_read_is_set_aside() -> None:
    levels = [
        {"facility_id": FACILITY, "item_code": "GXO-1", "on_hand": 4, "allocated": 1},
        {"facility_id": FACILITY, "item_code": "GXO-2", "on_hand": -2},
        {"facility_id": FACILITY, "on_hand": 3},
    ]
    body = {"facility_id": FACILITY, "as_of": AT.isoformat(), "cursor": 9, "levels": levels}
    snapshot = await read(body, lambda g: g.inventory(FACILITY))

    assert [level.item_code for level in snapshot.levels] == ["GXO-1"]
    assert snapshot.cursor == 9
    negative, nameless = snapshot.set_aside
    assert (negative.record_id, negative.reason) == ("snapshot:GXO-2", SetAsideReason.INVALID_VALUE)
    assert nameless.reason is SetAsideReason.MALFORMED and nameless.record_id.startswith("sha256:")


@pytest.mark.parametrize(
    "body",
    [{"next_cursor": 3}, {"events": "none", "next_cursor": 3}, {"events": []}, [], "text"],
    ids=["no list", "not a list", "no cursor", "array", "string"],
)
async def test_a_page_without_its_list_or_cursor_is_contract_drift(body: Any) -> None:
    with pytest.raises(WarehouseRequestError, match="does not match the contract"):
        await read(body, lambda g: g.events_since(FACILITY, 0, 200))
