"""The per-facility event feed: cursor paging, and duplicates/reordering under faults."""

from __future__ import annotations

import httpx

from domain.warehouse import WarehouseEvent, order_events
from integrations.gxo.rest import RestWarehouse
from sandbox.gxo.catalogue import DE_KOBLENZ, DHL_PAKET, UK_DAVENTRY
from tests.gxo.builders import cycle, order


async def _dispatch_many(gxo: RestWarehouse, http: httpx.AsyncClient, count: int) -> None:
    for n in range(count):
        await gxo.inject(order(f"E-{n}"))
    await cycle(http)


async def _drain(gxo: RestWarehouse, facility: str, limit: int) -> list[WarehouseEvent]:
    cursor, seen = 0, list[WarehouseEvent]()
    while True:
        page = await gxo.events_since(facility, cursor, limit)
        if not page.events:
            assert page.next_cursor == cursor
            return seen
        assert page.next_cursor > cursor
        seen.extend(order_events(page.events))
        cursor = page.next_cursor


async def test_cursor_pages_have_no_gaps(gxo: RestWarehouse, http: httpx.AsyncClient) -> None:
    await _dispatch_many(gxo, http, 7)
    events = await _drain(gxo, UK_DAVENTRY, 3)
    assert [e.sequence for e in events] == list(range(1, 8))
    assert len({e.event_id for e in events}) == 7
    assert [e.reference for e in events] == [f"E-{n}" for n in range(7)]


async def test_sequences_are_per_facility(gxo: RestWarehouse, http: httpx.AsyncClient) -> None:
    await gxo.inject(order("E-UK"))
    de = order("E-DE", facility_id=DE_KOBLENZ, carrier=DHL_PAKET, country="DE", postal_code="1")
    await gxo.inject(de)
    await cycle(http)
    uk_page = await gxo.events_since(UK_DAVENTRY, 0, 10)
    de_page = await gxo.events_since(DE_KOBLENZ, 0, 10)
    assert [(e.reference, e.sequence) for e in order_events(uk_page.events)] == [("E-UK", 1)]
    assert [(e.reference, e.sequence) for e in order_events(de_page.events)] == [("E-DE", 1)]


async def test_duplicated_and_reordered_pages_still_cover_the_feed(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await _dispatch_many(gxo, http, 12)
    faults = {"duplicate_event_rate": 0.5, "reorder_events": True, "seed": 3}
    (await http.put("/_sandbox/faults", json=faults)).raise_for_status()
    events = await _drain(gxo, UK_DAVENTRY, 4)
    sequences = [e.sequence for e in events]
    assert len(sequences) > 12  # duplicates were delivered
    assert sequences != sorted(sequences)  # and out of order
    unique = {e.event_id: e for e in events}
    assert sorted(e.sequence for e in unique.values()) == list(range(1, 13))
