"""Each workflow's declared contract (workflows/contracts.py) is what Temporal reads from its
definition: the type name, the run method's input, every signal, query and update. The ids are the
ones running workflows hold."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from temporalio import workflow

from domain.order import OrderRef
from integrations.registry import Channel
from workflows import (
    channel_intake,
    inventory_sync,
    monitor,
    order_fulfillment,
    product_sync,
    return_fulfillment,
    return_intake,
    settlement_intake,
    stock_intake,
    warehouse_intake,
)
from workflows.contracts import WorkflowContract

CONTRACTS = [
    channel_intake.CONTRACT,
    warehouse_intake.CONTRACT,
    stock_intake.CONTRACT,
    inventory_sync.CONTRACT,
    order_fulfillment.CONTRACT,
    settlement_intake.CONTRACT,
    monitor.CONTRACT,
    return_fulfillment.CONTRACT,
    return_intake.CONTRACT,
    product_sync.CONTRACT,
]


def test_every_workflow_modules_contract_is_checked() -> None:
    """A workflow module that declares a CONTRACT is in CONTRACTS (ProductSync's was not)."""
    import workflows

    declared = set()
    for info in pkgutil.iter_modules(workflows.__path__):
        module = importlib.import_module(f"workflows.{info.name}")
        contract = getattr(module, "CONTRACT", None)
        if isinstance(contract, WorkflowContract):
            declared.add(contract.name)
    assert declared == {contract.name for contract in CONTRACTS}


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_the_contract_is_the_definition(contract: WorkflowContract) -> None:
    definition = workflow._Definition.must_from_class(contract.workflow)
    assert definition.name == contract.name
    assert definition.arg_types == [contract.input]
    assert set(definition.signals) == contract.signals
    assert set(definition.queries) == contract.queries
    assert set(definition.updates) == contract.updates


def test_the_ids_running_workflows_hold() -> None:
    ref = OrderRef(channel=Channel.AMAZON, account="A1", order_id="123")
    assert order_fulfillment.CONTRACT.workflow_id(ref) == "order:amazon:A1:123"
    assert channel_intake.CONTRACT.workflow_id(Channel.CENTRA, "brand") == "intake:centra:brand"
    assert inventory_sync.CONTRACT.workflow_id("centra", "brand") == "inventory:centra:brand"
    assert warehouse_intake.CONTRACT.workflow_id("GXO-UK") == "warehouse-events:GXO-UK"
    assert stock_intake.CONTRACT.workflow_id("GXO-UK") == "stock:GXO-UK"
    assert settlement_intake.CONTRACT.workflow_id("amazon", "A1") == "settlements:amazon:A1"
    assert (
        return_fulfillment.CONTRACT.workflow_id("centra", "brand", "7") == "return:centra:brand:7"
    )
    assert return_intake.CONTRACT.workflow_id("centra", "brand") == "return-intake:centra:brand"
    assert product_sync.CONTRACT.workflow_id("centra", "brand") == "products:centra:brand"
