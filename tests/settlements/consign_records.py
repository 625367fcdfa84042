"""consign's side for the authored sample: what it shipped and confirmed, with the differences
the reconciliation test expects planted in it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.settlement_differences import ShippedLine, ShippedOrder


def _at(day: int, month: int = 7) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


SHIPPED = (
    # as settled
    ShippedOrder(
        order_id="113-2841937-5520641",
        confirmed_at=_at(3),
        lines=(ShippedLine(sku="MUG-BLU-12", confirmed_quantity=1),),
        order_total=Decimal("33.53"),
    ),
    # planted: SPOON-SET-4 confirmed 1, settled 2
    ShippedOrder(
        order_id="114-7703518-2264229",
        confirmed_at=_at(4),
        lines=(
            ShippedLine(sku="BOWL-GRN-6", confirmed_quantity=1),
            ShippedLine(sku="SPOON-SET-4", confirmed_quantity=1),
        ),
        order_total=Decimal("52.99"),
    ),
    # planted: consign knew the order at 39.99, the buyer was charged 34.99 after promotions
    ShippedOrder(
        order_id="111-5092846-7718233",
        confirmed_at=_at(6),
        lines=(ShippedLine(sku="TEAPOT-WHT", confirmed_quantity=1),),
        order_total=Decimal("39.99"),
    ),
    # planted: 112-6639014-0395847 is missing here (shipped by hand, outside consign)
    ShippedOrder(
        order_id="113-9021475-6618202",
        confirmed_at=_at(9),
        lines=(ShippedLine(sku="PLATE-SET-4", confirmed_quantity=1),),
        order_total=Decimal("67.11"),
    ),
    # planted: refunded in the settlement, no return recorded
    ShippedOrder(
        order_id="114-3385520-9106643",
        confirmed_at=_at(5),
        lines=(ShippedLine(sku="VASE-CLR-10", confirmed_quantity=1),),
        order_total=Decimal("38.49"),
    ),
    # planted: confirmed 20 June, in no settlement
    ShippedOrder(
        order_id="111-0000000-0000001",
        confirmed_at=_at(20, 6),
        lines=(ShippedLine(sku="MUG-BLU-12", confirmed_quantity=1),),
    ),
    # confirmed the day before the settlement closed: expected in the next one, no difference
    ShippedOrder(
        order_id="111-0000000-0000002",
        confirmed_at=_at(15),
        lines=(ShippedLine(sku="MUG-BLU-12", confirmed_quantity=1),),
    ),
    # settled in an earlier settlement: no difference
    ShippedOrder(
        order_id="111-0000000-0000003",
        confirmed_at=_at(10, 6),
        lines=(ShippedLine(sku="MUG-BLU-12", confirmed_quantity=1),),
    ),
)
SETTLED_BEFORE = frozenset({"111-0000000-0000003"})
