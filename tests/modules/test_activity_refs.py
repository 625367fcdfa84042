"""Every activity a workflow calls (through activities/refs.py) is one the worker registers,
under the same name, taking the argument type the workflow sends and returning the result type
it decodes. A mismatch would only show on a running worker, as a failing activity."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.activity import _Definition

import worker_services
from activities import refs
from activities.channel import ChannelActivities
from activities.delivery import DeliveryActivities
from activities.inventory import InventoryActivities
from activities.monitor import MonitorActivities
from activities.products import ProductActivities
from activities.returns import ReturnActivities
from activities.settlements import SettlementActivities
from activities.warehouse import WarehouseActivities
from integrations.registry import CHANNELS

ROOT = Path(__file__).resolve().parents[2]


def registered() -> dict[str, Callable[..., object]]:
    """Every activity of the worker, by name: the main queue's and the modules' limited ones.
    Built on instances whose __init__ did not run: only the methods' definitions matter."""
    channel = object.__new__(ChannelActivities)
    stock = object.__new__(WarehouseActivities)
    stock_sync = object.__new__(InventoryActivities)
    delivery = object.__new__(DeliveryActivities)
    settlements = object.__new__(SettlementActivities)
    monitor = object.__new__(MonitorActivities)
    products = object.__new__(ProductActivities)
    returns = object.__new__(ReturnActivities)
    listed = worker_services.main_activities(
        channel, stock, stock_sync, delivery, settlements, monitor, products, returns
    )
    by_operation = worker_services.operation_activities(channel, stock_sync, settlements, products)
    for module in CHANNELS:
        for queue in module.limited_queues:
            listed += [by_operation[operation] for operation in queue.operations]
    return {str(_Definition.must_from_callable(fn).name): fn for fn in listed}


def signature(fn: Callable[..., object]) -> tuple[Any, Any]:
    hints = typing.get_type_hints(fn)
    params = [name for name in inspect.signature(fn).parameters if name != "self"]
    assert len(params) == 1, f"{fn.__name__} takes one input model"
    return hints[params[0]], hints["return"]


@pytest.mark.parametrize("ref", refs.EVERY, ids=lambda ref: ref.name)
def test_each_reference_is_registered_with_its_types(ref: refs.ActivityRef[Any, Any]) -> None:
    activities = registered()
    assert ref.name in activities, f"no worker runs {ref.name}"
    assert signature(activities[ref.name]) == (ref.arg, ref.result)


def test_every_registered_activity_has_a_reference() -> None:
    assert set(registered()) == {ref.name for ref in refs.EVERY}


def test_workflows_name_activities_only_by_reference() -> None:
    """No string activity name, no execute_activity outside the two helpers that take a ref."""
    used: set[str] = set()
    for source in sorted((ROOT / "workflows").glob("*.py")):
        text = source.read_text()
        used |= set(re.findall(r"\brefs\.([A-Z_]+)\b", text))
        for name in (ref.name for ref in refs.EVERY):
            assert f'"{name}"' not in text, f"{source.name} names {name} by string"
    known = {name for name, value in vars(refs).items() if isinstance(value, refs.ActivityRef)}
    assert used and used <= known
