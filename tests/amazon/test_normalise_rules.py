"""The normalisation rules beyond Amazon's examples: every status the models define, service
levels, cancellations, v0 line totals, and malformed orders explained without personal data."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from domain.order import ChannelOrderStatus, Money
from integrations.amazon.errors import AmazonBadResponse
from integrations.amazon.normalise import (
    V0_STATUS,
    V2026_STATUS,
    change_from_v2026,
    order_from_v0,
    order_from_v2026,
    service_level_category,
    v2026_personal_data_withheld,
)
from tests.support.spapi_models import ORDERS_V0, ORDERS_V2026, load_model

ACCOUNT = "A1SELLER"


@pytest.fixture
def v0_order(example) -> dict:
    return copy.deepcopy(example("ordersV0/getOrder_200_static_1.json")["payload"])


@pytest.fixture
def v0_items(example) -> list[dict]:
    return copy.deepcopy(
        example("ordersV0/getOrderItems_200_static_1.json")["payload"]["OrderItems"]
    )


@pytest.fixture
def v2026_order(example) -> dict:
    return copy.deepcopy(example("orders_2026-01-01/getOrder_200_static_1.json")["order"])


def test_every_status_in_the_models_is_mapped():
    v0_enum = load_model(ORDERS_V0)["definitions"]["Order"]["properties"]["OrderStatus"]["enum"]
    v2026_enum = load_model(ORDERS_V2026)["definitions"]["FulfillmentStatus"]["enum"]
    assert set(V0_STATUS) == set(v0_enum)
    assert set(V2026_STATUS) == set(v2026_enum)


@pytest.mark.parametrize(
    ("v0", "v2026", "expected"),
    [
        ("Pending", "PENDING", ChannelOrderStatus.PENDING),
        ("PendingAvailability", "PENDING_AVAILABILITY", ChannelOrderStatus.PENDING),
        ("Unshipped", "UNSHIPPED", ChannelOrderStatus.READY),
        ("PartiallyShipped", "PARTIALLY_SHIPPED", ChannelOrderStatus.PARTIALLY_SHIPPED),
        ("Shipped", "SHIPPED", ChannelOrderStatus.SHIPPED),
        ("Canceled", "CANCELLED", ChannelOrderStatus.CANCELLED),
    ],
)
def test_both_versions_agree_on_status(v0, v2026, expected):
    assert V0_STATUS[v0] is V2026_STATUS[v2026] is expected


@pytest.mark.parametrize(
    ("wire", "key"),
    [
        ("Standard", "STANDARD"),
        ("NextDay", "NEXT_DAY"),
        ("FreeEconomy", "FREE_ECONOMY"),
        ("SecondDay", "SECOND_DAY"),
        ("SECOND_DAY", "SECOND_DAY"),
        ("EXPEDITED", "EXPEDITED"),
        (None, None),
    ],
)
def test_service_level_key_is_the_same_for_both_versions(wire, key):
    assert service_level_category(wire) == key


def test_v0_item_price_is_a_line_total_divided_into_a_unit_price(v0_order, v0_items):
    v0_items[0].update(QuantityOrdered=3, ItemPrice={"CurrencyCode": "GBP", "Amount": "25.00"})
    [line] = order_from_v0(v0_order, v0_items, None, ACCOUNT).lines
    assert line.unit_price is not None
    assert (line.unit_price.amount, line.unit_price.currency) == (Decimal("8.33"), "GBP")


def test_v0_cancelled_order_cancels_the_unshipped_units(v0_order, v0_items):
    v0_order["OrderStatus"] = "Canceled"
    v0_items[0].update(QuantityOrdered=3, QuantityShipped=1)
    [line] = order_from_v0(v0_order, v0_items, None, ACCOUNT).lines
    assert (line.quantity, line.quantity_shipped, line.quantity_cancelled) == (3, 1, 2)


def test_v0_no_cancel_request_when_items_say_false(v0_order, v0_items):
    v0_items[0]["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "false"}
    assert order_from_v0(v0_order, v0_items, None, ACCOUNT).buyer_cancel_requested is False


def test_v0_falls_back_to_the_orders_own_address(v0_order, v0_items, example):
    v0_order["ShippingAddress"] = example("ordersV0/getOrderAddress_200_static_1.json")["payload"][
        "ShippingAddress"
    ]
    ship_to = order_from_v0(v0_order, v0_items, None, ACCOUNT).ship_to
    assert ship_to is not None and ship_to.city == "SEATTLE"


def test_an_address_without_a_street_is_no_address(v2026_order):
    del v2026_order["recipient"]["deliveryAddress"]["addressLine1"]
    assert order_from_v2026(v2026_order, ACCOUNT).ship_to is None


def test_v2026_executed_item_cancellation_cancels_the_line(v2026_order):
    v2026_order["orderItems"][0]["cancellation"] = {
        "cancellationExecution": {"cancelledBy": "MERCHANT", "cancelReason": "NO_INVENTORY"}
    }
    result = order_from_v2026(v2026_order, ACCOUNT)
    assert result.lines[0].quantity_cancelled == 1
    assert result.buyer_cancel_requested is False


def test_v2026_cancelled_order_cancels_every_open_unit(v2026_order):
    v2026_order["fulfillment"]["fulfillmentStatus"] = "CANCELLED"
    result = order_from_v2026(v2026_order, ACCOUNT)
    assert result.status is ChannelOrderStatus.CANCELLED
    assert [line.quantity_cancelled for line in result.lines] == [1]


def test_v2026_merchant_cancellation_request_is_not_the_buyers(v2026_order):
    v2026_order["orderItems"][0]["cancellation"] = {"cancellationRequest": {"requester": "SELLER"}}
    assert change_from_v2026(v2026_order, ACCOUNT).buyer_cancel_requested is False


@pytest.mark.parametrize(
    ("mutate", "mentions"),
    [
        (lambda o: o.pop("fulfillment"), "includedData=FULFILLMENT"),
        (lambda o: o["fulfillment"].update(fulfillmentStatus="LOST"), "fulfillmentStatus"),
        (lambda o: o["fulfillment"].pop("fulfilledBy"), "fulfilledBy is missing"),
        (lambda o: o.update(lastUpdatedTime="25/12/2024"), "lastUpdatedTime"),
        (lambda o: o["orderItems"][0]["product"].pop("sellerSku"), "sellerSku"),
        (lambda o: o["orderItems"][0].update(quantityOrdered="1"), "quantityOrdered"),
        (
            lambda o: o["orderItems"][0]["product"]["price"]["unitPrice"].update(amount="1,5"),
            "amount",
        ),
    ],
)
def test_malformed_orders_are_explained_without_personal_data(v2026_order, mutate, mentions):
    mutate(v2026_order)
    with pytest.raises(AmazonBadResponse) as caught:
        order_from_v2026(v2026_order, ACCOUNT)
    message = str(caught.value)
    assert mentions in message and "171-9876543-2109876" in message
    assert "Maria" not in message and "Flores" not in message
    assert caught.value.transient is False


def test_v0_unknown_fulfilment_channel_is_refused(v0_order, v0_items):
    v0_order["FulfillmentChannel"] = "XYZ"
    with pytest.raises(AmazonBadResponse, match="FulfillmentChannel"):
        order_from_v0(v0_order, v0_items, None, ACCOUNT)


def test_v2026_ship_plus_and_transparency_programs_reach_the_order(v2026_order) -> None:
    """The model's names: Order.programs FBM_SHIP_PLUS, OrderItem.programs TRANSPARENCY."""
    plain = order_from_v2026(v2026_order, ACCOUNT)
    assert not plain.channel_label_required
    assert not any(line.transparency_codes_required for line in plain.lines)
    v2026_order["programs"] = ["PRIME", "FBM_SHIP_PLUS"]
    v2026_order["orderItems"][0]["programs"] = ["TRANSPARENCY"]
    flagged = order_from_v2026(v2026_order, ACCOUNT)
    assert flagged.channel_label_required
    assert flagged.lines[0].transparency_codes_required and flagged.is_prime


