"""Saves the event histories of representative workflows from an end-to-end run, for the replay
test (tests/workflows/test_replay.py): `CONSIGN_CAPTURE_HISTORIES=tests/histories make test`.
They are stored decoded (plaintext JSON of sandbox data): an encrypted one would replay only
where its key is, and the codec passes plaintext through on replay."""

from __future__ import annotations

from pathlib import Path

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory

from codec.converter import configured_converter
from domain.lifecycle import OrderStage
from domain.order import OrderRef
from domain.returns import ReturnRef
from integrations.registry import Channel
from starter.client import connect_to
from starter.demo import Outcome
from starter.demo_amazon import AmazonPart
from starter.demo_centra import CentraPart
from starter.devstack import DevStack
from workflows.channel_intake import intake_id
from workflows.inventory_sync import inventory_sync_id
from workflows.stock_intake import stock_intake_id


def _representatives(outcome: Outcome) -> dict[str, str]:
    """name -> workflow id: one order per path through the lifecycle, plus the intakes."""
    amazon: AmazonPart = outcome.part(Channel.AMAZON)
    centra: CentraPart = outcome.part(Channel.CENTRA)

    def order(part: AmazonPart | CentraPart, order_id: str) -> str:
        return OrderRef(channel=part.channel, account=part.account, order_id=order_id).workflow_id

    split = next(
        o
        for o, s in outcome.statuses_of(Channel.AMAZON).items()
        if s.stage is OrderStage.SHIPPED and len(s.parcels) > 2
    )
    chosen = {
        "order_split": order(amazon, split),
        "order_cancelled": order(amazon, amazon.to_cancel[0]),
        "order_rejected_by_gxo": order(amazon, amazon.refused_address[0]),
        "order_unmapped_then_retried": order(amazon, amazon.unmapped[0]),
        "order_late": order(amazon, amazon.late[0]),
        "channel_intake": intake_id(Channel.AMAZON, amazon.account),
        "warehouse_intake": "warehouse-events:GXO-UK-DAV",
        "centra_short_picked": order(centra, centra.of("short")[0]),
        "centra_held_then_released": order(centra, centra.of("held")[0]),
        "centra_held_before_payment": order(centra, centra.of("held_later")[0]),
        "centra_cancelled": order(centra, centra.of("cancel")[0]),
        "centra_unmapped_carrier_retried": order(centra, centra.of("unmapped")[0]),
        "centra_intake": intake_id(Channel.CENTRA, centra.account),
        "stock_intake": stock_intake_id("GXO-UK-DAV"),
        "inventory_sync_amazon": inventory_sync_id(Channel.AMAZON, amazon.account),
        "inventory_sync_centra": inventory_sync_id(Channel.CENTRA, centra.account),
    }
    if amazon.short_picks:
        chosen["order_short_picked"] = order(amazon, amazon.short_picks[0])
    pending = [o for o in amazon.pending if o not in amazon.unmapped]
    if pending:
        chosen["order_awaited_payment"] = order(amazon, pending[0])
    return chosen | _scenes(outcome, amazon.account, centra.account)


def _scenes(outcome: Outcome, amazon: str, centra: str) -> dict[str, str]:
    """The returns and launch scenes' workflows: an Amazon MFN return (returns report to
    order-adjustment feed) and the Centra order parked ITEM_NOT_LAUNCHED until the product sync
    released it (patch `launch-release`)."""
    chosen = {}
    returned = outcome.returns.of(Channel.AMAZON, "sellable") if outcome.returns else None
    if returned is not None and returned.rma:
        rma = ReturnRef(channel=Channel.AMAZON, account=amazon, rma=returned.rma)
        chosen["return_amazon_sellable"] = rma.workflow_id
    early = outcome.launch.of("early") if outcome.launch else None
    if early is not None and early.order_id:
        ref = OrderRef(channel=Channel.CENTRA, account=centra, order_id=early.order_id)
        chosen["order_launch_released"] = ref.workflow_id
    return chosen


async def fetch_histories(stack: DevStack, outcome: Outcome) -> dict[str, str]:
    """name -> history JSON, as `temporal workflow show --output json` would print it."""
    client = await connect_to(stack.temporal_address, "default")
    histories = {}
    for name, workflow_id in _representatives(outcome).items():
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        histories[name] = await decoded_json(history)
    return histories


async def decoded_json(history: WorkflowHistory) -> str:
    """The history's JSON with every payload decoded by the configured codec."""
    for event in history.events:
        await _decode_within(event)
    return history.to_json()


async def _decode_within(message: Message) -> None:
    """Decode, in place, every Payload anywhere inside `message` (fields, lists, maps)."""
    codec = configured_converter().payload_codec
    assert codec is not None
    for field, value in message.ListFields():
        kind = field.message_type
        if kind is None:
            continue
        if kind.GetOptions().map_entry:
            kind = kind.fields_by_name["value"].message_type
            if kind is None:
                continue
            value = list(value.values())
        elif not field.is_repeated:
            value = [value]
        if kind.full_name == Payload.DESCRIPTOR.full_name:
            for payload, plain in zip(value, await codec.decode(value), strict=True):
                payload.CopyFrom(plain)
        else:
            for item in value:
                await _decode_within(item)


def save_histories(histories: dict[str, str], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, text in histories.items():
        (target / f"{name}.json").write_text(text)
