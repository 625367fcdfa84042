"""The demo's world: the sandbox channels' catalogues mapped onto the sandbox warehouse.

The same mappings an operator would import as CSV: every listed SKU except the deliberately
unmapped ones gets a GXO item code with customs data; UK marketplace orders ship from GXO's
Daventry site; Amazon's service categories map to GXO carrier services, domestic and
international; GXO's services map back to Amazon carrier codes.
"""

from __future__ import annotations

from decimal import Decimal

import httpx

from domain.mapping import (
    CarrierCodeMapping,
    CarrierServiceMapping,
    Destination,
    FacilityRule,
    SkuMapping,
)
from integrations.registry import Channel
from sandbox.amazon.catalogue import CATALOGUE, UNMAPPED_SKUS
from sandbox.centra import catalogue as centra_catalogue
from sandbox.gxo.catalogue import (
    DE_KOBLENZ,
    DHL_EXPRESS_INTL,
    DHL_PAKET,
    DPD_NEXT_DAY,
    EU_COUNTRIES,
    RM_TRACKED_24,
    RM_TRACKED_48,
    UK_DAVENTRY,
    UPS_STANDARD,
)

AMAZON = Channel.AMAZON
CATALOGUE_SKUS = tuple(p.sku for p in CATALOGUE)
OPENING_STOCK = 400
HS_CODES = {"TSHIRT": "610910", "HOODIE": "611020", "JOGGER": "610342", "JACKET": "620193"}


def item_code(sku: str) -> str:
    return f"GXO-{sku}"


def sku_mappings(skus: tuple[str, ...] | None = None) -> list[SkuMapping]:
    """Mappings for `skus`, or for every SKU except the deliberately unmapped ones."""
    wanted = (
        skus if skus is not None else tuple(p.sku for p in CATALOGUE if p.sku not in UNMAPPED_SKUS)
    )
    return [
        SkuMapping(
            channel=AMAZON,
            sku=product.sku,
            item_code=item_code(product.sku),
            hs_code=HS_CODES.get(product.sku.split("-")[0], "650500"),
            country_of_origin="PT",
            customs_description=product.title[:60],
            customs_value=product.price_gbp,
            customs_currency="GBP",
        )
        for product in CATALOGUE
        if product.sku in wanted
    ]


def facility_rules() -> list[FacilityRule]:
    return [FacilityRule(facility_id=UK_DAVENTRY, channel=AMAZON, domestic_countries="GB")]


def carrier_services() -> list[CarrierServiceMapping]:
    def rule(level: str, code: str, destination: Destination) -> CarrierServiceMapping:
        return CarrierServiceMapping(
            channel=AMAZON,
            ship_service_level=level,
            carrier_service_code=code,
            destination=destination,
        )

    return [
        rule("STANDARD", RM_TRACKED_48, "domestic"),
        rule("EXPEDITED", RM_TRACKED_24, "domestic"),
        rule("NEXT_DAY", DPD_NEXT_DAY, "domestic"),
        rule("STANDARD", UPS_STANDARD, "international"),
        rule("EXPEDITED", DHL_EXPRESS_INTL, "international"),
        # The second seller's Amazon.de orders ship from Daventry: next day abroad is express.
        rule("NEXT_DAY", DHL_EXPRESS_INTL, "international"),
    ]


def carrier_codes() -> list[CarrierCodeMapping]:
    return [
        CarrierCodeMapping(
            channel=AMAZON,
            carrier_service_code=RM_TRACKED_48,
            carrier_code="Royal Mail",
            shipping_method="Tracked 48",
        ),
        CarrierCodeMapping(
            channel=AMAZON,
            carrier_service_code=RM_TRACKED_24,
            carrier_code="Royal Mail",
            shipping_method="Tracked 24",
        ),
        CarrierCodeMapping(
            channel=AMAZON,
            carrier_service_code=DPD_NEXT_DAY,
            carrier_code="Other",
            carrier_name="DPD UK",
            shipping_method="Next Day",
        ),
        CarrierCodeMapping(
            channel=AMAZON,
            carrier_service_code=UPS_STANDARD,
            carrier_code="UPS",
            shipping_method="UPS Standard",
        ),
        CarrierCodeMapping(
            channel=AMAZON,
            carrier_service_code=DHL_EXPRESS_INTL,
            carrier_code="DHL Express",
            shipping_method="Express Worldwide",
        ),
    ]


