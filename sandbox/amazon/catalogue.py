"""The sandbox seller's catalogue, marketplaces and shipping services.

Tests and the demo import these constants rather than repeating SKUs. UNMAPPED_SKUS are
listed on Amazon but deliberately absent from the demo's GXO item master, so the demo can
show an unmapped-SKU exception."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class Product(NamedTuple):
    sku: str
    asin: str
    title: str
    price_gbp: Decimal


CATALOGUE: tuple[Product, ...] = (
    Product("TSHIRT-BLK-S", "B0CSBX0001", "Organic Cotton T-Shirt, Black, S", Decimal("19.99")),
    Product("TSHIRT-BLK-M", "B0CSBX0002", "Organic Cotton T-Shirt, Black, M", Decimal("19.99")),
    Product("TSHIRT-BLK-L", "B0CSBX0003", "Organic Cotton T-Shirt, Black, L", Decimal("19.99")),
    Product("TSHIRT-WHT-S", "B0CSBX0004", "Organic Cotton T-Shirt, White, S", Decimal("19.99")),
    Product("TSHIRT-WHT-M", "B0CSBX0005", "Organic Cotton T-Shirt, White, M", Decimal("19.99")),
    Product("TSHIRT-WHT-L", "B0CSBX0006", "Organic Cotton T-Shirt, White, L", Decimal("19.99")),
    Product("HOODIE-NVY-M", "B0CSBX0007", "Heavyweight Hoodie, Navy, M", Decimal("54.00")),
    Product("HOODIE-NVY-L", "B0CSBX0008", "Heavyweight Hoodie, Navy, L", Decimal("54.00")),
    Product("HOODIE-GRY-M", "B0CSBX0009", "Heavyweight Hoodie, Grey Marl, M", Decimal("54.00")),
    Product("JOGGER-BLK-M", "B0CSBX0010", "Loopback Jogger, Black, M", Decimal("45.00")),
    Product("JOGGER-BLK-L", "B0CSBX0011", "Loopback Jogger, Black, L", Decimal("45.00")),
    Product("CAP-KHK-OS", "B0CSBX0012", "Six-Panel Cap, Khaki, One Size", Decimal("22.50")),
    Product("BEANIE-BLK-OS", "B0CSBX0013", "Merino Beanie, Black, One Size", Decimal("25.00")),
    Product("SOCKS-3PK-WHT", "B0CSBX0014", "Sport Socks 3-Pack, White, 6-11", Decimal("12.00")),
    Product("SOCKS-3PK-BLK", "B0CSBX0015", "Sport Socks 3-Pack, Black, 6-11", Decimal("12.00")),
    Product("TOTE-NAT-OS", "B0CSBX0016", "Canvas Tote Bag, Natural", Decimal("15.00")),
    Product("BOTTLE-STL-750", "B0CSBX0017", "Insulated Steel Bottle 750 ml", Decimal("28.00")),
    Product("JACKET-OLV-M", "B0CSBX0018", "Waxed Field Jacket, Olive, M", Decimal("149.00")),
    Product("GIFTCARD-PHYS-25", "B0CSBX0019", "Gift Card in Box, GBP 25", Decimal("25.00")),
    Product("SCARF-LTD-RED", "B0CSBX0020", "Limited Edition Wool Scarf, Red", Decimal("39.00")),
)
SKUS: tuple[str, ...] = tuple(p.sku for p in CATALOGUE)
# Each family's Amazon product type: a listings patch must name its listing's own.
PRODUCT_TYPES: dict[str, str] = {
    "TSHIRT": "SHIRT",
    "HOODIE": "SWEATSHIRT",
    "JOGGER": "PANTS",
    "CAP": "HAT",
    "BEANIE": "HAT",
    "SOCKS": "SOCKS",
    "TOTE": "HANDBAG",
    "BOTTLE": "BOTTLE",
    "JACKET": "COAT",
    "GIFTCARD": "GIFT_CARD",
    "SCARF": "SCARF",
}
UNMAPPED_SKUS: tuple[str, ...] = ("GIFTCARD-PHYS-25", "SCARF-LTD-RED")


class Physical(NamedTuple):
    """A family's package as its listings' attributes give it, in the units the seller chose
    (the listings model's example mixes pounds, kilograms, inches and centimeters)."""

    weight: tuple[str, float] | None  # (unit, value): item_package_weight
    dimensions: tuple[str, float, float, float] | None  # (unit, length, width, height)
    origin: str | None = "PT"  # country_of_origin (a Product Type Definitions attribute)


# Per family: the field jacket is given in pounds and inches, the tote bag has no weight.
PHYSICAL: dict[str, Physical] = {
    "TSHIRT": Physical(("kilograms", 0.2), ("centimeters", 30, 25, 2)),
    "HOODIE": Physical(("grams", 650), ("centimeters", 35, 30, 6)),
    "JOGGER": Physical(("grams", 480), ("centimeters", 35, 28, 5)),
    "CAP": Physical(("ounces", 3.5), ("centimeters", 20, 18, 12)),
    "BEANIE": Physical(("grams", 90), ("millimeters", 200, 150, 30)),
    "SOCKS": Physical(("grams", 150), ("centimeters", 22, 12, 4)),
    "TOTE": Physical(None, ("centimeters", 40, 35, 1)),
    "BOTTLE": Physical(("kilograms", 0.38), ("centimeters", 8, 8, 27), "CN"),
    "JACKET": Physical(("pounds", 2.4), ("inches", 16, 12, 4), "GB"),
    "GIFTCARD": Physical(("grams", 40), ("centimeters", 12, 9, 2), None),
    "SCARF": Physical(("grams", 180), ("centimeters", 25, 20, 3), "GB"),
}


def physical(sku: str) -> Physical | None:
    return PHYSICAL.get(sku.split("-")[0])


def ean(sku: str) -> str | None:
    """A catalogue SKU's EAN-13 (the sandbox's own numbers)."""
    index = next((i for i, p in enumerate(CATALOGUE) if p.sku == sku), None)
    return None if index is None else f"50600000{index + 1:05d}"


BY_SKU: dict[str, Product] = {p.sku: p for p in CATALOGUE}


def product_type(sku: str) -> str:
    return PRODUCT_TYPES[sku.split("-")[0]]


class Marketplace(NamedTuple):
    marketplace_id: str
    sales_channel: str  # v0 SalesChannel
    name: str  # v2026 salesChannel.marketplaceName
    country_code: str
    currency: str


UK = Marketplace("A1F83G8C2ARO7P", "Amazon.co.uk", "Amazon.co.uk", "GB", "GBP")
DE = Marketplace("A1PA6795UKMFR9", "Amazon.de", "Amazon.de", "DE", "EUR")
FR = Marketplace("A13V1IB3VIYZZH", "Amazon.fr", "Amazon.fr", "FR", "EUR")
US = Marketplace("ATVPDKIKX0DER", "Amazon.com", "Amazon.com", "US", "USD")
MARKETPLACES: dict[str, Marketplace] = {m.marketplace_id: m for m in (UK, DE, FR, US)}
DEFAULT_MARKETPLACE_ID = UK.marketplace_id


class ServiceLevel(NamedTuple):
    ship_service_level: str  # v0 ShipServiceLevel, as Seller Central shows it
    category: str  # v0 ShipmentServiceLevelCategory
    v2026: str  # v2026 fulfillment.fulfillmentServiceLevel
    ship_days: int  # LatestShipDate, days after purchase
    transit_days: int


STD_UK_DOM = ServiceLevel("Std UK Dom_1", "Standard", "STANDARD", 2, 3)
EXP_UK_DOM = ServiceLevel("Exp UK Dom_1", "Expedited", "EXPEDITED", 1, 1)
NEXT_UK_DOM = ServiceLevel("NextDay UK Dom_1", "NextDay", "NEXT_DAY", 1, 1)
STD_UK_INTL = ServiceLevel("Std UK Intl_1", "Standard", "STANDARD", 3, 6)
EXP_UK_INTL = ServiceLevel("Exp UK Intl_1", "Expedited", "EXPEDITED", 1, 3)
SERVICE_LEVELS: dict[str, ServiceLevel] = {
    s.ship_service_level: s for s in (STD_UK_DOM, EXP_UK_DOM, NEXT_UK_DOM, STD_UK_INTL, EXP_UK_INTL)
}
SHIP_SERVICE_LEVELS: tuple[str, ...] = tuple(SERVICE_LEVELS)
DOMESTIC_SERVICE_LEVELS = (STD_UK_DOM, EXP_UK_DOM, NEXT_UK_DOM)
INTERNATIONAL_SERVICE_LEVELS = (STD_UK_INTL, EXP_UK_INTL)

# Destinations the UK storefront ships to, with fake but well-formed addresses.
INTERNATIONAL_COUNTRIES: tuple[str, ...] = ("DE", "FR", "US", "IE")
