"""Centra's product reader (integrations/centra/products.py) against the vendored contract
(reference/centra): every answer is what Centra's documented schema gives for consign's own
ProductsChanged document (executed by graphql-core against schema-documented.graphql, so a
field, enum value or null the schema does not allow fails the test), built from the PIM
guide's documented product (examples/products-with-sizes.response.json). README gotchas: 10
(EAN, not GTIN; SKU = product + variant + size number; HS code on the product), 4 (DateTimeTz,
here with the example's "+0100" offset) and the product filter's lack of updatedAt (the sweep
sorted updatedAt_DESC, stopping at the first product older than the cursor)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, build_schema, graphql_sync
from pydantic import SecretStr

from domain.exceptions import ExceptionKind
from domain.products import ProductPage
from integrations.centra.client import CentraClient
from integrations.centra.documents import PRODUCTS_CHANGED
from integrations.centra.errors import CentraBadResponse
from integrations.centra.products import CentraProducts
from sandbox.reference import reference_dir

URL = "https://brand.centra.test/graphql"
CENTRA = reference_dir() / "centra"
Json = dict[str, Any]


def documented_product() -> Json:
    """The PIM guide's product, with what consign's document selects and the example did not:
    `isActive` (ProductSize: Boolean!), UPC, weight and country of origin (nullable)."""
    example = json.loads((CENTRA / "examples/products-with-sizes.response.json").read_text())
    product: Json = copy.deepcopy(example["data"]["products"][0])
    product |= {"countryOfOrigin": {"code": "PT"}, "weight": None}
    for variant in product["variants"]:
        for size in variant["productSizes"]:
            size |= {"isActive": True, "UPC": None, "weight": None}
    return product


def stamped(updated_at: str, number: str) -> Json:
    """The documented product again, as another product changed at `updated_at`."""
    product = documented_product()
    product["updatedAt"] = updated_at
    for variant in product["variants"]:
        for size in variant["productSizes"]:
            size["SKU"] = size["SKU"].replace("Prod123", number)
    return product


class DocumentedCentra:
    """Answers ProductsChanged from `products` (held newest change first, as the document's
    `sort: [updatedAt_DESC]` asks), paged by the request's limit and page, each answer
    executed against the documented schema."""

    schema: GraphQLSchema = build_schema((CENTRA / "schema-documented.graphql").read_text())

    def __init__(self, products: list[Json]) -> None:
        self.products = products
        self.pages: list[int] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        variables = body["variables"]
        limit, page = variables["limit"], variables["page"]
        self.pages.append(page)
        shown = self.products[(page - 1) * limit : page * limit]
        result = graphql_sync(
            self.schema, body["query"], root_value={"products": shown}, variable_values=variables
        )
        assert result.errors is None, result.errors  # an answer Centra could not give
        return httpx.Response(200, json={"data": result.data})


def reader(centra: DocumentedCentra, page_size: int = 50) -> CentraProducts:
    http = httpx.AsyncClient(transport=httpx.MockTransport(centra.handle))
    return CentraProducts(CentraClient(URL, SecretStr("token"), http), page_size)


async def read(
    products: list[Json], since: datetime | None = None, page: int = 1, page_size: int = 50
) -> ProductPage:
    return await reader(DocumentedCentra(products), page_size).products_changed(since, page)


def weight(value: float, unit: str) -> Json:
    return {"value": value, "unit": unit}


def test_the_sweep_asks_for_the_newest_changes_first() -> None:
    """The cursor stop below is only right on this order (ProductFilter has no updatedAt)."""
    assert "sort: [updatedAt_DESC]" in PRODUCTS_CHANGED
    assert "status: [ACTIVE, INACTIVE]" in PRODUCTS_CHANGED  # inactive ones too: GXO hears


async def test_the_documented_product_is_one_sku_per_size_with_its_customs_data() -> None:
    page = await read([documented_product()])
    assert [p.sku for p in page.products] == [
        "Prod123Var123789S",
        "Prod123Var456789S",
        "Prod123Var456789M",
        "Prod123Var456789L",
    ]
    first, medium = page.products[0], page.products[2]
    assert (first.name, medium.name) == ("First Product One Size", "First Product M")
    assert (medium.ean, medium.upc) == ("EAN123456789M", None)
    assert (medium.hs_code, medium.hs_description) == ("HCC123", "Harm Code Description")
    assert medium.country_of_origin == "PT" and medium.weight_kg is None
    assert all(p.active for p in page.products)
    changed = datetime(2022, 1, 3, 10, 43, 56, tzinfo=UTC)  # "2022-01-03T11:43:56+0100"
    assert {p.updated_at for p in page.products} == {changed} and page.cursor == changed
    assert (page.complete, page.page) == (True, None)


async def test_a_sku_is_active_only_when_its_product_variant_and_size_are() -> None:
    inactive_product = documented_product() | {"status": "INACTIVE"}
    assert not any(p.active for p in (await read([inactive_product])).products)

    inactive_variant = documented_product()
    inactive_variant["variants"][0]["status"] = "INACTIVE"
    inactive_size = documented_product()
    inactive_size["variants"][1]["productSizes"][1]["isActive"] = False
    found = {
        name: {p.sku: p.active for p in (await read([product])).products}
        for name, product in (("variant", inactive_variant), ("size", inactive_size))
    }
    assert [sku for sku, active in found["variant"].items() if not active] == ["Prod123Var123789S"]
    assert [sku for sku, active in found["size"].items() if not active] == ["Prod123Var456789M"]


async def test_weights_in_pounds_become_kilograms_and_a_sizes_weight_beats_its_products() -> None:
    product = documented_product() | {"weight": weight(2.2, "POUNDS")}
    sizes = product["variants"][1]["productSizes"]
    sizes[0]["weight"] = weight(1, "KILOGRAMS")
    sizes[1]["weight"] = weight(0.5, "POUNDS")
    weights = {p.sku: p.weight_kg for p in (await read([product])).products}
    assert weights == {
        "Prod123Var123789S": Decimal("0.998"),  # the product's 2.2 lb
        "Prod123Var456789S": Decimal("1"),
        "Prod123Var456789M": Decimal("0.227"),  # 0.5 lb = 0.2268 kg
        "Prod123Var456789L": Decimal("0.998"),
    }


async def test_a_weight_unit_the_schema_does_not_have_is_bad_data_not_a_weight() -> None:
    """Past the schema (Centra added a unit): named as a bad answer, never read as kg."""
    raw = documented_product() | {"weight": weight(3, "OUNCES")}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"products": [raw]}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    products = CentraProducts(CentraClient(URL, SecretStr("token"), http))
    with pytest.raises(CentraBadResponse) as bad:
        await products.products_changed(None, 1)
    assert bad.value.exception_kind is ExceptionKind.INVALID_CHANNEL_DATA
    assert "weight.unit" in str(bad.value)


NEWEST, MIDDLE, OLDEST = (
    "2026-11-30T12:00:00+01:00",
    "2026-11-30T11:00:00+01:00",
    "2026-11-30T10:00:00+01:00",
)


def changed_products() -> list[Json]:
    return [stamped(NEWEST, "N1"), stamped(MIDDLE, "M1"), stamped(OLDEST, "O1")]


def numbers(page: ProductPage) -> list[str]:
    return sorted({p.sku[:2] for p in page.products})


async def test_the_sweep_stops_at_the_first_product_older_than_the_cursor() -> None:
    cursor = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # between OLDEST and MIDDLE (UTC)
    centra = DocumentedCentra(changed_products())
    page = await reader(centra).products_changed(cursor, 1)
    assert numbers(page) == ["M1", "N1"]
    assert page.cursor == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # the newest read
    assert (page.complete, page.page, centra.pages) == (True, None, [1])


async def test_a_product_changed_at_the_cursor_itself_is_read_again() -> None:
    """Two changes in the same second: the second must not hide behind the first's cursor."""
    at_cursor = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # MIDDLE, in UTC
    page = await read(changed_products(), since=at_cursor)
    assert numbers(page) == ["M1", "N1"] and page.complete


async def test_a_full_page_newer_than_the_cursor_asks_for_the_next_one() -> None:
    first = await read(changed_products(), page_size=2)
    assert numbers(first) == ["M1", "N1"]
    assert (first.complete, first.page) == (False, 2)
    last = await read(changed_products(), page=2, page_size=2)
    assert numbers(last) == ["O1"] and (last.complete, last.page) == (True, None)
    # A first sweep (no cursor) reads everything; with the cursor past the page, it stops.
    stopped = await read(changed_products(), since=datetime(2026, 11, 30, 11, tzinfo=UTC))
    assert numbers(stopped) == ["N1"] and stopped.complete
    # A full page that reaches an older product ends the sweep: no next page is asked for.
    centra = DocumentedCentra(changed_products())
    within = await reader(centra, 2).products_changed(datetime(2026, 11, 30, 10, 30, tzinfo=UTC), 1)
    assert numbers(within) == ["N1"] and (within.complete, within.page, centra.pages) == (
        True,
        None,
        [1],
    )
