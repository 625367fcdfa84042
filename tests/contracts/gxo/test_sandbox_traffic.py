"""Real traffic between consign's REST client and the GXO sandbox, every body checked against
the committed schema (docs/gxo-wire-schema.json): what the client sends, what the sandbox
answers, the events it emits and pushes. Client and sandbox are each held to the committed
contract, never to each other."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from domain.order import OrderRef
from domain.products import ItemRecord
from domain.returns import ReturnNotice, ReturnNoticeLine
from domain.warehouse import WarehouseOrder, warehouse_reference
from integrations.gxo.errors import WarehouseRejected, WarehouseRequestError
from integrations.gxo.rest import RestWarehouse
from integrations.registry import Channel
from sandbox.gxo.app import DEFAULT_API_KEY, create_app
from sandbox.gxo.catalogue import UK_DAVENTRY
from sandbox.gxo.models import ProcessingSettings
from sandbox.gxo.push import WebhookPusher, WebhookTarget
from sandbox.gxo.warehouse import GxoWarehouse
from tests.contracts.gxo.schema import operation, problems, response_definition
from tests.gxo.builders import order

BASE_URL = "http://gxo.test"
AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    sent: Any
    answered: Any


@dataclass
class Traffic:
    exchanges: list[Exchange] = field(default_factory=list)
    pushed: list[Any] = field(default_factory=list)

    async def record(self, response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        if request.url.path.startswith("/_sandbox"):
            return  # the simulator's own admin API is not part of the contract
        self.exchanges.append(
            Exchange(
                method=request.method,
                path=request.url.raw_path.decode().split("?")[0],
                status=response.status_code,
                sent=json.loads(request.content) if request.content else None,
                answered=response.json(),
            )
        )

    def push(self, request: httpx.Request) -> httpx.Response:
        self.pushed.append(json.loads(request.content))
        return httpx.Response(204)


def new_style(order_id: str, account: str = "store-eu", **kwargs: Any) -> WarehouseOrder:
    """An order as consign plans it now: a per-account reference and the channel order id."""
    ref = OrderRef(channel=Channel.CENTRA, account=account, order_id=order_id)
    planned = order(warehouse_reference(ref), **kwargs)
    return planned.model_copy(
        update={"channel": Channel.CENTRA, "account": account, "channel_order_id": order_id}
    )


@pytest.fixture
async def traffic() -> AsyncIterator[Traffic]:
    """Drive every operation of the contract once or more, recording what crossed the wire."""
    recorded = Traffic()
    sim = GxoWarehouse(settings=ProcessingSettings(max_units_per_parcel=2))
    pusher = WebhookPusher(
        WebhookTarget(url="http://consign.test/webhooks/gxo", secret="s"),
        http=httpx.AsyncClient(transport=httpx.MockTransport(recorded.push)),
    )
    transport = httpx.ASGITransport(app=create_app(sim, pusher=pusher))
    hooks = {"response": [recorded.record]}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, event_hooks=hooks) as http:
        gxo = RestWarehouse(BASE_URL, DEFAULT_API_KEY, http=http)
        await _drive(gxo, http, sim)
        await pusher.deliver_due(force=True)
        await pusher.aclose()
    yield recorded


async def _drive(gxo: RestWarehouse, http: httpx.AsyncClient, sim: GxoWarehouse) -> None:
    scenarios = {
        "1002": {"hold_cycles": 5},
        "1003": {"reject": "INVALID_ADDRESS"},
        "1004": {"short_pick": {"line": 1, "ship": 1}},
    }
    (await http.post("/_sandbox/scenarios", json=scenarios)).raise_for_status()
    await _drive_items(gxo)
    shipped = new_style("1001", lines=[("GXO-100001", 3)])
    await gxo.inject(shipped)
    await gxo.inject(shipped)  # 200, duplicate
    with pytest.raises(WarehouseRejected):  # 422
        await gxo.inject(new_style("1009", lines=[("GXO-999999", 1)]))
    held = new_style("1002")
    for planned in (held, new_style("1003"), new_style("1004", lines=[("GXO-100002", 2)])):
        await gxo.inject(planned)
    await gxo.inject(order("205-1234567-1234567"))  # an old-style order: reference = order id
    assert await gxo.get_order(UK_DAVENTRY, held.reference) is not None
    (await http.post("/_sandbox/cycle")).raise_for_status()  # the held order reserves stock
    await gxo.cancel(UK_DAVENTRY, held.reference)  # 200 CANCELLED: the reservation goes
    for _ in range(2):
        (await http.post("/_sandbox/cycle")).raise_for_status()
    await gxo.cancel(UK_DAVENTRY, shipped.reference)  # 409 TOO_LATE
    await gxo.cancel(UK_DAVENTRY, "NEVER-SENT")  # 404 NOT_FOUND
    assert await gxo.get_order(UK_DAVENTRY, "NEVER-SENT") is None  # 404 error body
    assert await gxo.get_order(UK_DAVENTRY, shipped.reference) is not None
    for call in (
        gxo.cancel("GXO-XX-NOPE", "X"),
        gxo.events_since("GXO-XX-NOPE", 0, 10),
    ):
        with pytest.raises(WarehouseRequestError):
            await call
    item = {"facility_id": UK_DAVENTRY, "item_code": "GXO-100004"}
    for path, body in (
        ("/_sandbox/restock", {**item, "quantity": 3}),
        ("/_sandbox/adjust", {**item, "quantity": -1, "reason": "damaged"}),
        ("/_sandbox/return", {**item, "quantity": 1, "reference": shipped.reference}),
    ):
        (await http.post(path, json=body)).raise_for_status()
    (await http.post("/_sandbox/cycle")).raise_for_status()
    await _drive_returns(gxo, http)
    await gxo.events_since(UK_DAVENTRY, 0, 500)
    await gxo.inventory(UK_DAVENTRY)
    await gxo.stock_changes(UK_DAVENTRY, 0, 500)
    await http.get(f"/v1/facilities/{UK_DAVENTRY}/events")  # no API key: 401 error body
    assert sim.cycles_run == 5


async def _drive_returns(gxo: RestWarehouse, http: httpx.AsyncClient) -> None:
    """180 notices (201, then 200 duplicate), a receipt with a damaged line, and a parcel that
    names no RMA: both come back as RETURN_RECEIVED."""
    notice = ReturnNotice(
        facility_id=UK_DAVENTRY,
        rma="RMA-77",
        channel=Channel.CENTRA,
        account="store-eu",
        channel_order_id="1001",
        lines=[
            ReturnNoticeLine(
                line_number=1, channel_line_id="901", sku="S1", item_code="GXO-100001", quantity=2
            )
        ],
    )
    first = await gxo.notify_return(notice)
    again = await gxo.notify_return(notice)
    assert again.duplicate and again.return_id == first.return_id and not first.duplicate
    scenario = {"RMA-77": {"dispositions": {"GXO-100001": "DAMAGED"}}}
    (await http.post("/_sandbox/return-scenarios", json=scenario)).raise_for_status()
    unlabelled = {"facility_id": UK_DAVENTRY, "item_code": "GXO-100002", "quantity": 1}
    (await http.post("/_sandbox/returns/unlabelled", json=unlabelled)).raise_for_status()
    (await http.post("/_sandbox/cycle")).raise_for_status()


async def _drive_items(gxo: RestWarehouse) -> None:
    """888 item maintenance: a new item (202), the same again and a change of a known item
    (200), a refused record (422), an unknown item (404) and the item's state (200)."""
    new = ItemRecord(
        facility_id=UK_DAVENTRY,
        item_code="JKT900BLKM",
        description="Storm Jacket Black M",
        sku="JKT900BLKM",
        ean="7350000000995",
        hs_code="620193",
        country_of_origin="PT",
        weight_kg=Decimal("0.9"),
    )
    await gxo.put_item(new)
    await gxo.put_item(new)
    known = new.model_copy(update={"item_code": "GXO-100001", "description": "Jacket S"})
    await gxo.put_item(known)
    with pytest.raises(WarehouseRejected):
        await gxo.put_item(new.model_copy(update={"item_code": "BAD-1", "hs_code": "62.01"}))
    assert await gxo.get_item(UK_DAVENTRY, "NEVER-SENT") is None
    assert await gxo.get_item(UK_DAVENTRY, new.item_code) is not None


