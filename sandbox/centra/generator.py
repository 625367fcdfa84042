"""Order specs, explicit (admin API) or generated from a seed with a configurable mix of held,
unpaid, international, multi-line and unmapped-shipping orders. Generation only picks sizes
that still have free-to-allocate stock, because Centra would not sell what it cannot allocate."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from sandbox.centra.catalogue import (
    CLICK_AND_COLLECT,
    EU_COUNTRIES,
    EXPRESS_EU,
    NON_EU_COUNTRIES,
    default_shipping_option,
)


class LineSpec(BaseModel):
    SKU: str
    quantity: int = Field(default=1, ge=1)
    id: int | None = None  # the order line id (default: the next free one)


class OrderSpec(BaseModel):
    number: int | None = None
    id: str | None = None  # the order's hash id (default: derived from the number)
    lines: list[LineSpec] = Field(min_length=1)
    shipping_option: str | None = None  # a name from catalogue.SHIPPING_OPTIONS
    country: str = "SE"
    on_hold: bool = False
    waiting_for_payment: bool = False
    status: Literal["PENDING", "CONFIRMED"] = "CONFIRMED"
    capture_fails: bool = False
    # Adyen and Klarna capture asynchronously (CAPTURE_REQUEST PENDING until settled).
    payment: Literal["synchronous", "asynchronous"] = "synchronous"
    phone: Literal["phoneNumber", "cellPhoneNumber"] = "phoneNumber"  # which field holds it
    store_type: Literal["DIRECT_TO_CONSUMER", "WHOLESALE"] = "DIRECT_TO_CONSUMER"
    created_at: datetime | None = None


class MixOptions(BaseModel):
    held_share: float = Field(default=0.1, ge=0, le=1)
    waiting_for_payment_share: float = Field(default=0.05, ge=0, le=1)
    international_share: float = Field(default=0.15, ge=0, le=1)
    gb_share: float = Field(default=0.2, ge=0, le=1)
    multi_line_share: float = Field(default=0.4, ge=0, le=1)
    include_unmapped_shipping: bool = False  # the first order and ~10% use Click & Collect


class GenerateRequest(MixOptions):
    count: int = Field(ge=1, le=10_000)
    seed: int = 1


def generate(request: GenerateRequest, available: dict[str, int]) -> list[OrderSpec]:
    """Specs for `request.count` orders (fewer if stock runs out), deterministic per seed."""
    rng = random.Random(request.seed)
    free = dict(available)
    specs: list[OrderSpec] = []
    for index in range(request.count):
        line_count = rng.randint(2, 3) if rng.random() < request.multi_line_share else 1
        lines: list[LineSpec] = []
        for sku in rng.sample(sorted(free), k=min(line_count, len(free))):
            quantity = 2 if rng.random() < 0.15 else 1
            if free[sku] >= quantity:
                free[sku] -= quantity
                lines.append(LineSpec(SKU=sku, quantity=quantity))
        if not lines:
            break
        roll = rng.random()
        if roll < request.international_share:
            country = rng.choice(NON_EU_COUNTRIES)
        elif roll < request.international_share + request.gb_share:
            country = "GB"
        else:
            country = rng.choice(EU_COUNTRIES)
        option = default_shipping_option(country)
        if option.name == "Standard EU" and rng.random() < 0.25:
            option = EXPRESS_EU
        unmapped = index == 0 or rng.random() < 0.1
        if request.include_unmapped_shipping and unmapped:
            option = CLICK_AND_COLLECT
        specs.append(
            OrderSpec(
                lines=lines,
                shipping_option=option.name,
                country=country,
                on_hold=rng.random() < request.held_share,
                waiting_for_payment=rng.random() < request.waiting_for_payment_share,
            )
        )
    return specs
