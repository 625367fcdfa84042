"""WarehouseActivities against the real GXO sandbox on loopback (cycles only on demand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.models import PullRequest, WarehouseOrderRequest
from activities.warehouse import WarehouseActivities
from domain.limits import IntakeLimits
from domain.order import (
    ChannelOrder,
    ChannelOrderStatus,
    FulfilledBy,
    Money,
    OrderLine,
    OrderRef,
    ShipTo,
)
from domain.warehouse import (
    CancelOutcome,
    WarehouseEventKind,
    WarehouseOrder,
    WarehouseOrderLine,
    WarehouseOrderStatus,
    order_events,
    warehouse_reference,
)
from integrations.gxo.rest import RestWarehouse
from integrations.registry import Channel
from sandbox.gxo.catalogue import DE_KOBLENZ, RM_TRACKED_48, UK_DAVENTRY
from sandbox.server import ServerThread
from store.audit import list_audit
from store.tables import AuditOutcome, OrderChargeRow
from tests.activities.conftest import SELLER, SKU_ITEMS

ORDER_ID = "203-2000001-0000001"
REFERENCE = warehouse_reference(OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=ORDER_ID))


def channel_order(order_id: str = ORDER_ID, skus: dict[str, int] | None = None) -> ChannelOrder:
    now = datetime.now(UTC).replace(microsecond=0)
    lines = skus or {"TSHIRT-BLK-M": 2, "CAP-KHK-OS": 1}
    return ChannelOrder(
        ref=OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=order_id),
        status=ChannelOrderStatus.READY,
        fulfilled_by=FulfilledBy.MERCHANT,
        marketplace_id="A1F83G8C2ARO7P",
        ship_service_level="STANDARD",
        created_at=now,
        last_updated_at=now,
        ship_by=now + timedelta(days=2),
        ship_to=ShipTo(
            name="Test Buyer",
            line1="1 Test Street",
            city="Bristol",
            postal_code="BS1 4ST",
            country_code="GB",
        ),
        lines=[
            OrderLine(line_id=f"L{n}", sku=sku, quantity=quantity)
            for n, (sku, quantity) in enumerate(lines.items(), start=1)
        ],
    )


async def plan(warehouse: WarehouseActivities, order: ChannelOrder) -> WarehouseOrder:
    planned: WarehouseOrder = await ActivityEnvironment().run(warehouse.plan, order)
    return planned


async def expect_failure(call: Any, *args: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(call, *args)
    return caught.value


def lookup_request(
    reference: str = REFERENCE, facility: str = UK_DAVENTRY
) -> WarehouseOrderRequest:
    return WarehouseOrderRequest(
        ref=OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=ORDER_ID),
        facility_id=facility,
        reference=reference,
    )


async def admin_get(admin: httpx.AsyncClient, path: str) -> Any:
    response = await admin.get(path)
    response.raise_for_status()
    return response.json()


# --- plan -------------------------------------------------------------------------------------


async def test_plan_maps_skus_facility_and_carrier_from_the_store(
    warehouse: WarehouseActivities,
) -> None:
    order = await plan(warehouse, channel_order())

    assert order.facility_id == UK_DAVENTRY
    assert (order.reference, order.channel_order_id) == (REFERENCE, ORDER_ID)
    assert (order.channel, order.account) == (Channel.AMAZON, SELLER)
    assert order.carrier_service_code == RM_TRACKED_48
    assert not order.is_international
    assert [
        (line.line_number, line.item_code, line.quantity, line.channel_line_id)
        for line in order.lines
    ] == [
        (1, SKU_ITEMS["TSHIRT-BLK-M"], 2, "L1"),
        (2, SKU_ITEMS["CAP-KHK-OS"], 1, "L2"),
    ]


async def test_plan_keeps_what_the_channel_says_the_order_costs(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    priced = channel_order().model_copy(
        update={"total": Money(amount=Decimal("61.49"), currency="GBP")}
    )
    await plan(warehouse, channel_order(order_id="203-2000001-0000009"))  # no total: nothing
    await plan(warehouse, priced)
    await plan(
        warehouse,
        priced.model_copy(update={"total": Money(amount=Decimal("58.00"), currency="GBP")}),
    )
    with Session(engine) as session:
        rows = session.exec(select(OrderChargeRow)).all()
    assert [(r.order_id, r.total, r.currency, r.units) for r in rows] == [
        (ORDER_ID, Decimal("58.00"), "GBP", 3)  # a re-plan's reading wins
    ]


async def test_an_account_ships_only_from_its_own_facilities(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    """Issue 9 §2: an accounts-file entry's `facilities` bound where its orders go: the
    store's rule routes to Daventry, which another seller's entry does not list."""
    elsewhere = WarehouseActivities(
        warehouse.warehouse, engine, facilities={(Channel.AMAZON, "A2SELLERDE"): [DE_KOBLENZ]}
    )
    other_seller = channel_order().model_copy(
        update={"ref": OrderRef(channel=Channel.AMAZON, account="A2SELLERDE", order_id=ORDER_ID)}
    )

    error = await expect_failure(elsewhere.plan, other_seller)
    own = await plan(elsewhere, channel_order())  # an account the entries do not bound

    assert error.type == "NO_FACILITY"
    assert own.facility_id == UK_DAVENTRY


async def test_plan_with_an_unmapped_sku_is_unmapped_sku(warehouse: WarehouseActivities) -> None:
    order = channel_order(skus={"TSHIRT-BLK-M": 1, "SCARF-LTD-RED": 1})

    error = await expect_failure(warehouse.plan, order)

    assert error.type == "UNMAPPED_SKU"
    assert error.non_retryable
    assert "SCARF-LTD-RED" in str(error)


async def test_plan_refuses_a_line_above_the_configured_limit(
    warehouse: WarehouseActivities, engine: Engine
) -> None:
    limited = WarehouseActivities(
        warehouse.warehouse, engine, limits=IntakeLimits(max_units_per_line=5)
    )
    order = channel_order(skus={"TSHIRT-BLK-M": 6})

    error = await expect_failure(limited.plan, order)

    assert error.type == "QUANTITY_OUT_OF_RANGE"
    assert error.non_retryable
    assert "L1: 6" in error.message


async def test_a_warehouse_answer_consign_cannot_read_is_not_retried(engine: Engine) -> None:
    """A port that trips over GXO's answer (here: an unexpected value) fails the same way on
    every retry: INVALID_WAREHOUSE_DATA, named at once."""

    class Garbled:
        async def get_order(self, facility_id: str, reference: str) -> None:
            raise ValueError("unexpected status 'LOST_IN_SPACE'")

    activities = WarehouseActivities(Garbled(), engine)  # type: ignore[arg-type]
    error = await expect_failure(activities.get_order, lookup_request())

    assert error.type == "INVALID_WAREHOUSE_DATA"
    assert error.non_retryable
    assert "LOST_IN_SPACE" in error.message


async def test_plan_with_an_unmapped_service_level_is_unmapped_carrier(
    warehouse: WarehouseActivities,
) -> None:
    order = channel_order().model_copy(update={"ship_service_level": "NEXT_DAY"})

    error = await expect_failure(warehouse.plan, order)

    assert error.type == "UNMAPPED_CARRIER"
    assert error.non_retryable


# --- inject -----------------------------------------------------------------------------------


async def test_inject_twice_creates_one_order_and_audits_accepted_then_duplicate(
    warehouse: WarehouseActivities, gxo_admin: httpx.AsyncClient, engine: Engine
) -> None:
    order = await plan(warehouse, channel_order())

    first = await ActivityEnvironment().run(warehouse.inject, order)
    second = await ActivityEnvironment().run(warehouse.inject, order)

    assert not first.duplicate
    assert second.duplicate
    assert second.warehouse_order_id == first.warehouse_order_id
    assert first.status is WarehouseOrderStatus.RECEIVED
    counts = (await admin_get(gxo_admin, "/_sandbox/injections"))[REFERENCE]
    assert (counts["calls"], counts["created"], counts["duplicates"]) == (2, 1, 1)
    assert counts["channel_order_id"] == ORDER_ID
    newest_first = list_audit(engine, order_id=ORDER_ID, system="gxo")
    assert [e.outcome for e in reversed(newest_first)] == [
        AuditOutcome.ACCEPTED,
        AuditOutcome.DUPLICATE,
    ]
    assert {e.operation for e in newest_first} == {"inject"}
    assert {e.idempotency_key for e in newest_first} == {f"{UK_DAVENTRY}:{REFERENCE}"}


async def test_inject_of_an_unknown_item_code_is_warehouse_rejected(
    warehouse: WarehouseActivities, gxo_admin: httpx.AsyncClient, engine: Engine
) -> None:
    planned = await plan(warehouse, channel_order())
    order = planned.model_copy(
        update={
            "lines": [
                WarehouseOrderLine(
                    line_number=1, item_code="GXO-NOPE", quantity=1, channel_line_id="L1"
                )
            ]
        }
    )

    error = await expect_failure(warehouse.inject, order)

    assert error.type == "WAREHOUSE_REJECTED"
    assert error.non_retryable
    assert "UNKNOWN_ITEM" in str(error)
    assert (await admin_get(gxo_admin, "/_sandbox/injections"))[REFERENCE]["created"] == 0
    [entry] = list_audit(engine, order_id=ORDER_ID)
    assert (entry.operation, entry.outcome) == ("inject", AuditOutcome.REJECTED)


async def test_inject_during_a_gxo_outage_is_retryable(
    warehouse: WarehouseActivities, gxo_admin: httpx.AsyncClient, engine: Engine
) -> None:
    order = await plan(warehouse, channel_order())
    (await gxo_admin.put("/_sandbox/faults", json={"error_rate": 1.0})).raise_for_status()

    error = await expect_failure(warehouse.inject, order)

    assert not error.non_retryable
    assert error.type == "GXO_TRANSIENT"
    assert list_audit(engine, order_id=ORDER_ID) == []


async def test_inject_with_a_wrong_api_key_is_an_auth_failure_not_retried(
    warehouse: WarehouseActivities, gxo_server: ServerThread, engine: Engine
) -> None:
    order = await plan(warehouse, channel_order())
    async with RestWarehouse(gxo_server.url, "not-the-key") as rest:
        error = await expect_failure(WarehouseActivities(rest, engine).inject, order)

    assert error.type == "WAREHOUSE_AUTH_FAILED"
    assert error.non_retryable
    assert "401" in str(error)
    assert "not-the-key" not in str(error)


# --- cancel, get_order, pull_events -----------------------------------------------------------


async def test_cancel_before_pick_cancels_at_gxo(
    warehouse: WarehouseActivities, gxo_admin: httpx.AsyncClient, engine: Engine
) -> None:
    await ActivityEnvironment().run(warehouse.inject, await plan(warehouse, channel_order()))

    outcome = await ActivityEnvironment().run(warehouse.cancel, lookup_request())

    assert outcome is CancelOutcome.CANCELLED
    [cancel] = await admin_get(gxo_admin, "/_sandbox/cancels")
    assert (cancel["reference"], cancel["outcome"]) == (REFERENCE, "CANCELLED")
    assert cancel["channel_order_id"] == ORDER_ID
    lookup = await ActivityEnvironment().run(warehouse.get_order, lookup_request())
    assert lookup.state is not None
    assert lookup.state.status is WarehouseOrderStatus.CANCELLED
    entry = list_audit(engine, order_id=ORDER_ID)[0]
    assert (entry.operation, entry.outcome, entry.detail) == (
        "cancel",
        AuditOutcome.ACCEPTED,
        "CANCELLED",
    )


async def test_cancel_after_dispatch_is_too_late(
    warehouse: WarehouseActivities, gxo_admin: httpx.AsyncClient, engine: Engine
) -> None:
    await ActivityEnvironment().run(warehouse.inject, await plan(warehouse, channel_order()))
    (await gxo_admin.post("/_sandbox/cycle")).raise_for_status()

    outcome = await ActivityEnvironment().run(warehouse.cancel, lookup_request())

    assert outcome is CancelOutcome.TOO_LATE
    entry = list_audit(engine, order_id=ORDER_ID)[0]
    assert (entry.operation, entry.outcome) == ("cancel", AuditOutcome.REJECTED)


async def test_get_order_returns_the_warehouse_state(warehouse: WarehouseActivities) -> None:
    injected = await ActivityEnvironment().run(
        warehouse.inject, await plan(warehouse, channel_order())
    )

    lookup = await ActivityEnvironment().run(warehouse.get_order, lookup_request())

    assert lookup.state is not None
    assert lookup.state.warehouse_order_id == injected.warehouse_order_id
    assert (lookup.state.reference, lookup.state.facility_id) == (REFERENCE, UK_DAVENTRY)
    assert lookup.state.status is WarehouseOrderStatus.RECEIVED


async def test_get_order_of_an_unknown_reference_is_none(warehouse: WarehouseActivities) -> None:
    lookup = await ActivityEnvironment().run(
        warehouse.get_order, lookup_request("AXXX-20300000000000000")
    )

    assert lookup.state is None


async def test_get_order_at_an_unknown_facility_is_rejected(
    warehouse: WarehouseActivities,
) -> None:
    error = await expect_failure(warehouse.get_order, lookup_request(facility="GXO-XX-NOPE"))

    assert error.type == "WAREHOUSE_REJECTED"
    assert error.non_retryable


async def test_pull_events_after_a_cycle_returns_the_dispatch(
    warehouse: WarehouseActivities, gxo_admin: httpx.AsyncClient
) -> None:
    injected = await ActivityEnvironment().run(
        warehouse.inject, await plan(warehouse, channel_order())
    )
    before = await ActivityEnvironment().run(
        warehouse.pull_events, PullRequest(facility_id=UK_DAVENTRY, cursor=0)
    )
    (await gxo_admin.post("/_sandbox/cycle")).raise_for_status()

    page = await ActivityEnvironment().run(
        warehouse.pull_events, PullRequest(facility_id=UK_DAVENTRY, cursor=0)
    )
    after = await ActivityEnvironment().run(
        warehouse.pull_events, PullRequest(facility_id=UK_DAVENTRY, cursor=page.next_cursor)
    )

    assert (before.events, before.next_cursor) == ([], 0)
    [event] = order_events(page.events)
    assert event.kind is WarehouseEventKind.DISPATCH
    assert (event.reference, event.channel_order_id) == (REFERENCE, ORDER_ID)
    assert event.order_ref == OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=ORDER_ID)
    assert event.warehouse_order_id == injected.warehouse_order_id
    assert event.order_status is WarehouseOrderStatus.SHIPPED
    shipped: dict[str, int] = {}
    for parcel in event.parcels:
        assert parcel.carrier_service_code == RM_TRACKED_48
        for line in parcel.lines:
            shipped[line.channel_line_id] = shipped.get(line.channel_line_id, 0) + line.quantity
    assert shipped == {"L1": 2, "L2": 1}
    assert page.next_cursor == event.sequence
    assert (after.events, after.next_cursor) == ([], page.next_cursor)
