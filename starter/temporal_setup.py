"""Register consign's search attributes on a namespace. An unknown attribute does not fail an
upsert: the workflow task fails and retries forever (a silently stuck order), so every cluster
must know them all before a worker runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey

from domain.search_attributes import ALL
from starter.client import CliError
from temporal_client import registered_search_attributes

# The names `temporal server start-dev --search-attribute` and `temporal operator
# search-attribute create --type` accept.
TYPE_NAMES: dict[SearchAttributeIndexedValueType, str] = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


# ALL mixes key types, so mypy sees list[object]; narrow it once here.
CONSIGN_KEYS: list[SearchAttributeKey[Any]] = ALL


class SearchAttributeConflict(CliError):
    """A name is registered with another type: it cannot be fixed by registering again."""


def type_name(key: SearchAttributeKey[Any]) -> str:
    return TYPE_NAMES[key.indexed_value_type]


def dev_server_args(keys: Sequence[SearchAttributeKey[Any]] = ()) -> list[str]:
    """`--search-attribute Name=Type` pairs for `temporal server start-dev` (default: all)."""
    args: list[str] = []
    for key in keys or CONSIGN_KEYS:
        args += ["--search-attribute", f"{key.name}={type_name(key)}"]
    return args


async def ensure_search_attributes(
    client: Client,
    namespace: str,
    keys: Sequence[SearchAttributeKey[Any]] = (),
) -> list[str]:
    """Register the missing ones (default: all of consign's); returns the names added."""
    existing = await registered_search_attributes(client, namespace)
    missing: dict[str, IndexedValueType.ValueType] = {}
    for key in keys or CONSIGN_KEYS:
        wanted = int(key.indexed_value_type)
        if key.name not in existing:
            missing[key.name] = IndexedValueType.ValueType(wanted)
        elif existing[key.name] != wanted:
            have = IndexedValueType.Name(IndexedValueType.ValueType(existing[key.name]))
            raise SearchAttributeConflict(
                f"search attribute {key.name} is registered as {have}, "
                f"consign needs {type_name(key)}"
            )
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)
