"""The Centra part of the demo: a brand's DTC orders, shipped from GXO Koblenz.

A scripted mix, so every outcome is known in advance: plain EU orders, international ones that
need customs data, multi-unit orders GXO splits into parcels, short picks, orders waiting for
payment or on hold until released, one held *before* its payment clears (it must never reach
GXO), buyer cancellations, and one order with a shipping option nobody mapped, which operations
then map and retry.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine
from temporalio.client import Client

from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage, OrderStatus
from domain.mapping import CarrierServiceMapping
from integrations.registry import Channel
from sandbox.centra import catalogue
from starter import demo_world
from starter.demo_parts import (
    Answered,
    Expected,
    GxoRecords,
    cancelled_at_gxo,
    common_rows,
    ended_as_expected,
    get_json,
    injected_exactly_once,
    records,
    retry_orders,
    script_troubles,
)
from starter.devstack import DevStack
from store.mappings import upsert_carrier_codes, upsert_carrier_services, upsert_sku_mappings

ACCOUNT = "sandbox-brand"
STOCK_WAITS = 60  # half-seconds the seed waits for a store to show GXO's opening stock
CENTRA_RATE_SCALE = 200  # Centra's published quotas, scaled in both the sandbox and the worker
STD, EXP = catalogue.STANDARD_EU.name, catalogue.EXPRESS_EU.name
UK, WORLD = catalogue.STANDARD_UK.name, catalogue.EXPRESS_WORLD.name
COLLECT = catalogue.CLICK_AND_COLLECT.name

# (role, lines, shipping option, country, extra flags)
ORDERS: list[tuple[str, list[tuple[str, int]], str, str, dict[str, bool]]] = [
    ("plain", [("TEE200WHTM", 1)], STD, "SE", {}),
    ("plain", [("JKT100BLKM", 1), ("CAP600BLKOS", 2)], STD, "DE", {}),
    ("plain", [("BAG500BLKOS", 3)], EXP, "FI", {}),
    ("plain", [("TRS300KHK32", 1)], UK, "GB", {}),
    ("plain", [("JKT100NVYL", 1)], WORLD, "US", {}),
    ("plain", [("TEE200WHTL", 2)], STD, "NL", {}),
    ("plain", [("SCF400GRYOS", 1), ("TEE200WHTXL", 1)], EXP, "DK", {}),
    ("short", [("TEE200WHTS", 3)], STD, "DK", {}),
    ("short", [("TRS300KHK30", 2), ("CAP600BLKOS", 1)], EXP, "FR", {}),
    ("waiting", [("JKT100BLKS", 1)], STD, "SE", {"waiting_for_payment": True}),
    ("waiting", [("TEE200WHTM", 2)], STD, "DE", {"waiting_for_payment": True}),
    ("held", [("TRS300KHK34", 1)], STD, "SE", {"on_hold": True}),
    ("held", [("BAG500BLKOS", 1)], EXP, "NL", {"on_hold": True}),
    ("held_later", [("JKT100BLKL", 1)], STD, "FI", {"waiting_for_payment": True}),
    ("cancel", [("TEE200WHTL", 1)], STD, "SE", {}),
    ("cancel", [("CAP600BLKOS", 2)], STD, "DE", {}),
    ("unmapped", [("TEE200WHTS", 1)], COLLECT, "SE", {}),
]


class CentraPart:
    channel = Channel.CENTRA
    account = ACCOUNT
    label = "Centra"
    facility_rules = staticmethod(demo_world.centra_facility_rules)

    def __init__(
        self, *, account: str = ACCOUNT, label: str = "Centra", sandbox: str = "centra"
    ) -> None:
        """Another store (an accounts-file account) plays the same scenario on its own
        sandbox (`sandbox`, the stack's child)."""
        self.account, self.label, self.sandbox = account, label, sandbox
        self.order_ids: list[str] = []
        self.roles: dict[str, str] = {}
        self.retried = 0
        self.answers: list[Answered] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.released_at: datetime | None = None  # when holds lifted and payments cleared

    def of(self, role: str) -> list[str]:
        return [o for o in self.order_ids if self.roles[o] == role]

    async def seed(self, stack: DevStack, http: httpx.AsyncClient, engine: Engine) -> None:
        await asyncio.to_thread(upsert_sku_mappings, engine, demo_world.centra_sku_mappings())
        services = demo_world.centra_carrier_services()
        await asyncio.to_thread(upsert_carrier_services, engine, services)
        await asyncio.to_thread(upsert_carrier_codes, engine, demo_world.centra_carrier_codes())
        await demo_world.open_warehouse(http, stack.gxo_url, demo_world.centra_opening_stock())
        specs = [
            {
                "lines": [{"SKU": sku, "quantity": qty} for sku, qty in lines],
                "shipping_option": option,
                "country": country,
                **flags,
            }
            for _, lines, option, country, flags in ORDERS
        ]
        created = await self._create(http, stack.sandbox_url(self.sandbox), specs)
        for (role, *_), record in zip(ORDERS, records(created.json()), strict=True):
            order_id = str(record["number"])
            self.order_ids.append(order_id)
            self.roles[order_id] = role
        troubles: dict[str, dict[str, object]] = {}
        for order_id in self.of("short"):
            troubles[order_id] = {"short_pick": {"line": 1, "ship": 1}}
        for order_id in self.of("cancel"):  # held at GXO so the buyer's cancel can still win
            troubles[order_id] = {"hold_cycles": 30}
        await script_troubles(http, stack, self.channel, self.account, troubles)

    @property
    def key(self) -> tuple[str, str]:
        return (self.channel, self.account)

    @staticmethod
    async def _create(
        http: httpx.AsyncClient, centra: str, specs: list[dict[str, Any]]
    ) -> httpx.Response:
        """Create the orders once the store shows stock: the worker's inventory sync sets
        each store's stock from GXO's, and a store whose sync ran before GXO's opening stock
        was loaded shows none until its next push (a second or two)."""
        for _ in range(STOCK_WAITS):
            created = await http.post(f"{centra}/_sandbox/orders", json={"orders": specs})
            if created.status_code != 409 or "free-to-allocate" not in created.text:
                break
            await asyncio.sleep(0.5)
        if created.is_error:
            raise RuntimeError(f"the Centra sandbox refused the orders: {created.text[:300]}")
        return created

    async def act(self, stack: DevStack, http: httpx.AsyncClient) -> None:
        """Cancellations and a late hold first; then payments clear and holds are released."""
        admin = f"{stack.sandbox_url(self.sandbox)}/_sandbox/orders"
        await asyncio.sleep(3)
        for order_id in self.of("cancel"):
            (await http.post(f"{admin}/{order_id}/cancel")).raise_for_status()
        for order_id in self.of("held_later"):
            await self._flag(http, f"{admin}/{order_id}/hold", {"on_hold": True})
        await asyncio.sleep(2)
        self.released_at = datetime.now(UTC)
        for order_id in self.of("waiting") + self.of("held_later"):
            await self._flag(http, f"{admin}/{order_id}/payment", {"waiting_for_payment": False})
        for order_id in self.of("held"):
            await self._flag(http, f"{admin}/{order_id}/hold", {"on_hold": False})

    @staticmethod
    async def _flag(http: httpx.AsyncClient, url: str, body: dict[str, bool]) -> None:
        (await http.post(url, json=body)).raise_for_status()

    async def fix(
        self, stack: DevStack, http: httpx.AsyncClient, engine: Engine, client: Client
    ) -> None:
        """UNMAPPED_CARRIER: map the shipping option to a GXO service, then send `retry`."""
        unmapped = self.of("unmapped")
        collect = CarrierServiceMapping(
            channel=self.channel, ship_service_level=COLLECT, carrier_service_code="DHL-PAKET"
        )
        await asyncio.to_thread(upsert_carrier_services, engine, [collect])
        self.answers = await retry_orders(
            client, self.channel, self.account, unmapped, "shipping option mapped"
        )
        self.retried = len(unmapped)

    def expected(self, order_id: str) -> Expected:
        role = self.roles[order_id]
        if role == "cancel":
            return OrderStage.CANCELLED, None
        if role == "held_later":
            return OrderStage.AWAITING_PAYMENT, None
        if role == "unmapped" and not self.retried:
            return OrderStage.EXCEPTION, ExceptionKind.UNMAPPED_CARRIER.value
        return OrderStage.SHIPPED, None

    async def collect(self, stack: DevStack, http: httpx.AsyncClient) -> None:
        body = await get_json(http, f"{stack.sandbox_url(self.sandbox)}/_sandbox/orders")
        self.orders = {str(o["number"]): o for o in records(body)}

    def shipments(self, order_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.orders[order_id].get("shipments", [])
        return found

    def shipped_units(self, order_id: str) -> Counter[str]:
        return shipped_units(self.orders[order_id])

    def checks(self, statuses: dict[str, OrderStatus], gxo: GxoRecords) -> dict[str, bool]:
        shipments = [s for o in self.order_ids for s in self.shipments(o)]
        return {
            "every order that cleared planning was injected exactly once": injected_exactly_once(
                statuses, gxo
            ),
            "held or unpaid orders never reached GXO": not (
                set(self.of("held_later")) & gxo.created()
            ),
            "one completed Centra shipment per GXO parcel, same tracking number": all(
                tracking_numbers(self.orders[o])
                == sorted(p["tracking_number"] for p in gxo.parcels(o))
                for o in self.order_ids
            ),
            "shipped quantities per line equal GXO's": all(
                self.shipped_units(o) == gxo.shipped_units(o) for o in self.order_ids
            ),
            "every shipment completed and captured": all(
                s["is_shipped"] and s["captured"] for s in shipments
            ),
            "orders cancelled after injection were cancelled at GXO": cancelled_at_gxo(
                statuses, gxo
            ),
            "every order ended as the scenario expects": ended_as_expected(self, statuses),
        }

    def rows(self, statuses: dict[str, OrderStatus]) -> dict[str, int]:
        return {
            "orders seeded": len(self.order_ids),
            "fulfilled by the channel (AFN), never sent to GXO": 0,
            **common_rows(self, statuses),
            "fixed by operations, then retried": self.retried,
        }


def shipped_units(order: dict[str, Any]) -> Counter[str]:
    """Units shipped per order line of one order (its `/_sandbox/orders` record)."""
    units = Counter({str(line["id"]): line["shipped_quantity"] for line in order["lines"]})
    return +units


def tracking_numbers(order: dict[str, Any]) -> list[str]:
    """The tracking numbers of one order's shipments, sorted (a duplicate shows twice)."""
    return sorted(
        (s.get("shipment_info") or {}).get("trackingNumber", "") for s in order.get("shipments", [])
    )
