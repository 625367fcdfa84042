"""Fake customers and addresses per country, so generated orders look real without being
anyone's data (names are common, streets fictional, phones in reserved ranges)."""

from __future__ import annotations

import random
from typing import NamedTuple

from sandbox.centra.records import Address

FIRST_NAMES = ("Astrid", "Elin", "Lukas", "Mia", "Oskar", "Emma", "Noah", "Freya", "Leon")
LAST_NAMES = ("Andersson", "Müller", "Smith", "Nielsen", "Virtanen", "de Vries", "Martin")
COMPANIES = ("Northwind AB", "Fabrikam GmbH", "Contoso Ltd")


class Town(NamedTuple):
    city: str
    region: str | None
    zip_code: str
    street: str
    phone_prefix: str


TOWNS: dict[str, Town] = {
    "SE": Town("Stockholm", None, "111 22", "Exempelgatan", "+46 8 555"),
    "DE": Town("Berlin", "Berlin", "10117", "Musterstraße", "+49 30 901820"),
    "FI": Town("Helsinki", None, "00100", "Esimerkkikatu", "+358 9 555"),
    "DK": Town("Copenhagen", None, "1050", "Eksempelvej", "+45 32 555"),
    "NL": Town("Amsterdam", "Noord-Holland", "1012 AB", "Voorbeeldstraat", "+31 20 555"),
    "FR": Town("Paris", "Île-de-France", "75001", "Rue de l'Exemple", "+33 1 99 00"),
    "GB": Town("London", "Greater London", "SW1A 2AA", "Sample Street", "+44 20 7946"),
    "US": Town("Seattle", "WA", "98109", "Example Ave N", "+1 206 555"),
    "NO": Town("Oslo", None, "0150", "Eksempelgata", "+47 22 555"),
    "CH": Town("Zürich", "ZH", "8001", "Beispielstrasse", "+41 44 555"),
}


def address(rng: random.Random, country: str) -> Address:
    town = TOWNS.get(country, TOWNS["SE"])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return Address(
        first_name=first,
        last_name=last,
        company_name=rng.choice(COMPANIES) if rng.random() < 0.1 else None,
        address1=f"{town.street} {rng.randint(1, 199)}",
        address2=f"Lgh {rng.randint(1000, 1999)}" if rng.random() < 0.2 else None,
        city=town.city,
        zip_code=town.zip_code,
        state_or_province=town.region,
        country_code=country,
        email=f"{first.lower()}.{rng.randint(100, 999)}@example.com",
        phone_number=f"{town.phone_prefix} {rng.randint(1000, 9999)}",
    )
