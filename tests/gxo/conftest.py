"""Fixtures: a fresh simulator per test, reached through the real REST transport in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from integrations.gxo.rest import RestWarehouse
from sandbox.gxo.app import DEFAULT_API_KEY, create_app
from sandbox.gxo.warehouse import GxoWarehouse

BASE_URL = "http://gxo.test"


@pytest.fixture
def sim() -> GxoWarehouse:
    return GxoWarehouse()


@pytest.fixture
def app(sim: GxoWarehouse) -> FastAPI:
    return create_app(sim)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def gxo(http: httpx.AsyncClient) -> RestWarehouse:
    return RestWarehouse(BASE_URL, DEFAULT_API_KEY, http=http)