def test_v0_ship_plus_and_transparency_come_from_the_items(v0_order, v0_items) -> None:
    """v0 keeps both on the items: AmazonPrograms.Programs FBM_SHIP_PLUS and IsTransparency."""
    plain = order_from_v0(v0_order, v0_items, None, ACCOUNT)
    assert not plain.channel_label_required
    v0_items[0]["IsTransparency"] = True
    v0_items[0]["AmazonPrograms"] = {"Programs": ["SUBSCRIBE_AND_SAVE", "FBM_SHIP_PLUS"]}
    flagged = order_from_v0(v0_order, v0_items, None, ACCOUNT)
    assert flagged.channel_label_required and flagged.lines[0].transparency_codes_required


def test_the_program_values_consign_reads_are_the_models_own() -> None:
    v0 = load_model(ORDERS_V0)["definitions"]
    v2026 = load_model(ORDERS_V2026)["definitions"]
    assert "FBM_SHIP_PLUS" in v0["AmazonPrograms"]["properties"]["Programs"]["description"]
    assert v0["OrderItem"]["properties"]["IsTransparency"]["type"] == "boolean"
    assert "FBM_SHIP_PLUS" in v2026["Order"]["properties"]["programs"]["description"]
    assert "TRANSPARENCY" in v2026["OrderItem"]["properties"]["programs"]["description"]


