"""The simulated brand's catalogue, warehouse and shipping options.

SKUs are built the way Centra builds them (productNumber + variantNumber + sizeNumber) and are
read-only; GTINs are valid EAN-13s so a WMS item master keyed on either one accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    product_number: str
    variant_number: str
    size_number: str
    product_name: str
    gtin: str
    price_eur: float
    initial_stock: int

    @property
    def sku(self) -> str:
        return self.product_number + self.variant_number + self.size_number


@dataclass(frozen=True)
class Warehouse:
    id: int
    name: str
    stock_master_policy: str


@dataclass(frozen=True)
class ShippingOption:
    id: int
    name: str


def ean13(body: str) -> str:
    """Append the EAN-13 check digit to a 12-digit body."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


_PRODUCTS: tuple[tuple[str, str, str, tuple[str, ...], float, int], ...] = (
    ("JKT100", "BLK", "Harbour Jacket Black", ("S", "M", "L"), 249.0, 40),
    ("JKT100", "NVY", "Harbour Jacket Navy", ("M", "L"), 249.0, 25),
    ("TEE200", "WHT", "Everyday Tee White", ("S", "M", "L", "XL"), 35.0, 120),
    ("TRS300", "KHK", "Field Trousers Khaki", ("30", "32", "34"), 119.0, 30),
    ("SCF400", "GRY", "Wool Scarf Grey", ("OS",), 59.0, 8),
    ("BAG500", "BLK", "Canvas Tote Black", ("OS",), 79.0, 60),
    ("CAP600", "BLK", "Logo Cap Black", ("OS",), 29.0, 80),
)


def _build() -> tuple[Size, ...]:
    sizes: list[Size] = []
    for product, variant, name, size_numbers, price, stock in _PRODUCTS:
        for size_number in size_numbers:
            body = f"735000{len(sizes) + 1:06d}"
            sizes.append(Size(product, variant, size_number, name, ean13(body), price, stock))
    return tuple(sizes)


CATALOGUE: tuple[Size, ...] = _build()
SIZES_BY_SKU: dict[str, Size] = {s.sku: s for s in CATALOGUE}
SKUS: tuple[str, ...] = tuple(SIZES_BY_SKU)
GTINS: dict[str, str] = {s.sku: s.gtin for s in CATALOGUE}

WAREHOUSE = Warehouse(id=1, name="GXO Koblenz", stock_master_policy="EXTERNAL")
WAREHOUSES: dict[int, Warehouse] = {WAREHOUSE.id: WAREHOUSE}

STANDARD_EU = ShippingOption(1, "Standard EU")
EXPRESS_EU = ShippingOption(2, "Express EU")
STANDARD_UK = ShippingOption(3, "Standard UK")
EXPRESS_WORLD = ShippingOption(4, "Express World")
CLICK_AND_COLLECT = ShippingOption(5, "Click & Collect Store")

MAPPED_SHIPPING_OPTIONS: tuple[ShippingOption, ...] = (
    STANDARD_EU,
    EXPRESS_EU,
    STANDARD_UK,
    EXPRESS_WORLD,
)
# The demo leaves these without a GXO carrier mapping on purpose, to exercise that exception.
UNMAPPED_SHIPPING_OPTIONS: tuple[ShippingOption, ...] = (CLICK_AND_COLLECT,)
SHIPPING_OPTIONS: dict[str, ShippingOption] = {
    o.name: o for o in MAPPED_SHIPPING_OPTIONS + UNMAPPED_SHIPPING_OPTIONS
}

EU_COUNTRIES: tuple[str, ...] = ("SE", "DE", "FI", "DK", "NL", "FR")
NON_EU_COUNTRIES: tuple[str, ...] = ("US", "NO", "CH")
CURRENCIES: dict[str, str] = {"SE": "SEK", "GB": "GBP", "US": "USD", "NO": "NOK", "CH": "CHF"}
# Rough EUR conversion so prices in SEK or NOK look plausible.
EUR_RATES: dict[str, float] = {"EUR": 1.0, "SEK": 11.5, "GBP": 0.85, "USD": 1.08}
EUR_RATES.update({"NOK": 11.6, "CHF": 0.95})


def currency_for(country: str) -> str:
    return CURRENCIES.get(country, "EUR")


def default_shipping_option(country: str) -> ShippingOption:
    if country == "GB":
        return STANDARD_UK
    if country in EU_COUNTRIES:
        return STANDARD_EU
    return EXPRESS_WORLD
