"""Inventory in the store: buffer rules, GXO levels from snapshots and stock changes, order
demand from open to allocated to shipped, and the push ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import select

from domain.inventory import (
    BufferRule,
    ListingQuantity,
    PushOutcome,
    StockChange,
    StockChangeKind,
    StockLevel,
)
from domain.order import OrderRef
from integrations.registry import Channel
from store.db import read_session
from store.inventory import (
    apply_stock_changes,
    available_by_item,
    clear_pending,
    close_demand,
    confirm_shipped,
    demand_by_item,
    ledger,
    list_buffer_rules,
    mark_pending,
    record_demand,
    record_push,
    record_read_back,
    replace_buffer_rules,
    replace_facility_stock,
)
from store.tables import OrderDemandRow, StockLevelRow
from store.upsert import WriteCounts
from tests.store.conftest import wipe

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
UK, NL = "GXO-UK1", "GXO-NL1"
ORDER = OrderRef(channel=Channel.AMAZON, account="A1SELLER", order_id="202-1111111-1111111")
OTHER = OrderRef(channel=Channel.AMAZON, account="A1SELLER", order_id="202-2222222-2222222")
CENTRA = OrderRef(channel=Channel.CENTRA, account="shop", order_id="1001")

PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def change(
    sequence: int,
    on_hand: int,
    allocated: int = 0,
    *,
    item: str = "GXO-1001",
    facility: str = UK,
    kind: StockChangeKind = StockChangeKind.RECEIPT,
    quantity: int = 1,
    ref: OrderRef | None = None,
) -> StockChange:
    return StockChange(
        sequence=sequence,
        facility_id=facility,
        item_code=item,
        kind=kind,
        quantity=quantity,
        on_hand_after=on_hand,
        allocated_after=allocated,
        reference=ref.order_id if ref else None,
        channel=ref.channel if ref else None,
        at=T0 + timedelta(minutes=sequence),
    )


def levels(engine: Engine) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(facility, item) -> (on_hand, allocated, sequence), read straight from the table."""
    with read_session(engine) as session:
        return {
            (row.facility_id, row.item_code): (row.on_hand, row.allocated, row.sequence)
            for row in session.scalars(select(StockLevelRow))
        }


def demand_rows(engine: Engine) -> dict[tuple[str, str, str, str], tuple[int, int]]:
    """(channel, account, order, item) -> (open, allocated)."""
    with read_session(engine) as session:
        return {
            (row.channel, row.account, row.order_id, row.item_code): (row.open, row.allocated)
            for row in session.scalars(select(OrderDemandRow))
        }


def key(ref: OrderRef, item: str = "GXO-1001") -> tuple[str, str, str, str]:
    return (ref.channel, ref.account, ref.order_id, item)


# --- buffer rules ------------------------------------------------------------------------


def test_buffer_rules_round_trip_with_exact_percent(engine) -> None:
    rules = [
        BufferRule(units=1),
        BufferRule(channel=Channel.AMAZON, percent=Decimal("12.5")),
        BufferRule(sku="MUG-1", units=3, percent=Decimal("33.33")),
        BufferRule(channel=Channel.CENTRA, sku="MUG-1", units=2, percent=Decimal("0.01")),
    ]
    assert replace_buffer_rules(engine, rules) == WriteCounts(created=4, removed=0)
    back = list_buffer_rules(engine)
    assert back == rules
    assert [type(rule.percent) for rule in back] == [Decimal] * 4
    assert back[2].percent == Decimal("33.33")


def test_replacing_buffer_rules_swaps_the_whole_set(engine) -> None:
    replace_buffer_rules(engine, [BufferRule(units=1), BufferRule(sku="X", units=2)])
    new = [BufferRule(channel=Channel.CENTRA, units=5)]
    assert replace_buffer_rules(engine, new) == WriteCounts(created=1, removed=2)
    assert list_buffer_rules(engine) == new
    assert replace_buffer_rules(engine, []) == WriteCounts(created=0, removed=1)
    assert list_buffer_rules(engine) == []


# --- GXO stock: snapshots ------------------------------------------------------------------


