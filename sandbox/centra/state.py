"""The simulated Centra store: orders, shipments, stock, tokens, rate limits, the events queue
and webhook pushes, behind one lock (uvicorn serves from its own thread while tests inspect).
Every change goes through `_changed`, which bumps updatedAt and emits events and pushes."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import httpx

from sandbox.centra import lifecycle
from sandbox.centra.catalogue import (
    EUR_RATES,
    SHIPPING_OPTIONS,
    SIZES_BY_SKU,
    WAREHOUSES,
    currency_for,
    default_shipping_option,
)
from sandbox.centra.events import EventQueue
from sandbox.centra.generator import GenerateRequest, OrderSpec, generate
from sandbox.centra.lifecycle import UserError, UserErrors
from sandbox.centra.people import address
from sandbox.centra.ratelimits import Quota, RateLimiter
from sandbox.centra.records import (
    Clock,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentLine,
    system_clock,
)
from sandbox.centra.stock import StockLedger
from sandbox.centra.tokens import TokenRegistry
from sandbox.centra.webhooks import WebhookPusher, default_secret

FIRST_ORDER_NUMBER = 10001
# Centra's webhook plugin names actions with verbs, the events queue with past participles.
WEBHOOK_ACTIONS = {"CREATED": "create", "UPDATED": "update", "COMPLETED": "complete"}
WEBHOOK_ACTIONS["DELETED"] = "delete"


class CentraSandbox:
    """Everything the simulated Centra instance knows. `clock` drives timestamps, rate-limit
    windows and the shippedAt check, so tests move time instead of sleeping."""

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        tokens: dict[str, frozenset[str]] | None = None,
        quotas: list[Quota] | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_transport: httpx.BaseTransport | None = None,
        webhook_retry_delay_seconds: float = 1.0,
        webhook_sleep: Callable[[float], None] = time.sleep,
        first_order_number: int = FIRST_ORDER_NUMBER,
        seed_orders: int = 0,
        seed: int = 1,
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.orders: dict[int, Order] = {}
        self.stock = StockLedger()
        self.tokens = TokenRegistry(tokens)
        self.limits = RateLimiter(clock, quotas)
        self.events = EventQueue()
        self.webhooks = WebhookPusher(
            url=webhook_url,
            secret=webhook_secret or default_secret(),
            retry_delay_seconds=webhook_retry_delay_seconds,
            transport=webhook_transport,
            sleep=webhook_sleep,
        )
        self.stats_counter: Counter[str] = Counter()
        self._next_number = first_order_number
        self._next_line_id = 1
        self._next_shipment_id = 1
        self._next_shipment_line_id = 1
        if seed_orders:
            self.generate(GenerateRequest(count=seed_orders, seed=seed))

    # --- orders -------------------------------------------------------------------------

    def create(self, specs: list[OrderSpec], seed: int = 1) -> list[Order]:
        """Create orders and allocate their stock; all or nothing."""
        with self.lock:
            self._check_specs(specs)
            rng = random.Random(seed)
            return [self._build(spec, rng) for spec in specs]

    def _check_specs(self, specs: list[OrderSpec]) -> None:
        numbers = [s.number for s in specs if s.number is not None]
        taken = [n for n in numbers if n in self.orders]
        if taken or len(numbers) != len(set(numbers)):
            raise ValueError(f"order numbers already exist or repeat: {taken or numbers}")
        needed: Counter[str] = Counter()
        for spec in specs:
            if spec.shipping_option is not None and spec.shipping_option not in SHIPPING_OPTIONS:
                raise ValueError(f"unknown shipping option {spec.shipping_option!r}")
            for line in spec.lines:
                if line.SKU not in SIZES_BY_SKU:
                    raise ValueError(f"unknown SKU {line.SKU}")
                needed[line.SKU] += line.quantity
        free = self.stock.free()
        short = sorted(sku for sku, qty in needed.items() if qty > free.get(sku, 0))
        if short:
            raise ValueError(f"not enough free-to-allocate stock for {short}")

    def _build(self, spec: OrderSpec, rng: random.Random) -> Order:
        number = spec.number if spec.number is not None else self._next_number
        self._next_number = max(self._next_number, number + 1)
        currency = currency_for(spec.country)
        lines = []
        for line in spec.lines:
            size = SIZES_BY_SKU[line.SKU]
            lines.append(
                OrderLine(
                    id=self._next_line_id,
                    sku=size.sku,
                    gtin=size.gtin,
                    product_name=size.product_name,
                    product_number=size.product_number,
                    size_number=size.size_number,
                    quantity=line.quantity,
                    unit_price=round(size.price_eur * EUR_RATES.get(currency, 1.0), 2),
                )
            )
            self._next_line_id += 1
            self.stock.allocate(size.sku, line.quantity)
        now = self.clock()
        created = spec.created_at or now
        option = (
            SHIPPING_OPTIONS[spec.shipping_option]
            if spec.shipping_option
            else default_shipping_option(spec.country)
        )
        order = Order(
            id=hashlib.md5(f"centra-order-{number}".encode()).hexdigest(),
            number=number,
            status=OrderStatus(spec.status),
            created_at=created,
            updated_at=created,
            currency=currency,
            address=address(rng, spec.country),
            shipping_option=option,
            lines=lines,
            is_on_hold=spec.on_hold,
            is_waiting_for_payment=spec.waiting_for_payment,
            capture_fails=spec.capture_fails,
        )
        self.orders[number] = order
        self._emit("Order", "CREATED", str(number), now)
        return order

    def generate(self, request: GenerateRequest) -> list[Order]:
        with self.lock:
            return self.create(generate(request, self.stock.free()), request.seed)

    def order(self, number: int) -> Order:
        order = self.orders.get(number)
        if order is None:
            raise KeyError(number)
        return order

    def set_hold(self, number: int, on_hold: bool) -> Order:
        with self.lock:
            order = self.order(number)
            order.is_on_hold = on_hold
            self._changed(order)
            return order

    def set_waiting_for_payment(self, number: int, waiting: bool) -> Order:
        with self.lock:
            order = self.order(number)
            order.is_waiting_for_payment = waiting
            self._changed(order)
            return order

    def set_capture_fails(self, number: int, fails: bool) -> Order:
        with self.lock:
            order = self.order(number)
            order.capture_fails = fails
            return order

    def cancel(self, number: int) -> Order:
        """Cancel every unit and release its allocation; only before any shipment exists."""
        with self.lock:
            order = self.order(number)
            if order.shipments or order.status not in (
                OrderStatus.PENDING,
                OrderStatus.CONFIRMED,
            ):
                raise ValueError(f"order {number} has shipments or is {order.status.value}")
            for line in order.lines:
                self.stock.release(line.sku, line.quantity - line.cancelled_quantity)
                line.cancelled_quantity = line.quantity
            order.status = OrderStatus.CANCELLED
            self._changed(order)
            return order

    def query_orders(
        self,
        numbers: list[int] | None,
        statuses: list[str] | None,
        created_from: datetime | None,
        created_to: datetime | None,
        limit: int,
        page: int,
    ) -> list[Order]:
        with self.lock:
            found = [
                o
                for o in sorted(self.orders.values(), key=lambda o: o.number)
                if (numbers is None or o.number in numbers)
                and (statuses is None or o.status.value in statuses)
                and (created_from is None or o.created_at >= created_from)
                and (created_to is None or o.created_at <= created_to)
            ]
            start = (max(page, 1) - 1) * max(limit, 0)
            return found[start : start + max(limit, 0)]

    # --- shipments ----------------------------------------------------------------------

    def shipment(self, shipment_id: int) -> tuple[Order, Shipment]:
        for order in self.orders.values():
            for shipment in order.shipments:
                if shipment.id == shipment_id:
                    return order, shipment
        raise UserError(f"Shipment {shipment_id} does not exist", ["id"])

    def create_shipment(
        self,
        number: int,
        lines: list[tuple[int, int]],
        *,
        is_good_to_go: bool,
        is_paid: bool,
        capture: bool,
        send_email: bool,
    ) -> tuple[Order, Shipment]:
        with self.lock:
            order = self.orders.get(number)
            if order is None:
                raise UserError(f"Order {number} does not exist", ["input", "order", "number"])
            lifecycle.check_shipment(order, lines)
            if capture and order.capture_fails:
                raise UserError(
                    f"Capture failed for order {number}: the payment was declined",
                    ["input", "capture"],
                )
            shipment = Shipment(
                id=self._next_shipment_id,
                number=f"{number}-{len(order.shipments) + 1}",
                order_number=number,
                created_at=self.clock(),
                lines=[],
                is_good_to_go=is_good_to_go,
                is_paid=is_paid or capture,
                captured=capture,
                send_email=send_email,
            )
            self._next_shipment_id += 1
            for line_id, quantity in lines:
                shipment.lines.append(ShipmentLine(self._next_shipment_line_id, line_id, quantity))
                self._next_shipment_line_id += 1
            order.shipments.append(shipment)
            self._emit("Shipment", "CREATED", str(shipment.id), self.clock())
            self._changed(order)
            return order, shipment

    def capture_shipment(self, shipment_id: int) -> tuple[Order, Shipment]:
        with self.lock:
            order, shipment = self.shipment(shipment_id)
            lifecycle.capture(order, shipment)
            self._emit("Shipment", "UPDATED", str(shipment.id), self.clock())
            self._changed(order)
            return order, shipment

    def update_shipment(self, shipment_id: int, is_paid: bool | None) -> tuple[Order, Shipment]:
        with self.lock:
            order, shipment = self.shipment(shipment_id)
            if is_paid is not None:
                shipment.is_paid = is_paid
            self._emit("Shipment", "UPDATED", str(shipment.id), self.clock())
            self._changed(order)
            return order, shipment

    def complete_shipment(
        self,
        shipment_id: int,
        shipped_at: datetime | None,
        info: dict[str, object] | None,
    ) -> tuple[Order, Shipment]:
        with self.lock:
            order, shipment = self.shipment(shipment_id)
            now = self.clock()
            lifecycle.complete(order, shipment, shipped_at or now, now, info)
            for shipment_line in shipment.lines:
                line = order.line(shipment_line.order_line_id)
                if line is not None:
                    self.stock.ship(line.sku, shipment_line.quantity)
            self._emit("Shipment", "COMPLETED", str(shipment.id), now)
            self._changed(order)
            return order, shipment

    # --- stock --------------------------------------------------------------------------

    def set_stock(self, warehouse_id: int, levels: list[tuple[str, int]]) -> None:
        """All or nothing: one bad size rejects the batch, each named by its input index."""
        with self.lock:
            self._check_stock(warehouse_id, "sizeStockLevels", "quantity", levels)
            for sku, quantity in levels:
                self.stock.get(sku, warehouse_id).physical = quantity
                self._emit("ProductVariant", "UPDATED", sku, self.clock())

    def change_stock(self, warehouse_id: int, changes: list[tuple[str, int]]) -> None:
        """`changes` are signed deltas (outFromWarehouse negated); each delivered quantity must
        be positive and physical stock cannot go below zero."""
        with self.lock:
            self._check_stock(warehouse_id, "sizeChanges", "deliveredQuantity", changes)
            for sku, delta in changes:
                self.stock.get(sku, warehouse_id).physical += delta
                self._emit("ProductVariant", "UPDATED", sku, self.clock())

    def _check_stock(
        self, warehouse_id: int, field: str, quantity_field: str, sizes: list[tuple[str, int]]
    ) -> None:
        if warehouse_id not in WAREHOUSES:
            raise UserError(f"Warehouse {warehouse_id} does not exist", ["input", "warehouse"])
        errors: list[UserError] = []
        for index, (sku, quantity) in enumerate(sizes):
            path = ["input", field, str(index)]
            if sku not in SIZES_BY_SKU:
                errors.append(UserError(f"Unknown SKU {sku}", [*path, "SKU"]))
            elif field == "sizeStockLevels" and quantity < 0:
                errors.append(UserError(f"Negative quantity for {sku}", [*path, quantity_field]))
            elif (
                field == "sizeChanges" and self.stock.get(sku, warehouse_id).physical + quantity < 0
            ):
                errors.append(UserError(f"Not enough stock of {sku}", [*path, quantity_field]))
        if errors:
            raise UserErrors(errors)

    # --- change notification ------------------------------------------------------------

    def _changed(self, order: Order) -> None:
        """Bump updatedAt, derive the status and tell listeners (COMPLETED on reaching SHIPPED)."""
        now = self.clock()
        order.updated_at = now
        before = order.status
        order.status = lifecycle.derive_status(order)
        self._emit("Order", "UPDATED", str(order.number), now)
        if order.status is OrderStatus.SHIPPED and before is not OrderStatus.SHIPPED:
            self._emit("Order", "COMPLETED", str(order.number), now)

    def _emit(self, object_type: str, change_type: str, reference: str, now: datetime) -> None:
        self.events.record(object_type, change_type, reference, now)
        self.webhooks.enqueue(
            {
                "type": object_type.lower(),
                "action": WEBHOOK_ACTIONS.get(change_type, change_type.lower()),
                "date": now.isoformat(),
                "id": int(reference) if reference.isdigit() else reference,
            }
        )

    def deliver_webhooks(self) -> None:
        """Send what is pending now; the HTTP work happens outside the lock."""
        with self.lock:
            pushes = self.webhooks.take()
        if pushes:
            self.webhooks.deliver(pushes, lambda: self.clock().timestamp())

    def count(self, key: str, amount: int = 1) -> None:
        with self.lock:
            self.stats_counter[key] += amount

    def stats(self) -> dict[str, object]:
        with self.lock:
            counters = ("calls", "throttled", "unauthorized", "mutations", "userErrors")
            return {
                **{key: self.stats_counter[key] for key in counters},
                "orders": len(self.orders),
                "shipments": sum(len(o.shipments) for o in self.orders.values()),
                "events_queued": len(self.events.queue),
                "events_confirmed": self.events.confirmed,
                "webhooks": self.webhooks.stats(),
            }
