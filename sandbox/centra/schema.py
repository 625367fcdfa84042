"""schema.graphql, built once with graphql-core, with the DateTime scalar taught to read and
print ISO 8601. Resolvers are attached by `resolvers.attach`."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema, StringValueNode, build_schema
from graphql.language import ValueNode

from sandbox.centra.render import timestamp

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError("DateTime must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise GraphQLError(f"Invalid DateTime {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _serialize(value: object) -> str:
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, str):
        return value
    raise GraphQLError(f"Cannot serialize {type(value).__name__} as DateTime")


def _parse_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> datetime:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("DateTime must be an ISO 8601 string")
    return parse_datetime(node.value)


@cache
def base_schema() -> GraphQLSchema:
    """The schema without resolvers: for validating documents (tests, the client's queries)."""
    return build_schema(SCHEMA_PATH.read_text())


def executable_schema() -> GraphQLSchema:
    """A fresh schema whose DateTime scalar parses and serializes; resolvers attach to it."""
    schema = build_schema(SCHEMA_PATH.read_text())
    scalar = schema.type_map["DateTime"]
    assert isinstance(scalar, GraphQLScalarType)
    # graphql-core 3.3 reads coerce_*; older releases read serialize/parse_*: set both.
    for name, function in (
        ("serialize", _serialize),
        ("coerce_output_value", _serialize),
        ("parse_value", parse_datetime),
        ("coerce_input_value", parse_datetime),
        ("parse_literal", _parse_literal),
    ):
        setattr(scalar, name, function)
    return schema
