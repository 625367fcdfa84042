"""Centra's shippingAddress -> ShipTo, refusing addresses GXO would reject.

A missing field is a MISSING_ADDRESS exception a person fixes in Centra; the message names the
field, never any value (addresses are personal data).
"""

from __future__ import annotations

from domain.order import ShipTo
from integrations.centra.errors import CentraMissingAddress
from integrations.centra.wire import Json, Wire

# Countries whose addresses have no postal code, so a missing zipCode is normal there.
NO_POSTCODE_COUNTRIES = frozenset(
    [
        "AE",
        "AG",
        "AO",
        "AW",
        "BF",
        "BI",
        "BJ",
        "BO",
        "BS",
        "BW",
        "BZ",
        "CD",
        "CF",
        "CG",
        "CI",
        "CK",
        "CM",
        "DJ",
        "DM",
        "ER",
        "FJ",
        "GA",
        "GD",
        "GH",
        "GM",
        "GQ",
        "GY",
        "HK",
        "IE",
        "JM",
        "KI",
        "KM",
        "KN",
        "KP",
        "LC",
        "ML",
        "MO",
        "MR",
        "MW",
        "NR",
        "NU",
        "QA",
        "RW",
        "SB",
        "SC",
        "SL",
        "SR",
        "ST",
        "SY",
        "TD",
        "TF",
        "TG",
        "TK",
        "TL",
        "TO",
        "TT",
        "TV",
        "UG",
        "VU",
        "YE",
        "ZW",
    ]
)


def missing_fields(wire: Wire, address: Json) -> list[str]:
    """The fields GXO needs that this address lacks (Centra's names)."""
    missing: list[str] = []
    if not (wire.text(address, "firstName") or wire.text(address, "lastName")):
        missing.append("firstName/lastName")
    for key in ("address1", "city"):
        if wire.text(address, key) is None:
            missing.append(key)
    country = wire.text(wire.obj(address, "country"), "code")
    if country is None or len(country) != 2 or not country.isalpha():
        missing.append("country.code")
    elif country.upper() not in NO_POSTCODE_COUNTRIES and wire.text(address, "zipCode") is None:
        missing.append("zipCode")
    return missing


def ship_to(wire: Wire, address: Json | None) -> ShipTo:
    """Raises CentraMissingAddress naming every missing field at once, so one fix suffices.
    Centra keeps `phoneNumber` and `cellPhoneNumber` apart; the carrier gets whichever is set
    (the landline first, as the field Centra calls the phone number)."""
    if not address:
        raise CentraMissingAddress(wire.operation, f"{wire.context}: shippingAddress is missing")
    missing = missing_fields(wire, address)
    if missing:
        raise CentraMissingAddress(
            wire.operation,
            f"{wire.context}: the shipping address lacks {', '.join(missing)}",
        )
    name = " ".join(
        part for part in (wire.text(address, "firstName"), wire.text(address, "lastName")) if part
    )
    return ShipTo(
        name=name,
        company=wire.text(address, "companyName"),
        line1=wire.required_text(address, "address1"),
        line2=wire.text(address, "address2"),
        city=wire.required_text(address, "city"),
        postal_code=wire.text(address, "zipCode"),
        state_or_region=wire.text(address, "stateOrProvince"),
        country_code=wire.required_text(wire.obj(address, "country"), "code"),
        phone=wire.text(address, "phoneNumber") or wire.text(address, "cellPhoneNumber"),
    )
