"""How the CLI, the demo and the tests reach Temporal, and the CLI's expected errors.

Every connection uses codec.converter's data converter: workflow inputs, query results and
signal bodies are pydantic models, stored encrypted.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import traceback
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from temporalio.client import Client
from temporalio.runtime import Runtime, TelemetryConfig

import temporal_client
from config import Settings, SettingsError, TemporalSettings
from integrations.registry import get_settings
from reporting.errors import ReportError


class CliError(Exception):
    """An expected failure an operator can act on: printed as one line, no traceback."""


P = ParamSpec("P")
R = TypeVar("R")
_stderr = Console(stderr=True)


def expected_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a CLI command so a CliError or a setting consign cannot use prints `error: ...` on
    one line and exits 1; anything else is a bug and keeps its traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (CliError, ReportError, SettingsError) as err:
            _stderr.print(f"[red]error:[/red] {escape(str(err))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from err

    return wrapper


class TemporalUnreachable(CliError):
    """Temporal did not answer at the configured address."""


async def connect_with(temporal: TemporalSettings, runtime: Runtime | None = None) -> Client:
    """Connect as configured (temporal_client.connect); a failure becomes TemporalUnreachable."""
    try:
        return await temporal_client.connect(temporal, runtime)
    except RuntimeError as err:
        raise TemporalUnreachable(f"cannot reach Temporal at {temporal.address}") from err


async def connect_to(address: str, namespace: str, runtime: Runtime | None = None) -> Client:
    """A plaintext connection to a local server (the dev stack's, a test's)."""
    local = TemporalSettings(address=address, namespace=namespace, task_queue="")
    return await connect_with(local, runtime)


async def connect(settings: Settings | TemporalSettings) -> Client:
    """Connect with the configured address, namespace, TLS and API key."""
    return await connect_with(settings.temporal if isinstance(settings, Settings) else settings)


def run_with_client(
    work: Callable[[Client], Awaitable[R]],
    address: str | None = None,
    namespace: str | None = None,
) -> R:
    """Run `work` with a client (default address and namespace from the settings) on an event
    loop and a Temporal runtime of its own, and join the runtime's threads before returning.

    Why: the SDK's Rust core completes each call on its own threads, and such a thread is still
    releasing Python objects (the call's event loop and context) just after the awaiting
    coroutine has resumed. On the SDK's default runtime those threads outlive the command, and
    a short CLI command reached interpreter finalization while one was still at it: about 3% of
    runs ended in SIGSEGV or SIGABRT ("PyGILState_Release: thread state must be current") after
    their work was done. Dropping a private runtime shuts its threads down (the bridge releases
    the GIL to let them finish) while the interpreter is whole."""
    settings = get_settings().temporal
    runtime = Runtime(telemetry=TelemetryConfig())

    async def session(runtime: Runtime) -> R:
        chosen = {"address": address, "namespace": namespace}
        temporal = settings.model_copy(update={k: v for k, v in chosen.items() if v})
        client = await connect_with(temporal, runtime)
        return await work(client)

    try:
        return asyncio.run(session(runtime))
    except BaseException as err:
        _release_frames(err)
        raise
    finally:
        gc.collect()  # a client sits in reference cycles; collected, it lets go of the runtime
        del runtime  # the last reference: the runtime stops and its threads are joined


def _release_frames(err: BaseException | None) -> None:
    """A traceback keeps the locals of its frames (the client among them) alive: clear them,
    along the chain of causes, so the runtime can be dropped while the error propagates."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        traceback.clear_frames(err.__traceback__)
        err = err.__cause__ or err.__context__
