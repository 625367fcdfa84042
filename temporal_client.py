"""How every process (worker, CLI, demo) reaches Temporal: the configured address and
namespace, TLS or mTLS and an API key when set (a self-hosted cluster, Temporal Cloud), and the
project's data converter, so payloads are always encrypted the same way."""

from __future__ import annotations

from typing import Any

from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.runtime import Runtime
from temporalio.service import RPCError, TLSConfig

from codec.converter import configured_converter
from config import TemporalSettings


def tls_config(temporal: TemporalSettings) -> TLSConfig | bool:
    """The SDK's TLS argument: False for plaintext, else the configured certificates (all
    None: the system's trust store)."""
    tls = temporal.tls
    if tls is None:
        return False
    return TLSConfig(
        server_root_ca_cert=tls.server_ca_cert,
        domain=tls.server_name,
        client_cert=tls.client_cert,
        client_private_key=tls.client_key.get_secret_value() if tls.client_key else None,
    )


async def connect(temporal: TemporalSettings, runtime: Runtime | None = None) -> Client:
    """A client for `temporal` on `runtime` (else the SDK's process-wide default)."""
    return await Client.connect(
        temporal.address,
        namespace=temporal.namespace,
        api_key=temporal.api_key.get_secret_value() if temporal.api_key else None,
        tls=tls_config(temporal),
        data_converter=configured_converter(),
        runtime=runtime,
    )


class UnregisteredSearchAttributes(Exception):
    """The namespace lacks search attributes consign upserts: `consign temporal setup` adds
    them (docs/deploy.md)."""


async def registered_search_attributes(client: Client, namespace: str) -> dict[str, int]:
    """Custom search attributes the namespace knows, name -> IndexedValueType value."""
    response = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    return {name: int(value) for name, value in response.custom_attributes.items()}


async def unregistered(client: Client, keys: list[SearchAttributeKey[Any]]) -> list[str] | None:
    """The names of `keys` the client's namespace does not know, or None when the server will
    not list them (a role without operator rights): an upsert of an unknown attribute fails
    the workflow task over and over, so a worker checks before it polls."""
    try:
        known = await registered_search_attributes(client, client.namespace)
    except RPCError:
        return None
    return sorted(key.name for key in keys if key.name not in known)


async def check_search_attributes(client: Client, keys: list[SearchAttributeKey[Any]]) -> bool:
    """Raise UnregisteredSearchAttributes naming what the namespace lacks; False when it could
    not be listed (the caller says so), True when every key is registered."""
    missing = await unregistered(client, keys)
    if missing:
        raise UnregisteredSearchAttributes(
            f"namespace {client.namespace} lacks the search attribute(s) "
            f"{', '.join(missing)}: run `consign temporal setup` before starting workers "
            "(docs/deploy.md)"
        )
    return missing is not None
