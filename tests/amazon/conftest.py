"""Fixtures for the SP-API client tests: Amazon's own sandbox examples, read in place."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from integrations.amazon.factory import AmazonClient, build_amazon_client
from tests.amazon.fakes import Clock, FakeAmazon, settings


@pytest.fixture(scope="session")
def examples_dir(reference_dir: Path) -> Path:
    return reference_dir / "amazon-sp-api" / "sandbox-examples"


@pytest.fixture(scope="session")
def example(examples_dir: Path) -> Callable[[str], Any]:
    """example("ordersV0/getOrder_200_static_1.json") -> that file's `response` object."""

    def load(relative: str) -> Any:
        return json.loads((examples_dir / relative).read_text())["response"]

    return load


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake() -> FakeAmazon:
    return FakeAmazon()


@pytest.fixture
async def amazon(fake: FakeAmazon, clock: Clock) -> AsyncIterator[AmazonClient]:
    """The facade as activities build it (v2026 reader), talking to the fake Amazon."""
    async with fake.http() as http:
        yield build_amazon_client(
            settings("v2026"), http=http, clock=clock.wall, monotonic=clock.monotonic
        )


@pytest.fixture
async def amazon_v0(fake: FakeAmazon, clock: Clock) -> AsyncIterator[AmazonClient]:
    async with fake.http() as http:
        yield build_amazon_client(
            settings("v0"), http=http, clock=clock.wall, monotonic=clock.monotonic
        )
