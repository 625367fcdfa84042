"""Realistic orders from a seeded random: MFN and AFN, Prime, business and international
orders, 1-3 lines of 1-3 units, ship-by 1-3 days after purchase. The same seed gives the
same orders, so a failing demo or test replays exactly."""

from __future__ import annotations

import random
import zlib
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field, model_validator

from sandbox.amazon.catalogue import (
    BY_SKU,
    DEFAULT_MARKETPLACE_ID,
    DOMESTIC_SERVICE_LEVELS,
    INTERNATIONAL_COUNTRIES,
    INTERNATIONAL_SERVICE_LEVELS,
    MARKETPLACES,
    SERVICE_LEVELS,
    SKUS,
    UNMAPPED_SKUS,
    ServiceLevel,
)
from sandbox.amazon.people import address, buyer_name, pick_company, relay_email
from sandbox.amazon.records import (
    FulfillmentChannel,
    OrderStatus,
    SandboxItem,
    SandboxOrder,
)

GENERATED_PROMOTION_PERCENT = Decimal(10)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class LineSpec(BaseModel):
    sku: str
    quantity: int = Field(default=1, ge=1)
    transparency: bool = False  # the ASIN is enrolled in Transparency


class OrderSpec(BaseModel):
    """An order a test or the demo asks for; anything left out is filled in."""

    order_id: str | None = None
    marketplace_id: str = DEFAULT_MARKETPLACE_ID
    status: OrderStatus = OrderStatus.UNSHIPPED
    fulfillment_channel: FulfillmentChannel = FulfillmentChannel.MFN
    lines: list[LineSpec] | None = None
    ship_service_level: str | None = None
    is_prime: bool = False
    is_business: bool = False
    ship_plus: bool = False  # FBM Ship+: Amazon refuses confirmShipment
    country_code: str | None = None  # ship-to; defaults to the marketplace's country
    purchase_date: datetime | None = None
    latest_ship_date: datetime | None = None
    promotion_percent: Decimal = Field(default=Decimal(0), ge=0, le=100)  # off every unit

    @model_validator(mode="after")
    def _reachable_status(self) -> OrderSpec:
        """New orders start Pending or Unshipped; only Amazon's own (AFN) arrive Shipped.
        Later states are reached through the API, as in production."""
        allowed = {OrderStatus.PENDING, OrderStatus.UNSHIPPED}
        if self.fulfillment_channel is FulfillmentChannel.AFN:
            allowed.add(OrderStatus.SHIPPED)
        if self.status not in allowed:
            raise ValueError(f"a new {self.fulfillment_channel} order cannot be {self.status}")
        return self


class MixOptions(BaseModel):
    afn_share: float = Field(default=0.1, ge=0, le=1)
    pending_share: float = Field(default=0.2, ge=0, le=1)
    prime_share: float = Field(default=0.3, ge=0, le=1)
    business_share: float = Field(default=0.1, ge=0, le=1)
    international_share: float = Field(default=0.15, ge=0, le=1)
    include_unmapped: bool = True
    skus: list[str] | None = None  # restrict the lines to these SKUs
    spread_minutes: float = Field(default=0, ge=0)  # purchases spread over the past N minutes
    promotion_every: int = Field(default=3, ge=0)  # a 10 % promotion on every Nth; 0: none
    marketplace_id: str | None = None  # every order in this marketplace (default: the UK)


class GenerateRequest(MixOptions):
    count: int = Field(ge=1, le=10_000)
    seed: int = 1


def _order_id(rng: random.Random) -> str:
    return (
        f"{rng.randint(202, 206)}-{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9_999_999):07d}"
    )


def _end_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=23, minute=59, second=59, microsecond=0)


