"""The demo's Amazon-only launch: a listing created in Seller Central for a SKU Centra does not
sell, mapped by hand for its HS code (no listing attribute), reaches GXO's item master through
Amazon's ProductSync (AMAZON_PRODUCT_SYNC: searchListingsItems, lastUpdatedAfter) before its
first order: the order ships. Its package is listed in pounds and inches, and GXO's record
holds it in kilograms and centimetres. The checks read GXO's item records and orders, the
item ledger and the order's workflow. It runs beside the other orders, like the Centra
launch (demo_launch.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import Engine
from temporalio.client import Client

from domain.lifecycle import OrderStage, OrderStatus
from domain.mapping import SkuMapping
from domain.order import OrderRef
from integrations.registry import Channel
from sandbox.amazon.catalogue import STD_UK_DOM
from sandbox.gxo.catalogue import UK_DAVENTRY
from starter.demo_launch import Scene, gxo_items, ledger_launched, order_status, until
from starter.demo_parts import get_json, records
from starter.devstack import DevStack
from store.mappings import upsert_sku_mappings

SKU = "AMZLNC-MUG-OS"
TITLE = "Enamel Camp Mug, Amazon exclusive"
HS_CODE = "732393"  # from the mapping: an HS code is no listing attribute
STOCK = 10
ATTRIBUTES = {  # as Seller Central shows them: pounds and inches
    "item_package_weight": [{"unit": "pounds", "value": 0.75}],
    "item_package_dimensions": [
        {
            "length": {"unit": "inches", "value": 5},
            "width": {"unit": "inches", "value": 4},
            "height": {"unit": "inches", "value": 4},
        }
    ],
    "externally_assigned_product_identifier": [{"type": "ean", "value": "5060000000996"}],
    "country_of_origin": [{"value": "GB"}],
}
WEIGHT_KG = "0.340"  # 0.75 lb
LENGTH_CM = "12.7"  # 5 in


@dataclass
class AmazonLaunchOutcome:
    facilities: list[str]
    order_id: str = ""
    accepted_in_ledger_before_order: bool = False
    gxo_items_before_order: dict[str, str] = field(default_factory=dict)  # facility -> status
    records: list[dict[str, Any]] = field(default_factory=list)  # GXO's records of the SKU
    status: OrderStatus | None = None
    gxo_order: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    seconds: float = 0.0

    def _converted(self) -> bool:
        return bool(self.records) and all(
            Decimal(str(r["weight_kg"])) == Decimal(WEIGHT_KG)
            and Decimal(str(r["length_cm"])) == Decimal(LENGTH_CM)
            and r["hs_code"] == HS_CODE
            for r in self.records
        )

    def checks(self) -> dict[str, bool]:
        lines = self.gxo_order.get("lines", [])
        shipped = sum(line.get("shipped", 0) for line in lines)
        before = self.accepted_in_ledger_before_order
        return {
            "an Amazon-only listing reached GXO's item master (ACTIVE at every facility, in "
            "the ledger) before its first order, which shipped": before
            and set(self.gxo_items_before_order) == set(self.facilities)
            and set(self.gxo_items_before_order.values()) == {"ACTIVE"}
            and self.status is not None
            and self.status.stage is OrderStage.SHIPPED
            and self.gxo_order.get("status") == "SHIPPED"
            and shipped >= 1,
            "its package went to GXO in kilograms and centimetres (listed in pounds and "
            "inches), with the HS code from its mapping": self._converted(),
        }


class AmazonLaunch(Scene[AmazonLaunchOutcome]):
    """Runs beside the Amazon orders."""

    def __init__(self, account: str, facilities: list[str]) -> None:
        super().__init__(account, AmazonLaunchOutcome(facilities=facilities))

    async def _run(
        self, stack: DevStack, http: httpx.AsyncClient, client: Client, engine: Engine
    ) -> None:
        outcome = self.outcome
        mapping = SkuMapping(
            channel=Channel.AMAZON,
            sku=SKU,
            item_code=SKU,
            hs_code=HS_CODE,
            country_of_origin="GB",
            customs_description=TITLE,
            customs_value=Decimal("18.00"),
            customs_currency="GBP",
        )
        await asyncio.to_thread(upsert_sku_mappings, engine, [mapping])
        listing = {"sku": SKU, "product_type": "DRINKING_CUP", "title": TITLE}
        created = await http.post(
            f"{stack.amazon_url}/_sandbox/listings", json={**listing, "attributes": ATTRIBUTES}
        )
        created.raise_for_status()
        await until(lambda: ledger_launched(engine, SKU, outcome.facilities), "ledger: Amazon item")
        outcome.accepted_in_ledger_before_order = True
        outcome.gxo_items_before_order = await gxo_items(stack, http, SKU)
        level = [{"facility_id": UK_DAVENTRY, "item_code": SKU, "on_hand": STOCK}]
        (await http.put(f"{stack.gxo_url}/_sandbox/stock", json=level)).raise_for_status()
        spec = {
            "lines": [{"sku": SKU, "quantity": 1}],
            "ship_service_level": STD_UK_DOM.ship_service_level,
        }
        placed = await http.post(f"{stack.amazon_url}/_sandbox/orders", json={"orders": [spec]})
        placed.raise_for_status()
        outcome.order_id = str(records(placed.json())[0]["order_id"])
        await until(lambda: self._shipped(client), "Amazon launch order shipped")

    async def _status(self, client: Client) -> OrderStatus | None:
        ref = OrderRef(channel=Channel.AMAZON, account=self.account, order_id=self.outcome.order_id)
        return await order_status(client, ref)

    async def _shipped(self, client: Client) -> bool:
        status = await self._status(client)
        return status is not None and status.stage is OrderStage.SHIPPED

    async def _collect(self, stack: DevStack, http: httpx.AsyncClient, client: Client) -> None:
        outcome = self.outcome
        if outcome.order_id:
            outcome.status = await self._status(client)
        found = await get_json(http, f"{stack.gxo_url}/_sandbox/item-records")
        outcome.records = [r["record"] for r in found if r["item_code"] == SKU]
        orders = records(await get_json(http, f"{stack.gxo_url}/_sandbox/orders"))
        outcome.gxo_order = next(
            (o for o in orders if o.get("channel_order_id") == outcome.order_id), {}
        )


def render(console: Console, outcome: AmazonLaunchOutcome) -> None:
    if outcome.note:
        console.print(f"[red]Amazon launch: {outcome.note}[/]", highlight=False)
    before = ", ".join(f"{f} {s}" for f, s in sorted(outcome.gxo_items_before_order.items()))
    record = outcome.records[0] if outcome.records else {}
    console.print(
        f"Amazon-only launch: {SKU} at GXO before its order ({before or '-'}); "
        f"{record.get('weight_kg', '-')} kg, {record.get('length_cm', '-')} cm, HS "
        f"{record.get('hs_code', '-')}; order {outcome.order_id or '-'} "
        f"{outcome.status.stage.value if outcome.status else '-'} ({outcome.seconds:.1f} s)",
        highlight=False,
    )
