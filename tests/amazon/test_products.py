"""Amazon's listings as a product source (integrations/amazon/products.py): the attributes the
official model's example verifies are read strictly and converted to GXO's units; the
unverified ones (EAN/UPC, origin) tolerantly; and the sweep pages through the sandbox's
listings oldest change first, every exchange validated against the official model."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from integrations.amazon.errors import AmazonBadResponse
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.products import AmazonProducts, read_listing
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS, UK
from sandbox.amazon.lwa import DEFAULT_SELLER_ID
from sandbox.amazon.state import AmazonSandbox
from tests.amazon.sandboxed import CheckedTransport, ManualClock, sandbox_settings
from tests.support.spapi_models import LISTINGS, load_model

US = "ATVPDKIKX0DER"  # the example's first marketplace


def official_item() -> dict[str, Any]:
    """The item of searchListingsItems' own 200 example in the vendored model."""
    model = load_model(LISTINGS)
    operation = model["paths"]["/listings/2021-08-01/items/{sellerId}"]["get"]
    example = operation["responses"]["200"]["examples"]["application/json"]
    item: dict[str, Any] = copy.deepcopy(example["items"][0])
    return item


def test_the_official_example_reads_with_the_packages_figures_in_gxos_units() -> None:
    product = read_listing(official_item(), US)
    assert product.sku == "GM-ZDPI-9B4E"
    assert product.name == "Hardside Carry-On Spinner Suitcase Luggage"
    assert product.updated_at == datetime(2021, 3, 1, tzinfo=UTC)
    # item_package_weight (62.142 kilograms) beats item_weight (107.6 pounds)
    assert product.weight_kg == Decimal("62.142")
    # item_package_dimensions in centimeters, to the millimetre
    assert (product.length_cm, product.width_cm, product.height_cm) == (
        Decimal("26.7"),
        Decimal("121.9"),
        Decimal("203.2"),
    )
    # Not in the example: nothing invented
    assert (product.ean, product.upc, product.country_of_origin, product.hs_code) == (None,) * 4
    assert product.active


def test_without_the_package_the_items_pounds_and_inches_are_converted() -> None:
    item = official_item()
    del item["attributes"]["item_package_weight"], item["attributes"]["item_package_dimensions"]
    product = read_listing(item, US)
    assert product.weight_kg == Decimal("48.807")  # 107.6 lb
    assert (product.length_cm, product.width_cm, product.height_cm) == (
        Decimal("6.1"),  # 2.4 in
        Decimal("183.9"),  # 72.4 in
        Decimal("105.2"),  # 41.4 in
    )


@pytest.mark.parametrize(
    ("unit", "value", "kilograms"),
    [("grams", 650, "0.650"), ("ounces", 3.5, "0.099"), ("kilograms", 0.2, "0.200")],
)
def test_weight_units(unit: str, value: float, kilograms: str) -> None:
    item = official_item()
    item["attributes"]["item_package_weight"] = [{"unit": unit, "value": value}]
    assert read_listing(item, US).weight_kg == Decimal(kilograms)


def test_millimeters_become_centimeters() -> None:
    item = official_item()
    side = {"unit": "millimeters", "value": 205}
    item["attributes"]["item_package_dimensions"] = [
        {"length": side, "width": side, "height": side, "marketplace_id": US}
    ]
    product = read_listing(item, US)
    assert product.length_cm == product.width_cm == product.height_cm == Decimal("20.5")


def test_no_weight_and_no_dimensions_is_none_not_an_error() -> None:
    item = official_item()
    for name in (
        "item_package_weight",
        "item_weight",
        "item_package_dimensions",
        "item_dimensions",
    ):
        del item["attributes"][name]
    product = read_listing(item, US)
    assert product.weight_kg is None and product.length_cm is None


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("item_package_weight", [{"unit": "stones", "value": 2}], "item_package_weight.unit"),
        ("item_package_weight", [{"unit": "grams", "value": "heavy"}], "item_package_weight"),
        ("item_package_weight", [{"unit": "grams", "value": -1}], "item_package_weight"),
        ("item_package_weight", {"unit": "grams", "value": 1}, "item_package_weight"),
        (
            "item_package_dimensions",
            [{"length": {"unit": "inches", "value": 1}, "width": {"unit": "inches", "value": 1}}],
            "item_package_dimensions.height",
        ),
    ],
)
def test_a_verified_attribute_amazon_shapes_otherwise_is_bad_data_naming_sku_and_field(
    name: str, value: Any, field: str
) -> None:
    item = official_item()
    item["attributes"][name] = value
    with pytest.raises(AmazonBadResponse) as raised:
        read_listing(item, US)
    assert "GM-ZDPI-9B4E" in str(raised.value) and field in str(raised.value)


def test_unverified_identifiers_and_origin_are_read_when_well_formed_and_ignored_otherwise() -> (
    None
):
    item = official_item()
    item["attributes"]["externally_assigned_product_identifier"] = [
        {"type": "ean", "value": "5060000000019", "marketplace_id": US},
        {"type": "upc", "value": "012345678905"},
    ]
    item["attributes"]["country_of_origin"] = [{"value": "pt", "marketplace_id": US}]
    product = read_listing(item, US)
    assert (product.ean, product.upc, product.country_of_origin) == (
        "5060000000019",
        "012345678905",
        "PT",
    )
    item["attributes"]["externally_assigned_product_identifier"] = [
        {"type": "ean", "value": "not digits"},
        "a string",
        {"type": "isbn", "value": "9780000000002"},
    ]
    item["attributes"]["country_of_origin"] = {"value": "Portugal"}
    product = read_listing(item, US)
    assert (product.ean, product.upc, product.country_of_origin) == (None, None, None)


