"""The Centra sandbox's stock, as documented: setStock (StockSetInput) sets absolute levels,
PHYSICAL including the store's own allocations, FREE_TO_ALLOCATE on top of them; sizes are
addressed by id / SKU / EAN (productSizes) or by variant and size name (productVariants);
changeStock adds (intoWarehouse), removes (outFromWarehouse) or transfers (both); stock is read
per size (ProductSize.stock, one row per warehouse) and per warehouse; a bad batch changes
nothing and names each bad size by its input path; the documented permissions apply."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.centra.catalogue import SIZES_BY_SKU, Warehouse
from sandbox.centra.tokens import ORDER_READ, PRODUCT_READ, PRODUCT_SIZE_STOCK_READ
from tests.sandbox.test_centra_sandbox_support import Centra

STOCK = """query S($sku: String!) { productSizes(where: {SKU: {contains: $sku}}) {
  SKU stock { warehouse { id } physicalQuantity freeToAllocateQuantity allocatedQuantity } } }"""
SET = """mutation Set($input: StockSetInput!) { setStock(input: $input) {
  stockChanges { id } userErrors { message path } userWarnings { message } } }"""
CHANGE = """mutation Change($input: StockChangeInput!) { changeStock(input: $input) {
  stockChange { id } userErrors { message path } } }"""


@pytest.fixture
def centra() -> Centra:
    centra = Centra()
    centra.sandbox.catalogue.add_warehouse(
        Warehouse(id=3, name="Retail", stock_master_policy="CENTRA")
    )
    return centra


def rows(centra: Centra, sku: str) -> list[tuple[int, int, int]]:
    [size] = [s for s in centra.data(STOCK, {"sku": sku})["productSizes"] if s["SKU"] == sku]
    return [
        (r["warehouse"]["id"], r["physicalQuantity"], r["freeToAllocateQuantity"])
        for r in size["stock"]
    ]


def set_stock(
    centra: Centra, levels: list[dict[str, Any]], kind: str = "PHYSICAL"
) -> dict[str, Any]:
    variables = {
        "input": {
            "warehouse": {"id": 1},
            "description": "test",
            "stockQuantityType": kind,
            "productSizes": levels,
        }
    }
    return centra.mutate(SET, variables, "setStock")


def by_id(sku: str, quantity: int) -> dict[str, Any]:
    return {"productSize": {"id": SIZES_BY_SKU[sku].id}, "quantity": quantity}


def test_set_stock_physical_includes_the_stores_allocations(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": "JKT100BLKM", "quantity": 2}]})
    payload = set_stock(centra, [by_id("JKT100BLKM", 7)])
    assert payload["userErrors"] == [] and len(payload["stockChanges"]) == 1
    assert rows(centra, "JKT100BLKM") == [(1, 7, 5)]


def test_set_stock_free_to_allocate_adds_the_allocations(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": "JKT100BLKM", "quantity": 2}]})
    set_stock(centra, [by_id("JKT100BLKM", 7)], kind="FREE_TO_ALLOCATE")
    assert rows(centra, "JKT100BLKM") == [(1, 9, 7)]


def test_sizes_are_addressed_by_sku_ean_or_variant_and_size_name(centra: Centra) -> None:
    size = SIZES_BY_SKU["TEE200WHTM"]
    set_stock(centra, [{"productSize": {"SKU": "TEE200WHTM"}, "quantity": 4}])
    assert rows(centra, "TEE200WHTM") == [(1, 4, 4)]
    set_stock(centra, [{"productSize": {"any": size.gtin}, "quantity": 5}])
    assert rows(centra, "TEE200WHTM") == [(1, 5, 5)]
    variant = {
        "warehouse": {"id": 1},
        "description": "by variant",
        "stockQuantityType": "PHYSICAL",
        "productVariants": [
            {
                "productVariant": {"id": size.variant_id},
                "sizeStockLevels": [{"size": {"name": "M"}, "quantity": 6}],
            }
        ],
    }
    assert centra.mutate(SET, {"input": variant}, "setStock")["userErrors"] == []
    assert rows(centra, "TEE200WHTM") == [(1, 6, 6)]


def test_a_bad_batch_changes_nothing_and_names_each_bad_size(centra: Centra) -> None:
    before = rows(centra, "CAP600BLKOS")
    payload = set_stock(
        centra,
        [
            by_id("CAP600BLKOS", 3),
            {"productSize": {"id": 999}, "quantity": 1},
            by_id("TEE200WHTM", -1),
        ],
    )
    assert [e["path"] for e in payload["userErrors"]] == [
        ["input", "productSizes", "1", "productSize"]
    ]
    assert payload["stockChanges"] == []
    negative = set_stock(centra, [by_id("CAP600BLKOS", 3), by_id("TEE200WHTM", -1)])
    assert [e["path"] for e in negative["userErrors"]] == [
        ["input", "productSizes", "1", "quantity"]
    ]
    assert rows(centra, "CAP600BLKOS") == before
    unknown = {
        "warehouse": {"id": 7},
        "description": "x",
        "stockQuantityType": "PHYSICAL",
        "productSizes": [],
    }
    assert (
        "Warehouse 7"
        in centra.mutate(SET, {"input": unknown}, "setStock")["userErrors"][0]["message"]
    )


def change(centra: Centra, **directions: Any) -> dict[str, Any]:
    moves = directions.pop("moves")
    variables = {"input": {**directions, "description": "test", "productSizes": moves}}
    return centra.mutate(CHANGE, variables, "changeStock")


def delta(sku: str, quantity: int) -> dict[str, Any]:
    return {"productSize": {"id": SIZES_BY_SKU[sku].id}, "deliveredQuantity": quantity}


def test_change_stock_adds_removes_and_transfers(centra: Centra) -> None:
    set_stock(centra, [by_id("CAP600BLKOS", 10)])
    assert change(centra, intoWarehouse={"id": 1}, moves=[delta("CAP600BLKOS", 5)])["stockChange"][
        "id"
    ]
    assert rows(centra, "CAP600BLKOS") == [(1, 15, 15)]
    change(centra, outFromWarehouse={"id": 1}, moves=[delta("CAP600BLKOS", 2)])
    assert rows(centra, "CAP600BLKOS") == [(1, 13, 13)]
    change(
        centra, outFromWarehouse={"id": 1}, intoWarehouse={"id": 3}, moves=[delta("CAP600BLKOS", 3)]
    )
    assert rows(centra, "CAP600BLKOS") == [(1, 10, 10), (3, 3, 3)]


def test_change_stock_refuses_overdrawing_and_non_positive_quantities(centra: Centra) -> None:
    set_stock(centra, [by_id("CAP600BLKOS", 1)])
    over = change(centra, outFromWarehouse={"id": 1}, moves=[delta("CAP600BLKOS", 2)])
    assert over["stockChange"] is None
    assert over["userErrors"][0]["path"] == ["input", "productSizes", "0", "deliveredQuantity"]
    zero = change(centra, intoWarehouse={"id": 1}, moves=[delta("CAP600BLKOS", 0)])
    assert "positive" in zero["userErrors"][0]["message"]
    neither = change(centra, moves=[delta("CAP600BLKOS", 1)])
    assert "intoWarehouse" in neither["userErrors"][0]["message"]
    assert rows(centra, "CAP600BLKOS") == [(1, 1, 1)]


def test_warehouse_stock_and_totals_per_size(centra: Centra) -> None:
    set_stock(centra, [by_id("CAP600BLKOS", 4)])
    size = SIZES_BY_SKU["CAP600BLKOS"].id
    query = f"""{{ warehouses(where: {{name: {{contains: "Koblenz"}}}}) {{ id stock(where:
      {{productSizeId: [{size}]}}) {{ physicalQuantity productSize {{ SKU }} }} }}
      productSizes(where: {{id: [{size}]}}) {{ stockTotals {{ physicalQuantity }} }} }}"""
    data = centra.data(query)
    assert data["warehouses"] == [
        {"id": 1, "stock": [{"physicalQuantity": 4, "productSize": {"SKU": "CAP600BLKOS"}}]}
    ]
    assert data["productSizes"] == [{"stockTotals": {"physicalQuantity": 4}}]


@pytest.mark.parametrize(
    ("document", "variables", "permissions", "missing"),
    [
        (STOCK, {"sku": "CAP600BLKOS"}, [PRODUCT_READ], PRODUCT_SIZE_STOCK_READ),
        (
            SET,
            {
                "input": {
                    "warehouse": {"id": 1},
                    "description": "x",
                    "stockQuantityType": "PHYSICAL",
                }
            },
            [ORDER_READ],
            "StockChange:write",
        ),
        (
            CHANGE,
            {"input": {"intoWarehouse": {"id": 1}, "description": "x"}},
            [ORDER_READ],
            "StockChange:write",
        ),
    ],
)
def test_stock_needs_its_permissions(
    centra: Centra,
    document: str,
    variables: dict[str, object],
    permissions: list[str],
    missing: str,
) -> None:
    centra.client.put("/_sandbox/tokens", json={"token": "limited", "permissions": permissions})
    body = centra.gql(document, variables, token="limited")
    [error] = body["errors"]
    assert error["message"].startswith(f"You need {missing} permission")
    assert error["extensions"] == {"category": "authorization"}
