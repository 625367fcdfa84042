"""The sandbox executes Centra's documented schema itself: the vendored
reference/centra/schema-documented.graphql (with a source for every type) is built with
graphql-core, its scalars taught to read and print (DateTimeTz, Date, Int64), and resolvers
attached to Query and Mutation. There is no second, hand-kept copy to drift from the docs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    StringValueNode,
    build_schema,
)
from graphql.language import ValueNode

from sandbox.centra import dates
from sandbox.reference import reference_dir


def schema_path() -> Path:
    return reference_dir() / "centra" / "schema-documented.graphql"


@cache
def documented_schema() -> GraphQLSchema:
    """The schema without resolvers: for validating documents."""
    return build_schema(schema_path().read_text())


def _datetime_in(value: object) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError("DateTimeTz must be a string such as 2022-06-23T15:47:12+02:00")
    try:
        return dates.parse(value)
    except ValueError as exc:
        raise GraphQLError(f"Invalid DateTimeTz {value!r}") from exc


def _datetime_out(value: object) -> str:
    if isinstance(value, datetime):
        return dates.php_format(value)
    if isinstance(value, str):  # already printed with the field's `format` argument
        return value
    raise GraphQLError(f"Cannot serialize {type(value).__name__} as DateTimeTz")


def _date_in(value: object) -> date:
    if not isinstance(value, str):
        raise GraphQLError("Date must be a string such as 2022-06-23")
    try:
        return dates.parse_date(value)
    except ValueError as exc:
        raise GraphQLError(f"Invalid Date {value!r}") from exc


def _date_out(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise GraphQLError(f"Cannot serialize {type(value).__name__} as Date")


def _int64_in(value: object) -> int:
    """Int64's JSON encoding is not documented: a number or a string of digits is accepted."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise GraphQLError(f"Invalid Int64 {value!r}")


def _int64_out(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # printed as a JSON number (Centra's choice is not documented)
    raise GraphQLError(f"Cannot serialize {type(value).__name__} as Int64")


def _literal(parse: Callable[[object], Any]) -> Callable[..., Any]:
    def parse_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> Any:
        if isinstance(node, StringValueNode | IntValueNode):
            return parse(node.value if isinstance(node, StringValueNode) else int(node.value))
        raise GraphQLError("expected a string or an integer literal")

    return parse_literal


def _teach(
    schema: GraphQLSchema, name: str, out: Callable[..., Any], into: Callable[..., Any]
) -> None:
    scalar = schema.type_map[name]
    assert isinstance(scalar, GraphQLScalarType)
    # graphql-core 3.3 reads coerce_*; older releases read serialize/parse_*: set both.
    for attribute, function in (
        ("serialize", out),
        ("coerce_output_value", out),
        ("parse_value", into),
        ("coerce_input_value", into),
        ("parse_literal", _literal(into)),
    ):
        setattr(scalar, attribute, function)


def executable_schema(
    query: dict[str, Callable[..., Any]], mutation: dict[str, Callable[..., Any]]
) -> GraphQLSchema:
    """A fresh copy of the documented schema with working scalars and the given resolvers.
    Root fields without a resolver answer a GraphQL error saying the sandbox does not simulate
    them (the rest of the response still resolves)."""
    schema = build_schema(schema_path().read_text())
    _teach(schema, "DateTimeTz", _datetime_out, _datetime_in)
    _teach(schema, "Date", _date_out, _date_in)
    _teach(schema, "Int64", _int64_out, _int64_in)
    for type_name, resolvers in (("Query", query), ("Mutation", mutation)):
        root = schema.type_map[type_name]
        assert isinstance(root, GraphQLObjectType)
        unknown = set(resolvers) - set(root.fields)
        assert not unknown, f"resolvers for fields the documented {type_name} lacks: {unknown}"
        for name, field in root.fields.items():
            field.resolve = resolvers.get(name, _not_simulated(type_name, name))
    return schema


def _not_simulated(type_name: str, name: str) -> Callable[..., Any]:
    def resolve(*_args: Any, **_kwargs: Any) -> Any:
        raise GraphQLError(f"{type_name}.{name} is documented but not simulated by the sandbox")

    return resolve