def test_a_listing_without_its_marketplaces_summary_or_date_is_bad_data() -> None:
    with pytest.raises(AmazonBadResponse, match="no summary"):
        read_listing(official_item(), UK.marketplace_id)
    item = official_item()
    del item["summaries"][0]["lastUpdatedDate"]
    with pytest.raises(AmazonBadResponse, match="lastUpdatedDate"):
        read_listing(item, US)


# ---- against the sandbox ---------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> AmazonSandbox:
    return AmazonSandbox(clock=clock, listing_quantity=2)


@pytest.fixture
def transport(sandbox: AmazonSandbox) -> CheckedTransport:
    return CheckedTransport(create_app(sandbox))


@pytest.fixture
async def products(
    transport: CheckedTransport, clock: ManualClock
) -> AsyncIterator[AmazonProducts]:
    async with httpx.AsyncClient(transport=transport) as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())
        yield AmazonProducts(client.api, DEFAULT_SELLER_ID, UK.marketplace_id, page_size=8)


async def sweep(products: AmazonProducts, since: datetime | None) -> list[Any]:
    pages, page, token = [], 1, None
    while True:
        found = await products.products_changed(since, page, token)
        pages.append(found)
        if found.complete:
            return pages
        assert found.page == page + 1 and found.token
        page, token = found.page, found.token


async def test_a_full_sweep_pages_through_every_listing_with_its_package(
    products: AmazonProducts, transport: CheckedTransport
) -> None:
    pages = await sweep(products, None)
    read = {p.sku: p for page in pages for p in page.products}
    assert sorted(read) == sorted(SKUS) and len(pages) == 3
    assert transport.checked >= 3  # every exchange validated against the model
    jacket = read["JACKET-OLV-M"]  # listed in pounds and inches
    assert jacket.weight_kg == Decimal("1.089")
    assert (jacket.length_cm, jacket.width_cm, jacket.height_cm) == (
        Decimal("40.6"),
        Decimal("30.5"),
        Decimal("10.2"),
    )
    assert jacket.country_of_origin == "GB" and jacket.ean is not None
    assert read["TOTE-NAT-OS"].weight_kg is None  # listed without a weight
    assert read["HOODIE-NVY-M"].weight_kg == Decimal("0.650")


async def test_a_delta_sweep_reads_only_listings_updated_since_the_cursor(
    products: AmazonProducts, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    first = await sweep(products, None)
    cursor = max(p.cursor for p in first if p.cursor)
    clock.advance(60)
    sandbox.listings.add("AMZ-ONLY-1", "HAT", title="Amazon-only Cap")
    delta = await sweep(products, clock.now)
    assert [p.sku for page in delta for p in page.products] == ["AMZ-ONLY-1"]
    assert delta[-1].cursor is not None and delta[-1].cursor > cursor
    assert delta[-1].products[0].name == "Amazon-only Cap"


def test_the_model_example_is_unchanged_where_the_reader_relies_on_it() -> None:
    """The reader's strictness rests on these shapes in the vendored model's example."""
    attributes = official_item()["attributes"]
    assert json.dumps(attributes["item_weight"][0], sort_keys=True) == json.dumps(
        {"marketplace_id": US, "unit": "pounds", "value": 107.6}, sort_keys=True
    )
    assert set(attributes["item_package_dimensions"][0]) == {
        "length",
        "width",
        "height",
        "marketplace_id",
    }


async def test_a_listing_passed_over_mid_sweep_is_read_by_the_next_sweep(
    transport: CheckedTransport, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    """The search pages by position through listings sorted by lastUpdatedDate: listings
    updated between two pages (stock pushes) move to the end and the next page passes some
    over. The cursor stays CURSOR_MARGIN behind the clock, so the next sweep reads them."""
    async with httpx.AsyncClient(transport=transport) as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())
        products = AmazonProducts(
            client.api, DEFAULT_SELLER_ID, UK.marketplace_id, page_size=8, clock=lambda: clock.now
        )
        seen: set[str] = set()
        cursor: datetime | None = None
        page, token = 1, None
        while True:
            found = await products.products_changed(None, page, token)
            seen |= {p.sku for p in found.products}
            if found.cursor is not None and (cursor is None or found.cursor > cursor):
                cursor = found.cursor  # as ProductSync keeps it: the newest of the pages
            if found.complete:
                break
            clock.advance(1)
            for product in found.products:  # this page's listings change meanwhile
                sandbox.listings.listings[(product.sku, UK.marketplace_id)].updated = clock.now
            page, token = found.page or page + 1, found.token
        missed = set(SKUS) - seen
        assert missed  # the search passed some over: what this test is about
        clock.advance(5)
        again = await sweep(products, cursor)
        assert missed <= {p.sku for found in again for p in found.products}
