"""The simulated brand's catalogue (products, variants, sizes), warehouses, currencies and
shipping options.

SKUs are built the way Centra builds them (productNumber + variantNumber + sizeNumber) and are
read-only; EANs are valid EAN-13s so a WMS item master keyed on either one accepts them. A test
can add products and warehouses with the ids Centra's own examples use (`Catalogue.add_*`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

# When the built-in catalogue was last edited (updatedAt of its products, variants and sizes).
CATALOGUE_EDITED = datetime(2024, 1, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    """A product size as orders and stock see it (denormalised: product and variant numbers)."""

    product_number: str
    variant_number: str
    size_number: str
    product_name: str
    gtin: str  # the EAN-13 (Centra's field is `EAN`; `GTIN` was renamed)
    price_eur: float
    initial_stock: int
    id: int = 0
    product_id: int = 0
    variant_id: int = 0
    description: str = ""  # the size's name as shown, e.g. "M"

    @property
    def sku(self) -> str:
        return self.product_number + self.variant_number + self.size_number


@dataclass(frozen=True)
class Variant:
    id: int
    product_id: int
    number: str
    name: str
    unit_cost_eur: float
    status: str = "ACTIVE"


@dataclass(frozen=True)
class Product:
    id: int
    number: str
    name: str
    status: str = "ACTIVE"
    hs_code: str | None = None
    hs_description: str | None = None
    country_of_origin: str | None = "PT"
    weight_kg: float | None = None
    brand: str = "Consign Demo"
    collection: str = "Core"
    updated_at: datetime = CATALOGUE_EDITED  # a change to a variant or size bumps it too


@dataclass(frozen=True)
class Warehouse:
    id: int
    name: str
    stock_master_policy: str = "EXTERNAL"


@dataclass(frozen=True)
class Currency:
    id: int
    code: str
    name: str
    rate_to_eur: float
    is_base: bool = False


@dataclass(frozen=True)
class ShippingOption:
    id: int
    name: str


def ean13(body: str) -> str:
    """Append the EAN-13 check digit to a 12-digit body."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


# (product number, variant number, name, sizes, price EUR, stock per size)
_PRODUCTS: tuple[tuple[str, str, str, tuple[str, ...], float, int], ...] = (
    ("JKT100", "BLK", "Harbour Jacket Black", ("S", "M", "L"), 249.0, 40),
    ("JKT100", "NVY", "Harbour Jacket Navy", ("M", "L"), 249.0, 25),
    ("TEE200", "WHT", "Everyday Tee White", ("S", "M", "L", "XL"), 35.0, 120),
    ("TRS300", "KHK", "Field Trousers Khaki", ("30", "32", "34"), 119.0, 30),
    ("SCF400", "GRY", "Wool Scarf Grey", ("OS",), 59.0, 8),
    ("BAG500", "BLK", "Canvas Tote Black", ("OS",), 79.0, 60),
    ("CAP600", "BLK", "Logo Cap Black", ("OS",), 29.0, 80),
)
HS_CODES = {"JKT": "620193", "TEE": "610910", "TRS": "620342", "SCF": "611710"}

CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency(1, "EUR", "Euro", 1.0, is_base=True),
        Currency(3, "SEK", "Swedish krona", 11.5),
        Currency(4, "GBP", "Pound sterling", 0.85),
        Currency(5, "USD", "US dollar", 1.08),
        Currency(6, "NOK", "Norwegian krone", 11.6),
        Currency(7, "CHF", "Swiss franc", 0.95),
    )
}
EUR_RATES: dict[str, float] = {code: c.rate_to_eur for code, c in CURRENCIES.items()}


