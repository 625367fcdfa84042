"""The MFN filter and the order identity every system shares."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.order import FulfilledBy, OrderLine, OrderRef, is_merchant_fulfilled
from integrations.registry import Channel
from tests.domain.builders import order


def test_merchant_fulfilled_orders_pass_the_mfn_filter() -> None:
    assert is_merchant_fulfilled(FulfilledBy.MERCHANT) is True


def test_channel_fulfilled_orders_never_reach_the_warehouse() -> None:
    assert is_merchant_fulfilled(FulfilledBy.CHANNEL) is False


def test_mfn_filter_on_a_parsed_order() -> None:
    afn = order().model_copy(update={"fulfilled_by": FulfilledBy.CHANNEL})
    parsed = type(afn).model_validate_json(afn.model_dump_json())
    assert is_merchant_fulfilled(parsed.fulfilled_by) is False
    assert is_merchant_fulfilled(order().fulfilled_by) is True


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (Channel.AMAZON, "order:amazon:eu-main:111-2223334-5556667"),
        (Channel.CENTRA, "order:centra:eu-main:111-2223334-5556667"),
    ],
)
def test_workflow_id_format(channel: Channel, expected: str) -> None:
    ref = OrderRef(channel=channel, account="eu-main", order_id="111-2223334-5556667")
    assert ref.workflow_id == expected
    assert str(ref) == expected


def test_workflow_id_uses_the_channel_value_from_a_string() -> None:
    ref = OrderRef.model_validate({"channel": "centra", "account": "acc", "order_id": "42"})
    assert ref.workflow_id == "order:centra:acc:42"


def test_workflow_ids_differ_per_account_and_order() -> None:
    ids = {
        OrderRef(channel=Channel.AMAZON, account=a, order_id=o).workflow_id
        for a in ("a1", "a2")
        for o in ("o1", "o2")
    }
    assert len(ids) == 4


def test_destination_country_follows_ship_to() -> None:
    assert order(country="DE").destination_country == "DE"
    assert order(country=None).destination_country is None


@pytest.mark.parametrize("field", ["quantity", "quantity_shipped", "quantity_cancelled"])
def test_order_line_quantities_are_never_negative(field: str) -> None:
    data = {"line_id": "L1", "sku": "S", "quantity": 1, field: -1}
    with pytest.raises(ValidationError):
        OrderLine.model_validate(data)
