"""Liveness and readiness for orchestrators (Kubernetes probes, compose healthchecks).

`GET /healthz` answers 200 while the event loop runs. `GET /readyz` answers 200 only when
Temporal answers a cheap call, the store answers `SELECT 1` and every Temporal worker of this
process runs; otherwise 503 naming each failing check. A plain asyncio server rather than
uvicorn: uvicorn takes over SIGTERM, which must reach the worker's graceful shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.worker import Worker

from config import Settings
from store.db import create_engine_from_url

log = logging.getLogger("consign.health")
CHECK_TIMEOUT = timedelta(seconds=3)  # each check; below the probes' own timeout
REQUEST_TIMEOUT = 5.0  # seconds a client may take to send its request line and headers
OK = "ok"


class NotReady(Exception):
    """A readiness check failed; the message is safe to show (no URLs, no secrets)."""


async def temporal_answers(client: Client, within: timedelta) -> None:
    """The frontend answers GetSystemInfo: the call every SDK makes on connect, also on Cloud."""
    try:
        await client.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=within)
    except Exception as err:
        raise NotReady(f"unreachable ({type(err).__name__})") from None


async def store_answers(engine: Engine, within: timedelta) -> None:
    """One round trip to the database, off the event loop."""

    def select_one() -> None:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    try:
        await asyncio.wait_for(asyncio.to_thread(select_one), within.total_seconds())
    except Exception as err:  # the driver's message may name hosts: keep only the kind
        raise NotReady(f"unreachable ({type(err).__name__})") from None


def workers_run(workers: Sequence[Worker] | None) -> None:
    if workers is None:
        raise NotReady("not started")
    stopped = [worker.task_queue for worker in workers if not worker.is_running]
    if stopped:
        raise NotReady(f"not running: {', '.join(stopped)}")


@dataclass
class Readiness:
    """What /readyz checks. `workers` stays None until main() hands over the started ones."""

    client: Client
    engine: Engine
    timeout: timedelta = CHECK_TIMEOUT
    workers: Sequence[Worker] | None = None
    server: asyncio.Server | None = field(default=None, repr=False)
    _last: bool | None = field(default=None, repr=False)

    def watch(self, workers: Sequence[Worker]) -> None:
        """The Temporal workers of this process are started: readiness now depends on them."""
        self.workers = list(workers)

    async def checks(self) -> dict[str, str]:
        """Each check's outcome, run concurrently: "ok" or why not."""

        async def outcome(check: Awaitable[None]) -> str:
            try:
                await check
            except NotReady as err:
                return str(err)
            return OK

        async def workers() -> None:
            workers_run(self.workers)

        temporal, store, running = await asyncio.gather(
            outcome(temporal_answers(self.client, self.timeout)),
            outcome(store_answers(self.engine, self.timeout)),
            outcome(workers()),
        )
        checks = {"temporal": temporal, "store": store, "workers": running}
        self._log_change(checks)
        return checks

    def _log_change(self, checks: dict[str, str]) -> None:
        """One line when readiness flips, not one per probe."""
        ready = all(value == OK for value in checks.values())
        if ready != self._last:
            failing = ", ".join(f"{name}: {value}" for name, value in checks.items() if value != OK)
            if ready:
                log.info("ready")
            else:
                log.warning("not ready: %s", failing)
        self._last = ready


async def answer(readiness: Readiness, method: str, path: str) -> tuple[int, dict[str, object]]:
    """Status and JSON body for one request."""
    if method not in ("GET", "HEAD"):
        return 405, {"error": "only GET and HEAD"}
    if path == "/healthz":
        return 200, {"live": True}
    if path == "/readyz":
        checks = await readiness.checks()
        ready = all(value == OK for value in checks.values())
        return (200 if ready else 503), {"ready": ready, "checks": checks}
    return 404, {"error": "not found: /healthz or /readyz"}


REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


async def handle(
    readiness: Readiness, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """One HTTP/1.1 request per connection, then close."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
        method, path, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        status, body = await answer(readiness, method, path.split("?", 1)[0])
    except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
        method, status, body = "GET", 400, {"error": "bad request"}
    payload = json.dumps(body).encode()
    writer.write(
        f"HTTP/1.1 {status} {REASONS.get(status, 'Service Unavailable')}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    if method != "HEAD":
        writer.write(payload)
    try:
        await writer.drain()
    finally:
        writer.close()


async def serve(readiness: Readiness, port: int, host: str = "0.0.0.0") -> asyncio.Server:
    """Start listening; the caller closes the server (or lets the loop's shutdown do it)."""
    return await asyncio.start_server(
        lambda reader, writer: handle(readiness, reader, writer), host, port
    )


async def start_health(client: Client, settings: Settings) -> Readiness:
    """Serve /healthz and /readyz on CONSIGN_HEALTH_PORT (nothing when unset). Call `watch`
    on the result once the Temporal workers run."""
    readiness = Readiness(client, create_engine_from_url(settings.database_url))
    if settings.health_port is not None:
        readiness.server = await serve(readiness, settings.health_port)
        log.info("health on port %d: /healthz, /readyz", settings.health_port)
    return readiness