def _problems_of(exchange: Exchange) -> list[str]:
    template, spec = operation(exchange.method, exchange.path)
    found: list[str] = []
    if exchange.sent is not None:
        found += [f"request {p}" for p in problems(spec["request"], exchange.sent)]
    definition = response_definition(spec, exchange.status)
    found += [f"{exchange.status} {p}" for p in problems(definition, exchange.answered)]
    return [f"{template}: {p}" for p in found]


def test_every_body_crossing_the_wire_is_in_the_committed_schema(traffic: Traffic) -> None:
    broken = [p for exchange in traffic.exchanges for p in _problems_of(exchange)]
    assert broken == []


def test_every_pushed_event_is_in_the_committed_schema(traffic: Traffic) -> None:
    kinds = {event["kind"] for event in traffic.pushed}
    assert kinds == {"DISPATCH", "REJECTED", "CANCELLED", "RETURN_RECEIVED"}
    broken = [p for event in traffic.pushed for p in problems("Event | ReturnEvent", event)]
    assert broken == []


def test_the_traffic_covered_every_operation_and_answer(traffic: Traffic) -> None:
    """So the checks above cannot pass on traffic that never happened."""
    seen = {(operation(e.method, e.path)[0], e.status) for e in traffic.exchanges}
    facility = "/v1/facilities/{facility_id}"
    assert seen >= {
        ("POST /v1/orders", 201),
        ("POST /v1/orders", 200),
        ("POST /v1/orders", 422),
        (f"POST {facility}/orders/{{reference}}/cancel", 200),
        (f"POST {facility}/orders/{{reference}}/cancel", 409),
        (f"POST {facility}/orders/{{reference}}/cancel", 404),
        (f"GET {facility}/orders/{{reference}}", 200),
        (f"GET {facility}/orders/{{reference}}", 404),
        (f"GET {facility}/events", 200),
        (f"GET {facility}/events", 404),
        (f"GET {facility}/events", 401),
        (f"GET {facility}/inventory", 200),
        (f"GET {facility}/stock-changes", 200),
        (f"PUT {facility}/items/{{item_code}}", 202),
        (f"PUT {facility}/items/{{item_code}}", 200),
        (f"PUT {facility}/items/{{item_code}}", 422),
        (f"GET {facility}/items/{{item_code}}", 200),
        (f"GET {facility}/items/{{item_code}}", 404),
        ("POST /v1/returns", 201),
        ("POST /v1/returns", 200),
    }
    events = [
        e
        for x in traffic.exchanges
        if x.path.endswith("/events")
        for e in x.answered.get("events", [])
    ]
    stock = [
        c
        for x in traffic.exchanges
        if x.path.endswith("/stock-changes")
        for c in x.answered["changes"]
    ]
    assert {c["kind"] for c in stock} == {
        "RECEIPT",
        "ADJUSTMENT",
        "ALLOCATION",
        "DEALLOCATION",
        "SHIPMENT",
        "RETURN",
    }
    receipts = [e["receipt"] for e in events if e["kind"] == "RETURN_RECEIVED"]
    assert {r["rma"] for r in receipts} == {"RMA-77", None}
    assert {line["disposition"] for r in receipts for line in r["lines"]} == {
        "DAMAGED",
        "SELLABLE",
    }
    dispatches = [e for e in events if e["kind"] == "DISPATCH"]
    assert any(len(e["parcels"]) > 1 for e in dispatches)  # a split
    assert any(e["order_status"] == "PARTIALLY_SHIPPED" for e in dispatches)  # a short pick
    assert {e["channel_order_id"] for e in dispatches} >= {"1001", "1004", None}


def test_dispatches_carry_a_shipment_id_of_their_own_and_sscc_labels(traffic: Traffic) -> None:
    """945 W06-04 is unique per shipment; MAN*GM is an SSCC-18 (18 digits, GS1 check digit)."""
    dispatches = [event for event in traffic.pushed if event["kind"] == "DISPATCH"]
    shipment_ids = [event["shipment_id"] for event in dispatches]
    assert len(set(shipment_ids)) == len(shipment_ids) == len(dispatches)
    labels = [parcel["sscc"] for event in dispatches for parcel in event["parcels"]]
    assert len(set(labels)) == len(labels)
    for label in labels:
        digits = [int(d) for d in label]
        weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
        assert len(label) == 18 and (weighted + digits[-1]) % 10 == 0, label
