"""`consign temporal setup` on a server that starts without consign's search attributes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from domain.search_attributes import ALL
from starter.devstack import find_temporal_binary
from starter.temporal_setup import (
    CONSIGN_KEYS,
    dev_server_args,
    registered_search_attributes,
)
from temporal_client import UnregisteredSearchAttributes, check_search_attributes
from tests.starter.conftest import Invoke


def test_dev_server_args_cover_every_attribute() -> None:
    args = dev_server_args()
    assert args[0::2] == ["--search-attribute"] * len(ALL)
    assert args[1::2] == [
        "Channel=Keyword",
        "ChannelAccount=Keyword",
        "ChannelOrderId=Keyword",
        "OrderStage=Keyword",
        "ExceptionKind=Keyword",
        "FacilityId=Keyword",
        "ShipBy=Datetime",
        "IntakeState=Keyword",
        "ReturnStage=Keyword",
        "RefundDecision=Keyword",
    ]


@pytest.fixture(scope="module")
async def bare_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_temporal_binary()),
        dev_server_extra_args=["--namespace", "clashing"],
    )
    async with env:
        yield env


async def test_setup_registers_all_then_is_idempotent(
    bare_server: WorkflowEnvironment, cli: Invoke
) -> None:
    address = bare_server.client.service_client.config.target_host
    before = await registered_search_attributes(bare_server.client, "default")
    assert not {key.name for key in CONSIGN_KEYS} & set(before)
    # A worker checks before it polls: an upsert of an unknown attribute would fail its
    # workflow tasks over and over (a return stuck at its refund decision, say).
    with pytest.raises(
        UnregisteredSearchAttributes, match=r"RefundDecision.*consign temporal setup"
    ):
        await check_search_attributes(bare_server.client, CONSIGN_KEYS)

    first = await cli("temporal", "setup", "--address", address, "--namespace", "default")
    assert first.exit_code == 0, first.output
    assert "registered on default" in first.output and "ShipBy" in first.output

    after = await registered_search_attributes(bare_server.client, "default")
    for key in CONSIGN_KEYS:
        assert after[key.name] == int(key.indexed_value_type)
    assert await check_search_attributes(bare_server.client, CONSIGN_KEYS)

    second = await cli("temporal", "setup", "--address", address, "--namespace", "default")
    assert second.exit_code == 0, second.output
    assert "already has all search attributes" in second.output
    assert await registered_search_attributes(bare_server.client, "default") == after


async def test_setup_refuses_a_type_clash(bare_server: WorkflowEnvironment, cli: Invoke) -> None:
    await bare_server.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace="clashing",
            search_attributes={"ShipBy": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD},
        )
    )
    address = bare_server.client.service_client.config.target_host
    result = await cli("temporal", "setup", "--address", address, "--namespace", "clashing")
    assert result.exit_code == 1
    assert "ShipBy is registered as INDEXED_VALUE_TYPE_KEYWORD" in result.output
    assert "Traceback" not in result.output
