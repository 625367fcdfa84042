"""The demo's returns, on both channels: four buyers per channel send back what consign
shipped, and GXO's returns desk is scripted per RMA: one arrives sellable, one damaged, one in
several receipts (partial, then the rest), one never arrives. Centra's returns are created as
the brand's customer service would (createReturn); Amazon's through the sandbox's admin API, as
a buyer's return request appears in the returns report the ReturnIntake requests. The intakes
start a ReturnFulfillment per return; the checks read the sandboxes' records: Centra's returns
completed and refunded, Amazon's refunded by exactly one order-adjustment feed each, GXO's
stock restocked (a RETURN movement) for sellable units only, the return that never came parked
as RETURN_NOT_ARRIVED after the dev stack's CONSIGN_RETURN_NOT_ARRIVED_DAYS (seconds, not
days) and neither completed nor refunded. The default policy refunds damaged units (without
restocking them).

`start` runs once the orders have run (before operations fix the parked ones) and `finish` after
the month-end scene, so the waiting overlaps both."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import httpx
from rich.console import Console
from rich.table import Table
from temporalio.client import Client
from temporalio.service import RPCError

from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage, OrderStatus
from domain.returns import ReturnRef, ReturnStage
from integrations.centra.client import CentraClient
from integrations.centra.module import CENTRA
from integrations.centra.returns import CentraReturns
from integrations.registry import WAREHOUSE, Channel, get_settings
from starter import demo_world
from starter.demo_amazon import AmazonPart
from starter.demo_centra import CentraPart
from starter.demo_parts import ChannelPart, get_json
from starter.devstack import DevStack
from workflows.deployment import facilities
from workflows.return_fulfillment import STATUS_QUERY, ReturnStatus

# The dev stack's CONSIGN_RETURN_NOT_ARRIVED_DAYS: 10 s (a fraction of a day). Every other
# return is received within a few GXO cycles (1 s each), well inside it.
NOT_ARRIVED_DAYS = "0.000116"
# The dev stack's AMAZON_RETURNS_REPORT_MINUTES: a returns report every 3 s (Amazon's plan
# allows one a minute; the demo scales it), so a buyer's return reaches consign in seconds.
RETURNS_REPORT_MINUTES = "0.05"
P = TypeVar("P", CentraPart, AmazonPart)
WAIT_STEPS = 300  # 30 s at most (a bound, not a timing assertion)
ROLES = ("sellable", "damaged", "partial", "never arrives")
REFUNDED = ("sellable", "damaged", "partial")  # the default policy refunds damaged units
CREATE_RETURN = """
mutation DemoReturn($shipment: Int!, $lines: [ReturnLineCreateInput!]!) {
  createReturn(input: {shipment: {id: $shipment}, lines: $lines,
    returnStockActionPolicy: {releaseItemsBackToWarehouse: false}}) {
    return { id }
    userErrors { message path }
  }
}"""


@dataclass
class DemoReturn:
    channel: Channel
    role: str
    order_id: str
    rma: str = ""
    units: int = 0
    skus: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChannelRecord:
    """What the channel's sandbox recorded for one return."""

    completed: bool  # Centra's return completed (Amazon has no such step: always False)
    refunded: bool  # money given back for every returned line
    refunds: int  # refund requests the channel applied (Amazon: order-adjustment feeds)
    lines_refunded_once: bool  # every returned line refunded at most once


class ReturnsSide(Protocol):
    """One channel's part of the scene: which orders come back, how a buyer's return is made
    in the channel's sandbox, and what the channel recorded."""

    channel: Channel
    label: str
    account: str
    closed_text: str  # the check's wording for "closed as the channel should"

    def picks(self, statuses: dict[str, OrderStatus]) -> dict[str, str]: ...

    def returned_skus(self, order_id: str) -> list[str]: ...

    async def create(
        self, stack: DevStack, http: httpx.AsyncClient, order_id: str, role: str
    ) -> DemoReturn: ...

    def item_codes(self, skus: list[str]) -> list[str]: ...

    async def read(
        self, stack: DevStack, http: httpx.AsyncClient, made: list[DemoReturn]
    ) -> dict[str, ChannelRecord]: ...

    def closed(self, record: ChannelRecord) -> bool: ...