def test_available_by_item_sums_the_facilities_asked_for(engine) -> None:
    replace_facility_stock(
        engine,
        UK,
        [
            StockLevel(facility_id=UK, item_code="A", on_hand=10, allocated=3),
            StockLevel(facility_id=UK, item_code="B", on_hand=2, allocated=5),  # oversold
        ],
        cursor=7,
    )
    replace_facility_stock(
        engine,
        NL,
        [
            StockLevel(facility_id=NL, item_code="A", on_hand=4),
            StockLevel(facility_id=NL, item_code="B", on_hand=6, allocated=1),
        ],
        cursor=3,
    )
    # B at UK counts 0, not -3
    assert available_by_item(engine, [UK, NL]) == {"A": 11, "B": 5}
    assert available_by_item(engine, [UK]) == {"A": 7, "B": 0}
    assert available_by_item(engine, [NL, NL]) == {"A": 4, "B": 5}
    assert available_by_item(engine, ["GXO-US1"]) == {}
    assert available_by_item(engine, []) == {}


def test_a_snapshot_replaces_only_its_facility(engine) -> None:
    replace_facility_stock(engine, UK, [StockLevel(facility_id=UK, item_code="A", on_hand=1)], 1)
    replace_facility_stock(engine, NL, [StockLevel(facility_id=NL, item_code="A", on_hand=2)], 1)
    replace_facility_stock(engine, UK, [StockLevel(facility_id=UK, item_code="B", on_hand=5)], 9)
    assert levels(engine) == {(UK, "B"): (5, 0, 9), (NL, "A"): (2, 0, 1)}


def test_changes_up_to_the_snapshot_cursor_are_already_in_it(engine) -> None:
    replace_facility_stock(
        engine, UK, [StockLevel(facility_id=UK, item_code="GXO-1001", on_hand=10)], cursor=5
    )
    assert apply_stock_changes(engine, [change(4, 99), change(5, 98)]) == set()
    assert levels(engine)[(UK, "GXO-1001")] == (10, 0, 5)
    assert apply_stock_changes(engine, [change(6, 12)]) == {"GXO-1001"}
    assert levels(engine)[(UK, "GXO-1001")] == (12, 0, 6)


# --- GXO stock: changes --------------------------------------------------------------------


def test_changes_apply_in_sequence_order_and_return_changed_items(engine) -> None:
    changed = apply_stock_changes(
        engine,
        [
            change(3, 7, 2, item="A"),
            change(1, 10, item="A"),
            change(2, 9, 2, item="A"),
            change(2, 4, item="B", facility=NL),
        ],
    )
    assert changed == {"A", "B"}
    assert levels(engine) == {(UK, "A"): (7, 2, 3), (NL, "B"): (4, 0, 2)}
    assert available_by_item(engine, [UK, NL]) == {"A": 5, "B": 4}


def test_repeated_and_older_changes_are_ignored(engine) -> None:
    apply_stock_changes(engine, [change(5, 10, item="A"), change(6, 3, item="B")])
    assert apply_stock_changes(engine, [change(5, 10, item="A"), change(4, 1, item="A")]) == set()
    assert apply_stock_changes(engine, [change(3, 0, item="B"), change(7, 8, item="A")]) == {"A"}
    assert levels(engine) == {(UK, "A"): (8, 0, 7), (UK, "B"): (3, 0, 6)}


def test_an_empty_batch_changes_nothing(engine) -> None:
    assert apply_stock_changes(engine, []) == set()
    assert levels(engine) == {}


HISTORY = [
    change(1, 10, item="A"),
    change(2, 10, 4, item="A", kind=StockChangeKind.ALLOCATION, quantity=4),
    change(3, 5, item="B"),
    change(4, 6, 4, item="A", kind=StockChangeKind.SHIPMENT, quantity=-4),
    change(5, 3, item="B", kind=StockChangeKind.ADJUSTMENT, quantity=-2),
    change(6, 7, 0, item="A", kind=StockChangeKind.SHIPMENT, quantity=-1),
    change(2, 20, item="A", facility=NL),
]
IN_ORDER = {(UK, "A"): (7, 0, 6), (UK, "B"): (3, 0, 5), (NL, "A"): (20, 0, 2)}


