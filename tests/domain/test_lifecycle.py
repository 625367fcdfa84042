"""Order stages and the lifecycle models' lossless JSON round trip (the workflow's payloads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.deadlines import DeadlinePolicy
from domain.exceptions import ExceptionKind
from domain.lifecycle import (
    ExceptionInfo,
    OperatorRequest,
    OrderFulfillmentInput,
    OrderStage,
    OrderStatus,
    ParcelRecord,
)
from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange
from domain.shipment import LineProgress
from domain.warehouse import CustomsInfo, WarehouseOrder, WarehouseOrderLine
from tests.domain.builders import ref, ship_to

FINAL = {OrderStage.SHIPPED, OrderStage.CANCELLED, OrderStage.SKIPPED_AFN, OrderStage.RESOLVED}


@pytest.mark.parametrize("stage", list(OrderStage))
def test_is_final_only_for_shipped_cancelled_skipped_afn_resolved(stage: OrderStage) -> None:
    assert stage.is_final is (stage in FINAL)


def test_exception_and_late_are_not_final() -> None:
    assert not OrderStage.EXCEPTION.is_final
    assert not OrderStage.LATE.is_final
    assert not OrderStage.AT_RISK.is_final


CEST = timezone(timedelta(hours=2))


def _status() -> OrderStatus:
    return OrderStatus(
        ref=ref(),
        stage=OrderStage.EXCEPTION,
        facility_id="GXO-UK1",
        warehouse_order_id="WO-1",
        ship_by=datetime(2024, 3, 1, 23, 59, 59, 123456, tzinfo=CEST),
        lines=[
            LineProgress(line_id="L1", sku="SKU-A", ordered=3, shipped=1, cancelled=1),
            LineProgress(line_id="L2", sku="SKU-B", ordered=1),
        ],
        parcels=[
            ParcelRecord(parcel_id="P1", package_reference="1", tracking_number="T1"),
            ParcelRecord(
                parcel_id="P2", package_reference="2", tracking_number="T2", confirmed=True
            ),
        ],
        exception=ExceptionInfo(
            kind=ExceptionKind.OVER_SHIPMENT,
            message="parcel P3 ships 2 of line L2 but only 1 remain",
            raised_at=datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
            stage=OrderStage.PARTIALLY_SHIPPED,
        ),
        late=True,
        injections=2,
        history=["injected", "parcel P1 shipped"],
    )


def test_order_status_round_trips_through_json() -> None:
    status = _status()
    back = OrderStatus.model_validate_json(status.model_dump_json())
    assert back == status
    assert back.model_dump_json() == status.model_dump_json()
    assert back.ship_by is not None and back.ship_by.utcoffset() == timedelta(hours=2)
    assert back.ship_by.microsecond == 123456
    assert back.exception is not None and back.exception.kind is ExceptionKind.OVER_SHIPMENT
    assert back.exception.stage is OrderStage.PARTIALLY_SHIPPED
    assert back.stage is OrderStage.EXCEPTION


def test_minimal_order_status_round_trips() -> None:
    status = OrderStatus(ref=ref(), stage=OrderStage.RECEIVED)
    assert OrderStatus.model_validate_json(status.model_dump_json()) == status


def test_order_fulfillment_input_round_trips_through_json() -> None:
    payload = OrderFulfillmentInput(
        ref=ref(),
        change=OrderChange(
            ref=ref(),
            status=ChannelOrderStatus.READY,
            fulfilled_by=FulfilledBy.MERCHANT,
            last_updated_at=datetime(2024, 2, 29, 8, 30, 1, 5, tzinfo=UTC),
            buyer_cancel_requested=True,
        ),
        deadlines=DeadlinePolicy(chase_lead=timedelta(hours=3, minutes=15, microseconds=7)),
    )
    back = OrderFulfillmentInput.model_validate_json(payload.model_dump_json())
    assert back == payload
    assert back.deadlines.chase_lead == timedelta(hours=3, minutes=15, microseconds=7)
    assert back.change is not None and back.change.last_updated_at.tzinfo is not None


def test_order_fulfillment_input_defaults_round_trip() -> None:
    payload = OrderFulfillmentInput(ref=ref())
    back = OrderFulfillmentInput.model_validate_json(payload.model_dump_json())
    assert back == payload
    assert back.change is None
    assert back.deadlines.chase_lead == timedelta(hours=6)


def test_operator_request_defaults() -> None:
    req = OperatorRequest()
    assert (req.reason, req.requested_by) == ("", "operator")
    assert OperatorRequest.model_validate_json(req.model_dump_json()) == req


@pytest.mark.parametrize("value", ["12.50", "0.10", "1E+3", "-0.001", "123456789012345.6789"])
def test_customs_decimals_round_trip_exactly(value: str) -> None:
    customs = CustomsInfo(
        hs_code="6109100010",
        country_of_origin="PT",
        description="T-shirt",
        unit_value=Decimal(value),
        currency="EUR",
    )
    back = CustomsInfo.model_validate_json(customs.model_dump_json())
    assert back == customs
    assert str(back.unit_value) == str(Decimal(value))  # scale preserved, not just equal


def test_warehouse_order_with_customs_round_trips() -> None:
    order = WarehouseOrder(
        facility_id="GXO-UK1",
        reference="111-0000001-0000001",
        channel="amazon",  # type: ignore[arg-type]
        account="eu-main",
        carrier_service_code="DHL-INTL",
        ship_to=ship_to("US"),
        ship_by=datetime(2024, 3, 1, 17, 0, 0, 1, tzinfo=CEST),
        is_international=True,
        lines=[
            WarehouseOrderLine(
                line_number=1,
                item_code="GXO-1",
                quantity=2,
                channel_line_id="L1",
                customs=CustomsInfo(
                    hs_code="6109100010",
                    country_of_origin="PT",
                    description="T-shirt",
                    unit_value=Decimal("12.50"),
                    currency="GBP",
                ),
            )
        ],
    )
    back = WarehouseOrder.model_validate_json(order.model_dump_json())
    assert back == order
    customs = back.lines[0].customs
    assert customs is not None and isinstance(customs.unit_value, Decimal)
    assert str(customs.unit_value) == "12.50"
    assert back.ship_by == order.ship_by
    assert back.ship_by is not None and back.ship_by.utcoffset() == timedelta(hours=2)


# --- property-based round trip ------------------------------------------------------------------

aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, CEST, timezone(timedelta(hours=-5, minutes=-30))]),
)
naive_datetimes = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
text = st.text(max_size=20)


@st.composite
def line_progress(draw: st.DrawFn) -> LineProgress:
    ordered = draw(st.integers(min_value=0, max_value=10_000))
    cancelled = draw(st.integers(min_value=0, max_value=ordered))
    shipped = draw(st.integers(min_value=0, max_value=ordered - cancelled))
    return LineProgress(
        line_id=draw(text), sku=draw(text), ordered=ordered, shipped=shipped, cancelled=cancelled
    )


statuses = st.builds(
    OrderStatus,
    ref=st.just(ref()),
    stage=st.sampled_from(OrderStage),
    facility_id=st.none() | text,
    warehouse_order_id=st.none() | text,
    ship_by=st.none() | aware_datetimes | naive_datetimes,
    lines=st.lists(line_progress(), max_size=4),
    parcels=st.lists(
        st.builds(
            ParcelRecord,
            parcel_id=text,
            package_reference=text,
            tracking_number=text,
            confirmed=st.booleans(),
        ),
        max_size=3,
    ),
    exception=st.none()
    | st.builds(
        ExceptionInfo,
        kind=st.sampled_from(ExceptionKind),
        message=text,
        raised_at=aware_datetimes,
        stage=st.sampled_from(OrderStage),
    ),
    late=st.booleans(),
    injections=st.integers(min_value=0, max_value=100),
    history=st.lists(text, max_size=3),
)


@settings(max_examples=100, deadline=None)
@given(statuses)
def test_any_order_status_round_trips(status: OrderStatus) -> None:
    back = OrderStatus.model_validate_json(status.model_dump_json())
    assert back == status
    assert back.model_dump_json() == status.model_dump_json()


@settings(max_examples=100, deadline=None)
@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    aware_datetimes,
)
def test_any_customs_decimal_and_ship_by_round_trip(value: Decimal, ship_by: datetime) -> None:
    customs = CustomsInfo(
        hs_code="1", country_of_origin="PT", description="d", unit_value=value, currency="EUR"
    )
    back = CustomsInfo.model_validate_json(customs.model_dump_json())
    assert back.unit_value == value
    assert str(back.unit_value) == str(value)
    status = OrderStatus(ref=ref(), stage=OrderStage.INJECTED, ship_by=ship_by)
    back_status = OrderStatus.model_validate_json(status.model_dump_json())
    assert back_status.ship_by == ship_by
    assert back_status.ship_by is not None
    assert back_status.ship_by.utcoffset() == ship_by.utcoffset()