def _assign(shipped: list[str], lines: Callable[[str], int]) -> dict[str, str]:
    """Roles to shipped orders: the partial one needs two lines (a receipt per line); none
    when there are too few."""
    two_lines = [o for o in shipped if lines(o) >= 2]
    single = [o for o in shipped if o not in two_lines]
    if not two_lines or len(single) < 3:
        return {}
    picks = dict(zip(("sellable", "damaged", "never arrives"), single, strict=False))
    picks["partial"] = two_lines[0]
    return picks


class _Side(Generic[P]):
    """A channel's side of the scene, over that channel's part of the demo."""

    def __init__(self, part: P) -> None:
        self.part: P = part
        self.account: str = part.account


class CentraSide(_Side[CentraPart]):
    channel = Channel.CENTRA
    label = "Centra"
    closed_text = "completed and refunded in Centra"

    def picks(self, statuses: dict[str, OrderStatus]) -> dict[str, str]:
        shipped = [o for o in self.part.of("plain") if _shipped(statuses, o)]
        return _assign(shipped, lambda o: len(_shipment_lines(self.part.orders[o])))

    def returned_skus(self, order_id: str) -> list[str]:
        """The SKUs of the order's first shipment: what its return carries."""
        order = self.part.orders[order_id]
        skus = {line["id"]: line["sku"] for line in order["lines"]}
        return [skus[line["order_line_id"]] for line in order["shipments"][0]["lines"]]

    async def create(
        self, stack: DevStack, http: httpx.AsyncClient, order_id: str, role: str
    ) -> DemoReturn:
        shipment = self.part.orders[order_id]["shipments"][0]
        lines = [
            {"shipmentLine": {"id": line["id"]}, "quantity": line["quantity"]}
            for line in shipment["lines"]
        ]
        returns = _centra()
        try:
            payload = await returns.client.mutate(
                CREATE_RETURN,
                {"shipment": shipment["id"], "lines": lines},
                "DemoReturn",
                "createReturn",
            )
        finally:
            await returns.client.aclose()
        return DemoReturn(
            channel=self.channel,
            role=role,
            order_id=order_id,
            rma=str(payload["return"]["id"]),
            units=sum(line["quantity"] for line in shipment["lines"]),
            skus=self.returned_skus(order_id),
        )

    def item_codes(self, skus: list[str]) -> list[str]:
        codes = {m.sku: m.item_code for m in demo_world.centra_sku_mappings()}
        return [codes[sku] for sku in skus]

    async def read(
        self, stack: DevStack, http: httpx.AsyncClient, made: list[DemoReturn]
    ) -> dict[str, ChannelRecord]:
        returns = _centra()
        try:
            found = await returns.returns([m.rma for m in made])
        finally:
            await returns.client.aclose()
        return {
            r.ref.rma: ChannelRecord(
                completed=r.completed,
                refunded=r.refunded,
                refunds=int(r.refunded),
                lines_refunded_once=True,  # Centra refunds a return, not a line
            )
            for r in found
        }

    def closed(self, record: ChannelRecord) -> bool:
        return record.completed and record.refunded


