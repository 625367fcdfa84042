"""Fixtures for the GXO webhook receiver: the shared Temporal dev server (with a stand-in
WarehouseIntake on its task queue) and the receiver app, in-process or on a loopback port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from sandbox.server import free_port
from store.migrate import open_store
from tests.activities import temporal_server
from tests.activities.temporal_server import DevServer
from webhooks import create_webhook_app

SECRET = "test-webhook-secret"


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[DevServer]:
    server = await temporal_server.acquire()
    yield server
    await temporal_server.release()


@pytest.fixture
def facility(unique: Callable[[str], str]) -> str:
    """A facility id of this test's own, so its WarehouseIntake id is unique too."""
    return unique("GXO-T-")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path}/consign.db")
    yield engine
    engine.dispose()


@pytest.fixture
def webhook_app(dev_server: DevServer) -> FastAPI:
    return create_webhook_app(dev_server.client, SECRET, dev_server.task_queue)


@pytest.fixture
async def receiver(webhook_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The receiver in-process, on this test's event loop (where the Temporal client lives)."""
    transport = httpx.ASGITransport(app=webhook_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        yield client


@pytest.fixture
async def receiver_url(webhook_app: FastAPI) -> AsyncIterator[str]:
    """The receiver on a loopback port, served from this event loop, for real pushes."""
    port = free_port()
    config = uvicorn.Config(
        webhook_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(400):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "webhook receiver did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
def unique() -> Callable[[str], str]:
    import uuid

    return lambda prefix: f"{prefix}{uuid.uuid4().hex[:10].upper()}"
