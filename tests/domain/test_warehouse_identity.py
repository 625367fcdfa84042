"""The reference GXO deduplicates on, and the rule that matches an event to its order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.order import OrderRef
from domain.warehouse import (
    REFERENCE_MAX_LENGTH,
    EventMismatch,
    WarehouseEvent,
    WarehouseEventKind,
    WarehouseOrder,
    WarehouseOrderLine,
    WarehouseOrderStatus,
    mismatch,
    warehouse_reference,
)
from integrations.registry import Channel
from tests.domain.builders import ship_to


def ref(order_id: str, account: str = "store-eu", channel: Channel = Channel.CENTRA) -> OrderRef:
    return OrderRef(channel=channel, account=account, order_id=order_id)


def test_two_stores_same_order_number_get_different_references() -> None:
    eu, us = warehouse_reference(ref("1042", "store-eu")), warehouse_reference(ref("1042", "us"))
    assert eu != us
    assert eu.endswith("-1042") and us.endswith("-1042")


def test_the_same_order_always_gets_the_same_reference() -> None:
    assert warehouse_reference(ref("1042")) == warehouse_reference(ref("1042"))


def test_channels_do_not_share_references_for_the_same_account_and_id() -> None:
    amazon = warehouse_reference(ref("1042", channel=Channel.AMAZON))
    centra = warehouse_reference(ref("1042", channel=Channel.CENTRA))
    assert amazon[0] == "A" and centra[0] == "C" and amazon != centra


@pytest.mark.parametrize(
    "order_id", ["205-1234567-1234567", "1", "9" * 17, "9" * 18, "x" * 200, "-", "CENTRA/14 #1"]
)
def test_references_fit_w05_02_and_stay_distinct(order_id: str) -> None:
    reference = warehouse_reference(ref(order_id, channel=Channel.AMAZON))
    assert 1 <= len(reference) <= REFERENCE_MAX_LENGTH
    assert reference != warehouse_reference(ref(order_id + "0", channel=Channel.AMAZON))


def test_an_amazon_order_id_keeps_its_digits() -> None:
    reference = warehouse_reference(ref("205-1234567-1234567", "A1SELLER", Channel.AMAZON))
    assert reference.endswith("-20512345671234567") and len(reference) == 22


def plan(**over: object) -> WarehouseOrder:
    fields: dict[str, object] = {
        "facility_id": "GXO-UK-DAV",
        "reference": "CQ3Z-1042",
        "channel": Channel.CENTRA,
        "account": "store-eu",
        "channel_order_id": "1042",
        "carrier_service_code": "RM-TRACKED-48",
        "ship_to": ship_to(),
        "lines": [
            WarehouseOrderLine(line_number=1, item_code="I", quantity=1, channel_line_id="L1")
        ],
    }
    return WarehouseOrder.model_validate(fields | over)


def event(**over: object) -> WarehouseEvent:
    fields: dict[str, object] = {
        "event_id": "EV-1",
        "sequence": 1,
        "kind": WarehouseEventKind.DISPATCH,
        "facility_id": "GXO-UK-DAV",
        "reference": "CQ3Z-1042",
        "channel": Channel.CENTRA,
        "account": "store-eu",
        "channel_order_id": "1042",
        "warehouse_order_id": "WO1",
        "order_status": WarehouseOrderStatus.SHIPPED,
        "occurred_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return WarehouseEvent.model_validate(fields | over)


def test_an_event_about_the_order_we_hold_matches() -> None:
    assert mismatch(event(), plan(), "WO1") is None
    assert mismatch(event(), plan(), None) is None  # GXO has not answered the inject yet


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"facility_id": "GXO-DE-KOB"}, EventMismatch.FACILITY),
        ({"reference": "1042"}, EventMismatch.REFERENCE),
        ({"warehouse_order_id": "WO2"}, EventMismatch.WAREHOUSE_ORDER),
    ],
)
def test_an_event_about_another_warehouse_order_does_not_match(
    over: dict[str, object], expected: EventMismatch
) -> None:
    assert mismatch(event(**over), plan(), "WO1") is expected


def test_old_style_references_name_the_order_by_the_reference_itself() -> None:
    old = event(reference="1042", channel_order_id=None)
    assert old.order_ref == ref("1042")
    assert plan(reference="1042", channel_order_id=None).order_ref == ref("1042")
    assert event().order_ref == ref("1042")
