"""What planning one stock push reads of the order demand, at N open orders: the sums per item
and channel done by the database for the items that moved (what consign does), against the
baseline measured in the same run: every open order's rows loaded and summed in Python (what it
did before, 65% of the worker at 5-10k open orders in the issue 14 profile).

    .venv/bin/python -m bench.demand [--orders 2000 5000 10000]   (a temporary SQLite store)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import select

from store import inventory
from store.db import read_session, write_session
from store.migrate import open_store
from store.tables import OrderDemandRow

ITEMS = [f"GXO-{n:06d}" for n in range(500)]
REPEATS = 5


def seed(engine: Engine, orders: int) -> None:
    """Two lines per order, in one transaction (record_demand's rows, written faster)."""
    with write_session(engine) as session:
        session.add_all(
            OrderDemandRow(
                channel="amazon" if n % 2 else "centra",
                account="A",
                order_id=f"O{n}",
                item_code=ITEMS[(n * 7 + i) % len(ITEMS)],
                sku=f"SKU-{i}",
                open=1 + i,
            )
            for n in range(orders)
            for i in range(2)
        )


def every_row(engine: Engine) -> inventory.Demand:
    """The baseline: the rows loaded and summed in Python."""
    demand = inventory.Demand()
    with read_session(engine) as session:
        for row in session.scalars(select(OrderDemandRow)):
            for bucket, units in ((demand.open, row.open), (demand.allocated, row.allocated)):
                if units:
                    per_channel = bucket.setdefault(row.item_code, {})
                    per_channel[row.channel] = per_channel.get(row.channel, 0) + units
    return demand


def timed(call: Callable[[], inventory.Demand]) -> float:
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def row(engine: Engine, orders: int) -> list[str]:
    seed(engine, orders)
    moved = ITEMS[:2]
    assert inventory.demand_by_item(engine).open == every_row(engine).open
    baseline = timed(lambda: every_row(engine))
    summed = timed(lambda: inventory.demand_by_item(engine))
    narrow = timed(lambda: inventory.demand_by_item(engine, moved))
    return [
        f"{orders:,}",
        f"{baseline:.1f}",
        f"{summed:.1f}",
        f"{narrow:.1f}",
        f"{narrow / baseline:.3f}",
    ]


def main(counts: list[int]) -> None:
    table = Table(title="Order demand read per stock plan (median of 5, ms)")
    for column in ("open orders", "every row", "all items, summed", "2 items, summed", "ratio"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        for orders in counts:
            engine = open_store(f"sqlite:///{Path(tmp) / f'demand-{orders}.db'}")
            table.add_row(*row(engine, orders))
            engine.dispose()
    Console(width=120).print(table)
    Console().print("ratio: the 2-item plan's read against the baseline, same store, same run")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[2000, 5000, 10000])
    main(parser.parse_args().orders)
