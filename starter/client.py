"""How the CLI, the demo and the tests reach Temporal, and the CLI's expected errors.

The pydantic data converter is required: workflow inputs, query results and signal bodies are
pydantic models.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config import Settings, TemporalSettings


class CliError(Exception):
    """An expected failure an operator can act on: printed as one line, no traceback."""


P = ParamSpec("P")
R = TypeVar("R")
_stderr = Console(stderr=True)


def expected_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a CLI command so a CliError prints `error: ...` on one line and exits 1; anything
    else is a bug and keeps its traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CliError as err:
            _stderr.print(f"[red]error:[/red] {escape(str(err))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from err

    return wrapper


class TemporalUnreachable(CliError):
    """Temporal did not answer at the configured address."""


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