class AmazonSide(_Side[AmazonPart]):
    channel = Channel.AMAZON
    label = "Amazon"
    closed_text = "refunded by exactly one order-adjustment feed (one item per returned line)"

    def picks(self, statuses: dict[str, OrderStatus]) -> dict[str, str]:
        shipped = [
            o
            for o in self.part.order_ids
            if _shipped(statuses, o) and o not in self.part.short_picks and self._whole(o)
        ]
        return _assign(shipped, lambda o: len(self._lines(o)))

    def _lines(self, order_id: str) -> dict[str, int]:
        items = self.part.orders[order_id]["items"]
        return {i["sku"]: i["quantity_shipped"] for i in items if i["quantity_shipped"]}

    def _whole(self, order_id: str) -> bool:
        items = self.part.orders[order_id]["items"]
        return all(i["quantity_shipped"] == i["quantity_ordered"] for i in items)

    def returned_skus(self, order_id: str) -> list[str]:
        """Every shipped SKU of the order: the scene returns all of it."""
        return list(self._lines(order_id))

    async def create(
        self, stack: DevStack, http: httpx.AsyncClient, order_id: str, role: str
    ) -> DemoReturn:
        lines = self._lines(order_id)
        response = await http.post(
            f"{stack.amazon_url}/_sandbox/returns", json={"order_id": order_id, "lines": lines}
        )
        response.raise_for_status()
        return DemoReturn(
            channel=self.channel,
            role=role,
            order_id=order_id,
            rma=response.json()["rma"],
            units=sum(lines.values()),
            skus=self.returned_skus(order_id),
        )

    def item_codes(self, skus: list[str]) -> list[str]:
        return [demo_world.item_code(sku) for sku in skus]

    async def read(
        self, stack: DevStack, http: httpx.AsyncClient, made: list[DemoReturn]
    ) -> dict[str, ChannelRecord]:
        """From the sandbox's returns (Refunded Amount per line) and its adjustments, each
        naming its return's line as MerchantAdjustmentItemID <rma>-<n>."""
        lines = (await get_json(http, f"{stack.amazon_url}/_sandbox/returns"))["returns"]
        applied = (await get_json(http, f"{stack.amazon_url}/_sandbox/adjustments"))["adjustments"]
        found: dict[str, ChannelRecord] = {}
        for rma in (m.rma for m in made):
            mine = [line for line in lines if line["rma"] == rma]
            adjustments = [
                a
                for a in applied
                if str(a.get("merchant_adjustment_item_id") or "").startswith(f"{rma}-")
            ]
            per_line = Counter(a["merchant_adjustment_item_id"] for a in adjustments)
            found[rma] = ChannelRecord(
                completed=False,
                refunded=bool(mine) and all(float(line["refunded"]) > 0 for line in mine),
                refunds=len({a["feed_id"] for a in adjustments}),
                lines_refunded_once=len(per_line) == len(mine)
                and all(n == 1 for n in per_line.values()),
            )
        return found

    def closed(self, record: ChannelRecord) -> bool:
        return record.refunded and record.refunds == 1 and record.lines_refunded_once


def sides(parts: list[ChannelPart]) -> list[ReturnsSide]:
    found: list[ReturnsSide] = []
    for part in parts:
        if isinstance(part, CentraPart):
            found.append(CentraSide(part))
        elif isinstance(part, AmazonPart):
            found.append(AmazonSide(part))
    return found


