"""Orders consign cannot ship or confirm as they stand: planning, injection and ship
confirmation each end in a named, non-retryable ExceptionKind the order parks with (a person
fixes the mapping or the order and retries), and nothing is left half-done: no demand held
back for an order that was never planned, the refusal in the audit trail, nothing sent to the
channel on a parcel consign could not confirm."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from activities.channel import ChannelActivities
from activities.models import ParcelConfirmRequest
from activities.warehouse import WarehouseActivities
from domain.mapping import SkuMapping
from domain.order import ChannelOrder, OrderLine, ShipTo
from domain.warehouse import WarehouseOrder
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.gxo.rest import RestWarehouse
from integrations.registry import Channel
from sandbox.gxo.app import DEFAULT_API_KEY
from sandbox.gxo.app import create_app as create_gxo_app
from sandbox.gxo.models import ProcessingSettings
from sandbox.gxo.warehouse import GxoWarehouse
from sandbox.server import ServerThread
from store.audit import list_audit
from store.inventory import demand_by_item
from store.mappings import upsert_sku_mappings
from store.tables import AuditOutcome
from tests.activities.test_channel import parcel
from tests.activities.test_warehouse import channel_order
from tests.amazon.fakes import NOW, FakeAmazon, settings
from tests.corpus.activity import attempt, parks
from tests.corpus.cases import Case, Corpus, Observed, Outcome, missing, one, rows

PLANNING = "order planning"


def lines(*specs: tuple[str, str, int]) -> Callable[[ChannelOrder], ChannelOrder]:
    """The order with these (line id, SKU, quantity) lines instead."""
    new = [OrderLine(line_id=i, sku=s, quantity=q) for i, s, q in specs]
    return lambda order: order.model_copy(update={"lines": new})


def updated(**fields: Any) -> Callable[[ChannelOrder], ChannelOrder]:
    return lambda order: order.model_copy(update=fields)


def ship_to(country: str) -> Callable[[ChannelOrder], ChannelOrder]:
    address = ShipTo(name="Test Buyer", line1="1 Test Street", city="Town", country_code=country)
    return updated(ship_to=address)


def cancelled(order: ChannelOrder) -> ChannelOrder:
    closed = [line.model_copy(update={"quantity_cancelled": line.quantity}) for line in order.lines]
    return order.model_copy(update={"lines": closed})


def coded(order: ChannelOrder) -> ChannelOrder:
    first = order.lines[0].model_copy(update={"transparency_codes_required": True})
    return order.model_copy(update={"lines": [first, *order.lines[1:]]})


PLANS: list[tuple[Case, Callable[[ChannelOrder], ChannelOrder]]] = [
    (
        Case(
            "plan-unknown-sku",
            PLANNING,
            "SKU SCARF-LTD-RED, not in the mappings",
            Outcome(parks("UNMAPPED_SKU"), "SCARF-LTD-RED"),
        ),
        lines(("L1", "TSHIRT-BLK-M", 1), ("L2", "SCARF-LTD-RED", 1)),
    ),
    (
        Case(
            "plan-unmapped-service",
            PLANNING,
            "shipping service NEXT_DAY, not mapped",
            Outcome(parks("UNMAPPED_CARRIER"), "'NEXT_DAY'"),
        ),
        updated(ship_service_level="NEXT_DAY"),
    ),
    (
        Case(
            "plan-no-facility",
            PLANNING,
            "a destination no facility rule covers (US)",
            Outcome(parks("NO_FACILITY")),
        ),
        ship_to("US"),
    ),
    (
        Case(
            "plan-missing-customs",
            PLANNING,
            "abroad (NO) with SKUs lacking customs data",
            Outcome(parks("MISSING_CUSTOMS_DATA"), "ships internationally"),
        ),
        ship_to("NO"),
    ),
    (
        Case(
            "plan-missing-address",
            PLANNING,
            "no shipping address",
            Outcome(parks("MISSING_ADDRESS"), "no shipping address"),
        ),
        updated(ship_to=None),
    ),
    (
        Case(
            "plan-no-open-lines",
            PLANNING,
            "every line cancelled",
            Outcome(parks("UNKNOWN_ORDER_LINE"), "no open lines"),
        ),
        cancelled,
    ),
    (
        Case(
            "plan-transparency-codes",
            PLANNING,
            "a line Amazon wants a Transparency code per unit for",
            Outcome(parks("TRANSPARENCY_CODES_REQUIRED"), "TSHIRT-BLK-M"),
        ),
        coded,
    ),
    (
        Case(
            "plan-channel-label-only",
            PLANNING,
            "an order Amazon ships only on its own label (FBM Ship+)",
            Outcome(parks("CHANNEL_LABEL_REQUIRED")),
        ),
        updated(channel_label_required=True),
    ),
    (
        Case(
            "plan-duplicate-line-id",
            PLANNING,
            "channel line id L1 twice",
            Outcome(parks("DUPLICATE_ORDER_LINE"), "L1"),
        ),
        lines(("L1", "TSHIRT-BLK-M", 1), ("L1", "TSHIRT-BLK-M", 1)),
    ),
    (
        Case(
            "plan-huge-quantity",
            PLANNING,
            "a line of 1,000,000 units",
            Outcome(parks("QUANTITY_OUT_OF_RANGE"), "CONSIGN_MAX_UNITS_PER_LINE"),
        ),
        lines(("L1", "TSHIRT-BLK-M", 1_000_000)),
    ),
]


@rows("change", PLANS)
async def test_an_order_planning_refuses(
    case: Case,
    change: Callable[[ChannelOrder], ChannelOrder],
    engine: Engine,
    corpus: Corpus,
) -> None:
    order = change(channel_order())
    warehouse = WarehouseActivities(RestWarehouse("http://gxo.invalid", "unused"), engine)

    planned = await attempt(warehouse.plan, order)

    observed = planned if isinstance(planned, Observed) else Observed("planned", describe(planned))
    # Nothing half-done: no units held back from the channels for an order never planned.
    observed.lost += missing("demand held back", {}, demand_by_item(engine).open)
    corpus.check(case, observed)


def describe(plan: WarehouseOrder) -> str:
    return ", ".join(f"{line.channel_line_id} x{line.quantity}" for line in plan.lines)


INJECT = Case(
    "inject-unknown-item",
    "GXO inject",
    "a SKU mapped to an item GXO does not stock",
    Outcome(parks("WAREHOUSE_REJECTED"), "UNKNOWN_ITEM"),
)


@pytest.fixture
def gxo_server() -> Iterator[ServerThread]:
    """The GXO sandbox on loopback: its order gateway refuses what GXO's would (422)."""
    with ServerThread(create_gxo_app(GxoWarehouse(settings=ProcessingSettings()))) as server:
        yield server


