"""The simulated warehouse's master data: facilities, carrier services, items and opening stock.

Other parts of consign (mappings for the demo, end-to-end tests) use these constants, so the
codes here are the ones a sandbox run accepts. Pass your own Catalogue to GxoWarehouse to change
them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

UK_DAVENTRY = "GXO-UK-DAV"
DE_KOBLENZ = "GXO-DE-KOB"

RM_TRACKED_24 = "RM-TRACKED-24"
RM_TRACKED_48 = "RM-TRACKED-48"
DPD_NEXT_DAY = "DPD-NEXT-DAY"
UPS_STANDARD = "UPS-STANDARD"
DHL_PAKET = "DHL-PAKET"
DHL_EXPRESS_INTL = "DHL-EXPRESS-INTL"

_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_COUNTRIES = frozenset(_EU.split(" "))
# Countries whose addresses have no (mandatory) postal code; everywhere else one is required.
POSTAL_CODE_OPTIONAL = frozenset({"IE", "HK", "AE", "QA", "PA", "JM"})
# Postal codes that pass validation but that the carrier refuses at label time (async reject).
UNDELIVERABLE_POSTAL_CODES = frozenset({"ZZ999ZZ", "00000"})


class CarrierService(BaseModel):
    code: str
    carrier: str
    scac: str  # 945 W27-02
    tracking_format: str  # str.format template with {n}: a counter per carrier service
    destinations: frozenset[str] | None = None  # None: any country


class Facility(BaseModel):
    facility_id: str
    country: str
    customs_free_countries: frozenset[str]  # destinations that need no customs data
    carrier_services: frozenset[str]
    stock: dict[str, int] = Field(default_factory=dict)  # item master: code -> opening stock


class Item(BaseModel):
    item_code: str
    description: str


class Catalogue(BaseModel):
    facilities: dict[str, Facility]
    carrier_services: dict[str, CarrierService]
    items: dict[str, Item]


CARRIER_SERVICES = [
    CarrierService(
        code=RM_TRACKED_24,
        carrier="Royal Mail",
        scac="RMAL",
        tracking_format="RT{n:09d}GB",
        destinations=frozenset({"GB"}),
    ),
    CarrierService(
        code=RM_TRACKED_48,
        carrier="Royal Mail",
        scac="RMAL",
        tracking_format="RU{n:09d}GB",
        destinations=frozenset({"GB"}),
    ),
    CarrierService(
        code=DPD_NEXT_DAY,
        carrier="DPD",
        scac="DPDG",
        tracking_format="1550{n:010d}",
        destinations=frozenset({"GB"}),
    ),
    CarrierService(
        code=UPS_STANDARD, carrier="UPS", scac="UPSN", tracking_format="1Z999AA1{n:010d}"
    ),
    CarrierService(
        code=DHL_PAKET,
        carrier="DHL",
        scac="DHLD",
        tracking_format="00340434{n:012d}",
        destinations=EU_COUNTRIES,
    ),
    CarrierService(
        code=DHL_EXPRESS_INTL, carrier="DHL Express", scac="DHLE", tracking_format="4{n:09d}"
    ),
]

ITEMS = [
    Item(item_code="GXO-100001", description="Basic Jacket Black S"),
    Item(item_code="GXO-100002", description="Basic Jacket Black M"),
    Item(item_code="GXO-100003", description="Basic Jacket Black L"),
    Item(item_code="GXO-100004", description="Wool Scarf Grey"),
    Item(item_code="GXO-100005", description="Leather Belt Brown 90"),
    Item(item_code="GXO-100006", description="Canvas Tote Natural"),
    Item(item_code="GXO-100007", description="Rain Coat Navy M"),
    Item(item_code="GXO-100008", description="Rain Coat Navy L"),
]

FACILITIES = [
    Facility(
        facility_id=UK_DAVENTRY,
        country="GB",
        customs_free_countries=frozenset({"GB"}),
        carrier_services=frozenset(
            {RM_TRACKED_24, RM_TRACKED_48, DPD_NEXT_DAY, UPS_STANDARD, DHL_EXPRESS_INTL}
        ),
        stock={
            "GXO-100001": 50,
            "GXO-100002": 50,
            "GXO-100003": 20,
            "GXO-100004": 5,
            "GXO-100005": 0,
            "GXO-100006": 30,
        },
    ),
    Facility(
        facility_id=DE_KOBLENZ,
        country="DE",
        customs_free_countries=EU_COUNTRIES,
        carrier_services=frozenset({DHL_PAKET, DHL_EXPRESS_INTL, UPS_STANDARD}),
        stock={
            "GXO-100001": 40,
            "GXO-100002": 40,
            "GXO-100003": 10,
            "GXO-100007": 25,
            "GXO-100008": 25,
        },
    ),
]


def default_catalogue() -> Catalogue:
    """A fresh copy of the built-in master data (callers may mutate their copy)."""
    return Catalogue(
        facilities={f.facility_id: f.model_copy(deep=True) for f in FACILITIES},
        carrier_services={c.code: c for c in CARRIER_SERVICES},
        items={i.item_code: i for i in ITEMS},
    )