@PROPERTY
@given(
    batches=st.lists(
        st.lists(st.sampled_from(HISTORY), min_size=1, max_size=10),
        min_size=1,
        max_size=4,
    ).map(lambda batches: [*batches, HISTORY])  # at least every change once, last batch in full
    | st.permutations(HISTORY).map(lambda shuffled: [shuffled, shuffled[:3]])
)
def test_repeated_and_reordered_changes_give_the_same_levels(engine, batches) -> None:
    wipe(engine)
    for batch in batches:
        apply_stock_changes(engine, batch)
    assert levels(engine) == IN_ORDER


def test_reordered_input_in_one_batch_gives_the_same_levels(engine) -> None:
    changed = apply_stock_changes(engine, list(reversed(HISTORY)) + HISTORY)
    assert changed == {"A", "B"}
    assert levels(engine) == IN_ORDER


# --- order demand --------------------------------------------------------------------------


def test_record_demand_is_idempotent(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 2), ("TEE-M", "GXO-2001", 1)])
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 2), ("TEE-M", "GXO-2001", 1)])
    assert demand_rows(engine) == {key(ORDER): (2, 0), key(ORDER, "GXO-2001"): (1, 0)}


def test_recording_again_does_not_reset_allocated_units(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])
    apply_stock_changes(
        engine, [change(1, 10, 2, kind=StockChangeKind.ALLOCATION, quantity=2, ref=ORDER)]
    )
    assert demand_rows(engine) == {key(ORDER): (1, 2)}
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])  # a retried plan
    assert demand_rows(engine) == {key(ORDER): (1, 2)}


def test_allocation_moves_only_the_referenced_order_and_item(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3), ("TEE-M", "GXO-2001", 2)])
    record_demand(engine, OTHER, [("MUG-1", "GXO-1001", 4)])
    record_demand(engine, CENTRA, [("MUG-1", "GXO-1001", 5)])
    changed = apply_stock_changes(
        engine, [change(1, 20, 3, kind=StockChangeKind.ALLOCATION, quantity=3, ref=ORDER)]
    )
    assert changed == {"GXO-1001"}
    assert demand_rows(engine) == {
        key(ORDER): (0, 3),
        key(ORDER, "GXO-2001"): (2, 0),
        key(OTHER): (4, 0),
        key(CENTRA): (5, 0),
    }


def test_allocation_moves_no_more_than_is_open(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 2)])
    apply_stock_changes(
        engine, [change(1, 20, 5, kind=StockChangeKind.ALLOCATION, quantity=5, ref=ORDER)]
    )
    assert demand_rows(engine) == {key(ORDER): (0, 2)}


def test_a_repeated_allocation_moves_demand_once(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 4)])
    allocation = change(1, 20, 2, kind=StockChangeKind.ALLOCATION, quantity=2, ref=ORDER)
    apply_stock_changes(engine, [allocation, allocation])
    apply_stock_changes(engine, [allocation])
    assert demand_rows(engine) == {key(ORDER): (2, 2)}


def test_shipment_moves_allocated_to_shipped_and_the_confirm_removes_the_row(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])
    apply_stock_changes(
        engine,
        [
            change(1, 10, 3, kind=StockChangeKind.ALLOCATION, quantity=3, ref=ORDER),
            change(2, 8, 1, kind=StockChangeKind.SHIPMENT, quantity=-2, ref=ORDER),
        ],
    )
    assert demand_rows(engine) == {key(ORDER): (0, 1)}
    apply_stock_changes(
        engine, [change(3, 7, 0, kind=StockChangeKind.SHIPMENT, quantity=-1, ref=ORDER)]
    )
    assert demand_rows(engine) == {key(ORDER): (0, 0)}  # shipped, not yet confirmed
    assert demand_by_item(engine).shipped == {"GXO-1001": {ORDER.channel: 3}}
    confirm_shipped(engine, ORDER, "P1", [("GXO-1001", 3)])
    assert demand_rows(engine) == {}
    assert levels(engine)[(UK, "GXO-1001")] == (7, 0, 3)