@dataclass
class Catalogue:
    """Products, variants, sizes and warehouses by id, and sizes by SKU."""

    products: dict[int, Product] = field(default_factory=dict)
    variants: dict[int, Variant] = field(default_factory=dict)
    sizes: dict[int, Size] = field(default_factory=dict)
    warehouses: dict[int, Warehouse] = field(default_factory=dict)

    @property
    def by_sku(self) -> dict[str, Size]:
        return {size.sku: size for size in self.sizes.values()}

    def add_product(self, product: Product) -> Product:
        self.products[product.id] = product
        return product

    def add_variant(self, variant: Variant) -> Variant:
        self.variants[variant.id] = variant
        return variant

    def add_size(
        self, variant_id: int, size_id: int, size_number: str, description: str, ean: str
    ) -> Size:
        variant = self.variants[variant_id]
        product = self.products[variant.product_id]
        size = Size(
            product_number=product.number,
            variant_number=variant.number,
            size_number=size_number,
            product_name=product.name,
            gtin=ean,
            price_eur=variant.unit_cost_eur * 2,
            initial_stock=0,
            id=size_id,
            product_id=product.id,
            variant_id=variant.id,
            description=description,
        )
        self.sizes[size.id] = size
        return size

    def add_warehouse(self, warehouse: Warehouse) -> Warehouse:
        self.warehouses[warehouse.id] = warehouse
        return warehouse

    def variant_sizes(self, variant_id: int) -> list[Size]:
        return [s for s in self.sizes.values() if s.variant_id == variant_id]

    def product_variants(self, product_id: int) -> list[Variant]:
        return [v for v in self.variants.values() if v.product_id == product_id]

    def size_of_variant(
        self, variant_id: int, size_id: int | None, name: str | None
    ) -> Size | None:
        """A SizeInput ({id} or {name}) within a ProductVariantInput."""
        for size in self.variant_sizes(variant_id):
            if size.id == size_id or (name is not None and size.description == name):
                return size
        return None

    @classmethod
    def default(cls) -> Catalogue:
        catalogue = cls()
        catalogue.add_warehouse(WAREHOUSE)
        products: dict[str, Product] = {}
        for number, variant_number, name, sizes, price, stock in _PRODUCTS:
            if number not in products:
                products[number] = catalogue.add_product(
                    Product(
                        id=len(products) + 1,
                        number=number,
                        name=name.rsplit(" ", 1)[0],
                        hs_code=HS_CODES.get(number[:3], "420292"),
                        hs_description=name.rsplit(" ", 1)[0],
                        weight_kg=0.5,
                    )
                )
            variant = catalogue.add_variant(
                Variant(
                    id=len(catalogue.variants) + 1,
                    product_id=products[number].id,
                    number=variant_number,
                    name=name,
                    unit_cost_eur=round(price * 0.35, 2),
                )
            )
            for size_number in sizes:
                size_id = len(catalogue.sizes) + 1
                catalogue.sizes[size_id] = Size(
                    product_number=number,
                    variant_number=variant_number,
                    size_number=size_number,
                    product_name=name,
                    gtin=ean13(f"735000{size_id:06d}"),
                    price_eur=price,
                    initial_stock=stock,
                    id=size_id,
                    product_id=products[number].id,
                    variant_id=variant.id,
                    description=size_number,
                )
        return catalogue


WAREHOUSE = Warehouse(id=1, name="GXO Koblenz", stock_master_policy="EXTERNAL")
WAREHOUSES: dict[int, Warehouse] = {WAREHOUSE.id: WAREHOUSE}

DEFAULT = Catalogue.default()
CATALOGUE: tuple[Size, ...] = tuple(DEFAULT.sizes.values())
SIZES_BY_SKU: dict[str, Size] = DEFAULT.by_sku
SKUS: tuple[str, ...] = tuple(SIZES_BY_SKU)
GTINS: dict[str, str] = {s.sku: s.gtin for s in CATALOGUE}

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
COUNTRY_CURRENCIES: dict[str, str] = {
    "SE": "SEK",
    "GB": "GBP",
    "US": "USD",
    "NO": "NOK",
    "CH": "CHF",
}
COUNTRY_NAMES: dict[str, str] = {
    "SE": "Sweden",
    "DE": "Germany",
    "FI": "Finland",
    "DK": "Denmark",
    "NL": "Netherlands",
    "FR": "France",
    "GB": "United Kingdom",
    "US": "United States",
    "NO": "Norway",
    "CH": "Switzerland",
}


def currency_for(country: str) -> str:
    return COUNTRY_CURRENCIES.get(country, "EUR")


def country_id(code: str) -> int:
    return sorted(COUNTRY_NAMES).index(code) + 1 if code in COUNTRY_NAMES else 0


def default_shipping_option(country: str) -> ShippingOption:
    if country == "GB":
        return STANDARD_UK
    if country in EU_COUNTRIES:
        return STANDARD_EU
    return EXPRESS_WORLD
