"""One way to reach Temporal from the CLI, the demo and the tests: the pydantic data converter
is required because workflow inputs, query results and signal bodies are pydantic models."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config import Settings, TemporalSettings


class TemporalUnreachable(RuntimeError):
    """Temporal did not answer: an expected, operator-facing error, not a bug."""


async def connect_to(address: str, namespace: str) -> Client:
    """Connect with the project's data converter; a failure becomes TemporalUnreachable."""
    try:
        return await Client.connect(
            address, namespace=namespace, data_converter=pydantic_data_converter
        )
    except RuntimeError as err:
        raise TemporalUnreachable(f"cannot reach Temporal at {address}") from err


async def connect(settings: Settings | TemporalSettings) -> Client:
    """Connect using the configured address and namespace."""
    temporal = settings.temporal if isinstance(settings, Settings) else settings
    return await connect_to(temporal.address, temporal.namespace)
