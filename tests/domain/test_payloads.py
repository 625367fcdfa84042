"""Splitting a dispatch too large for one payload, and batching events under the budget."""

from __future__ import annotations

from domain.payloads import batches, payload_size, split_dispatch
from domain.warehouse import Parcel, WarehouseEventKind
from tests.workflows.fakes import dispatch, make_order, parcel

ORDER = make_order("202-0000001-0000001")


def many(count: int, lines_each: int = 1) -> list[Parcel]:
    return [
        parcel(f"P{n:05d}", *((f"{line}0000", 1) for line in range(1, lines_each + 1)))
        for n in range(count)
    ]


def test_an_event_within_the_budget_travels_whole() -> None:
    event = dispatch(ORDER, 1, *many(3))
    assert split_dispatch(event, 64 * 1024) == [event]
    cancelled = event.model_copy(update={"kind": WarehouseEventKind.CANCELLED})
    assert split_dispatch(cancelled, 100) == [cancelled]  # only dispatches are split


def test_a_large_dispatch_splits_into_parts_that_fit_and_keep_every_parcel_once() -> None:
    event = dispatch(ORDER, 7, *many(2_000))
    budget = 32 * 1024
    assert payload_size(event) > 10 * budget

    parts = split_dispatch(event, budget)

    assert len(parts) > 10
    assert all(payload_size(part) <= budget for part in parts)
    assert [part.event_id for part in parts] == [
        f"{event.event_id}#{k}/{len(parts)}" for k in range(1, len(parts) + 1)
    ]
    assert [p for part in parts for p in part.parcels] == event.parcels
    for part in parts:
        assert part.model_dump(exclude={"event_id", "parcels"}) == event.model_dump(
            exclude={"event_id", "parcels"}
        )
    assert split_dispatch(event, budget) == parts  # the same parts every time: deduplicable


def test_a_parcel_larger_than_the_budget_travels_alone() -> None:
    huge = many(1, lines_each=400)[0]
    event = dispatch(ORDER, 1, *many(2), huge, *many(2))
    budget = payload_size(huge) // 2
    parts = split_dispatch(event, budget)
    assert [len(part.parcels) for part in parts].count(1) >= 1
    assert any(part.parcels == [huge] for part in parts)
    assert [p for part in parts for p in part.parcels] == event.parcels


def test_batches_keep_order_and_fit_the_budget() -> None:
    events = [dispatch(ORDER, n, *many(n % 5 + 1)) for n in range(1, 60)]
    budget = 4 * 1024
    found = batches(events, budget)
    assert [e for batch in found for e in batch] == events
    for batch in found:
        assert len(batch) == 1 or sum(payload_size(e) + 1 for e in batch) <= budget
    assert batches([], budget) == []
    assert batches(events, 10 * 1024 * 1024) == [events]
