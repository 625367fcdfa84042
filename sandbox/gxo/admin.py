"""/_sandbox endpoints: drive cycles, script scenarios, set stock, inspect what consign did."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sandbox.gxo.catalogue import Catalogue
from sandbox.gxo.errors import GxoHttpError
from sandbox.gxo.items import ItemScenario
from sandbox.gxo.models import (
    Adjustment,
    CancelRecord,
    HeldItem,
    InjectionCount,
    ProcessingSettings,
    Restock,
    ReturnReceipt,
    ReturnScenario,
    SandboxOrder,
    Scenario,
    UnlabelledReturn,
)
from sandbox.gxo.push import PushStatus, WebhookPusher, WebhookTarget
from sandbox.gxo.warehouse import GxoWarehouse, UnknownFacility, UnknownItem
from sandbox.gxo.wire import FeedEvent, ItemView, ReturnEvent, ReturnView, StockLevel


def _unknown_item(exc: UnknownItem) -> GxoHttpError:
    """The WMS receives no stock for an item its item master does not hold."""
    return GxoHttpError(422, f"item {exc.args[0]} is not in the item master", "UNKNOWN_ITEM")


def admin_router(warehouse: GxoWarehouse, pusher: WebhookPusher) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    @router.post("/cycle")
    async def cycle() -> list[FeedEvent]:
        """Run one processing cycle now; returns the events it emitted."""
        return warehouse.run_cycle()

    @router.get("/orders")
    async def orders() -> list[SandboxOrder]:
        return warehouse.orders

    @router.get("/injections")
    async def injections() -> dict[str, InjectionCount]:
        return warehouse.injections

    @router.get("/cancels")
    async def cancels() -> list[CancelRecord]:
        return warehouse.cancels

    @router.get("/stock")
    async def stock() -> list[StockLevel]:
        return warehouse.stock_levels()

    @router.put("/stock")
    async def set_stock(levels: list[StockLevel]) -> list[StockLevel]:
        try:
            for level in levels:
                warehouse.set_stock(level)
        except UnknownFacility as exc:
            raise GxoHttpError(404, f"unknown facility {exc.args[0]}") from exc
        except UnknownItem as exc:
            raise _unknown_item(exc) from exc
        return warehouse.stock_levels()

    def level(facility_id: str, item_code: str) -> StockLevel:
        """The live level of one item after an admin movement (ahead of the feed)."""
        return next(
            lv
            for lv in warehouse.stock_levels()
            if (lv.facility_id, lv.item_code) == (facility_id, item_code)
        )

    @router.post("/restock")
    async def restock(change: Restock) -> StockLevel:
        """Goods received (RECEIPT), reported at the end of the next cycle."""
        try:
            warehouse.restock(change.facility_id, change.item_code, change.quantity)
        except UnknownFacility as exc:
            raise GxoHttpError(404, f"unknown facility {exc.args[0]}") from exc
        except UnknownItem as exc:
            raise _unknown_item(exc) from exc
        return level(change.facility_id, change.item_code)

    @router.post("/adjust")
    async def adjust(change: Adjustment) -> StockLevel:
        """A stock adjustment (ADJUSTMENT), clamped so on hand never goes below zero."""
        try:
            warehouse.adjust(change.facility_id, change.item_code, change.quantity)
        except UnknownFacility as exc:
            raise GxoHttpError(404, f"unknown facility {exc.args[0]}") from exc
        except UnknownItem as exc:
            raise _unknown_item(exc) from exc
        return level(change.facility_id, change.item_code)

    @router.post("/return")
    async def receive_return(change: ReturnReceipt) -> StockLevel:
        """A customer return put back to stock (RETURN)."""
        try:
            warehouse.receive_return(
                change.facility_id, change.item_code, change.quantity, change.reference
            )
        except UnknownFacility as exc:
            raise GxoHttpError(404, f"unknown facility {exc.args[0]}") from exc
        except UnknownItem as exc:
            raise _unknown_item(exc) from exc
        return level(change.facility_id, change.item_code)

    @router.post("/return-scenarios")
    async def add_return_scenarios(
        scenarios: dict[str, ReturnScenario],
    ) -> dict[str, ReturnScenario]:
        """Scripted behaviour per RMA or per channel order id (never arrives, several receipts,
        short, wrong item); an RMA's own script wins."""
        warehouse.returns.scenarios.update(scenarios)
        return warehouse.returns.scenarios

    @router.post("/returns/unlabelled")
    async def receive_unlabelled(parcel: UnlabelledReturn) -> ReturnEvent:
        """A returned parcel that names no RMA arrives at the dock."""
        try:
            return warehouse.receive_unlabelled(parcel)
        except UnknownFacility as exc:
            raise GxoHttpError(404, f"unknown facility {exc.args[0]}") from exc

    @router.get("/returns")
    async def returns() -> list[ReturnView]:
        """Every return notice GXO holds, with its receipts."""
        views = [warehouse.returns.view(f, rma) for f, rma in warehouse.returns.notices]
        return [v for v in views if v is not None]

    @router.post("/scenarios")
    async def add_scenarios(scenarios: dict[str, Scenario]) -> dict[str, Scenario]:
        warehouse.scenarios.update(scenarios)
        return warehouse.scenarios

    @router.get("/scenarios")
    async def get_scenarios() -> dict[str, Scenario]:
        return warehouse.scenarios

    @router.delete("/scenarios")
    async def clear_scenarios() -> dict[str, Scenario]:
        warehouse.scenarios.clear()
        return warehouse.scenarios

    @router.post("/item-scenarios")
    async def add_item_scenarios(scenarios: dict[str, ItemScenario]) -> dict[str, ItemScenario]:
        """Hold a new item PENDING for some cycles, or have the WMS refuse it, by item code."""
        warehouse.items.scenarios.update(scenarios)
        return warehouse.items.scenarios

    @router.delete("/item-scenarios")
    async def clear_item_scenarios() -> dict[str, ItemScenario]:
        warehouse.items.scenarios.clear()
        return warehouse.items.scenarios

    @router.get("/items")
    async def items() -> list[ItemView]:
        """Every facility's item master: status and revision per item."""
        return [
            view
            for fid, code in sorted(warehouse.items.items)
            if (view := warehouse.items.view(fid, code)) is not None
        ]

    @router.get("/item-records")
    async def item_records() -> list[dict[str, Any]]:
        """Every facility's item records as the last PUT sent them (weight, dimensions, EAN,
        customs): what the demo and tests check a product sync sent."""
        return [
            {"facility_id": fid, "item_code": code, "record": item.record.model_dump(mode="json")}
            for (fid, code), item in sorted(warehouse.items.items.items())
        ]

    @router.put("/items")
    async def hold_items(held: list[HeldItem]) -> list[ItemView]:
        """Items the facilities already hold (ACTIVE at once): a brand's catalogue loaded
        into the WMS before consign, so stock can be set for it. Existing records are kept."""
        try:
            for item in held:
                warehouse.hold_item(item.facility_id, item.item_code, item.description)
        except UnknownFacility as exc:
            raise GxoHttpError(404, f"unknown facility {exc.args[0]}") from exc
        return await items()

    @router.get("/settings")
    async def get_settings() -> ProcessingSettings:
        return warehouse.settings

    @router.put("/settings")
    async def put_settings(settings: ProcessingSettings) -> ProcessingSettings:
        warehouse.configure(settings)
        return settings

    @router.get("/catalogue")
    async def catalogue() -> Catalogue:
        return warehouse.catalogue

    @router.get("/webhook")
    async def webhook() -> PushStatus:
        return pusher.status()

    @router.put("/webhook")
    async def set_webhook(target: WebhookTarget) -> PushStatus:
        pusher.configure(target)
        return pusher.status()

    @router.delete("/webhook")
    async def remove_webhook() -> PushStatus:
        pusher.configure(None)
        return pusher.status()

    @router.post("/webhook/flush")
    async def flush() -> PushStatus:
        """Deliver every pending push now, ignoring backoff (deterministic tests)."""
        await pusher.deliver_due(force=True)
        return pusher.status()

    return router
