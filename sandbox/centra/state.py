"""The simulated Centra store: catalogue, orders, shipments, payments, returns, stock, tokens,
rate limits, the events queue and webhook pushes, behind one lock (uvicorn serves from its own
thread while tests inspect). Every order change goes through `_changed`, which bumps updatedAt,
derives the status and emits events and pushes."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from sandbox.centra import filters, lifecycle, payments
from sandbox.centra.catalogue import (
    CURRENCIES,
    SHIPPING_OPTIONS,
    Catalogue,
    currency_for,
    default_shipping_option,
)
from sandbox.centra.dates import webhook_date
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
    PaymentEntry,
    PaymentFlow,
    Return,
    ReturnLine,
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


@dataclass
class Ids:
    """The next id of each kind; a test sets one to reproduce an id from Centra's examples."""

    line: int = 1
    shipment: int = 1
    shipment_line: int = 1
    payment: int = 1
    return_: int = 1
    return_line: int = 1
    stock_change: int = 1

    def take(self, kind: str) -> int:
        value: int = getattr(self, kind)
        setattr(self, kind, value + 1)
        return value


class CentraSandbox:
    """Everything the simulated Centra instance knows. `clock` drives timestamps, rate-limit
    windows and the shippedAt check, so tests move time instead of sleeping.
    `async_capture_after`: asynchronous captures settle by themselves after this long (the
    provider's webhook); None leaves them pending until `/_sandbox` settles them."""

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
        async_capture_after: timedelta | None = None,
        seed_orders: int = 0,
        seed: int = 1,
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.catalogue = Catalogue.default()
        self.orders: dict[int, Order] = {}
        self.returns: dict[int, Return] = {}
        self.stock = StockLedger(self.catalogue)
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
        self.ids = Ids()
        self.async_capture_after = async_capture_after
        self.stats_counter: Counter[str] = Counter()
        self._next_number = first_order_number
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
        skus = self.catalogue.by_sku
        for spec in specs:
            if spec.shipping_option is not None and spec.shipping_option not in SHIPPING_OPTIONS:
                raise ValueError(f"unknown shipping option {spec.shipping_option!r}")
            for line in spec.lines:
                if line.SKU not in skus:
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
        rate = CURRENCIES[currency].rate_to_eur
        sizes = self.catalogue.by_sku
        lines = []
        for line in spec.lines:
            size = sizes[line.SKU]
            variant = self.catalogue.variants.get(size.variant_id)
            if line.id is not None:
                self.ids.line = max(self.ids.line, line.id + 1)
            lines.append(
                OrderLine(
                    id=line.id if line.id is not None else self.ids.take("line"),
                    size_id=size.id,
                    sku=size.sku,
                    gtin=size.gtin,
                    product_name=size.product_name,
                    product_number=size.product_number,
                    size_number=size.size_number,
                    ordered=line.quantity,
                    unit_price=round(size.price_eur * rate, 2),
                    product_id=size.product_id,
                    variant_id=size.variant_id,
                    variant_name=variant.name if variant else size.product_name,
                    size_name=size.description,
                )
            )
            self.stock.allocate(size.sku, line.quantity)
        now = self.clock()
        created = spec.created_at or now
        option = (
            SHIPPING_OPTIONS[spec.shipping_option]
            if spec.shipping_option
            else default_shipping_option(spec.country)
        )
        buyer = address(rng, spec.country)
        if spec.phone == "cellPhoneNumber":
            buyer.cell_phone_number, buyer.phone_number = buyer.phone_number, None
        asynchronous = spec.payment == "asynchronous"
        order = Order(
            id=spec.id or hashlib.md5(f"centra-order-{number}".encode()).hexdigest(),
            number=number,
            status=OrderStatus(spec.status),
            created_at=created,
            updated_at=created,
            currency=currency,
            address=buyer,
            shipping_option=option,
            lines=lines,
            is_on_hold=spec.on_hold,
            is_waiting_for_payment=spec.waiting_for_payment,
            payment_flow=PaymentFlow.ASYNCHRONOUS if asynchronous else PaymentFlow.SYNCHRONOUS,
            payment_method="klarna-checkout-v3" if asynchronous else "card",
            capture_fails=spec.capture_fails,
            store_type=spec.store_type,
        )
        payments.entry(
            order, self.ids.take("payment"), created, "AUTH", "SUCCESS", payments.order_value(order)
        )
        self.orders[number] = order
        self._emit("Order", "CREATED", number, now)
        return order

    def generate(self, request: GenerateRequest) -> list[Order]:
        with self.lock:
            return self.create(generate(request, self.stock.free()), request.seed)

    def order(self, number: int) -> Order:
        order = self.orders.get(number)
        if order is None:
            raise KeyError(number)
        return order

    def order_by(self, reference: dict[str, Any], path: list[str]) -> Order:
        """An OrderInput: exactly one of id (hash), number, externalId."""
        given = {k: v for k, v in reference.items() if v is not None}
        if len(given) != 1:
            raise UserError("Give exactly one of id, number and externalId", path)
        if "number" in given and given["number"] in self.orders:
            return self.orders[given["number"]]
        if "id" in given:
            for order in self.orders.values():
                if order.id == given["id"]:
                    return order
        raise UserError(f"Order {next(iter(given.values()))} does not exist", path)

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

    def confirm(self, order: Order) -> Order:
        if order.status is not OrderStatus.PENDING:
            raise UserError(f"Order {order.number} is {order.status.value}", ["input", "order"])
        order.status = OrderStatus.CONFIRMED
        self._changed(order)
        return order

    def cancel(self, number: int) -> Order:
        """Cancel the whole order before any shipment exists: the status turns CANCELLED and the
        allocation is released; line quantities stay as they were (as Centra documents)."""
        with self.lock:
            order = self.order(number)
            if order.shipments or order.status not in (
                OrderStatus.PENDING,
                OrderStatus.CONFIRMED,
            ):
                raise ValueError(f"order {number} has shipments or is {order.status.value}")
            for line in order.lines:
                self.stock.release(line.sku, line.quantity)
            order.status = OrderStatus.CANCELLED
            self._changed(order)
            return order

    def update_order(self, order: Order, changes: dict[str, Any]) -> Order:
        """updateDirectToConsumerOrder: cancelLines and isOnHold."""
        for index, cancel in enumerate(changes.get("cancelLines") or []):
            line = lifecycle.cancel_line(order, cancel["line"]["id"], cancel["quantity"], index)
            self.stock.release(line.sku, cancel["quantity"])
        if changes.get("isOnHold") is not None:
            order.is_on_hold = bool(changes["isOnHold"])
        self._changed(order)
        return order

    def query_orders(self, where: filters.Where) -> list[Order]:
        """Held and waiting-for-payment orders are hidden unless the filter names the flag: an
        absent isOnHold / isWaitingForPayment reads as false."""

        def hidden(order: Order) -> bool:
            return (order.is_on_hold and where.get("isOnHold") is None) or (
                order.is_waiting_for_payment and where.get("isWaitingForPayment") is None
            )

        return [
            o
            for o in sorted(self.orders.values(), key=lambda o: o.number)
            if not hidden(o)
            and filters.one_of(where, "id", o.id)
            and filters.one_of(where, "number", o.number)
            and filters.one_of(where, "status", o.status.value)
            and filters.one_of(where, "storeId", 1)
            and filters.one_of(where, "orderHoldReason", o.hold_reason)
            and filters.flag(where, "isOnHold", o.is_on_hold)
            and filters.flag(where, "isWaitingForPayment", o.is_waiting_for_payment)
            and filters.within(where, "createdAt", o.created_at)
            and filters.within(where, "orderDate", o.created_at)
            and filters.within(where, "updatedAt", o.updated_at)
            and (where.get("storeType") in (None, o.store_type))
        ]

    # --- shipments ----------------------------------------------------------------------

    def shipment(self, shipment_id: int) -> tuple[Order, Shipment]:
        for order in self.orders.values():
            found = order.shipment(shipment_id)
            if found is not None:
                return order, found
        raise UserError(f"Shipment {shipment_id} does not exist", ["id"])

    def all_shipments(self) -> list[tuple[Order, Shipment]]:
        return sorted(
            ((o, s) for o in self.orders.values() for s in o.shipments), key=lambda p: p[1].id
        )

    def create_shipment(
        self, order: Order, lines: list[tuple[int, int]], options: dict[str, Any]
    ) -> tuple[Shipment, list[dict[str, object]]]:
        """createShipment. With `capture` a failed capture does not fail the mutation: the
        shipment exists, unpaid, and the failure is a userWarning."""
        lifecycle.check_shipment(order, lines)
        now = self.clock()
        shipment = Shipment(
            id=self.ids.take("shipment"),
            number=f"{order.number}-{len(order.shipments) + 1}",
            order_number=order.number,
            created_at=options.get("createdAt") or now,
            updated_at=now,
            lines=[
                ShipmentLine(self.ids.take("shipment_line"), line_id, quantity)
                for line_id, quantity in lines
            ],
            is_good_to_go=bool(options.get("isGoodToGo")),
            additional_message=options.get("additionalMessage"),
            send_email=bool(options.get("sendEmail")),
            shipment_info=options.get("shipmentInfo"),
        )
        order.shipments.append(shipment)
        warnings: list[dict[str, object]] = []
        if options.get("capture"):
            entry = payments.capture(order, shipment, self.ids.take("payment"), now)
            if entry.status == "FAILED":
                warnings.append(
                    {"message": f"Capture failed: {entry.params_json}", "path": ["capture"]}
                )
        elif options.get("isPaid"):
            shipment.is_paid, shipment.paid_at = True, now
        self._emit("Shipment", "CREATED", shipment.id, now)
        if options.get("shippedAt") is not None:
            self._complete(order, shipment, options["shippedAt"], options.get("shipmentInfo"))
        self._changed(order)
        return shipment, warnings

    def capture_shipment(self, shipment_id: int) -> tuple[Order, Shipment, PaymentEntry]:
        """captureShipment: a failed capture fails the mutation (userErrors)."""
        order, shipment = self.shipment(shipment_id)
        if shipment.captured:
            raise UserError(f"Shipment {shipment.number} is already captured", ["id"])
        entry = payments.capture(order, shipment, self.ids.take("payment"), self.clock())
        if entry.status == "FAILED":
            self._changed(order)
            raise UserError(f"Capture failed for shipment {shipment.number}: declined", ["id"])
        self._emit("Shipment", "UPDATED", shipment.id, self.clock())
        self._changed(order)
        return order, shipment, entry

    def update_shipment(self, shipment_id: int, changes: dict[str, Any]) -> tuple[Order, Shipment]:
        order, shipment = self.shipment(shipment_id)
        if changes.get("shipmentInfo") is not None:
            if shipment.is_shipped:
                raise UserError(
                    "shipmentInfo cannot change once shipped: use completeShipment",
                    ["input", "shipmentInfo"],
                )
            shipment.shipment_info = changes["shipmentInfo"]
        if changes.get("isPaid") is not None:
            shipment.is_paid = bool(changes["isPaid"])
            shipment.paid_at = self.clock() if shipment.is_paid else None
        if changes.get("isGoodToGo") is not None:
            shipment.is_good_to_go = bool(changes["isGoodToGo"])
        if changes.get("additionalMessage") is not None:
            shipment.additional_message = changes["additionalMessage"]
        shipment.updated_at = self.clock()
        self._emit("Shipment", "UPDATED", shipment.id, self.clock())
        self._changed(order)
        return order, shipment

    def complete_shipment(
        self, shipment_id: int, changes: dict[str, Any]
    ) -> tuple[Order, Shipment]:
        order, shipment = self.shipment(shipment_id)
        if changes.get("additionalMessage") is not None:
            shipment.additional_message = changes["additionalMessage"]
        self._complete(order, shipment, changes.get("shippedAt"), changes.get("shipmentInfo"))
        self._changed(order)
        return order, shipment

    def _complete(
        self,
        order: Order,
        shipment: Shipment,
        shipped_at: datetime | None,
        info: dict[str, object] | None,
    ) -> None:
        now = self.clock()
        lifecycle.complete(order, shipment, shipped_at or now, now, info)
        shipment.updated_at = now
        for shipment_line in shipment.lines:
            line = order.line(shipment_line.order_line_id)
            if line is not None:
                self.stock.ship(line.sku, shipment_line.quantity)
        self._emit("Shipment", "COMPLETED", shipment.id, now)

    # --- payments -----------------------------------------------------------------------

    def settle_captures(self, number: int, success: bool | None = None) -> Order:
        """The provider's webhook for every pending capture request of the order; `success`
        None means "as the order's scenario says" (declined when capture_fails)."""
        with self.lock:
            order = self.order(number)
            now = self.clock()
            for entry in list(order.payments):
                if entry.entry_type == "CAPTURE_REQUEST" and entry.status == "PENDING":
                    ok = (not order.capture_fails) if success is None else success
                    payments.settle(order, entry, ok, self.ids.take("payment"), now)
                    if entry.shipment_id is not None:
                        self._emit("Shipment", "UPDATED", entry.shipment_id, now)
            self._changed(order)
            return order

    def settle_due_captures(self) -> None:
        """Asynchronous captures older than `async_capture_after` settle by themselves."""
        if self.async_capture_after is None:
            return
        cutoff = self.clock() - self.async_capture_after
        due = {
            order.number
            for order in self.orders.values()
            for e in order.payments
            if e.entry_type == "CAPTURE_REQUEST"
            and e.status == "PENDING"
            and e.created_at <= cutoff
        }
        for number in sorted(due):
            self.settle_captures(number)

    # --- returns ------------------------------------------------------------------------

    def returns_of(self, number: int) -> list[Return]:
        return [r for r in self.returns.values() if r.order_number == number]

    def create_return(self, changes: dict[str, Any]) -> tuple[Order, Return]:
        order, shipment = self.shipment(changes["shipment"]["id"])
        if not shipment.is_shipped:
            raise UserError(f"Shipment {shipment.number} is not shipped", ["input", "shipment"])
        lines: list[ReturnLine] = []
        known = {sl.id: sl for sl in shipment.lines}
        for index, wanted in enumerate(changes["lines"]):
            path = ["input", "lines", str(index)]
            shipment_line = known.get(wanted["shipmentLine"]["id"])
            if shipment_line is None:
                raise UserError(
                    "The shipment line is not in this shipment", [*path, "shipmentLine"]
                )
            already = sum(
                rl.quantity
                for r in self.returns_of(order.number)
                for rl in r.lines
                if rl.shipment_line_id == shipment_line.id
            )
            if wanted["quantity"] < 1 or wanted["quantity"] + already > shipment_line.quantity:
                raise UserError("More units than were shipped", [*path, "quantity"])
            lines.append(
                ReturnLine(self.ids.take("return_line"), shipment_line.id, wanted["quantity"])
            )
        policy = changes["returnStockActionPolicy"]
        record = Return(
            id=self.ids.take("return_"),
            order_number=order.number,
            shipment_id=shipment.id,
            created_at=changes.get("createdAt") or self.clock(),
            lines=lines,
            comment=changes.get("comment"),
            returned_to_stock=bool(policy.get("releaseItemsBackToWarehouse")),
        )
        self.returns[record.id] = record
        self._emit("Return", "CREATED", record.id, self.clock())
        return order, record

    def complete_return(self, return_id: int, complete: bool) -> tuple[Order, Return]:
        record = self.returns.get(return_id)
        if record is None:
            raise UserError(f"Return {return_id} does not exist", ["id"])
        if record.completed == complete:
            state = "completed" if complete else "not completed"
            raise UserError(f"Return {return_id} is already {state}", ["id"])
        record.completed = complete
        self._emit("Return", "COMPLETED" if complete else "UPDATED", record.id, self.clock())
        return self.order(record.order_number), record

    def refund_return(self, return_id: int) -> tuple[Order, Return]:
        """refundReturn (changelog v1.60.0): refunds the whole return's value to the buyer's
        payment. Unverified in Centra's docs, the sandbox's choices: a return refunds once; a
        provider that refuses writes REFUND_FAILED/FAILED and the mutation fails with a
        userError; a refund writes REFUND/SUCCESS, linked to the return."""
        record = self.returns.get(return_id)
        if record is None:
            raise UserError(f"Return {return_id} does not exist", ["id"])
        if record.refunded:
            raise UserError(f"Return {return_id} is already refunded", ["id"])
        order = self.order(record.order_number)
        value = payments.return_value(order, record)
        if order.refund_fails:
            failed = payments.entry(
                order, self.ids.take("payment"), self.clock(), "REFUND_FAILED", "FAILED", value
            )
            failed.return_id = record.id
            raise UserError("The payment provider refused the refund", ["id"])
        done = payments.entry(
            order, self.ids.take("payment"), self.clock(), "REFUND", "SUCCESS", value
        )
        done.return_id = record.id
        record.refunded = True
        self._emit("Return", "UPDATED", record.id, self.clock())
        return order, record

    def set_refund_fails(self, number: int, fails: bool) -> Order:
        with self.lock:
            order = self.order(number)
            order.refund_fails = fails
            return order

    def delete_return(self, return_id: int) -> tuple[Order, Return]:
        record = self.returns.pop(return_id, None)
        if record is None:
            raise UserError(f"Return {return_id} does not exist", ["id"])
        self._emit("Return", "DELETED", record.id, self.clock())
        return self.order(record.order_number), record

    # --- stock --------------------------------------------------------------------------

    def set_stock(
        self, warehouse_id: int, levels: list[tuple[str, int]], free_to_allocate: bool
    ) -> list[int]:
        """Absolute levels; FREE_TO_ALLOCATE sets physical to the level plus what is
        allocated. Returns one stock change id per size."""
        changes = []
        for sku, quantity in levels:
            level = self.stock.get(sku, warehouse_id)
            level.physical = quantity + (level.allocated if free_to_allocate else 0)
            changes.append(self.ids.take("stock_change"))
            self._emit("ProductSize", "UPDATED", self.catalogue.by_sku[sku].id, self.clock())
        return changes

    def change_stock(
        self, into: int | None, out: int | None, moves: list[tuple[str, int, list[str]]]
    ) -> int:
        """Deltas: into only adds, out only removes, both transfer; physical never below 0.
        Each move names its input path, for the userError of a size that cannot go out."""
        errors = [
            UserError(f"Not enough stock of {sku} to remove", path)
            for sku, quantity, path in moves
            if out is not None and self.stock.get(sku, out).physical - quantity < 0
        ]
        if errors:
            raise UserErrors(errors)
        for sku, quantity, _ in moves:
            if out is not None:
                self.stock.get(sku, out).physical -= quantity
            if into is not None:
                self.stock.get(sku, into).physical += quantity
            self._emit("ProductSize", "UPDATED", self.catalogue.by_sku[sku].id, self.clock())
        return self.ids.take("stock_change")

    # --- change notification ------------------------------------------------------------

    def _changed(self, order: Order) -> None:
        """Bump updatedAt, derive the status and tell listeners (COMPLETED on reaching SHIPPED)."""
        now = self.clock()
        order.updated_at = now
        before = order.status
        order.status = lifecycle.derive_status(order)
        self._emit("Order", "UPDATED", order.number, now)
        if order.status is OrderStatus.SHIPPED and before is not OrderStatus.SHIPPED:
            self._emit("Order", "COMPLETED", order.number, now)

    def _emit(self, object_type: str, change_type: str, reference: int, now: datetime) -> None:
        self.events.record(object_type, change_type, reference, now)
        self.webhooks.enqueue(
            {
                "type": object_type.lower(),
                "action": WEBHOOK_ACTIONS.get(change_type, change_type.lower()),
                "date": webhook_date(now),
                "id": reference,
            }
        )

    def deliver_webhooks(self) -> None:
        """Send what is pending now, as one batch; the HTTP work happens outside the lock."""
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
