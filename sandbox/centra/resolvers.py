"""Attach the query and mutation resolvers to the executable schema."""

from __future__ import annotations

from functools import cache

from graphql import GraphQLObjectType, GraphQLSchema

from sandbox.centra import mutations, queries
from sandbox.centra.schema import executable_schema

QUERY = {
    "orders": queries.orders,
    "events": queries.events,
    "rateLimits": queries.rate_limits,
    "warehouses": queries.warehouses,
    "stock": queries.stock,
}
MUTATION = {
    "setEventListeners": mutations.set_event_listeners,
    "confirmEvents": mutations.confirm_events,
    "createShipment": mutations.create_shipment,
    "captureShipment": mutations.capture_shipment,
    "updateShipment": mutations.update_shipment,
    "completeShipment": mutations.complete_shipment,
    "setStock": mutations.set_stock,
    "changeStock": mutations.change_stock,
}


def _type(schema: GraphQLSchema, name: str) -> GraphQLObjectType:
    found = schema.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


@cache
def schema_with_resolvers() -> GraphQLSchema:
    schema = executable_schema()
    for type_name, resolvers in (("Query", QUERY), ("Mutation", MUTATION)):
        fields = _type(schema, type_name).fields
        for name, resolver in resolvers.items():
            fields[name].resolve = resolver
    _type(schema, "Order").fields["shipments"].resolve = queries.order_shipments
    return schema
