"""Saves the event histories of representative workflows from an end-to-end run, for the replay
test (tests/workflows/test_replay.py): `CONSIGN_CAPTURE_HISTORIES=tests/histories make test`."""

from __future__ import annotations

from pathlib import Path

from domain.lifecycle import OrderStage
from domain.order import Channel, OrderRef
from starter.client import connect_to
from starter.demo import SELLER, Outcome
from starter.devstack import DevStack


def _representatives(outcome: Outcome) -> dict[str, str]:
    """name -> workflow id: one order per path through the lifecycle, plus both intakes."""
    scenario = outcome.scenario

    def order(order_id: str) -> str:
        return OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=order_id).workflow_id

    split = next(
        o
        for o, s in outcome.statuses.items()
        if s.stage is OrderStage.SHIPPED and len(s.parcels) > 2
    )
    chosen = {
        "order_split": order(split),
        "order_cancelled": order(scenario.to_cancel[0]),
        "order_rejected_by_gxo": order(scenario.refused_address[0]),
        "order_unmapped_then_retried": order(scenario.unmapped[0]),
        "order_late": order(scenario.late[0]),
        "channel_intake": f"intake:amazon:{SELLER}",
        "warehouse_intake": "warehouse-events:GXO-UK-DAV",
    }
    if scenario.short_picks:
        chosen["order_short_picked"] = order(scenario.short_picks[0])
    pending = [o for o in scenario.pending if o not in scenario.unmapped]
    if pending:
        chosen["order_awaited_payment"] = order(pending[0])
    return chosen


async def fetch_histories(stack: DevStack, outcome: Outcome) -> dict[str, str]:
    """name -> history JSON, as `temporal workflow show --output json` would print it."""
    client = await connect_to(stack.temporal_address, "default")
    histories = {}
    for name, workflow_id in _representatives(outcome).items():
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        histories[name] = history.to_json()
    return histories


def save_histories(histories: dict[str, str], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, text in histories.items():
        (target / f"{name}.json").write_text(text)
