"""Property: whatever happens, the published feed folds to the snapshot and to the live levels."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.gxo.catalogue import UK_DAVENTRY
from sandbox.gxo.models import ProcessingSettings, Scenario
from sandbox.gxo.warehouse import GxoWarehouse
from sandbox.gxo.wire import Movement, StockLevel
from tests.gxo.builders import order

ITEMS = ["GXO-100003", "GXO-100004", "GXO-100005"]
item = st.sampled_from(ITEMS)
op = st.one_of(
    st.tuples(st.just("order"), item, st.integers(1, 8), st.integers(0, 2)),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("restock"), item, st.integers(1, 6)),
    st.tuples(st.just("adjust"), item, st.integers(-10, 6)),
    st.tuples(st.just("return"), item, st.integers(1, 3)),
    st.tuples(st.just("set"), item, st.integers(0, 8)),
    st.tuples(st.just("cycle")),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(op, max_size=25), st.floats(0, 0.5))
def test_feed_folds_to_snapshot_and_live_levels(ops: list[tuple], short_rate: float) -> None:
    sim = GxoWarehouse(settings=ProcessingSettings(short_pick_rate=short_rate))
    opening = {lv.item_code: (lv.on_hand, lv.allocated) for lv in sim.inventory(UK_DAVENTRY).levels}
    refs: list[str] = []
    for step in ops:
        match step:
            case ("order", code, qty, hold):
                ref = f"O-{len(refs)}"
                sim.scenarios[ref] = Scenario(hold_cycles=hold)
                sim.inject(order(ref, [(code, qty)]).model_dump(mode="json"))
                refs.append(ref)
            case ("cancel", n) if refs:
                sim.cancel(UK_DAVENTRY, refs[n % len(refs)])
            case ("restock", code, qty):
                sim.restock(UK_DAVENTRY, code, qty)
            case ("adjust", code, qty):
                sim.adjust(UK_DAVENTRY, code, qty)
            case ("return", code, qty):
                sim.receive_return(UK_DAVENTRY, code, qty, "R-1")
            case ("set", code, qty):
                sim.set_stock(StockLevel(facility_id=UK_DAVENTRY, item_code=code, on_hand=qty))
            case ("cycle",):
                sim.run_cycle()
    sim.run_cycle()
    changes = sim.stock_changes(UK_DAVENTRY, 0, 10_000).changes
    assert [c.sequence for c in changes] == list(range(1, len(changes) + 1))
    levels = dict(opening)
    for change in changes:
        on_hand, allocated = levels[change.item_code]
        if change.kind in (Movement.ALLOCATION, Movement.DEALLOCATION):
            allocated += change.quantity
        else:
            on_hand += change.quantity
            allocated += change.quantity if change.kind is Movement.SHIPMENT else 0
        assert (on_hand, allocated) == (change.on_hand_after, change.allocated_after)
        levels[change.item_code] = (on_hand, allocated)
    snapshot = sim.inventory(UK_DAVENTRY)
    assert snapshot.cursor == len(changes)
    assert {lv.item_code: (lv.on_hand, lv.allocated) for lv in snapshot.levels} == levels
    live = {
        lv.item_code: (lv.on_hand, lv.allocated)
        for lv in sim.stock_levels()
        if lv.facility_id == UK_DAVENTRY
    }
    assert live == levels
    held = {
        code: sum(line.allocated for r in sim.orders for line in r.lines if line.item_code == code)
        for code in live
    }
    assert held == {code: allocated for code, (_, allocated) in live.items()}
