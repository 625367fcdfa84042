"""/_sandbox endpoints: how tests and the demo drive the simulated Centra (create orders, hold,
clear payment, cancel, make captures fail, settle asynchronous captures, tune rate limits, add
tokens, point webhooks) and inspect what consign did. Never faulted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field, model_validator

from sandbox.centra.generator import GenerateRequest, MixOptions, OrderSpec
from sandbox.centra.product_admin import NewProduct, ProductChange, add_product, change_product
from sandbox.centra.ratelimits import Quota
from sandbox.centra.records import Order
from sandbox.centra.state import CentraSandbox
from sandbox.centra.tokens import ALL_PERMISSIONS


class CreateOrders(MixOptions):
    """Either explicit `orders` or `count` generated orders (with the mix options)."""

    orders: list[OrderSpec] | None = None
    count: int | None = Field(default=None, ge=1, le=10_000)
    seed: int = 1

    @model_validator(mode="after")
    def _one_source(self) -> CreateOrders:
        if (self.orders is None) == (self.count is None):
            raise ValueError("give exactly one of orders and count")
        return self


class HoldBody(BaseModel):
    on_hold: bool


class PaymentBody(BaseModel):
    waiting_for_payment: bool


class CaptureFailsBody(BaseModel):
    fails: bool = True


class SettleBody(BaseModel):
    success: bool | None = None  # None: as the order's scenario says (declined if capture_fails)


class RateLimitsBody(BaseModel):
    quotas: list[Quota]


class TokenBody(BaseModel):
    token: str = Field(min_length=1)
    permissions: list[str]


class WebhookBody(BaseModel):
    url: str | None
    secret: str | None = None
    retry_delay_seconds: float | None = Field(default=None, ge=0)


def dump(order: Order) -> dict[str, Any]:
    out: dict[str, Any] = jsonable_encoder(asdict(order))
    return out


def router(sandbox: CentraSandbox) -> APIRouter:
    api = APIRouter(prefix="/_sandbox")

    def run(action: Any, *args: Any) -> dict[str, Any]:
        try:
            changed = action(*args)
        except KeyError as exc:
            raise HTTPException(404, f"no order {exc.args[0]}") from exc
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from exc
        sandbox.deliver_webhooks()
        with sandbox.lock:
            return dump(changed)

    @api.post("/orders", status_code=201)
    def create_orders(body: CreateOrders) -> dict[str, Any]:
        try:
            if body.orders is not None:
                created = sandbox.create(body.orders, body.seed)
            else:
                mix = body.model_dump(exclude={"orders", "count", "seed"})
                request = GenerateRequest(count=body.count or 1, seed=body.seed, **mix)
                created = sandbox.generate(request)
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from exc
        sandbox.deliver_webhooks()
        with sandbox.lock:
            return {"orders": [dump(o) for o in created]}

    @api.get("/orders")
    def list_orders() -> dict[str, Any]:
        with sandbox.lock:
            return {"orders": [dump(o) for o in sandbox.orders.values()]}

    @api.post("/orders/{number}/hold")
    def hold(number: int, body: HoldBody) -> dict[str, Any]:
        return run(sandbox.set_hold, number, body.on_hold)

    @api.post("/orders/{number}/payment")
    def payment(number: int, body: PaymentBody) -> dict[str, Any]:
        return run(sandbox.set_waiting_for_payment, number, body.waiting_for_payment)

    @api.post("/orders/{number}/cancel")
    def cancel(number: int) -> dict[str, Any]:
        return run(sandbox.cancel, number)

    @api.post("/orders/{number}/capture-fails")
    def capture_fails(number: int, body: CaptureFailsBody) -> dict[str, Any]:
        return run(sandbox.set_capture_fails, number, body.fails)

    @api.post("/orders/{number}/refund-fails")
    def refund_fails(number: int, body: CaptureFailsBody) -> dict[str, Any]:
        """Scenario: the payment provider refuses (or again accepts) the order's refunds."""
        return run(sandbox.set_refund_fails, number, body.fails)

    @api.post("/orders/{number}/settle-captures")
    def settle_captures(number: int, body: SettleBody) -> dict[str, Any]:
        """The payment provider's webhook for the order's pending (asynchronous) captures."""
        return run(sandbox.settle_captures, number, body.success)

    @api.post("/products", status_code=201)
    def create_product(body: NewProduct) -> dict[str, Any]:
        """A new product in the PIM: its variants, sizes and opening stock."""
        try:
            product_id, skus = add_product(sandbox, body)
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from exc
        return {"id": product_id, "skus": skus}

    @api.patch("/products/{product_id}")
    def update_product(product_id: int, body: ProductChange) -> dict[str, Any]:
        try:
            change_product(sandbox, product_id, body)
        except KeyError as exc:
            raise HTTPException(404, f"no product {product_id}") from exc
        return {"id": product_id}

    @api.get("/shipments")
    def shipments() -> dict[str, Any]:
        with sandbox.lock:
            found = [asdict(s) for _, s in sandbox.all_shipments()]
            return {"shipments": jsonable_encoder(found)}

    @api.get("/stock")
    def stock() -> dict[str, Any]:
        with sandbox.lock:
            return {"stock": sandbox.stock.dump()}

    @api.get("/events")
    def events() -> dict[str, Any]:
        with sandbox.lock:
            queue = sandbox.events
            return jsonable_encoder(
                {
                    "listeners": {k: sorted(v.change_types) for k, v in queue.listeners.items()},
                    "queued": [asdict(e) for e in queue.queue],
                }
            )

    @api.get("/stats")
    def stats() -> dict[str, object]:
        return sandbox.stats()

    @api.get("/rate-limits")
    def get_rate_limits() -> RateLimitsBody:
        return RateLimitsBody(quotas=sandbox.limits.quotas)

    @api.put("/rate-limits")
    def put_rate_limits(body: RateLimitsBody) -> RateLimitsBody:
        with sandbox.lock:
            sandbox.limits.configure(body.quotas)
        return body

    @api.put("/tokens")
    def put_token(body: TokenBody) -> dict[str, Any]:
        unknown = sorted(set(body.permissions) - ALL_PERMISSIONS)
        if unknown:
            raise HTTPException(422, f"unknown permissions: {unknown}")
        with sandbox.lock:
            sandbox.tokens.add(body.token, frozenset(body.permissions))
        return {"token": body.token, "permissions": sorted(body.permissions)}

    @api.get("/webhook")
    def get_webhook() -> dict[str, object]:
        return sandbox.webhooks.stats()

    @api.put("/webhook")
    def put_webhook(body: WebhookBody) -> dict[str, object]:
        with sandbox.lock:
            hooks = sandbox.webhooks
            hooks.url = body.url
            if body.secret is not None:
                hooks.secret = body.secret
            if body.retry_delay_seconds is not None:
                hooks.retry_delay_seconds = body.retry_delay_seconds
        return hooks.stats()

    @api.post("/webhook/flush")
    def flush_webhook() -> dict[str, object]:
        sandbox.deliver_webhooks()
        return sandbox.webhooks.stats()

    return api
