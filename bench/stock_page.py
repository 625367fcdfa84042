"""Applying one page of GXO stock changes (the stock intake's `apply_stock_changes`) at N open
orders: the page's levels and demand rows read in two queries and applied in memory (what
consign does), against the baseline measured in the same run: one level read and one demand
query per change, as before (11% of the worker in issue 14's 500-order profile).

    .venv/bin/python -m bench.stock_page [--orders 2000 10000 --page 100]   (temporary SQLite)
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import col, select

from bench.demand import ITEMS, seed
from domain.inventory import StockChange, StockChangeKind
from store import inventory
from store.db import write_session
from store.migrate import open_store
from store.tables import OrderDemandRow, StockLevelRow

REPEATS = 5
FACILITY = "GXO-DE-KOB"


def page(orders: int, size: int, first_sequence: int) -> list[StockChange]:
    """GXO allocating `size` of the seeded orders' first lines, in feed order."""
    at = datetime(2026, 11, 30, tzinfo=UTC)
    return [
        StockChange(
            facility_id=FACILITY,
            item_code=ITEMS[(n * 7) % len(ITEMS)],
            sequence=first_sequence + index,
            kind=StockChangeKind.ALLOCATION,
            quantity=1,
            on_hand_after=100,
            allocated_after=1 + index,
            reference=f"O{n}",
            channel="amazon" if n % 2 else "centra",
            account="A",
            at=at,
        )
        for index, n in enumerate(range(0, orders, max(1, orders // size)))
    ][:size]


def one_by_one(engine: Engine, changes: Sequence[StockChange]) -> None:
    """The baseline: a level read and a locked demand query per change, in one transaction."""
    with write_session(engine) as session:
        for change in sorted(changes, key=lambda c: c.sequence):
            level = session.get(StockLevelRow, (change.facility_id, change.item_code))
            if level is None:
                level = StockLevelRow(facility_id=change.facility_id, item_code=change.item_code)
                session.add(level)
            if level.sequence < change.sequence:
                level.on_hand, level.allocated = change.on_hand_after, change.allocated_after
                level.sequence = change.sequence
            query = select(OrderDemandRow).where(
                col(OrderDemandRow.channel) == change.channel,
                col(OrderDemandRow.order_id) == change.reference,
                col(OrderDemandRow.item_code) == change.item_code,
                col(OrderDemandRow.account) == change.account,
                col(OrderDemandRow.sequence) < change.sequence,
            )
            for row in session.exec(query.with_for_update()).all():
                row.sequence = change.sequence
                moved = min(abs(change.quantity), row.open)
                row.open -= moved
                row.allocated += moved


def timed(
    apply: Callable[[list[StockChange]], object], orders: int, size: int, sequences: Iterator[int]
) -> float:
    """Median ms over REPEATS pages, each newer than the last (so every change is applied)."""
    runs = []
    for _ in range(REPEATS):
        changes = page(orders, size, next(sequences))
        started = time.perf_counter()
        apply(changes)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def row(engine: Engine, orders: int, size: int) -> list[str]:
    seed(engine, orders)
    sequences = itertools.count(1, size)
    baseline = timed(lambda changes: one_by_one(engine, changes), orders, size, sequences)
    batched = timed(
        lambda changes: inventory.apply_stock_changes(engine, changes), orders, size, sequences
    )
    return [
        f"{orders:,}",
        f"{size}",
        f"{baseline:.1f}",
        f"{batched:.1f}",
        f"{batched / baseline:.2f}",
    ]


def main(counts: list[int], size: int) -> None:
    table = Table(title=f"One page of stock changes applied (median of {REPEATS}, ms)")
    for column in ("open orders", "changes", "query per change", "two queries", "ratio"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        for orders in counts:
            engine = open_store(f"sqlite:///{Path(tmp) / f'stock-{orders}.db'}")
            table.add_row(*row(engine, orders, size))
            engine.dispose()
    Console(width=120).print(table)
    Console().print("ratio: two queries against the baseline, same store, same run")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--page", type=int, default=100)
    arguments = parser.parse_args()
    main(arguments.orders, arguments.page)