def opening_stock(mappings: list[SkuMapping] | None = None) -> list[dict[str, object]]:
    """GXO stock for every mapped item (PUT /_sandbox/stock body)."""
    return [
        {"facility_id": UK_DAVENTRY, "item_code": m.item_code, "on_hand": OPENING_STOCK}
        for m in (mappings if mappings is not None else sku_mappings())
    ]


def _descriptions() -> dict[str, str]:
    return {
        m.item_code: m.customs_description or m.sku
        for m in [*sku_mappings(CATALOGUE_SKUS), *centra_sku_mappings()]
    }


async def open_warehouse(
    http: httpx.AsyncClient, gxo_url: str, stock: list[dict[str, object]]
) -> None:
    """GXO holds the stocked items in its item master (the brand's catalogue, loaded before
    consign: PUT /_sandbox/items), then the opening stock (PUT /_sandbox/stock), which the
    sandbox refuses for items a facility does not hold."""
    names = _descriptions()
    held = [
        {
            "facility_id": row["facility_id"],
            "item_code": row["item_code"],
            "description": names.get(str(row["item_code"]), str(row["item_code"])),
        }
        for row in stock
    ]
    (await http.put(f"{gxo_url}/_sandbox/items", json=held)).raise_for_status()
    (await http.put(f"{gxo_url}/_sandbox/stock", json=stock)).raise_for_status()


# --- Centra: the fashion brand's DTC shop, shipped from GXO Koblenz ---------------------------

CENTRA = Channel.CENTRA
CENTRA_SERVICES: dict[str, str] = {
    centra_catalogue.STANDARD_EU.name: DHL_PAKET,
    centra_catalogue.EXPRESS_EU.name: DHL_EXPRESS_INTL,
    centra_catalogue.STANDARD_UK.name: UPS_STANDARD,
    centra_catalogue.EXPRESS_WORLD.name: DHL_EXPRESS_INTL,
}


def centra_sku_mappings() -> list[SkuMapping]:
    return [
        SkuMapping(
            channel=CENTRA,
            sku=size.sku,
            gtin=size.gtin,
            item_code=item_code(size.sku),
            hs_code="620193" if size.product_number.startswith("JKT") else "610910",
            country_of_origin="PT",
            customs_description=size.product_name[:60],
            customs_value=Decimal(str(size.price_eur)),
            customs_currency="EUR",
        )
        for size in centra_catalogue.CATALOGUE
    ]


def centra_facility_rules() -> list[FacilityRule]:
    return [
        FacilityRule(
            facility_id=DE_KOBLENZ,
            channel=CENTRA,
            domestic_countries=" ".join(sorted(EU_COUNTRIES)),
        )
    ]


def centra_carrier_services() -> list[CarrierServiceMapping]:
    """Every shipping option but the deliberately unmapped ones (UNMAPPED_CARRIER)."""
    return [
        CarrierServiceMapping(
            channel=CENTRA, ship_service_level=option, carrier_service_code=service
        )
        for option, service in CENTRA_SERVICES.items()
    ]


def centra_carrier_codes() -> list[CarrierCodeMapping]:
    carriers = {
        DHL_PAKET: ("DHL", "Paket"),
        DHL_EXPRESS_INTL: ("DHL Express", "Express Worldwide"),
        UPS_STANDARD: ("UPS", "Standard"),
    }
    return [
        CarrierCodeMapping(
            channel=CENTRA, carrier_service_code=code, carrier_code=carrier, shipping_method=method
        )
        for code, (carrier, method) in carriers.items()
    ]


def centra_opening_stock() -> list[dict[str, object]]:
    return [
        {"facility_id": DE_KOBLENZ, "item_code": m.item_code, "on_hand": OPENING_STOCK}
        for m in centra_sku_mappings()
    ]
