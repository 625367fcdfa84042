"""CentraStock against the sandbox: SKUs resolved to product sizes once (cached), setStock with
StockSetInput addressing sizes by id, stock read back per size for the GXO warehouse, changeStock
by direction, refusals split per size, and the documented permissions."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from domain.exceptions import ConsignError
from domain.inventory import ListingQuantity
from integrations.centra import stock as stock_module
from integrations.centra.client import CentraClient
from integrations.centra.errors import CentraPermissionDenied
from integrations.centra.factory import build_centra_stock
from integrations.centra.settings import CentraSettings
from integrations.centra.sizes import SizeDirectory
from integrations.centra.stock import UNKNOWN_SKU, CentraStock
from integrations.channel import StockPort
from integrations.registry import Channel
from sandbox.centra.catalogue import SIZES_BY_SKU
from sandbox.centra.product_admin import NewProduct, NewSize, NewVariant, add_product
from sandbox.centra.tokens import ORDER_READ, PRODUCT_READ, PRODUCT_SIZE_STOCK_READ
from tests.centra.support import TOKEN, URL, Harness, answered_at_once


def q(sku: str, quantity: int) -> ListingQuantity:
    return ListingQuantity(sku=sku, quantity=quantity)


def physical(harness: Harness, sku: str, warehouse: int = 1) -> int:
    return harness.sandbox.stock.get(sku, warehouse).physical


def settings(warehouse_id: int | None = 1) -> CentraSettings:
    return CentraSettings(
        base_url=URL,
        token=SecretStr(TOKEN),
        account="brand-eu",
        webhook_secret=SecretStr("s"),
        warehouse_id=warehouse_id,
    )


def test_it_is_a_stock_port_that_pushes_physical_stock() -> None:
    stock: StockPort = Harness().stock
    assert stock.channel == Channel.CENTRA
    assert stock.account == "brand-eu"
    assert stock.subtracts_own_orders is True


@pytest.mark.parametrize("warehouse_id", [None, 0])
def test_a_missing_warehouse_id_is_a_clear_permanent_error(warehouse_id: int | None) -> None:
    with pytest.raises(ConsignError, match="CENTRA_WAREHOUSE_ID"):
        build_centra_stock(settings(warehouse_id), Harness().client)


async def test_push_sets_physical_stock_by_size_id_in_one_mutation() -> None:
    harness = Harness()
    outcomes = await harness.stock.push(
        [q("JKT100BLKM", 7), q("CAP600BLKOS", 0), q("JKT100BLKM", 6)], answered_at_once
    )
    assert [(o.sku, o.quantity, o.accepted, o.submission) for o in outcomes] == [
        ("JKT100BLKM", 6, True, "setStock"),  # a repeated SKU is sent once, its last figure
        ("CAP600BLKOS", 0, True, "setStock"),
    ]
    assert (physical(harness, "JKT100BLKM"), physical(harness, "CAP600BLKOS")) == (6, 0)
    assert harness.transport.operations == ["ProductSizes", "SetStock"]


async def test_an_order_lowers_free_to_allocate_but_not_the_physical_figure_read_back() -> None:
    harness = Harness()
    await harness.stock.push([q("JKT100BLKM", 7)], answered_at_once)
    harness.order(501, ("JKT100BLKM", 2))
    assert await harness.stock.read(["JKT100BLKM"]) == [q("JKT100BLKM", 7)]
    level = harness.sandbox.stock.get("JKT100BLKM")
    assert (level.physical, level.free_to_allocate) == (7, 5)


async def test_skus_are_resolved_once_and_cached() -> None:
    harness = Harness()
    await harness.stock.push([q("JKT100BLKM", 1)], answered_at_once)
    await harness.stock.push([q("CAP600BLKOS", 2)], answered_at_once)
    await harness.stock.read(["JKT100BLKM", "CAP600BLKOS"])
    assert harness.transport.calls["ProductSizes"] == 1


async def test_an_unknown_sku_is_rejected_before_anything_is_sent() -> None:
    harness = Harness()
    outcomes = await harness.stock.push([q("JKT100BLKM", 3), q("NOPE", 1)], answered_at_once)
    assert [(o.sku, o.accepted, o.message) for o in outcomes] == [
        ("JKT100BLKM", True, None),
        ("NOPE", False, UNKNOWN_SKU),
    ]
    assert physical(harness, "JKT100BLKM") == 3
    only_unknown = await harness.stock.push([q("NOPE", 1)], answered_at_once)
    assert not only_unknown[0].accepted and harness.transport.calls["SetStock"] == 1


async def test_an_unknown_sku_is_asked_for_by_itself_at_most_once_a_minute() -> None:
    """After the whole list was read, a SKU it lacked costs one lookup of its own, not another
    pass; asked again only once `miss_kept` has passed; the whole list again after a while."""
    harness = Harness()
    now = [0.0]
    sizes = SizeDirectory(harness.client, refresh_after=600, clock=lambda: now[0], miss_kept=60)
    assert await sizes.resolve(["NEW1"]) == {}  # the pass: not there
    assert await sizes.resolve(["NEW1"]) == {}  # missed just now: not asked again
    assert harness.transport.calls["ProductSizes"] == 1
    assert harness.transport.calls["ProductSizesBySku"] == 0
    now[0] = 61
    assert await sizes.resolve(["NEW1"]) == {}
    assert harness.transport.calls["ProductSizesBySku"] == 1
    now[0] = 601
    await sizes.resolve(["NEW1"])
    assert harness.transport.calls["ProductSizes"] == 2


async def test_a_product_created_after_the_pass_gets_its_stock_at_the_next_push() -> None:
    """A launch: the product is created in Centra after the directory read every size. Its
    SKU is looked up by itself at the first push, so the push lands (the gate's 0 keeps it
    off sale); before, it was rejected as unknown until the next pass, 10 minutes later."""
    harness = Harness()
    await harness.stock.push([q("JKT100BLKM", 3)], answered_at_once)  # the pass
    body = NewProduct(
        number="LNC900",
        name="Launch Parka",
        variants=[
            NewVariant(number="GRN", name="Forest", sizes=[NewSize(size_number="M", stock=20)])
        ],
    )
    add_product(harness.sandbox, body)
    assert physical(harness, "LNC900GRNM") == 20
    [outcome] = await harness.stock.push([q("LNC900GRNM", 0)], answered_at_once)
    assert (outcome.accepted, outcome.message) == (True, None)
    assert physical(harness, "LNC900GRNM") == 0
    assert harness.transport.calls["ProductSizes"] == 1
    assert harness.transport.calls["ProductSizesBySku"] == 1


async def test_the_directory_pages_through_every_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("integrations.centra.sizes.PAGE", 4)
    harness = Harness()
    found = await SizeDirectory(harness.client).resolve(list(SIZES_BY_SKU))
    assert found == {sku: size.id for sku, size in SIZES_BY_SKU.items()}
    assert harness.transport.calls["ProductSizes"] == 4  # 15 sizes, 4 a page


async def test_a_large_push_is_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stock_module, "CHUNK", 2)
    harness = Harness()
    skus = list(SIZES_BY_SKU)[:5]
    outcomes = await harness.stock.push([q(sku, 4) for sku in skus], answered_at_once)
    assert all(o.accepted for o in outcomes) and harness.transport.calls["SetStock"] == 3


async def test_a_size_centra_names_is_rejected_and_the_rest_resent() -> None:
    harness = Harness()
    await harness.stock.sizes.resolve(["JKT100BLKM", "CAP600BLKOS"])
    del harness.sandbox.catalogue.sizes[SIZES_BY_SKU["CAP600BLKOS"].id]  # gone since cached
    outcomes = await harness.stock.push([q("CAP600BLKOS", 1), q("JKT100BLKM", 9)], answered_at_once)
    assert [(o.sku, o.accepted) for o in outcomes] == [("CAP600BLKOS", False), ("JKT100BLKM", True)]
    assert "Unknown product size" in (outcomes[0].message or "")
    assert physical(harness, "JKT100BLKM") == 9 and harness.transport.calls["SetStock"] == 2


async def test_user_errors_naming_no_size_reject_the_whole_chunk() -> None:
    harness = Harness()
    stock = CentraStock(harness.client, "brand-eu", 7)  # no such warehouse
    outcomes = await stock.push([q("JKT100BLKM", 1), q("CAP600BLKOS", 2)], answered_at_once)
    assert [o.accepted for o in outcomes] == [False, False]
    assert all("Warehouse 7" in (o.message or "") for o in outcomes)


async def test_a_batch_refused_every_pass_is_reported_not_set() -> None:
    """Should Centra name a different size on every pass, the rest is given up after
    MAX_PASSES (the sandbox names every bad size at once, so this is scripted)."""
    sizes = {"productSizes": [{"id": i, "SKU": f"S{i}"} for i in range(5)]}
    refusals = iter(range(5))

    def respond(request: httpx.Request) -> httpx.Response:
        if b"ProductSizes" in request.content:
            return httpx.Response(200, json={"data": sizes})
        error = {"message": "no", "path": ["input", "productSizes", "0", "quantity"]}
        next(refusals)
        payload = {"userErrors": [error], "userWarnings": []}
        return httpx.Response(200, json={"data": {"setStock": payload}})

    client = CentraClient(
        URL, SecretStr(TOKEN), httpx.AsyncClient(transport=httpx.MockTransport(respond))
    )
    outcomes = await CentraStock(client, "b", 1).push(
        [q(f"S{i}", 1) for i in range(5)], answered_at_once
    )
    assert [o.accepted for o in outcomes] == [False] * 5
    assert [o.message for o in outcomes[3:]] == ["Centra refused the batch 3 times; not set"] * 2


async def test_read_is_per_size_for_the_gxo_warehouse_only() -> None:
    harness = Harness()
    await harness.stock.push([q("JKT100BLKM", 5)], answered_at_once)
    harness.sandbox.stock.get("JKT100BLKM", 3).physical = 50  # another warehouse
    read = await harness.stock.read(["JKT100BLKM", "NOPE", "JKT100BLKM"])
    assert read == [q("JKT100BLKM", 5)]
    assert harness.transport.operations[-1] == "StockLevels"


async def test_a_negative_physical_level_reads_zero() -> None:
    harness = Harness()
    harness.sandbox.stock.get("CAP600BLKOS").physical = -2
    assert await harness.stock.read(["CAP600BLKOS"]) == [q("CAP600BLKOS", 0)]


async def test_reading_no_skus_sends_nothing_but_the_directory() -> None:
    harness = Harness()
    assert await harness.stock.read([]) == []
    assert "StockLevels" not in harness.transport.calls


async def test_change_sends_receipts_into_and_losses_out_of_the_warehouse() -> None:
    harness = Harness()
    await harness.stock.push([q("JKT100BLKM", 5), q("CAP600BLKOS", 5)], answered_at_once)
    outcomes = await harness.stock.change(
        [("JKT100BLKM", 3), ("CAP600BLKOS", -2), ("TEE200WHTM", 0), ("NOPE", 1)], "receipt 944"
    )
    assert [(o.sku, o.quantity, o.accepted, o.submission) for o in outcomes] == [
        ("NOPE", 1, False, "changeStock intoWarehouse"),
        ("JKT100BLKM", 3, True, "changeStock intoWarehouse"),
        ("CAP600BLKOS", 2, True, "changeStock outFromWarehouse"),
    ]
    assert (physical(harness, "JKT100BLKM"), physical(harness, "CAP600BLKOS")) == (8, 3)


async def test_a_refused_change_is_never_resent() -> None:
    harness = Harness()
    await harness.stock.push([q("JKT100BLKM", 1), q("CAP600BLKOS", 5)], answered_at_once)
    outcomes = await harness.stock.change([("JKT100BLKM", -2), ("CAP600BLKOS", -1)], "damage")
    assert [o.accepted for o in outcomes] == [False, False]
    assert "Not enough stock" in (outcomes[0].message or "")
    assert "other sizes" in (outcomes[1].message or "")
    assert harness.transport.calls["ChangeStock"] == 1
    assert (physical(harness, "JKT100BLKM"), physical(harness, "CAP600BLKOS")) == (1, 5)


@pytest.mark.parametrize(
    ("permissions", "missing", "action"),
    [
        ({PRODUCT_READ}, PRODUCT_SIZE_STOCK_READ, "read"),
        ({PRODUCT_READ, ORDER_READ}, "StockChange:write", "push"),
        ({ORDER_READ}, PRODUCT_READ, "push"),
    ],
)
async def test_a_token_without_a_stock_permission_is_denied(
    permissions: set[str], missing: str, action: str
) -> None:
    harness = Harness(token="limited", permissions=frozenset(permissions))
    with pytest.raises(CentraPermissionDenied) as raised:
        if action == "read":
            await harness.stock.read(["JKT100BLKM"])
        else:
            await harness.stock.push([q("JKT100BLKM", 1)], answered_at_once)
    assert raised.value.permission == missing
