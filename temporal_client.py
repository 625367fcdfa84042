"""How every process (worker, CLI, demo) reaches Temporal: the configured address and
namespace, TLS or mTLS and an API key when set (a self-hosted cluster, Temporal Cloud), and the
project's data converter, so payloads are always encrypted the same way."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

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
