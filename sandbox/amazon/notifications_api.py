"""Notifications API v1 routes: destinations and subscriptions (the desk that keeps them and
publishes: notifications.py).

Per the model, createDestination and getDestinations are grantless (an LWA client_credentials
token with the `sellingpartnerapi::notifications` scope); createSubscription and
getSubscription act for the seller (its refresh-token token)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.guard import ACCESS_TOKEN_HEADER, operation
from sandbox.amazon.notifications import ROOT, SCOPE, NotificationDesk
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.usage_plans import (
    CREATE_DESTINATION,
    CREATE_SUBSCRIPTION,
    GET_DESTINATIONS,
    GET_SUBSCRIPTION,
)


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter()
    desk: NotificationDesk = sandbox.notifications

    def grantless(name: str) -> Callable[[Request], Any]:
        async def guard(request: Request) -> str:
            request.state.rate_limit = sandbox.usage.rate_header(name)
            token = request.headers.get(ACCESS_TOKEN_HEADER)
            with sandbox.lock:
                scope = sandbox.tokens.grantless_scope(token)
                if scope != SCOPE:  # a seller's token, or another scope's
                    sandbox.unauthorized += 1
                    raise SpApiError(403)
                if not sandbox.admit(desk.application_id, name):
                    raise SpApiError(429)
            return desk.application_id

        return guard

    @api.get(f"{ROOT}/destinations")
    async def get_destinations(_: str = Depends(grantless(GET_DESTINATIONS))) -> dict[str, Any]:
        with sandbox.lock:
            return {"payload": list(desk.destinations.values())}

    @api.post(f"{ROOT}/destinations")
    async def create_destination(
        request: Request, _: str = Depends(grantless(CREATE_DESTINATION))
    ) -> dict[str, Any]:
        body = await _json(request)
        with sandbox.lock:
            return {"payload": desk.create_destination(body)}

    @api.get(f"{ROOT}/subscriptions/{{notification_type}}")
    async def get_subscription(
        notification_type: str, seller: str = Depends(operation(sandbox, GET_SUBSCRIPTION))
    ) -> dict[str, Any]:
        with sandbox.lock:
            found = desk.subscriptions.get((seller, notification_type))
        if found is None:
            raise SpApiError(404, f"No subscription found for {notification_type}")
        return {"payload": found}

    @api.post(f"{ROOT}/subscriptions/{{notification_type}}")
    async def create_subscription(
        notification_type: str,
        request: Request,
        seller: str = Depends(operation(sandbox, CREATE_SUBSCRIPTION)),
    ) -> dict[str, Any]:
        body = await _json(request)
        with sandbox.lock:
            mine = [o for o in sandbox.orders.values() if o.seller_id == seller]
            made = desk.create_subscription(seller, notification_type, body, mine)
        return {"payload": made}

    return api


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise SpApiError(400, "the body is not JSON", code="InvalidInput") from None
