"""/_sandbox endpoints: drive cycles, script scenarios, set stock, inspect what consign did."""

from __future__ import annotations

from fastapi import APIRouter

from domain.warehouse import WarehouseEvent
from sandbox.gxo.catalogue import Catalogue
from sandbox.gxo.errors import GxoHttpError
from sandbox.gxo.models import (
    CancelRecord,
    InjectionCount,
    ProcessingSettings,
    Restock,
    SandboxOrder,
    Scenario,
    StockLevel,
)
from sandbox.gxo.push import PushStatus, WebhookPusher, WebhookTarget
from sandbox.gxo.warehouse import GxoWarehouse, UnknownFacility


def admin_router(warehouse: GxoWarehouse, pusher: WebhookPusher) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    @router.post("/cycle")
    async def cycle() -> list[WarehouseEvent]:
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
        return warehouse.stock_levels()

    @router.post("/restock")
    async def restock(change: Restock) -> StockLevel:
        try:
            on_hand = warehouse.restock(change.facility_id, change.item_code, change.quantity)
        except UnknownFacility as exc:
            raise GxoHttpError(404, f"unknown facility {exc.args[0]}") from exc
        return StockLevel(
            facility_id=change.facility_id, item_code=change.item_code, on_hand=on_hand
        )

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
