"""One facility's stock ledger: live on-hand and allocated units, and the stock-change feed.

A real 3PL reports in batch cycles, so a change is recorded when it happens but published (given
a sequence, visible in the feed and the inventory snapshot) only when the cycle ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sandbox.gxo.wire import Movement, Snapshot, StockFeedPage, StockLevel, StockMove

RESERVATIONS = (Movement.ALLOCATION, Movement.DEALLOCATION)


@dataclass(frozen=True)
class OrderTag:
    """The order a movement belongs to, echoed on the feed as it came in the 940 (a return
    names its order by the reference alone)."""

    reference: str
    channel_order_id: str | None = None
    channel: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class _Recorded:
    """A change that happened but is not reported yet (it has no sequence until published)."""

    item_code: str
    kind: Movement
    quantity: int
    on_hand_after: int
    allocated_after: int
    order: OrderTag | None
    at: datetime


class FacilityStock:
    """Live levels move immediately (picking needs them); the published view lags a cycle."""

    def __init__(self, facility_id: str, opening: Mapping[str, int], at: datetime) -> None:
        self.facility_id = facility_id
        self.on_hand: dict[str, int] = dict(opening)
        self.allocated: dict[str, int] = {}
        self.changes: list[StockMove] = []
        self._pending: list[_Recorded] = []
        self._published: dict[str, tuple[int, int]] = {code: (q, 0) for code, q in opening.items()}
        self.published_at = at

    def available(self, item_code: str) -> int:
        return max(0, self.on_hand.get(item_code, 0) - self.allocated.get(item_code, 0))

    def move(
        self,
        kind: Movement,
        item_code: str,
        on_hand_delta: int,
        allocated_delta: int,
        at: datetime,
        order: OrderTag | None = None,
    ) -> None:
        """Apply a movement to the live levels and record it; a no-op movement records nothing."""
        if on_hand_delta == 0 and allocated_delta == 0:
            return
        on_hand = self.on_hand.get(item_code, 0) + on_hand_delta
        allocated = self.allocated.get(item_code, 0) + allocated_delta
        if on_hand < 0 or allocated < 0:
            raise ValueError(f"{kind} would take {item_code} below zero")
        self.on_hand[item_code] = on_hand
        self.allocated[item_code] = allocated
        quantity = allocated_delta if kind in RESERVATIONS else on_hand_delta
        self._pending.append(_Recorded(item_code, kind, quantity, on_hand, allocated, order, at))

    def publish(self, at: datetime) -> list[StockMove]:
        """End of a reporting cycle: number the recorded changes and make them visible."""
        published: list[StockMove] = []
        for recorded in self._pending:
            order = recorded.order
            change = StockMove(
                sequence=len(self.changes) + 1,
                facility_id=self.facility_id,
                item_code=recorded.item_code,
                kind=recorded.kind,
                quantity=recorded.quantity,
                on_hand_after=recorded.on_hand_after,
                allocated_after=recorded.allocated_after,
                reference=order.reference if order else None,
                channel_order_id=order.channel_order_id if order else None,
                channel=order.channel if order else None,
                account=order.account if order else None,
                at=recorded.at,
            )
            self.changes.append(change)
            self._published[change.item_code] = (change.on_hand_after, change.allocated_after)
            published.append(change)
        self._pending.clear()
        self.published_at = at
        return published

    def snapshot(self) -> Snapshot:
        """The levels as last reported, with the cursor of the last change they include."""
        return Snapshot(
            facility_id=self.facility_id,
            as_of=self.published_at,
            cursor=len(self.changes),
            levels=[
                StockLevel(
                    facility_id=self.facility_id,
                    item_code=code,
                    on_hand=on_hand,
                    allocated=allocated,
                )
                for code, (on_hand, allocated) in sorted(self._published.items())
            ],
        )

    def page(self, cursor: int, limit: int) -> StockFeedPage:
        """Published changes with sequence > cursor; next_cursor is the last one returned."""
        start = max(cursor, 0)
        changes = self.changes[start : start + limit]
        return StockFeedPage(
            changes=changes, next_cursor=changes[-1].sequence if changes else cursor
        )
