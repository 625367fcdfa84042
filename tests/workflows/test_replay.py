"""Replays stored histories against today's workflow code: a change that would break running
workflows fails here (use `workflow.patched` for it), not in production.

The histories in tests/histories come from the end-to-end run (see tests/e2e/histories.py) and
from workflow tests that reach paths the demo does not (a history of thousands of events is
stored gzipped: <name>.json.gz)."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from codec.converter import configured_converter
from workflows.channel_intake import ChannelIntake
from workflows.inventory_sync import InventorySync
from workflows.monitor import Monitor
from workflows.order_fulfillment import OrderFulfillment
from workflows.product_sync import ProductSync
from workflows.return_fulfillment import ReturnFulfillment
from workflows.return_intake import ReturnIntake
from workflows.settlement_intake import SettlementIntake
from workflows.stock_intake import StockIntake
from workflows.warehouse_intake import WarehouseIntake

STORED = Path(__file__).parent.parent / "histories"
HISTORIES = {
    path.name.removesuffix(".gz").removesuffix(".json"): (
        gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    )
    for path in sorted([*STORED.glob("*.json"), *STORED.glob("*.json.gz")])
}


def test_histories_are_stored() -> None:
    wanted = {"order_split", "order_cancelled", "order_late", "channel_intake", "monitor_scheduled"}
    assert wanted | {"product_sync_launch"} <= set(HISTORIES)


@pytest.mark.parametrize("name", list(HISTORIES))
def test_a_stored_history_is_decoded(name: str) -> None:
    """Stored with its payloads decoded (tests/e2e/histories.py `decoded_json`): one encrypted
    with this machine's development key replays here and nowhere else (a clean clone's key
    differs), as one did before this check."""
    encrypted = base64.b64encode(b"binary/encrypted").decode()
    assert encrypted not in HISTORIES[name]


@pytest.mark.parametrize("name", list(HISTORIES))
async def test_history_replays_without_nondeterminism(name: str) -> None:
    text = HISTORIES[name]
    first = json.loads(text)["events"][0]
    workflow_id = first["workflowExecutionStartedEventAttributes"].get("workflowId", name)
    history = WorkflowHistory.from_json(workflow_id, text)
    replayer = Replayer(
        workflows=[
            OrderFulfillment,
            ChannelIntake,
            WarehouseIntake,
            StockIntake,
            InventorySync,
            SettlementIntake,
            Monitor,
            ProductSync,
            ReturnFulfillment,
            ReturnIntake,
        ],
        data_converter=configured_converter(),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{name}: {result.replay_failure}"