def test_a_v2026_address_without_its_personal_fields_is_recognised(v2026_order) -> None:
    assert not v2026_personal_data_withheld(v2026_order)
    address = v2026_order["recipient"]["deliveryAddress"]
    for key in ("name", "addressLine1", "addressLine2", "addressLine3", "postalCode", "phone"):
        address.pop(key, None)
    assert v2026_personal_data_withheld(v2026_order)
    assert order_from_v2026(v2026_order, ACCOUNT).ship_to is None


def test_v0_order_total_is_what_the_order_costs(v0_order, v0_items):
    order = order_from_v0(v0_order, v0_items, None, ACCOUNT)
    assert order.total == Money(amount=Decimal("11.01"), currency="USD")  # Amazon's example


def test_v0_order_without_a_total_has_none(v0_order, v0_items):
    del v0_order["OrderTotal"]  # a Pending order carries no price
    assert order_from_v0(v0_order, v0_items, None, ACCOUNT).total is None


def test_v2026_total_is_the_grand_total_less_an_order_level_tip(v2026_order):
    assert order_from_v2026(v2026_order, ACCOUNT).total == Money(
        amount=Decimal("299.90"), currency="BRL"
    )
    # the proceeds of the model's own example: ITEM 149.97 + TAX 0.02 + DELIVERY_TIP 5.00
    v2026_order["proceeds"] = {
        "grandTotal": {"amount": "154.99", "currencyCode": "USD"},
        "breakdowns": [
            {"type": "ITEM", "subtotal": {"amount": "149.97", "currencyCode": "USD"}},
            {"type": "TAX", "subtotal": {"amount": "0.02", "currencyCode": "USD"}},
            {
                "type": "DELIVERY_TIP",
                "status": "FINALIZED",
                "subtotal": {"amount": "5.00", "currencyCode": "USD"},
            },
        ],
    }
    total = order_from_v2026(v2026_order, ACCOUNT).total
    assert total == Money(amount=Decimal("149.99"), currency="USD")


def test_v2026_order_read_without_proceeds_has_no_total(v2026_order):
    del v2026_order["proceeds"]
    assert order_from_v2026(v2026_order, ACCOUNT).total is None