@dataclass
class ReturnsOutcome:
    sides: list[ReturnsSide] = field(default_factory=list)
    returns: list[DemoReturn] = field(default_factory=list)
    statuses: dict[str, ReturnStatus] = field(default_factory=dict)  # by RMA
    records: dict[str, ChannelRecord] = field(default_factory=dict)  # by RMA
    restocked: Counter[str] = field(default_factory=Counter)  # GXO RETURN units by RMA
    notes: list[str] = field(default_factory=list)  # why a channel's scene could not run
    waited: float = 0.0  # seconds `finish` waited after the month-end scene (the added time)

    def of(self, channel: Channel, role: str) -> DemoReturn | None:
        return next((r for r in self.returns if r.channel == channel and r.role == role), None)

    def _closed(self, side: ReturnsSide, role: str) -> bool:
        found = self.of(side.channel, role)
        if found is None:
            return False
        status, record = self.statuses.get(found.rma), self.records.get(found.rma)
        return (
            status is not None
            and status.stage is ReturnStage.DONE
            and record is not None
            and side.closed(record)
        )

    def explain(self) -> list[str]:
        """Each return's state and the channel's record, one line each: what a failed check
        needs to be understood (no personal data: ids, stages, counts)."""
        lines = []
        for made in self.returns:
            status, record = self.statuses.get(made.rma), self.records.get(made.rma)
            state = "no status" if status is None else status.stage.value
            if status is not None and status.exception is not None:
                state += f" {status.exception.kind.value}: {status.exception.message}"
            if status is not None and status.retrying:
                state += f" (retrying {status.retrying})"
            if status is not None:
                state += f"; receipts {len(status.receipts)}, received {status.received}"
                state += f"; history {status.history}"
            lines.append(
                f"{made.channel} {made.role} {made.rma} ({made.order_id}): {state}; {record}"
            )
        return lines

    def checks(self) -> dict[str, bool]:
        found: dict[str, bool] = {}
        for side in self.sides:
            found |= {f"{side.label} returns: {n}": ok for n, ok in self._checks(side).items()}
        return found

    def _checks(self, side: ReturnsSide) -> dict[str, bool]:
        made = [r for r in self.returns if r.channel == side.channel]
        never = self.of(side.channel, "never arrives")
        waiting = self.statuses.get(never.rma) if never else None
        untouched = self.records.get(never.rma) if never else None
        partial = self.of(side.channel, "partial")
        receipts = self.statuses.get(partial.rma) if partial else None
        by_role = {r.role: self.restocked[r.rma] for r in made}
        expected = {r.role: r.units if r.role in ("sellable", "partial") else 0 for r in made}
        return {
            f"sellable, damaged and partial returns {side.closed_text}": all(
                self._closed(side, role) for role in REFUNDED
            ),
            "the partial return arrived in several receipts": (
                receipts is not None and len(receipts.receipts) >= 2
            ),
            "GXO restocked sellable units only (not the damaged, not the missing)": (
                len(made) == len(ROLES) and by_role == expected
            ),
            "the return that never arrived is parked RETURN_NOT_ARRIVED, not closed or refunded": (
                waiting is not None
                and waiting.exception is not None
                and waiting.exception.kind is ExceptionKind.RETURN_NOT_ARRIVED
                and untouched is not None
                and not untouched.completed
                and not untouched.refunded
                and untouched.refunds == 0
            ),
        }


def _shipped(statuses: dict[str, OrderStatus], order_id: str) -> bool:
    status = statuses.get(order_id)
    return status is not None and status.stage is OrderStage.SHIPPED


def _shipment_lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines of the order's first shipment (a return names one shipment)."""
    shipments = order.get("shipments") or []
    return list(shipments[0]["lines"]) if shipments else []


def _centra() -> CentraReturns:
    settings = CENTRA.settings_of(get_settings())
    return CentraReturns(CentraClient(settings.base_url, settings.token), settings.account)


async def start(
    stack: DevStack,
    http: httpx.AsyncClient,
    parts: list[ChannelPart],
    statuses: dict[str, dict[str, OrderStatus]],
) -> ReturnsOutcome:
    """Script GXO's returns desk and create one return per role and channel from shipped
    orders. A channel without enough shipped orders is left out with a note."""
    outcome = ReturnsOutcome()
    chosen: list[tuple[ReturnsSide, dict[str, str]]] = []
    scenarios: dict[str, dict[str, Any]] = {}
    for side in sides(parts):
        part = next(p for p in parts if p.channel == side.channel)
        await part.collect(stack, http)
        picks = side.picks(statuses.get(side.channel, {}))
        if not picks:
            outcome.notes.append(f"{side.label}: not enough shipped orders for the returns scene")
            continue
        chosen.append((side, picks))
        for role, order_id in picks.items():
            scenarios |= _scenario(side, role, order_id)
    # Scripted by channel order id before any return exists: an intake can start a return's
    # workflow (and its GXO notice) within a second of its creation, and a scenario keyed by
    # RMA, posted after the returns were made, came too late for the first ones under load.
    scripted = await http.post(f"{stack.gxo_url}/_sandbox/return-scenarios", json=scenarios)
    scripted.raise_for_status()
    for side, picks in chosen:
        outcome.sides.append(side)
        for role in ROLES:
            outcome.returns.append(await side.create(stack, http, picks[role], role))
    return outcome


