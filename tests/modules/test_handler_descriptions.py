"""Every signal, query and update of every workflow is described in the Web UI (Temporal's
workflow metadata reads the handler's `description=`): an operator sees what a handler does
and which ones are not for them. Internal handlers (sent by consign itself) say so with an
"internal: " prefix; the list of them is fixed here, so an operator-facing handler cannot slip
in undescribed or marked internal."""

from __future__ import annotations

import pytest
from temporalio import workflow

from activities.models import EVENTS_PUSHED_SIGNAL, ITEM_ACCEPTED_SIGNAL
from domain.lifecycle import ORDER_CHANGED_SIGNAL, STOCK_CHANGED_SIGNAL, WAREHOUSE_EVENT_SIGNAL
from domain.returns import RETURN_RECEIVED_SIGNAL
from tests.modules.test_workflow_contracts import CONTRACTS  # every workflow's, checked there
from workflows import channel_intake
from workflows.contracts import WorkflowContract

INTERNAL = {
    ("ChannelIntake", "signal", channel_intake.ORDERS_NOTIFIED_SIGNAL),
    ("WarehouseIntake", "signal", EVENTS_PUSHED_SIGNAL),
    ("InventorySync", "signal", STOCK_CHANGED_SIGNAL),
    ("OrderFulfillment", "signal", ORDER_CHANGED_SIGNAL),
    ("OrderFulfillment", "signal", WAREHOUSE_EVENT_SIGNAL),
    ("OrderFulfillment", "signal", ITEM_ACCEPTED_SIGNAL),
    ("ReturnFulfillment", "signal", RETURN_RECEIVED_SIGNAL),
}


def handlers(contract: WorkflowContract) -> dict[tuple[str, str, str], str | None]:
    """(workflow, kind, name) -> description, as Temporal reads the class."""
    definition = workflow._Definition.must_from_class(contract.workflow)
    found: dict[tuple[str, str, str], str | None] = {}
    for kind, table in (
        ("signal", definition.signals),
        ("query", definition.queries),
        ("update", definition.updates),
    ):
        for name, handler in table.items():
            assert name is not None  # no dynamic handlers
            found[(contract.name, kind, name)] = handler.description
    return found


ALL = {key: text for contract in CONTRACTS for key, text in handlers(contract).items()}


@pytest.mark.parametrize("key", sorted(ALL), ids=lambda k: "-".join(k))
def test_every_handler_is_described(key: tuple[str, str, str]) -> None:
    text = ALL[key]
    assert text and text.strip(), f"{key} has no description for the Web UI"
    assert text.startswith("internal: ") is (key in INTERNAL), (
        f"{key}: internal handlers, and only they, start with 'internal: '"
    )


def test_the_internal_handlers_exist() -> None:
    assert set(ALL) >= INTERNAL


def test_the_operator_facing_handlers_docs_name_are_there() -> None:
    """The ones docs/operations.md tells operators to send or read in the Web UI."""
    expected = {
        ("ChannelIntake", "signal", "poll_now"),
        ("ChannelIntake", "query", "progress"),
        ("WarehouseIntake", "signal", "poll_now"),
        ("StockIntake", "signal", "poll_now"),
        ("ReturnIntake", "signal", "poll_now"),
        ("ProductSync", "update", "sync_now"),
        ("ProductSync", "signal", "sync_now"),
        ("InventorySync", "update", "sync_now"),
        ("OrderFulfillment", "update", "resolve"),
        ("ReturnFulfillment", "update", "retry"),
    }
    assert expected <= set(ALL)
