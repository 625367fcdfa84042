"""The warehouse port: one interface, swappable transports (REST/JSON today, X12 EDI later)."""

from __future__ import annotations

from typing import Protocol

from domain.inventory import InventorySnapshot, StockChangePage
from domain.products import ItemRecord, ItemState
from domain.returns import NoticeResult, ReturnNotice
from domain.warehouse import (
    CancelOutcome,
    EventPage,
    InjectionResult,
    WarehouseOrder,
    WarehouseOrderState,
)


class WarehousePort(Protocol):
    """What consign needs from a 3PL. Every method raises only integrations.gxo.errors types."""

    async def inject(self, order: WarehouseOrder) -> InjectionResult:
        """Send a 940; idempotent on (facility, reference): a re-send returns duplicate=True."""
        ...

    async def cancel(self, facility_id: str, reference: str) -> CancelOutcome:
        """Stop an order before it is picked; TOO_LATE once anything was picked."""
        ...

    async def get_order(self, facility_id: str, reference: str) -> WarehouseOrderState | None:
        """The warehouse's current view of an order, or None when it does not know it."""
        ...

    async def events_since(self, facility_id: str, cursor: int, limit: int) -> EventPage:
        """Events with sequence > cursor, at most `limit`; may repeat or reorder events."""
        ...

    async def inventory(self, facility_id: str) -> InventorySnapshot:
        """Every item's on-hand and allocated units as of the last reporting cycle (846);
        its `cursor` is the last stock change it includes, the place to resume the feed."""
        ...

    async def stock_changes(self, facility_id: str, cursor: int, limit: int) -> StockChangePage:
        """Stock changes with sequence > cursor, at most `limit`; may repeat or reorder them,
        so consumers keep the highest sequence per item (each carries the levels after it)."""
        ...


class ItemMasterPort(Protocol):
    """GXO's item master per facility (X12 888): what it may receive, store and ship."""

    async def put_item(self, record: ItemRecord) -> ItemState:
        """Create or change an item; idempotent (the same record again changes nothing). A
        record GXO refuses raises WarehouseRejected (INVALID_ITEM)."""
        ...

    async def get_item(self, facility_id: str, item_code: str) -> ItemState | None:
        """The item's state at the facility, or None when GXO does not know it."""
        ...


class ReturnsPort(Protocol):
    """GXO's returns desk (X12 180 notice; receipts come back as RETURN_RECEIVED events)."""

    async def notify_return(self, notice: ReturnNotice) -> NoticeResult:
        """Tell GXO to expect a return; idempotent on (facility, RMA): a re-send returns
        duplicate=True."""
        ...
