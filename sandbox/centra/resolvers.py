"""The documented schema with the sandbox's resolvers attached to Query and Mutation."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from graphql import GraphQLSchema

from sandbox.centra import mutations, queries
from sandbox.centra.schema import executable_schema

QUERY: dict[str, Callable[..., Any]] = {
    "orders": queries.orders,
    "shipments": queries.shipments,
    "returns": queries.returns,
    "products": queries.products,
    "product": queries.product,
    "productVariant": queries.product_variant,
    "productSizes": queries.product_sizes,
    "warehouses": queries.warehouses,
    "currencies": queries.currencies,
    "events": queries.events,
    "eventListeners": queries.event_listeners,
    "orderPaymentHistory": queries.order_payment_history,
    "rateLimits": queries.rate_limits,
    "counters": queries.counters,
}
MUTATION: dict[str, Callable[..., Any]] = {
    "createShipment": mutations.create_shipment,
    "updateShipment": mutations.update_shipment,
    "completeShipment": mutations.complete_shipment,
    "captureShipment": mutations.capture_shipment,
    "confirmOrder": mutations.confirm_order,
    "updateDirectToConsumerOrder": mutations.update_order,
    "createReturn": mutations.create_return,
    "completeReturn": mutations.complete_return,
    "uncompleteReturn": mutations.uncomplete_return,
    "deleteReturn": mutations.delete_return,
    "refundReturn": mutations.refund_return,
    "setStock": mutations.set_stock,
    "changeStock": mutations.change_stock,
    "setEventListeners": mutations.set_event_listeners,
    "unsetEventListeners": mutations.unset_event_listeners,
    "confirmEvents": mutations.confirm_events,
}


@cache
def schema_with_resolvers() -> GraphQLSchema:
    return executable_schema(QUERY, MUTATION)