def test_a_confirm_before_the_shipment_change_settles_once_both_arrive(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 2)])
    apply_stock_changes(
        engine, [change(1, 10, 2, kind=StockChangeKind.ALLOCATION, quantity=2, ref=ORDER)]
    )
    confirm_shipped(engine, ORDER, "P1", [("GXO-1001", 2)])  # the dispatch event won the race
    assert demand_by_item(engine).shipped == {"GXO-1001": {ORDER.channel: -2}}
    apply_stock_changes(
        engine, [change(2, 8, 0, kind=StockChangeKind.SHIPMENT, quantity=-2, ref=ORDER)]
    )
    assert demand_rows(engine) == {}


def test_a_parcel_confirmed_twice_counts_once_and_the_next_parcel_still_counts(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])
    apply_stock_changes(
        engine, [change(1, 10, 3, kind=StockChangeKind.ALLOCATION, quantity=3, ref=ORDER)]
    )
    confirm_shipped(engine, ORDER, "P1", [("GXO-1001", 2)])
    confirm_shipped(engine, ORDER, "P1", [("GXO-1001", 2)])  # a retried confirm
    assert demand_by_item(engine).shipped == {"GXO-1001": {ORDER.channel: -2}}
    confirm_shipped(engine, ORDER, "P2", [("GXO-1001", 1)])
    apply_stock_changes(
        engine, [change(2, 7, 0, kind=StockChangeKind.SHIPMENT, quantity=-3, ref=ORDER)]
    )
    assert demand_rows(engine) == {}


def test_one_batch_moves_demand_in_sequence_order_whatever_the_input_order(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])
    shipped = change(2, 7, 0, kind=StockChangeKind.SHIPMENT, quantity=-3, ref=ORDER)
    allocated = change(1, 10, 3, kind=StockChangeKind.ALLOCATION, quantity=3, ref=ORDER)
    assert apply_stock_changes(engine, [shipped, allocated]) == {"GXO-1001"}
    assert demand_rows(engine) == {key(ORDER): (0, 0)}
    assert demand_by_item(engine).shipped == {"GXO-1001": {ORDER.channel: 3}}
    assert levels(engine)[(UK, "GXO-1001")] == (7, 0, 2)


def test_partial_allocation_keeps_the_row_until_open_units_go_too(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])
    apply_stock_changes(
        engine,
        [
            change(1, 10, 2, kind=StockChangeKind.ALLOCATION, quantity=2, ref=ORDER),
            change(2, 8, 0, kind=StockChangeKind.SHIPMENT, quantity=-2, ref=ORDER),
        ],
    )
    assert demand_rows(engine) == {key(ORDER): (1, 0)}


def test_deallocation_returns_units_to_open_until_the_order_ends(engine) -> None:
    """A short pick releases what GXO reserved, but the order still owes those units (GXO picks
    them on a later wave): they hold stock back as open demand until they ship or the order
    ends (close_demand)."""
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])
    record_demand(engine, OTHER, [("MUG-1", "GXO-1001", 2)])
    apply_stock_changes(
        engine,
        [
            change(1, 10, 3, kind=StockChangeKind.ALLOCATION, quantity=3, ref=ORDER),
            change(2, 10, 5, kind=StockChangeKind.ALLOCATION, quantity=2, ref=OTHER),
            change(3, 10, 4, kind=StockChangeKind.DEALLOCATION, quantity=-1, ref=ORDER),
        ],
    )
    assert demand_rows(engine) == {key(ORDER): (1, 2), key(OTHER): (0, 2)}
    apply_stock_changes(
        engine, [change(4, 10, 2, kind=StockChangeKind.DEALLOCATION, quantity=-2, ref=ORDER)]
    )
    assert demand_rows(engine) == {key(ORDER): (3, 0), key(OTHER): (0, 2)}
    assert available_by_item(engine, [UK]) == {"GXO-1001": 8}
    assert close_demand(engine, ORDER) == ["GXO-1001"]
    assert demand_rows(engine) == {key(OTHER): (0, 2)}


def test_changes_without_a_reference_leave_demand_alone(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])
    apply_stock_changes(
        engine, [change(1, 10, 3, kind=StockChangeKind.ALLOCATION, quantity=3, ref=None)]
    )
    assert demand_rows(engine) == {key(ORDER): (3, 0)}


