"""The sandbox's settlements charge what its orders say they cost: per order, the settlement
file's Order rows with amount-type ItemPrice or Promotion (read here with csv, by the column
names of the reference, not with consign's parser) sum to the Orders API's v0 OrderTotal and to
v2026 proceeds.grandTotal (each response checked against Amazon's model on the way), for
promoted orders, two-line orders and an order shipped in two parcels; a price the close
scripts differently is charged exactly that much off."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

import httpx

from sandbox.amazon.catalogue import SKUS
from sandbox.amazon.generator import LineSpec, OrderSpec
from sandbox.amazon.lwa import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from sandbox.amazon.settlements import CloseRequest
from tests.amazon.sandboxed import BASE
from tests.settlements.sandbox_world import World

ONE, TWO = sorted(SKUS)[:2]
PROMOTED, TWO_LINES, TWO_PARCELS, REPRICED = (f"111-0000000-000000{n}" for n in range(1, 5))


def _ship(world: World, order_id: str, parcels: list[dict[int, int]]) -> None:
    """Confirm `parcels` (order item index -> units) as the seller would."""
    order = world.sandbox.orders[order_id]
    for number, units in enumerate(parcels, start=1):
        items = [
            {"orderItemId": order.items[index].order_item_id, "quantity": count}
            for index, count in units.items()
        ]
        body = {
            "marketplaceId": order.marketplace_id,
            "packageDetail": {
                "packageReferenceId": str(number),
                "carrierCode": "UPS",
                "trackingNumber": f"1Z99{number}",
                "shipDate": world.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "orderItems": items,
            },
        }
        world.sandbox.confirm_shipment(order_id, body)


def _charged(content: bytes) -> dict[str, Decimal]:
    """Per order: Order rows, amount-type ItemPrice or Promotion (docs/amazon.md)."""
    rows = csv.DictReader(io.StringIO(content.decode()), delimiter="\t")
    charged: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row["transaction-type"] == "Order" and row["amount-type"] in ("ItemPrice", "Promotion"):
            charged[row["order-id"]] += Decimal(row["amount"])
    return dict(charged)


async def _order_totals(world: World, order_id: str) -> tuple[Decimal, Decimal]:
    """(v0 OrderTotal, v2026 proceeds.grandTotal) as the Orders API serves them."""
    async with httpx.AsyncClient(transport=world.transport, base_url=BASE) as http:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": DEFAULT_REFRESH_TOKEN,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        }
        token = (await http.post("/auth/o2/token", data=form)).json()["access_token"]
        headers = {"x-amz-access-token": token}
        v0 = await http.get(f"/orders/v0/orders/{order_id}", headers=headers)
        v2026 = await http.get(
            f"/orders/2026-01-01/orders/{order_id}",
            params={"includedData": "PROCEEDS"},
            headers=headers,
        )
    total = v0.json()["payload"]["OrderTotal"]["Amount"]
    grand = v2026.json()["order"]["proceeds"]["grandTotal"]["amount"]
    return Decimal(total), Decimal(grand)


async def test_each_order_is_settled_at_what_the_orders_api_says_it_costs() -> None:
    world = World()
    world.sandbox.create(
        [
            OrderSpec(
                order_id=PROMOTED, lines=[LineSpec(sku=ONE, quantity=3)], promotion_percent=15
            ),
            OrderSpec(order_id=TWO_LINES, lines=[LineSpec(sku=ONE), LineSpec(sku=TWO)]),
            OrderSpec(
                order_id=TWO_PARCELS, lines=[LineSpec(sku=TWO, quantity=2)], promotion_percent=10
            ),
            OrderSpec(order_id=REPRICED, lines=[LineSpec(sku=ONE)]),
        ]
    )
    _ship(world, PROMOTED, [{0: 3}])
    _ship(world, TWO_LINES, [{0: 1, 1: 1}])
    _ship(world, TWO_PARCELS, [{0: 1}, {0: 1}])
    _ship(world, REPRICED, [{0: 1}])
    world.clock.advance(3600)
    request = CloseRequest(include_afn=False, price_changes={REPRICED: Decimal("-0.01")})
    charged = _charged(world.sandbox.close_settlement(request).content)
    for order_id in (PROMOTED, TWO_LINES, TWO_PARCELS):
        v0, v2026 = await _order_totals(world, order_id)
        assert charged[order_id] == v0 == v2026, order_id
    v0, v2026 = await _order_totals(world, REPRICED)
    assert charged[REPRICED] == v0 - Decimal("0.01") == v2026 - Decimal("0.01")
    unit = world.sandbox.orders[PROMOTED].items[0]
    assert unit.unit_promotion > 0  # the promotion is really there, on both sides
    assert world.transport.checked == 8  # every Orders API answer matched Amazon's model