class OrderFactory:
    """Builds complete orders; ids are unique against `taken`."""

    def __init__(self, rng: random.Random, seller_id: str, taken: set[str]) -> None:
        self.rng = rng
        self.seller_id = seller_id
        self.taken = taken

    def _fresh_id(self) -> str:
        while (order_id := _order_id(self.rng)) in self.taken:
            continue
        return order_id

    def _items(self, spec: OrderSpec, currency: str, skus: list[str]) -> list[SandboxItem]:
        lines = spec.lines or [
            LineSpec(sku=sku, quantity=self.rng.randint(1, 3))
            for sku in self.rng.sample(skus, k=min(len(skus), self.rng.randint(1, 3)))
        ]
        items = []
        for line in lines:
            product = BY_SKU.get(line.sku)
            items.append(
                SandboxItem(
                    order_item_id=f"{self.rng.randint(10**13, 10**14 - 1)}",
                    sku=line.sku,
                    asin=product.asin
                    if product
                    else f"B0{zlib.crc32(line.sku.encode()) % 10**8:08d}",
                    title=product.title if product else line.sku,
                    quantity_ordered=line.quantity,
                    unit_price=product.price_gbp if product else Decimal("24.00"),
                    currency=currency,
                    transparency=line.transparency,
                )
            )
        if spec.promotion_percent:
            for item in items:
                item.unit_promotion = _cents(item.unit_price * spec.promotion_percent / 100)
                item.promotion_id = f"SANDBOX-{spec.promotion_percent}OFF {item.order_item_id}"
        return items

    def _service(self, spec: OrderSpec, international: bool) -> ServiceLevel:
        if spec.ship_service_level:
            return SERVICE_LEVELS.get(spec.ship_service_level) or ServiceLevel(
                spec.ship_service_level, "Standard", "STANDARD", 2, 3
            )
        levels = INTERNATIONAL_SERVICE_LEVELS if international else DOMESTIC_SERVICE_LEVELS
        return self.rng.choice(levels)

    def build(self, spec: OrderSpec, now: datetime, skus: list[str] | None = None) -> SandboxOrder:
        market = MARKETPLACES.get(spec.marketplace_id)
        home = market.country_code if market else "GB"
        country = spec.country_code or home
        service = self._service(spec, international=country != home)
        purchased = spec.purchase_date or now
        latest_ship = spec.latest_ship_date or _end_of_day(
            purchased + timedelta(days=service.ship_days)
        )
        latest_delivery = latest_ship + timedelta(days=service.transit_days)
        name = buyer_name(self.rng)
        company = pick_company(self.rng) if spec.is_business else None
        order_id = spec.order_id or self._fresh_id()
        self.taken.add(order_id)
        items = self._items(spec, market.currency if market else "GBP", skus or list(SKUS))
        if spec.status is OrderStatus.SHIPPED:
            for item in items:
                item.quantity_shipped = item.quantity_ordered
        domain = (market.sales_channel if market else "Amazon.co.uk").lower()
        return SandboxOrder(
            order_id=order_id,
            seller_id=self.seller_id,
            marketplace_id=spec.marketplace_id,
            status=spec.status,
            fulfillment_channel=spec.fulfillment_channel,
            purchase_date=purchased,
            last_update_date=max(purchased, now),
            ship_service_level=service.ship_service_level,
            service_level_category=service.category,
            is_prime=spec.is_prime,
            is_business=spec.is_business,
            ship_plus=spec.ship_plus,
            earliest_ship_date=purchased,
            latest_ship_date=latest_ship,
            earliest_delivery_date=latest_ship + timedelta(seconds=1),
            latest_delivery_date=latest_delivery,
            buyer_email=relay_email(self.rng, domain),
            buyer_name=name,
            address=address(self.rng, country, name, company),
            items=items,
        )

    def random_spec(self, mix: MixOptions, now: datetime) -> OrderSpec:
        rng = self.rng
        afn = rng.random() < mix.afn_share
        pending = rng.random() < mix.pending_share
        international = not afn and rng.random() < mix.international_share
        status = OrderStatus.PENDING if pending else OrderStatus.UNSHIPPED
        if afn and not pending:
            status = OrderStatus.SHIPPED
        minutes = rng.uniform(0, mix.spread_minutes) if mix.spread_minutes else 0.0
        market = {"marketplace_id": mix.marketplace_id} if mix.marketplace_id else {}
        return OrderSpec(
            **market,
            status=status,
            fulfillment_channel=FulfillmentChannel.AFN if afn else FulfillmentChannel.MFN,
            is_prime=rng.random() < mix.prime_share,
            is_business=rng.random() < mix.business_share,
            country_code=rng.choice(INTERNATIONAL_COUNTRIES) if international else None,
            purchase_date=(now - timedelta(minutes=minutes)).replace(microsecond=0),
        )


def mix_skus(mix: MixOptions) -> list[str]:
    skus = list(mix.skus or SKUS)
    if not mix.include_unmapped:
        skus = [sku for sku in skus if sku not in UNMAPPED_SKUS]
    return skus


def generate(
    request: GenerateRequest, now: datetime, seller_id: str, taken: set[str]
) -> list[SandboxOrder]:
    factory = OrderFactory(random.Random(request.seed), seller_id, taken)
    skus = mix_skus(request)
    orders = []
    for index in range(request.count):
        spec = factory.random_spec(request, now)
        if request.promotion_every and index % request.promotion_every == 0:
            spec = spec.model_copy(update={"promotion_percent": GENERATED_PROMOTION_PERCENT})
        orders.append(factory.build(spec, now, skus))
    return orders
