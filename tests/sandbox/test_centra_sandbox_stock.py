"""The Centra sandbox's stock: setStock PHYSICAL sets physical and leaves FTA to subtract the
store's own allocations, changeStock moves it, a bad batch changes nothing and names each bad
size by index, and both need the Stock permissions."""

from __future__ import annotations

import pytest

from sandbox.centra.tokens import ORDER_READ, STOCK_READ
from tests.sandbox.test_centra_sandbox_support import Centra

STOCK = """query S($skus: [String!]) { stock(warehouse: {id: 1}, SKUs: $skus) {
  SKU physicalQuantity freeToAllocateQuantity } }"""
SET = """mutation Set($levels: [SizeStockLevelInput!]!) { setStock(input: {warehouse: {id: 1},
  stockQuantityType: PHYSICAL, sizeStockLevels: $levels}) { userErrors { message path } } }"""
CHANGE = """mutation Change($input: ChangeStockInput!) { changeStock(input: $input) {
  userErrors { message path } } }"""


@pytest.fixture
def centra() -> Centra:
    return Centra()


def level(centra: Centra, sku: str) -> tuple[int, int]:
    [row] = centra.data(STOCK, {"skus": [sku]})["stock"]
    return row["physicalQuantity"], row["freeToAllocateQuantity"]


def set_stock(centra: Centra, *levels: tuple[str, int]) -> list[dict[str, object]]:
    variables = {"levels": [{"SKU": sku, "quantity": qty} for sku, qty in levels]}
    errors: list[dict[str, object]] = centra.data(SET, variables)["setStock"]["userErrors"]
    return errors


def test_set_stock_sets_physical_and_fta_subtracts_own_orders(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS", "quantity": 3}]})
    assert set_stock(centra, ("CAP600BLKOS", 20)) == []
    assert level(centra, "CAP600BLKOS") == (20, 17)


def test_set_stock_is_absolute_even_when_physical_went_negative(centra: Centra) -> None:
    """Centra's own shipments can take physical below zero; an absolute level still lands."""
    assert set_stock(centra, ("CAP600BLKOS", 0)) == []
    centra.sandbox.stock.get("CAP600BLKOS", 1).physical = -2
    assert set_stock(centra, ("CAP600BLKOS", 5)) == []
    assert level(centra, "CAP600BLKOS") == (5, 5)


def test_a_bad_batch_changes_nothing_and_names_each_bad_size(centra: Centra) -> None:
    before = level(centra, "CAP600BLKOS")
    errors = set_stock(centra, ("CAP600BLKOS", 5), ("NOPE", 1), ("JKT100BLKM", -1))
    assert errors == [
        {"message": "Unknown SKU NOPE", "path": ["input", "sizeStockLevels", "1", "SKU"]},
        {
            "message": "Negative quantity for JKT100BLKM",
            "path": ["input", "sizeStockLevels", "2", "quantity"],
        },
    ]
    assert level(centra, "CAP600BLKOS") == before


def test_change_stock_refuses_overdrawing_and_non_positive_quantities(centra: Centra) -> None:
    set_stock(centra, ("CAP600BLKOS", 2))
    out = {
        "outFromWarehouse": {"id": 1},
        "sizeChanges": [{"SKU": "CAP600BLKOS", "deliveredQuantity": 3}],
    }
    [error] = centra.data(CHANGE, {"input": out})["changeStock"]["userErrors"]
    assert error["path"] == ["input", "sizeChanges", "0", "deliveredQuantity"]
    into = {
        "intoWarehouse": {"id": 1},
        "sizeChanges": [{"SKU": "CAP600BLKOS", "deliveredQuantity": 0}],
    }
    [error] = centra.data(CHANGE, {"input": into})["changeStock"]["userErrors"]
    assert "positive" in error["message"]
    assert level(centra, "CAP600BLKOS") == (2, 2)


@pytest.mark.parametrize(
    ("document", "variables", "permission"),
    [
        (STOCK, {"skus": ["CAP600BLKOS"]}, STOCK_READ),
        (SET, {"levels": [{"SKU": "CAP600BLKOS", "quantity": 1}]}, "Stock:write"),
    ],
)
def test_stock_needs_its_permissions(
    centra: Centra, document: str, variables: dict[str, object], permission: str
) -> None:
    centra.client.put("/_sandbox/tokens", json={"token": "orders", "permissions": [ORDER_READ]})
    body = centra.gql(document, variables, token="orders")
    [error] = body["errors"]
    assert error["message"].startswith(f"You need {permission} permission")
    assert error["extensions"] == {"category": "authorization"}
