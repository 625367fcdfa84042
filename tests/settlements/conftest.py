"""The sandbox world fixture of the settlement tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from integrations.amazon.factory import AmazonClient, build_amazon_client
from tests.amazon.sandboxed import BASE, sandbox_settings
from tests.settlements.sandbox_world import World


@pytest.fixture
async def world() -> AsyncIterator[tuple[World, AmazonClient]]:
    world = World()
    async with httpx.AsyncClient(transport=world.transport, base_url=BASE) as http:
        yield world, build_amazon_client(sandbox_settings(), http=http)
