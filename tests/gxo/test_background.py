"""With cycle_seconds set, the served simulator processes orders without admin calls."""

from __future__ import annotations

import asyncio

from domain.warehouse import WarehouseOrderStatus, order_events
from integrations.gxo.rest import RestWarehouse
from sandbox.gxo.app import DEFAULT_API_KEY, create_app
from sandbox.gxo.catalogue import UK_DAVENTRY
from sandbox.gxo.models import ProcessingSettings
from sandbox.gxo.warehouse import GxoWarehouse
from sandbox.server import ServerThread
from tests.gxo.builders import order


async def test_background_cycles_dispatch_injected_orders() -> None:
    sim = GxoWarehouse(settings=ProcessingSettings(cycle_seconds=0.05))
    with ServerThread(create_app(sim)) as server:
        async with RestWarehouse(server.url, DEFAULT_API_KEY) as gxo:
            await gxo.inject(order("BG-1", [("GXO-100001", 3)]))
            state = None
            for _ in range(200):
                state = await gxo.get_order(UK_DAVENTRY, "BG-1")
                if state is not None and state.status is WarehouseOrderStatus.SHIPPED:
                    break
                await asyncio.sleep(0.025)
            page = await gxo.events_since(UK_DAVENTRY, 0, 10)
    assert state is not None and state.status is WarehouseOrderStatus.SHIPPED
    assert [e.order_status for e in order_events(page.events)] == [WarehouseOrderStatus.SHIPPED]
