"""Fake buyers and addresses, so generated orders look real without being anyone's data."""

from __future__ import annotations

import random
import string
from typing import NamedTuple

from sandbox.amazon.records import ShipAddress

FIRST_NAMES = ("Olivia", "Amelia", "Isla", "Noah", "Oliver", "George", "Leo", "Freya", "Arthur")
LAST_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Patel", "Khan")
COMPANIES = ("Northwind Studio Ltd", "Fabrikam Retail Ltd", "Contoso Events LLP")


class Town(NamedTuple):
    city: str
    region: str | None
    postal_code: str
    street: str
    phone_prefix: str


TOWNS: dict[str, tuple[Town, ...]] = {
    "GB": (
        Town("London", "Greater London", "SW1A 2AA", "Sample Street", "+44 20 7946"),
        Town("Manchester", "Greater Manchester", "M1 1AE", "Example Road", "+44 161 496"),
        Town("Leeds", "West Yorkshire", "LS1 4DY", "Test Lane", "+44 113 496"),
        Town("Bristol", None, "BS1 4ST", "Fictional Avenue", "+44 117 496"),
        Town("Edinburgh", "Scotland", "EH1 1YZ", "Placeholder Close", "+44 131 496"),
    ),
    "DE": (Town("Berlin", "Berlin", "10117", "Musterstraße", "+49 30 901820"),),
    "FR": (Town("Paris", "Île-de-France", "75001", "Rue de l'Exemple", "+33 1 99 00"),),
    "US": (Town("Seattle", "WA", "98109", "Example Ave N", "+1 206 555"),),
    "IE": (Town("Dublin", "Dublin", "D02 X285", "Sample Quay", "+353 1 555"),),
}


def buyer_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def relay_email(rng: random.Random, domain: str) -> str:
    """Amazon hides buyer emails behind an anonymised relay address."""
    local = "".join(rng.choices(string.ascii_lowercase + string.digits, k=16))
    return f"{local}@marketplace.{domain}"


def address(rng: random.Random, country_code: str, name: str, company: str | None) -> ShipAddress:
    town = rng.choice(TOWNS.get(country_code, TOWNS["GB"]))
    return ShipAddress(
        name=name,
        company=company,
        line1=f"{rng.randint(1, 199)} {town.street}",
        line2=f"Flat {rng.randint(1, 30)}" if rng.random() < 0.3 else None,
        city=town.city,
        state_or_region=town.region,
        postal_code=town.postal_code,
        country_code=country_code,
        phone=f"{town.phone_prefix} {rng.randint(1000, 9999)}",
        residential=company is None,
    )


def pick_company(rng: random.Random) -> str:
    return rng.choice(COMPANIES)
