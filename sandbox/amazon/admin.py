"""/_sandbox endpoints: how tests and the demo drive the simulated seller (create orders,
clear payment, cancel as the buyer) and inspect what consign did. Never faulted."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, model_validator

from sandbox.amazon.catalogue import DEFAULT_MARKETPLACE_ID
from sandbox.amazon.generator import GenerateRequest, MixOptions, OrderSpec
from sandbox.amazon.lifecycle import TransitionError
from sandbox.amazon.listings import Attributes, Problem
from sandbox.amazon.records import SandboxOrder
from sandbox.amazon.restricted import ALL_ROLES
from sandbox.amazon.returns import SandboxReturn
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import to_wire
from sandbox.amazon.usage_plans import Plan


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


class CancelRequest(BaseModel):
    buyer_requested: bool = True
    reason: str | None = None
    request_only: bool = False  # record the buyer's request, leave the order open


class PlanBody(BaseModel):
    rate: float = Field(gt=0)
    burst: int = Field(ge=1)


class UsagePlansBody(BaseModel):
    rate_scale: float = Field(default=1.0, gt=0)
    plans: dict[str, PlanBody] | None = None


class LwaBody(BaseModel):
    token_lifetime_seconds: int | None = Field(default=None, ge=1)
    client_secret: str | None = None  # rotate: old secrets now fail with invalid_client
    revoke_tokens: bool = False


class AppBody(BaseModel):
    """The calling app as Amazon sees it: its restricted roles, and how long an RDT lives."""

    roles: list[str] | None = None
    rdt_lifetime_seconds: int | None = Field(default=None, ge=1)


class FeedErrorBody(BaseModel):
    code: str = Field(default="4000001", min_length=1)
    message: str = Field(
        default="The feed could not be processed: the document is malformed.", min_length=1
    )


class FeedProcessingBody(BaseModel):
    """How long a feed takes from createFeed to DONE: Amazon says minutes to hours."""

    seconds: float = Field(ge=0)


class ReturnBody(BaseModel):
    """A buyer's return request for shipped units: SKU -> units (one RMA for all)."""

    order_id: str
    lines: dict[str, int] = Field(min_length=1)
    reason: str = "CR-UNWANTED_ITEM"
    in_policy: bool = True


class ListingBody(BaseModel):
    """A listing the seller creates in Seller Central (a SKU outside the catalogue, or a
    catalogue SKU listed again): `attributes` as Amazon renders them, each entry stamped with
    every marketplace's id; `title` is its summaries' itemName."""

    sku: str = Field(min_length=1)
    product_type: str = Field(min_length=1)
    title: str = Field(min_length=1)
    quantity: int = Field(default=0, ge=0)
    attributes: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class AutoReleaseBody(BaseModel):
    seconds: float | None = Field(default=None, ge=0)


def _return(found: SandboxReturn) -> dict[str, Any]:
    return {
        "rma": found.rma,
        "order_id": found.order_id,
        "order_item_id": found.order_item_id,
        "sku": found.sku,
        "quantity": found.quantity,
        "refunded": str(found.refunded),
    }


