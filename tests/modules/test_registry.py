"""The registry and the channel modules: what the core layers rely on without naming a channel.
The task-queue table here is what stored histories and running workflows use (issue 9 §3):
a change to it strands running orders' activities on queues no worker polls."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from activities import queues
from integrations.module import Operation
from integrations.registry import CHANNEL_NAMES, CHANNELS, WAREHOUSE, Channel, channel_module

ROOT = Path(__file__).resolve().parents[2]
CORE = [
    "workflows",
    "activities",
    "domain",
    "store",
    "worker.py",
    "worker_services.py",
    "config.py",
    "webhooks.py",
]
MAIN = "main-queue"

# (channel, operation) -> queue, as the code before channel modules routed them.
STORED_QUEUES = {
    ("amazon", Operation.FETCH): MAIN,  # since wip/notify: paced in the client
    ("amazon", Operation.POLL): MAIN,  # since wip/notify: paced by the intake's timer
    ("amazon", Operation.CONFIRM): "amazon-confirmShipment",
    ("amazon", Operation.ACK): MAIN,
    ("amazon", Operation.CHECK_CAPTURE): MAIN,
    ("amazon", Operation.CAPTURE_AGAIN): MAIN,
    ("amazon", Operation.STOCK_READ): MAIN,
    ("amazon", Operation.STOCK_PUSH): MAIN,
    ("amazon", Operation.SETTLEMENT_LIST): "amazon-getReports",
    ("amazon", Operation.SETTLEMENT_FETCH): "amazon-getReportDocument",
    ("amazon", Operation.PRODUCT_READ): MAIN,
    ("centra", Operation.FETCH): "centra-reads",
    ("centra", Operation.POLL): "centra-reads",
    ("centra", Operation.CONFIRM): "centra-shipments",
    ("centra", Operation.ACK): "centra-writes",
    ("centra", Operation.CHECK_CAPTURE): "centra-reads",
    ("centra", Operation.CAPTURE_AGAIN): "centra-writes",
    ("centra", Operation.STOCK_READ): "centra-reads",
    ("centra", Operation.STOCK_PUSH): "centra-writes",
    ("centra", Operation.SETTLEMENT_LIST): MAIN,
    ("centra", Operation.SETTLEMENT_FETCH): MAIN,
    ("centra", Operation.PRODUCT_READ): "centra-reads",
}


def routed(channel: str, operation: Operation) -> str:
    """Where a workflow sends `operation` for `channel` (activities/queues.py)."""
    by_operation = {
        Operation.FETCH: lambda: queues.fetch_queue(channel, MAIN),
        Operation.POLL: lambda: queues.poll_queue(channel, MAIN),
        Operation.CONFIRM: lambda: queues.confirm_queue(channel, MAIN),
        Operation.ACK: lambda: queues.ack_queue(channel, MAIN),
        Operation.CHECK_CAPTURE: lambda: queues.capture_queue(channel, MAIN, again=False),
        Operation.CAPTURE_AGAIN: lambda: queues.capture_queue(channel, MAIN, again=True),
        Operation.STOCK_READ: lambda: queues.stock_read_queue(channel, MAIN),
        Operation.STOCK_PUSH: lambda: queues.stock_push_queue(channel, MAIN),
        Operation.SETTLEMENT_LIST: lambda: queues.settlement_list_queue(channel, MAIN),
        Operation.SETTLEMENT_FETCH: lambda: queues.settlement_fetch_queue(channel, MAIN),
        Operation.PRODUCT_READ: lambda: queues.product_read_queue(channel, MAIN),
    }
    return by_operation[operation]()


@pytest.mark.parametrize(("key", "queue"), STORED_QUEUES.items(), ids=str)
def test_every_operation_keeps_its_stored_queue(key: tuple[str, Operation], queue: str) -> None:
    assert routed(*key) == queue


def test_an_unknown_channel_runs_on_the_main_queue() -> None:
    assert {routed("ebay", operation) for operation in Operation} == {MAIN}


def test_the_channel_names_are_the_modules_and_unique() -> None:
    assert [c.value for c in Channel] == list(CHANNEL_NAMES) == ["amazon", "centra"]
    pairs = zip(CHANNEL_NAMES, CHANNELS, strict=True)
    assert all(channel_module(name) is module for name, module in pairs)
    assert channel_module("ebay") is None
    assert WAREHOUSE.name not in CHANNEL_NAMES


def test_each_limited_queue_has_a_rate_and_no_operation_two_queues() -> None:
    for module in CHANNELS:
        names = [queue.name for queue in module.limited_queues]
        assert len(names) == len(set(names))
        for operation in Operation:
            holding = [q for q in module.limited_queues if operation in q.operations]
            assert len(holding) <= 1, (module.name, operation)


def test_no_core_module_names_a_channel() -> None:
    """Issue 9: channels are modules; the core layers iterate over the registry."""
    pattern = re.compile("|".join(CHANNEL_NAMES), re.IGNORECASE)
    offenders = []
    for entry in CORE:
        path = ROOT / entry
        for source in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for number, line in enumerate(source.read_text().splitlines(), start=1):
                if pattern.search(line):
                    offenders.append(f"{source.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