@one(INJECT)
async def test_an_order_gxo_refuses(
    case: Case, gxo_server: ServerThread, engine: Engine, corpus: Corpus
) -> None:
    sku = SkuMapping(channel=Channel.AMAZON, sku="SCARF-NEW", item_code="GXO-NOT-STOCKED")
    upsert_sku_mappings(engine, [sku])
    order = lines(("L1", "TSHIRT-BLK-M", 1), ("L2", "SCARF-NEW", 1))(channel_order())
    async with RestWarehouse(gxo_server.url, DEFAULT_API_KEY) as rest:
        warehouse = WarehouseActivities(rest, engine)
        plan = await attempt(warehouse.plan, order)
        assert isinstance(plan, WarehouseOrder), f"planning failed: {plan}"

        observed = await attempt(warehouse.inject, plan)

    if not isinstance(observed, Observed):
        observed = Observed("injected", observed.warehouse_order_id)
    # The refusal is in the audit trail, and the units planning held back are released.
    refused = [a.outcome for a in list_audit(engine, order_id=order.ref.order_id)]
    observed.lost += missing("the refusal in the audit trail", [AuditOutcome.REJECTED], refused)
    observed.lost += missing("demand held back", {}, demand_by_item(engine).open)
    corpus.check(case, observed)


CONFIRM = Case(
    "confirm-unmapped-carrier",
    "ship confirmation",
    "a parcel on GXO service DHL-EXPRESS, with no Amazon carrier code",
    Outcome(parks("UNMAPPED_CARRIER"), "'DHL-EXPRESS'"),
)


@one(CONFIRM)
async def test_a_parcel_consign_cannot_confirm(case: Case, engine: Engine, corpus: Corpus) -> None:
    fake = FakeAmazon()  # any call to Amazon would fail the case: none is scripted
    order = channel_order()
    request = ParcelConfirmRequest(
        ref=order.ref,
        package_reference="1",
        parcel=parcel({"L1": 2}, service="DHL-EXPRESS"),
    )
    async with fake.http() as http:
        client = build_amazon_client(settings("v2026"), http=http, clock=lambda: NOW)
        channel = ChannelActivities(
            {(Channel.AMAZON, order.ref.account): AmazonChannel(client)}, engine
        )
        observed = await attempt(channel.confirm_parcel, request)

    if not isinstance(observed, Observed):
        observed = Observed("confirmed", observed.carrier_code)
    observed.lost += missing("calls to Amazon", [], fake.paths())
    refused = [a.outcome for a in list_audit(engine, order_id=order.ref.order_id)]
    observed.lost += missing("the refusal in the audit trail", [AuditOutcome.REJECTED], refused)
    corpus.check(case, observed)
