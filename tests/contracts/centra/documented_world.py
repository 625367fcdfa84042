"""A sandbox holding the objects Centra's example operations name by literal id (order 14 with
line 68, order 39790 with line 17635, shipments 123, 345 and 1338, return 315, variant 1445,
warehouse 3, ...), so each example runs unchanged against it. Values are the sandbox's own;
only the ids are Centra's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.centra.catalogue import Variant, Warehouse
from sandbox.centra.dates import ZONE
from sandbox.centra.generator import LineSpec, OrderSpec
from sandbox.centra.state import CentraSandbox

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SKU = "TEE200WHTM"
OTHER_SKU = "CAP600BLKOS"


class SteppingClock:
    """Moves on 10 s at every reading of `step`: a run of examples never meets the published
    20-requests-per-10-seconds quota, and timestamps still differ."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def step(self) -> None:
        self.now += timedelta(seconds=10)


def documented_world(clock: SteppingClock) -> CentraSandbox:
    sandbox = CentraSandbox(clock=clock)
    catalogue = sandbox.catalogue
    catalogue.add_warehouse(Warehouse(id=3, name="Retail Stockholm", stock_master_policy="CENTRA"))
    catalogue.add_size(2, 9001, "S", "S", "7350000999012")  # stock-change-delta: variant 2, "S"
    catalogue.add_variant(
        Variant(id=1445, product_id=1, number="GRN", name="Jacket Green", unit_cost_eur=80)
    )
    catalogue.add_size(1445, 9002, "XL", "XL", "7350000999029")  # stock-set-absolute
    sandbox.create(
        [
            OrderSpec(
                number=14,
                id="1497ccf644db871e1e4026d101bde6f3",
                status="PENDING",
                lines=[LineSpec(SKU=SKU, quantity=10, id=68)],
            ),
            OrderSpec(  # the documented shipment's buyer has a cell phone and a region only
                number=39790,
                lines=[LineSpec(SKU=SKU, quantity=2, id=17635)],
                country="DE",
                phone="cellPhoneNumber",
            ),
            OrderSpec(
                number=10,
                id="05ac658a8e815571fdba2984eb358932",
                lines=[LineSpec(SKU=SKU, quantity=1, id=10)],
            ),
            OrderSpec(number=20, lines=[LineSpec(SKU=OTHER_SKU, quantity=1)]),
            OrderSpec(
                number=30,
                lines=[LineSpec(SKU=SKU, quantity=2), LineSpec(SKU=OTHER_SKU, quantity=2)],
            ),
            OrderSpec(
                number=40,
                lines=[LineSpec(SKU=OTHER_SKU, quantity=1)],
                created_at=datetime(2021, 10, 23, 12, 0, tzinfo=ZONE),
            ),
        ]
    )
    with sandbox.lock:
        order = sandbox.order(14)
        sandbox.update_order(order, {"cancelLines": [{"line": {"id": 68}, "quantity": 1}]})
        sandbox.ids.shipment = 123
        sandbox.create_shipment(sandbox.order(20), [(sandbox.order(20).lines[0].id, 1)], {})
        sandbox.ids.shipment, sandbox.ids.shipment_line = 1338, 2943
        thirty = sandbox.order(30)
        shipment, _ = sandbox.create_shipment(
            thirty, [(line.id, 2) for line in thirty.lines], {"capture": True}
        )
        sandbox.complete_shipment(shipment.id, {})
        sandbox.ids.shipment, sandbox.ids.return_ = 345, 315
    return sandbox