def test_an_allocation_arriving_after_a_later_change_still_moves_demand(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3)])
    apply_stock_changes(engine, [change(2, 11, 3)])  # a receipt after the allocation
    apply_stock_changes(
        engine, [change(1, 10, 3, kind=StockChangeKind.ALLOCATION, quantity=3, ref=ORDER)]
    )
    assert levels(engine)[(UK, "GXO-1001")] == (11, 3, 2)
    assert demand_rows(engine) == {key(ORDER): (0, 3)}


def test_close_demand_deletes_only_that_orders_rows(engine) -> None:
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3), ("TEE-M", "GXO-2001", 2)])
    record_demand(engine, OTHER, [("MUG-1", "GXO-1001", 4)])
    apply_stock_changes(
        engine, [change(1, 10, 1, kind=StockChangeKind.ALLOCATION, quantity=1, ref=ORDER)]
    )
    assert close_demand(engine, ORDER) == ["GXO-1001", "GXO-2001"]
    assert demand_rows(engine) == {key(OTHER): (4, 0)}
    assert close_demand(engine, ORDER) == []  # again: nothing left, no error
    assert demand_rows(engine) == {key(OTHER): (4, 0)}


def test_demand_by_item_sums_per_item_and_channel(engine) -> None:
    second_account = OrderRef(channel=Channel.AMAZON, account="A2SELLER", order_id="X-1")
    record_demand(engine, ORDER, [("MUG-1", "GXO-1001", 3), ("TEE-M", "GXO-2001", 2)])
    record_demand(engine, OTHER, [("MUG-1", "GXO-1001", 4)])
    record_demand(engine, second_account, [("MUG-1", "GXO-1001", 1)])
    record_demand(engine, CENTRA, [("mug", "GXO-1001", 5)])
    apply_stock_changes(
        engine, [change(1, 50, 2, kind=StockChangeKind.ALLOCATION, quantity=2, ref=OTHER)]
    )
    demand = demand_by_item(engine)
    assert demand.open["GXO-1001"] == {Channel.AMAZON: 3 + 2 + 1, Channel.CENTRA: 5}
    assert demand.open["GXO-2001"] == {Channel.AMAZON: 2}
    assert demand.allocated["GXO-1001"].get(Channel.AMAZON) == 2
    assert demand.allocated["GXO-1001"].get(Channel.CENTRA, 0) == 0
    assert demand.allocated.get("GXO-2001", {}).get(Channel.AMAZON, 0) == 0


def test_no_demand_is_empty(engine) -> None:
    demand = demand_by_item(engine)
    assert demand.open == {} and demand.allocated == {}


# --- the push ledger -----------------------------------------------------------------------


def _pending(engine: Engine, skus: list[str], at: datetime, account: str = "A1SELLER") -> None:
    quantities = [ListingQuantity(sku=sku, quantity=1) for sku in skus]
    mark_pending(engine, Channel.AMAZON, account, quantities, at)


def _push(engine: Engine, sku: str, quantity: int, accepted: bool, at: datetime) -> None:
    outcome = PushOutcome(
        sku=sku,
        quantity=quantity,
        accepted=accepted,
        submission=f"feed-{quantity}",
        message=None if accepted else "invalid quantity",
    )
    record_push(engine, Channel.AMAZON, "A1SELLER", [outcome], at)


def test_mark_pending_keeps_the_first_pending_since(engine) -> None:
    _pending(engine, ["MUG-1"], T0)
    _pending(engine, ["MUG-1", "TEE-M"], T0 + timedelta(minutes=5))
    entries = ledger(engine, Channel.AMAZON, "A1SELLER")
    assert entries["MUG-1"].pending_since == T0
    assert entries["TEE-M"].pending_since == T0 + timedelta(minutes=5)
    assert entries["MUG-1"].quantity is None and entries["MUG-1"].outcome is None


def test_an_accepted_push_clears_pending_and_sets_the_quantity(engine) -> None:
    _pending(engine, ["MUG-1"], T0)
    _push(engine, "MUG-1", 7, True, T0 + timedelta(minutes=1))
    entry = ledger(engine, Channel.AMAZON, "A1SELLER")["MUG-1"]
    assert entry.quantity == 7
    assert entry.pending_since is None
    assert entry.outcome == "accepted"
    assert entry.submission == "feed-7"
    assert entry.pushed_at == T0 + timedelta(minutes=1)
    assert entry.message is None
    # pending again later starts a new clock
    _pending(engine, ["MUG-1"], T0 + timedelta(hours=1))
    entry = ledger(engine, Channel.AMAZON, "A1SELLER")["MUG-1"]
    assert entry.pending_since == T0 + timedelta(hours=1)


