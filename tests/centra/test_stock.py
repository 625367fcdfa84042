"""CentraStock: what it sends (one setStock per chunk, changeStock by direction), how it reads
Centra's answers back per SKU, and the round trip against the sandbox that executes the schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from domain.exceptions import ConsignError
from domain.inventory import ListingQuantity
from domain.order import Channel
from integrations.centra import stock as stock_module
from integrations.centra.client import CentraClient
from integrations.centra.errors import CentraBadResponse, CentraPermissionDenied
from integrations.centra.factory import build_centra_stock
from integrations.centra.settings import CentraSettings
from integrations.centra.stock import CentraStock
from integrations.channel import StockPort
from sandbox.centra.app import create_app
from sandbox.centra.catalogue import WAREHOUSE
from sandbox.centra.generator import LineSpec, OrderSpec
from sandbox.centra.state import CentraSandbox
from sandbox.centra.tokens import ALL_PERMISSIONS, ORDER_READ, STOCK_READ
from tests.centra.fakes import TOKEN, URL, FakeCentra

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def settings(warehouse_id: int | None = 1) -> CentraSettings:
    return CentraSettings(
        base_url=URL,
        token=SecretStr(TOKEN),
        account="brand-eu",
        webhook_secret=SecretStr("s"),
        warehouse_id=warehouse_id,
    )


def port(fake: FakeCentra) -> CentraStock:
    return build_centra_stock(settings(), fake.client())


def q(sku: str, quantity: int) -> ListingQuantity:
    return ListingQuantity(sku=sku, quantity=quantity)


def test_it_is_a_stock_port_that_pushes_physical_stock() -> None:
    stock: StockPort = port(FakeCentra())
    assert stock.channel is Channel.CENTRA
    assert stock.account == "brand-eu"
    assert stock.subtracts_own_orders is True


@pytest.mark.parametrize("warehouse_id", [None, 0])
def test_a_missing_warehouse_id_is_a_clear_permanent_error(warehouse_id: int | None) -> None:
    with pytest.raises(ConsignError, match="CENTRA_WAREHOUSE_ID") as raised:
        build_centra_stock(settings(warehouse_id), FakeCentra().client())
    assert raised.value.kind.value == "CHANNEL_REJECTED"


async def test_push_sends_one_set_stock_with_every_sku() -> None:
    fake = FakeCentra()
    outcomes = await port(fake).push([q("A", 5), q("B", 0), q("C", 12)])
    assert fake.operations() == ["SetStock"]
    [(_, variables)] = fake.calls
    assert variables["input"] == {
        "warehouse": {"id": 1},
        "stockQuantityType": "PHYSICAL",
        "sizeStockLevels": [
            {"SKU": "A", "quantity": 5},
            {"SKU": "B", "quantity": 0},
            {"SKU": "C", "quantity": 12},
        ],
    }
    assert [(o.sku, o.quantity, o.accepted, o.submission) for o in outcomes] == [
        ("A", 5, True, "setStock"),
        ("B", 0, True, "setStock"),
        ("C", 12, True, "setStock"),
    ]
    assert fake.stock == {"A": 5, "B": 0, "C": 12}


async def test_a_repeated_sku_is_sent_once_with_its_last_quantity() -> None:
    fake = FakeCentra()
    outcomes = await port(fake).push([q("A", 5), q("B", 1), q("A", 7)])
    assert [(o.sku, o.quantity) for o in outcomes] == [("A", 7), ("B", 1)]
    assert fake.stock == {"A": 7, "B": 1}


async def test_a_large_push_is_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stock_module, "CHUNK", 2)
    fake = FakeCentra()
    outcomes = await port(fake).push([q(f"S{i}", i) for i in range(5)])
    sizes = [len(v["input"]["sizeStockLevels"]) for _, v in fake.calls]
    assert sizes == [2, 2, 1]
    assert len(outcomes) == 5 and all(o.accepted for o in outcomes)


async def test_user_errors_naming_a_size_reject_that_sku_and_the_rest_is_set() -> None:
    fake = FakeCentra(refuse_skus={"B": "Unknown SKU B"})
    outcomes = await port(fake).push([q("A", 5), q("B", 3), q("C", 1)])
    by_sku = {o.sku: o for o in outcomes}
    assert [o.sku for o in outcomes] == ["A", "B", "C"]
    assert not by_sku["B"].accepted and by_sku["B"].message == "Unknown SKU B"
    assert by_sku["A"].accepted and by_sku["C"].accepted
    resent = [level["SKU"] for level in fake.calls[1][1]["input"]["sizeStockLevels"]]
    assert fake.operations() == ["SetStock", "SetStock"] and resent == ["A", "C"]
    assert fake.stock == {"A": 5, "C": 1}


def test_a_path_naming_the_sku_itself_is_mapped_too() -> None:
    assert stock_module._named_index(["input", "B", "quantity"], "sizeStockLevels", ["A", "B"]) == 1
    assert stock_module._named_index(["input", "warehouse"], "sizeStockLevels", ["A"]) is None
    assert (
        stock_module._named_index(["input", "sizeStockLevels", "9"], "sizeStockLevels", ["A"])
        is None
    )


async def test_user_errors_not_naming_a_size_reject_the_whole_chunk() -> None:
    fake = FakeCentra(
        user_errors={
            "SetStock": [{"message": "Warehouse is locked", "path": ["input", "warehouse"]}]
        }
    )
    outcomes = await port(fake).push([q("A", 5), q("B", 3)])
    assert fake.operations() == ["SetStock"]
    assert [(o.sku, o.accepted, o.message) for o in outcomes] == [
        ("A", False, "Warehouse is locked"),
        ("B", False, "Warehouse is locked"),
    ]


async def test_a_batch_refused_every_pass_is_reported_not_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stock_module, "MAX_PASSES", 1)
    fake = FakeCentra(refuse_skus={"A": "Unknown SKU A"})
    outcomes = await port(fake).push([q("A", 5), q("B", 3)])
    assert fake.operations() == ["SetStock"]
    assert [(o.sku, o.accepted) for o in outcomes] == [("A", False), ("B", False)]
    assert outcomes[0].message == "Unknown SKU A"
    assert "not set" in (outcomes[1].message or "")


async def test_read_returns_physical_quantities_and_omits_unknown_skus() -> None:
    fake = FakeCentra(stock={"A": 4, "B": 0, "Z": 9})
    read = await port(fake).read(["A", "B", "MISSING"])
    assert read == [q("A", 4), q("B", 0)]
    assert fake.calls == [("StockLevels", {"warehouse": 1, "skus": ["A", "B", "MISSING"]})]


async def test_reading_no_skus_sends_nothing() -> None:
    fake = FakeCentra(stock={"A": 4})
    assert await port(fake).read([]) == []
    assert fake.calls == []


async def test_an_unreadable_stock_answer_is_a_bad_response() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"stock": [{"SKU": "A"}]}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    stock = CentraStock(CentraClient(URL, SecretStr(TOKEN), http), "brand-eu", 1)
    with pytest.raises(CentraBadResponse):
        await stock.read(["A"])


async def test_change_sends_receipts_into_and_losses_out_of_the_warehouse() -> None:
    fake = FakeCentra(stock={"A": 10, "B": 10})
    outcomes = await port(fake).change([("A", 4), ("B", -3), ("C", 0)], "GXO 944/947")
    assert fake.operations() == ["ChangeStock", "ChangeStock"]
    into, out = (v["input"] for _, v in fake.calls)
    assert into == {
        "intoWarehouse": {"id": 1},
        "description": "GXO 944/947",
        "sizeChanges": [{"SKU": "A", "deliveredQuantity": 4}],
    }
    assert out == {
        "outFromWarehouse": {"id": 1},
        "description": "GXO 944/947",
        "sizeChanges": [{"SKU": "B", "deliveredQuantity": 3}],
    }
    assert [(o.sku, o.quantity, o.accepted, o.submission) for o in outcomes] == [
        ("A", 4, True, "changeStock intoWarehouse"),
        ("B", 3, True, "changeStock outFromWarehouse"),
    ]
    assert fake.stock == {"A": 14, "B": 7}


async def test_a_refused_change_is_never_resent() -> None:
    fake = FakeCentra(stock={"A": 1, "B": 1}, refuse_skus={"B": "Unknown SKU B"})
    outcomes = await port(fake).change([("A", 2), ("B", 2)], "receipt")
    assert fake.operations() == ["ChangeStock"]
    assert [(o.sku, o.accepted) for o in outcomes] == [("A", False), ("B", False)]
    assert outcomes[1].message == "Unknown SKU B"
    assert "other sizes" in (outcomes[0].message or "")
    assert fake.stock == {"A": 1, "B": 1}


# --- against the sandbox ------------------------------------------------------------------


def sandbox_stock(token: str = "stock-token") -> tuple[CentraSandbox, CentraStock]:
    sandbox = CentraSandbox(
        clock=lambda: NOW,
        tokens={"stock-token": ALL_PERMISSIONS, "orders-only": frozenset({ORDER_READ})},
    )
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sandbox)))
    client = CentraClient("http://centra.test/graphql", SecretStr(token), http)
    return sandbox, CentraStock(client, "brand-eu", WAREHOUSE.id)


async def test_sandbox_push_then_read_returns_the_pushed_values() -> None:
    _, stock = sandbox_stock()
    pushed = [q("JKT100BLKM", 7), q("CAP600BLKOS", 0)]
    outcomes = await stock.push(pushed)
    assert all(o.accepted for o in outcomes)
    read = await stock.read(["JKT100BLKM", "CAP600BLKOS"])
    assert sorted(read, key=lambda x: x.sku) == sorted(pushed, key=lambda x: x.sku)


async def test_sandbox_order_lowers_free_to_allocate_but_not_physical() -> None:
    sandbox, stock = sandbox_stock()
    await stock.push([q("JKT100BLKM", 7)])
    order = OrderSpec(
        number=501,
        lines=[LineSpec(SKU="JKT100BLKM", quantity=2)],
        shipping_option="Express EU",
        created_at=NOW - timedelta(hours=1),
    )
    sandbox.create([order])
    assert await stock.read(["JKT100BLKM"]) == [q("JKT100BLKM", 7)]
    level = sandbox.stock.get("JKT100BLKM")
    assert (level.physical, level.free_to_allocate) == (7, 5)


async def test_sandbox_unknown_sku_is_rejected_and_the_rest_set() -> None:
    sandbox, stock = sandbox_stock()
    outcomes = await stock.push([q("JKT100BLKM", 3), q("NOPE", 1)])
    assert [(o.sku, o.accepted) for o in outcomes] == [("JKT100BLKM", True), ("NOPE", False)]
    assert "Unknown SKU NOPE" in (outcomes[1].message or "")
    assert sandbox.stock.get("JKT100BLKM").physical == 3


async def test_sandbox_change_moves_physical_stock() -> None:
    _, stock = sandbox_stock()
    await stock.push([q("JKT100BLKM", 5), q("CAP600BLKOS", 5)])
    outcomes = await stock.change([("JKT100BLKM", 3), ("CAP600BLKOS", -2)], "receipt 944")
    assert all(o.accepted for o in outcomes)
    assert sorted((x.sku, x.quantity) for x in await stock.read(["JKT100BLKM", "CAP600BLKOS"])) == [
        ("CAP600BLKOS", 3),
        ("JKT100BLKM", 8),
    ]


async def test_sandbox_token_without_stock_permission_is_denied() -> None:
    _, stock = sandbox_stock(token="orders-only")
    with pytest.raises(CentraPermissionDenied) as raised:
        await stock.read(["JKT100BLKM"])
    assert raised.value.permission == STOCK_READ
