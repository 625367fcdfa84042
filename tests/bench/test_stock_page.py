"""bench.stock_page compares like with like: its baseline leaves the store exactly as
apply_stock_changes does, and a small run prints a row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from bench.demand import seed
from bench.stock_page import one_by_one, page, row
from store import inventory
from store.db import read_session
from store.migrate import open_store
from store.tables import OrderDemandRow, StockLevelRow


def state(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with read_session(engine) as session:
        demand = [
            (r.channel, r.order_id, r.item_code, r.open, r.allocated, r.sequence)
            for r in session.exec(select(OrderDemandRow))
        ]
        levels = [
            (r.facility_id, r.item_code, r.on_hand, r.allocated, r.sequence)
            for r in session.exec(select(StockLevelRow))
        ]
    return sorted(demand), sorted(levels)


def test_the_baseline_and_consign_leave_the_same_store(tmp_path: Path) -> None:
    changes = page(60, 20, 1)
    found = []
    for name, apply in (("baseline", one_by_one), ("consign", inventory.apply_stock_changes)):
        engine = open_store(f"sqlite:///{tmp_path / name}.db")
        seed(engine, 60)
        apply(engine, changes)
        found.append(state(engine))
        engine.dispose()
    baseline, consign = found
    assert baseline == consign
    moved = [r for r in consign[0] if r[4]]  # allocated units
    assert len(moved) == 20


def test_a_small_run_prints_a_row(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'stock.db'}")
    cells = row(engine, 40, 10)
    engine.dispose()
    assert cells[:2] == ["40", "10"] and float(cells[-1]) > 0