def test_a_rejected_push_keeps_pending_and_the_last_accepted_quantity(engine) -> None:
    _push(engine, "MUG-1", 7, True, T0)
    _pending(engine, ["MUG-1"], T0 + timedelta(minutes=1))
    _push(engine, "MUG-1", 3, False, T0 + timedelta(minutes=2))
    entry = ledger(engine, Channel.AMAZON, "A1SELLER")["MUG-1"]
    assert entry.quantity == 7
    assert entry.pending_since == T0 + timedelta(minutes=1)
    assert entry.outcome == "rejected"
    assert entry.message == "invalid quantity"
    assert entry.submission == "feed-3"
    assert entry.pushed_at == T0 + timedelta(minutes=2)
    # an accepted push afterwards clears the message and the pending mark
    _push(engine, "MUG-1", 3, True, T0 + timedelta(minutes=3))
    entry = ledger(engine, Channel.AMAZON, "A1SELLER")["MUG-1"]
    assert (entry.quantity, entry.pending_since, entry.outcome, entry.message) == (
        3,
        None,
        "accepted",
        None,
    )


def test_read_back_stores_what_the_channel_showed(engine) -> None:
    _push(engine, "MUG-1", 7, True, T0)
    record_read_back(
        engine,
        Channel.AMAZON,
        "A1SELLER",
        [ListingQuantity(sku="MUG-1", quantity=6), ListingQuantity(sku="NEW", quantity=0)],
        T0 + timedelta(minutes=30),
    )
    entries = ledger(engine, Channel.AMAZON, "A1SELLER")
    assert (entries["MUG-1"].shown, entries["MUG-1"].checked_at) == (6, T0 + timedelta(minutes=30))
    assert entries["MUG-1"].quantity == 7  # reading back does not touch what was accepted
    assert (entries["NEW"].shown, entries["NEW"].quantity) == (0, None)
    assert entries["NEW"].checked_at is not None and entries["NEW"].checked_at.tzinfo is not None


def test_ledger_is_per_channel_account(engine) -> None:
    _pending(engine, ["MUG-1"], T0)
    _pending(engine, ["MUG-1", "OTHER-ACCOUNT-ONLY"], T0 + timedelta(minutes=1), account="A2")
    record_push(
        engine,
        Channel.CENTRA,
        "A1SELLER",
        [PushOutcome(sku="CENTRA-ONLY", quantity=4, accepted=True, submission="setStock")],
        T0,
    )
    amazon = ledger(engine, Channel.AMAZON, "A1SELLER")
    assert set(amazon) == {"MUG-1"}
    assert amazon["MUG-1"].pending_since == T0
    assert set(ledger(engine, Channel.AMAZON, "A2")) == {"MUG-1", "OTHER-ACCOUNT-ONLY"}
    assert ledger(engine, Channel.AMAZON, "A2")["MUG-1"].pending_since == T0 + timedelta(minutes=1)
    assert set(ledger(engine, Channel.CENTRA, "A1SELLER")) == {"CENTRA-ONLY"}
    assert ledger(engine, Channel.CENTRA, "other") == {}


def test_clear_pending_settles_skus_back_at_their_accepted_figure(engine) -> None:
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    record_push(
        engine,
        Channel.AMAZON,
        "A1",
        [PushOutcome(sku="MUG-1", quantity=5, accepted=True, submission="patch")],
        at,
    )
    mark_pending(engine, Channel.AMAZON, "A1", [ListingQuantity(sku="MUG-1", quantity=6)], at)
    assert ledger(engine, Channel.AMAZON, "A1")["MUG-1"].pending_since is not None
    clear_pending(engine, Channel.AMAZON, "A1", ["MUG-1"])
    entry = ledger(engine, Channel.AMAZON, "A1")["MUG-1"]
    assert entry.pending_since is None and entry.quantity == 5