def _dump(order: SandboxOrder) -> dict[str, Any]:
    return order.model_dump(mode="json")


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter(prefix="/_sandbox")

    def existing(order_id: str) -> SandboxOrder:
        order = sandbox.get(order_id)
        if order is None:
            raise HTTPException(404, f"no order {order_id}")
        return order

    @api.post("/orders", status_code=201)
    async def create_orders(body: CreateOrders) -> dict[str, Any]:
        if body.orders is not None:
            try:
                created = sandbox.create(body.orders, body.seed)
            except ValueError as exc:
                raise HTTPException(409, str(exc)) from exc
        else:
            mix = body.model_dump(exclude={"orders", "count", "seed"})
            created = sandbox.generate(
                GenerateRequest(count=body.count or 1, seed=body.seed, **mix)
            )
        return {"orders": [_dump(o) for o in created]}

    @api.get("/orders")
    async def list_orders() -> dict[str, Any]:
        sandbox.tick()
        with sandbox.lock:
            return {"orders": [_dump(o) for o in sandbox.orders.values()]}

    @api.delete("/orders", status_code=204)
    async def clear_orders() -> None:
        with sandbox.lock:
            sandbox.orders.clear()
            sandbox.confirmations.clear()

    @api.get("/orders/{order_id}")
    async def get_order(order_id: str) -> dict[str, Any]:
        return _dump(existing(order_id))

    @api.post("/orders/{order_id}/release")
    async def release(order_id: str) -> dict[str, Any]:
        existing(order_id)
        try:
            return _dump(sandbox.release(order_id))
        except TransitionError as exc:
            raise HTTPException(409, str(exc)) from exc

    @api.post("/orders/{order_id}/cancel")
    async def cancel(order_id: str, body: CancelRequest | None = None) -> dict[str, Any]:
        existing(order_id)
        request = body or CancelRequest()
        try:
            order = sandbox.cancel(
                order_id, request.buyer_requested, request.reason, request.request_only
            )
        except TransitionError as exc:
            raise HTTPException(409, str(exc)) from exc
        return _dump(order)

    @api.get("/confirmations")
    async def confirmations(order_id: str | None = None) -> dict[str, Any]:
        with sandbox.lock:
            found = [c for c in sandbox.confirmations if order_id in (None, c.order_id)]
            return {"confirmations": [c.model_dump(mode="json") for c in found]}

    @api.get("/stats")
    async def stats() -> dict[str, object]:
        return sandbox.stats()

    @api.get("/usage-plans")
    async def get_usage_plans() -> dict[str, Any]:
        usage = sandbox.usage
        return {
            "rate_scale": usage.rate_scale,
            "plans": {k: {"rate": p.rate, "burst": p.burst} for k, p in usage.plans.items()},
        }

    @api.put("/usage-plans")
    async def put_usage_plans(body: UsagePlansBody) -> dict[str, Any]:
        unknown = sorted(set(body.plans or {}) - set(sandbox.usage.plans))
        if unknown:
            raise HTTPException(422, f"unknown operations: {unknown}")
        plans = {k: Plan(v.rate, v.burst) for k, v in (body.plans or {}).items()}
        with sandbox.lock:
            sandbox.usage.configure(body.rate_scale, plans)
        return await get_usage_plans()

    @api.put("/lwa")
    async def put_lwa(body: LwaBody) -> dict[str, Any]:
        with sandbox.lock:
            tokens = sandbox.tokens
            if body.token_lifetime_seconds is not None:
                tokens.token_lifetime_seconds = body.token_lifetime_seconds
            if body.client_secret is not None:
                tokens.client_secret = body.client_secret
            if body.revoke_tokens:
                tokens.revoke_all()
            return {"token_lifetime_seconds": tokens.token_lifetime_seconds}

    @api.get("/app")
    async def get_app() -> dict[str, Any]:
        with sandbox.lock:
            restricted = sandbox.restricted
            return {
                "roles": sorted(restricted.roles),
                "rdt_lifetime_seconds": restricted.lifetime_seconds,
            }

    @api.put("/app")
    async def put_app(body: AppBody) -> dict[str, Any]:
        unknown = sorted(set(body.roles or ()) - ALL_ROLES)
        if unknown:
            raise HTTPException(422, f"unknown roles: {unknown}; known: {sorted(ALL_ROLES)}")
        with sandbox.lock:
            if body.roles is not None:
                sandbox.restricted.roles = frozenset(body.roles)
            if body.rdt_lifetime_seconds is not None:
                sandbox.restricted.lifetime_seconds = body.rdt_lifetime_seconds
        return await get_app()

    @api.get("/listings")
    async def listings(marketplace_id: str = DEFAULT_MARKETPLACE_ID) -> dict[str, Any]:
        """sku -> DEFAULT quantity in one marketplace (null: no seller-fulfilled quantity)."""
        with sandbox.lock:
            return {"listings": sandbox.listings.quantities(marketplace_id)}

    @api.post("/listings", status_code=201)
    async def add_listing(body: ListingBody) -> dict[str, Any]:
        """List a SKU in every marketplace, updated now (searchListingsItems' lastUpdatedDate)."""

        def details(sku: str, marketplace_id: str) -> Attributes:
            return {
                name: [{**entry, "marketplace_id": marketplace_id} for entry in entries]
                for name, entries in body.attributes.items()
            }

        with sandbox.lock:
            sandbox.listings.add(body.sku, body.product_type, body.quantity, details, body.title)
        return {"sku": body.sku}

    @api.get("/feeds")
    async def feeds() -> dict[str, Any]:
        sandbox.tick()
        with sandbox.lock:
            found = [
                {**feed.render(to_wire), "messages": feed.messages, "errors": feed.errors}
                for feed in sandbox.feeds.feeds.values()
            ]
            return {"feeds": found}

    @api.post("/feeds/process")
    async def process_feeds() -> dict[str, Any]:
        """Finish every queued feed now instead of after the processing delay."""
        processed = sandbox.process_feeds()
        return {"processed": [feed.feed_id for feed in processed]}

    @api.get("/feeds/processing")
    async def get_feed_processing() -> FeedProcessingBody:
        return FeedProcessingBody(seconds=sandbox.feeds.processing_seconds)

    @api.put("/feeds/processing")
    async def put_feed_processing(body: FeedProcessingBody) -> FeedProcessingBody:
        """Feeds created from now on finish this long after submission (the sandbox's clock)."""
        with sandbox.lock:
            sandbox.feeds.processing_seconds = body.seconds
        return body

    @api.post("/feeds/feed-level-error")
    async def feed_level_error(body: FeedErrorBody) -> FeedErrorBody:
        """The next feed processed gets one ERROR issue without a messageId, and none of its
        messages apply: a report consign must read as a rejection of every SKU in it."""
        with sandbox.lock:
            sandbox.feeds.feed_level_error = Problem(body.code, body.message)
        return body

    @api.post("/returns", status_code=201)
    async def create_return(body: ReturnBody) -> dict[str, Any]:
        """The RMA Amazon authorised; the returns report shows it from now on."""
        try:
            made = sandbox.create_return(body.order_id, body.lines, body.reason, body.in_policy)
        except KeyError:
            raise HTTPException(404, f"no order {body.order_id}") from None
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None
        return {"rma": made[0].rma, "lines": [_return(r) for r in made]}

    @api.get("/returns")
    async def list_returns() -> dict[str, Any]:
        with sandbox.lock:
            return {"returns": [_return(r) for r in sandbox.returns.returns]}

    @api.get("/adjustments")
    async def adjustments() -> dict[str, Any]:
        """Refunds applied from order-adjustment feeds, oldest first."""
        sandbox.tick()
        with sandbox.lock:
            return {
                "adjustments": [
                    {
                        "feed_id": a.feed_id,
                        "order_id": a.order_id,
                        "order_item_id": a.order_item_id,
                        "merchant_adjustment_item_id": a.merchant_adjustment_item_id,
                        "reason": a.reason,
                        "amounts": {k: str(v) for k, v in a.amounts.items()},
                        "currency": a.currency,
                    }
                    for a in sandbox.returns.adjustments
                ]
            }

    @api.put("/auto-release")
    async def put_auto_release(body: AutoReleaseBody) -> AutoReleaseBody:
        sandbox.set_auto_release(body.seconds)
        return body

    return api