def _scenario(side: ReturnsSide, role: str, order_id: str) -> dict[str, dict[str, Any]]:
    if role == "damaged":
        codes = side.item_codes(side.returned_skus(order_id))
        return {order_id: {"dispositions": dict.fromkeys(codes, "DAMAGED")}}
    if role == "partial":
        return {order_id: {"several": True}}
    if role == "never arrives":
        return {order_id: {"never_arrives": True}}
    return {}


async def finish(
    stack: DevStack, http: httpx.AsyncClient, client: Client, outcome: ReturnsOutcome
) -> ReturnsOutcome:
    """Wait (bounded) for each return to end where its role says, then read the records."""
    accounts = {side.channel: side.account for side in outcome.sides}
    began = time.monotonic()

    def settled(made: DemoReturn, status: ReturnStatus | None) -> bool:
        if status is None:
            return False
        if made.role == "never arrives":
            return status.exception is not None
        return status.stage is ReturnStage.DONE

    for _ in range(WAIT_STEPS):
        for made in outcome.returns:
            ref = ReturnRef(channel=made.channel, account=accounts[made.channel], rma=made.rma)
            status = await _status(client, ref.workflow_id)
            if status is not None:
                outcome.statuses[made.rma] = status
        if all(settled(m, outcome.statuses.get(m.rma)) for m in outcome.returns):
            break
        await asyncio.sleep(0.1)
    outcome.waited = time.monotonic() - began
    for side in outcome.sides:
        mine = [m for m in outcome.returns if m.channel == side.channel]
        outcome.records |= await side.read(stack, http, mine)
    outcome.restocked = await _restocked(stack, http, {m.rma for m in outcome.returns})
    return outcome


async def _status(client: Client, workflow_id: str) -> ReturnStatus | None:
    try:
        handle = client.get_workflow_handle(workflow_id)
        return await handle.query(STATUS_QUERY, result_type=ReturnStatus)
    except RPCError:
        return None  # not started yet


async def _restocked(stack: DevStack, http: httpx.AsyncClient, rmas: set[str]) -> Counter[str]:
    """GXO's RETURN movements by RMA, from each facility's stock-change feed (all pages)."""
    settings = get_settings()
    key = WAREHOUSE.settings_of(settings).api_key.get_secret_value()
    headers = {"Authorization": f"Bearer {key}"}
    found: Counter[str] = Counter()
    for facility in facilities(settings):
        url = f"{stack.gxo_url}/v1/facilities/{facility}/stock-changes"
        cursor = 0
        while True:
            response = await http.get(url, params={"cursor": cursor, "limit": 500}, headers=headers)
            response.raise_for_status()
            page = response.json()
            for change in page.get("changes", []):
                if change.get("kind") == "RETURN" and change.get("reference") in rmas:
                    found[change["reference"]] += change["quantity"]
            if not page.get("changes") or page["next_cursor"] <= cursor:
                break
            cursor = page["next_cursor"]
    return found


def render(console: Console, outcome: ReturnsOutcome) -> None:
    for note in outcome.notes:
        console.print(f"[red]returns scene skipped: {note}[/]")
    if not outcome.returns:
        return
    table = Table(title="Returns through GXO")
    for column in (
        "channel",
        "return",
        "RMA",
        "order",
        "units",
        "stage",
        "refunded",
        "GXO restocked",
    ):
        table.add_column(column)
    for made in outcome.returns:
        status = outcome.statuses.get(made.rma)
        record = outcome.records.get(made.rma)
        stage = "-" if status is None else status.stage.value
        if status is not None and status.exception is not None:
            stage += f" {status.exception.kind.value}"
        refunded = "no"
        if record is not None and record.refunded:
            refunded = "yes" if made.channel is Channel.CENTRA else f"yes ({record.refunds} feed)"
        table.add_row(
            str(made.channel),
            made.role,
            made.rma,
            made.order_id,
            str(made.units),
            stage,
            refunded,
            str(outcome.restocked[made.rma]),
        )
    console.print(table)
    console.print(f"returns scene: waited {outcome.waited:.1f} s after the other scenes")
