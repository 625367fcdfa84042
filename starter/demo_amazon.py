"""The Amazon part of the demo: a generated order mix and the troubles operations meet.

MFN and AFN orders, pending payments, Prime, business and international orders, a few with
SKUs the store cannot map; GXO short-picks some, refuses one address and sits on one order past
its ship-by; buyers cancel a few. Operations then map the missing SKUs and retry. One FBM Ship+
order and one with a Transparency-enrolled item stop before GXO: Amazon would refuse consign's
confirmation of either.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from temporalio.client import Client

from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage, OrderStatus
from integrations.registry import Channel
from sandbox.amazon.catalogue import UNMAPPED_SKUS
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

SELLER = "A1SANDBOXSELLER"
RATE_SCALE = 200  # Amazon's usage plans, scaled in both the sandbox and the worker
LATE_SHIP_BY_SECONDS = 4
LATE_HOLD_CYCLES = 8  # GXO cycles every second: dispatch comes after the ship-by


class AmazonPart:
    channel = Channel.AMAZON
    account = SELLER
    label = "Amazon"

    facility_rules = staticmethod(demo_world.facility_rules)

    def __init__(
        self,
        orders: int,
        seed: int,
        *,
        account: str = SELLER,
        label: str = "Amazon",
        sandbox: str = "amazon",
        marketplace_id: str | None = None,
    ) -> None:
        """Another seller (an accounts-file account) plays the same scenario on its own
        sandbox (`sandbox`, the stack's child), in its own marketplace."""
        self.count, self.seed_value = orders, seed
        self.account, self.label, self.sandbox = account, label, sandbox
        self.market = {"marketplace_id": marketplace_id} if marketplace_id else {}
        self.order_ids: list[str] = []  # MFN orders: each gets a workflow
        self.afn: list[str] = []
        self.pending: list[str] = []
        self.unmapped: list[str] = []
        self.to_cancel: list[str] = []
        self.refused_address: list[str] = []
        self.short_picks: list[str] = []
        self.late: list[str] = []
        self.refused_programs: dict[str, str] = {}  # order id -> the ExceptionKind it parks with
        self.retried = 0
        self.answers: list[Answered] = []
        self.orders: dict[str, dict[str, Any]] = {}

    async def seed(self, stack: DevStack, http: httpx.AsyncClient, engine: Engine) -> None:
        """Mappings into the store, stock and troubles into GXO, orders into Amazon."""
        await asyncio.to_thread(upsert_sku_mappings, engine, demo_world.sku_mappings())
        await asyncio.to_thread(upsert_carrier_services, engine, demo_world.carrier_services())
        await asyncio.to_thread(upsert_carrier_codes, engine, demo_world.carrier_codes())
        await demo_world.open_warehouse(http, stack.gxo_url, demo_world.opening_stock())
        amazon = stack.sandbox_url(self.sandbox)
        mix = {"count": self.count, "seed": self.seed_value, "pending_share": 0.15, **self.market}
        created = await http.post(f"{amazon}/_sandbox/orders", json=mix)
        created.raise_for_status()
        self._sort(records(created.json()))
        late = await http.post(
            f"{amazon}/_sandbox/orders", json={"orders": [{**_late_order(), **self.market}]}
        )
        late.raise_for_status()
        self.late = [o["order_id"] for o in records(late.json())]
        self.order_ids += self.late
        kinds = list(PROGRAM_ORDERS)
        programs = await http.post(
            f"{amazon}/_sandbox/orders",
            json={"orders": [{**PROGRAM_ORDERS[kind], **self.market} for kind in kinds]},
        )
        programs.raise_for_status()
        ids = [o["order_id"] for o in records(programs.json())]
        self.refused_programs = {
            order_id: kind.value for order_id, kind in zip(ids, kinds, strict=True)
        }
        self.order_ids += ids
        troubles: dict[str, dict[str, object]] = {}
        for order_id in self.to_cancel:  # held at GXO so the buyer's cancel can still win
            troubles[order_id] = {"hold_cycles": 30}
        for order_id in self.refused_address:
            troubles[order_id] = {"reject": "INVALID_ADDRESS"}
        for order_id in self.short_picks:
            troubles[order_id] = {"short_pick": {"line": 1, "ship": 1}}
        for order_id in self.late:  # GXO sits on it past its ship-by, then ships
            troubles[order_id] = {"hold_cycles": LATE_HOLD_CYCLES}
        await script_troubles(http, stack, self.channel, self.account, troubles)

    @property
    def key(self) -> tuple[str, str]:
        return (self.channel, self.account)

    def _sort(self, created: list[dict[str, Any]]) -> None:
        """Sort the generated orders and pick disjoint ones for each trouble."""
        clean: list[str] = []
        multi_unit: set[str] = set()
        for record in created:
            order_id = record["order_id"]
            if record["fulfillment_channel"] == "AFN":
                self.afn.append(order_id)
                continue
            self.order_ids.append(order_id)
            if record["status"] == "Pending":
                self.pending.append(order_id)
            if {item["sku"] for item in record["items"]} & set(UNMAPPED_SKUS):
                self.unmapped.append(order_id)
            elif record["status"] != "Pending":
                clean.append(order_id)
                if record["items"][0]["quantity_ordered"] >= 2:
                    multi_unit.add(order_id)
        picks = iter(clean)
        self.to_cancel = [next(picks) for _ in range(min(3, len(clean) // 4))]
        self.refused_address = [next(picks)] if len(clean) > 4 else []
        self.short_picks = [o for o in picks if o in multi_unit][:3]

    async def act(self, stack: DevStack, http: httpx.AsyncClient) -> None:
        """Buyers cancel a few orders; a few seconds later pending payments clear."""
        await asyncio.sleep(3)
        for order_id in self.to_cancel:
            response = await http.post(
                f"{stack.sandbox_url(self.sandbox)}/_sandbox/orders/{order_id}/cancel",
                json={"buyer_requested": True, "reason": "Changed my mind"},
            )
            response.raise_for_status()
        await asyncio.sleep(3)
        for order_id in self.pending:
            amazon = stack.sandbox_url(self.sandbox)
            response = await http.post(f"{amazon}/_sandbox/orders/{order_id}/release")
            response.raise_for_status()

    async def fix(
        self, stack: DevStack, http: httpx.AsyncClient, engine: Engine, client: Client
    ) -> None:
        """UNMAPPED_SKU: add the mapping (GXO sets the item up), then send `retry`."""
        if not self.unmapped:
            return
        late = demo_world.sku_mappings(UNMAPPED_SKUS)
        await asyncio.to_thread(upsert_sku_mappings, engine, late)
        await demo_world.open_warehouse(http, stack.gxo_url, demo_world.opening_stock(late))
        self.answers = await retry_orders(
            client, self.channel, self.account, self.unmapped, "SKU mapped"
        )
        self.retried = len(self.unmapped)

    def expected(self, order_id: str) -> Expected:
        if order_id in self.to_cancel:
            return OrderStage.CANCELLED, None
        if order_id in self.refused_address:
            return OrderStage.EXCEPTION, ExceptionKind.WAREHOUSE_REJECTED.value
        if order_id in self.refused_programs:
            return OrderStage.EXCEPTION, self.refused_programs[order_id]
        if order_id in self.unmapped and not self.retried:
            return OrderStage.EXCEPTION, ExceptionKind.UNMAPPED_SKU.value
        return OrderStage.SHIPPED, None

    async def collect(self, stack: DevStack, http: httpx.AsyncClient) -> None:
        body = await get_json(http, f"{stack.sandbox_url(self.sandbox)}/_sandbox/orders")
        self.orders = {o["order_id"]: o for o in records(body)}

    def confirmed_units(self, order_id: str) -> Counter[str]:
        return confirmed_units(self.orders[order_id])

    def checks(self, statuses: dict[str, OrderStatus], gxo: GxoRecords) -> dict[str, bool]:
        packages = {o: self.orders[o].get("packages", {}) for o in self.order_ids}
        return {
            "every MFN order that cleared planning was injected exactly once": (
                injected_exactly_once(statuses, gxo, self.refused_address)
            ),
            "no AFN order was injected": not (gxo.created() & set(self.afn)),
            "no order Amazon would not let consign confirm reached GXO": not (
                gxo.created() & set(self.refused_programs)
            ),
            "confirmed quantities per line equal GXO's shipped quantities": all(
                self.confirmed_units(o) == gxo.shipped_units(o) for o in self.order_ids
            ),
            "every GXO parcel confirmed to Amazon exactly once": all(
                len(packages[o]) == len(gxo.parcels(o)) for o in self.order_ids
            ),
            "orders cancelled after injection were cancelled at GXO": cancelled_at_gxo(
                statuses, gxo
            ),
            "orders dispatched after their ship-by are flagged late": all(
                statuses[o].late for o in self.late if o in statuses
            ),
            "every order ended as the scenario expects": ended_as_expected(self, statuses),
        }

    def rows(self, statuses: dict[str, OrderStatus]) -> dict[str, int]:
        return {
            "orders seeded": len(self.order_ids) + len(self.afn),
            "fulfilled by the channel (AFN), never sent to GXO": len(self.afn),
            **common_rows(self, statuses),
            "fixed by operations, then retried": self.retried,
        }


def confirmed_units(order: dict[str, Any]) -> Counter[str]:
    """Units per order item across the packages Amazon holds for one order (its
    `/_sandbox/orders` record; a re-send edits a package)."""
    units: Counter[str] = Counter()
    for package in order.get("packages", {}).values():
        for order_item_id, quantity in package["items"].items():
            units[order_item_id] += quantity
    return units


# Orders planning refuses before GXO, because Amazon would refuse their confirmation.
PROGRAM_ORDERS: dict[ExceptionKind, dict[str, Any]] = {
    ExceptionKind.CHANNEL_LABEL_REQUIRED: {"lines": [{"sku": "CAP-KHK-OS"}], "ship_plus": True},
    ExceptionKind.TRANSPARENCY_CODES_REQUIRED: {
        "lines": [{"sku": "BOTTLE-STL-750", "quantity": 2, "transparency": True}]
    },
}


def _late_order() -> dict[str, Any]:
    ship_by = datetime.now(UTC) + timedelta(seconds=LATE_SHIP_BY_SECONDS)
    return {
        "lines": [{"sku": "HOODIE-NVY-M", "quantity": 1}],
        "latest_ship_date": ship_by.isoformat(),
    }
