"""The demo's returns (Centra): four buyers send back what consign shipped, each return created
in Centra as the brand's customer service would (createReturn), and GXO's returns desk scripted
per RMA: one arrives sellable, one damaged, one in several receipts (partial, then the rest),
one never arrives. The ReturnIntake starts a ReturnFulfillment per return; the checks read the
sandboxes' records: Centra's returns completed and refunded, GXO's stock restocked (a RETURN
movement) for sellable units only, the return that never came parked as RETURN_NOT_ARRIVED
after the dev stack's CONSIGN_RETURN_NOT_ARRIVED_DAYS (seconds, not days).

`start` runs once the orders have run (before operations fix the parked ones) and `finish` after
the month-end scene, so the waiting overlaps both."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from temporalio.client import Client
from temporalio.service import RPCError

from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage, OrderStatus
from domain.returns import ChannelReturn, ReturnRef, ReturnStage
from integrations.centra.client import CentraClient
from integrations.centra.module import CENTRA
from integrations.centra.returns import CentraReturns
from integrations.registry import WAREHOUSE, get_settings
from starter.demo_centra import CentraPart
from starter.devstack import DevStack
from workflows.deployment import facilities
from workflows.return_fulfillment import STATUS_QUERY, ReturnStatus

# The dev stack's CONSIGN_RETURN_NOT_ARRIVED_DAYS: 10 s (a fraction of a day). Every other
# return is received within a few GXO cycles (1 s each), well inside it.
NOT_ARRIVED_DAYS = "0.000116"
WAIT_STEPS = 300  # 30 s at most (a bound, not a timing assertion)
ROLES = ("sellable", "damaged", "partial", "never arrives")
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
    role: str
    order_id: str
    rma: str = ""
    units: int = 0
    skus: list[str] = field(default_factory=list)


@dataclass
class ReturnsOutcome:
    returns: list[DemoReturn] = field(default_factory=list)
    statuses: dict[str, ReturnStatus] = field(default_factory=dict)  # by RMA
    centra: dict[str, ChannelReturn] = field(default_factory=dict)  # by RMA
    restocked: Counter[str] = field(default_factory=Counter)  # GXO RETURN units by RMA
    note: str | None = None  # why the scene could not run
    waited: float = 0.0  # seconds `finish` waited after the month-end scene (the added time)

    def of(self, role: str) -> DemoReturn | None:
        return next((r for r in self.returns if r.role == role), None)

    def _closed(self, role: str, refunded: bool) -> bool:
        found = self.of(role)
        if found is None:
            return False
        status, centra = self.statuses.get(found.rma), self.centra.get(found.rma)
        return (
            status is not None
            and status.stage is ReturnStage.DONE
            and centra is not None
            and centra.completed
            and centra.refunded == refunded
        )

    def checks(self) -> dict[str, bool]:
        never = self.of("never arrives")
        waiting = self.statuses.get(never.rma) if never else None
        partial = self.of("partial")
        receipts = self.statuses.get(partial.rma) if partial else None
        by_role = {r.role: self.restocked[r.rma] for r in self.returns}
        expected = {
            r.role: r.units if r.role in ("sellable", "partial") else 0 for r in self.returns
        }
        return {
            "sellable, damaged and partial returns completed and refunded in Centra": all(
                self._closed(role, refunded=True) for role in ("sellable", "damaged", "partial")
            ),
            "the partial return arrived in several receipts": (
                receipts is not None and len(receipts.receipts) >= 2
            ),
            "GXO restocked sellable units only (not the damaged, not the missing)": (
                len(self.returns) == len(ROLES) and by_role == expected
            ),
            "the return that never arrived is parked RETURN_NOT_ARRIVED, not completed": (
                never is not None
                and waiting is not None
                and waiting.exception is not None
                and waiting.exception.kind is ExceptionKind.RETURN_NOT_ARRIVED
                and never.rma in self.centra
                and not self.centra[never.rma].completed
            ),
        }


def _centra() -> CentraReturns:
    settings = CENTRA.settings_of(get_settings())
    return CentraReturns(CentraClient(settings.base_url, settings.token), settings.account)


async def start(
    stack: DevStack,
    http: httpx.AsyncClient,
    part: CentraPart,
    statuses: dict[str, OrderStatus],
) -> ReturnsOutcome:
    """Create one Centra return per role from shipped plain orders, scripting GXO first."""
    outcome = ReturnsOutcome()
    await part.collect(stack, http)
    shipped = [o for o in part.of("plain") if statuses.get(o) is not None]
    shipped = [o for o in shipped if statuses[o].stage is OrderStage.SHIPPED]
    # The one order of two lines, one unit each, is the partial one (a receipt per line).
    two_lines = [o for o in shipped if len(_shipment_lines(part.orders[o])) >= 2]
    single = [o for o in shipped if o not in two_lines]
    if not two_lines or len(single) < 3:
        outcome.note = f"not enough shipped orders for the returns scene ({len(shipped)})"
        return outcome
    picks = dict(zip(("sellable", "damaged", "never arrives"), single, strict=False))
    picks["partial"] = two_lines[0]
    returns = _centra()
    try:
        for role in ROLES:
            outcome.returns.append(await _create(returns, part, picks[role], role))
    finally:
        await returns.client.aclose()
    scenarios: dict[str, dict[str, Any]] = {}
    for made in outcome.returns:
        if made.role == "damaged":
            codes = _item_codes(part, made.skus)
            scenarios[made.rma] = {"dispositions": dict.fromkeys(codes, "DAMAGED")}
        elif made.role == "partial":
            scenarios[made.rma] = {"several": True}
        elif made.role == "never arrives":
            scenarios[made.rma] = {"never_arrives": True}
    scripted = await http.post(f"{stack.gxo_url}/_sandbox/return-scenarios", json=scenarios)
    scripted.raise_for_status()
    return outcome


def _shipment_lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines of the order's first shipment (a return names one shipment)."""
    shipments = order.get("shipments") or []
    return list(shipments[0]["lines"]) if shipments else []


def _item_codes(part: CentraPart, skus: list[str]) -> list[str]:
    from starter import demo_world

    codes = {m.sku: m.item_code for m in demo_world.centra_sku_mappings()}
    return [codes[sku] for sku in skus]


async def _create(returns: CentraReturns, part: CentraPart, order_id: str, role: str) -> DemoReturn:
    order = part.orders[order_id]
    shipment = order["shipments"][0]
    skus = {line["id"]: line["sku"] for line in order["lines"]}
    lines = [
        {"shipmentLine": {"id": line["id"]}, "quantity": line["quantity"]}
        for line in shipment["lines"]
    ]
    payload = await returns.client.mutate(
        CREATE_RETURN,
        {"shipment": shipment["id"], "lines": lines},
        "DemoReturn",
        "createReturn",
    )
    return DemoReturn(
        role=role,
        order_id=order_id,
        rma=str(payload["return"]["id"]),
        units=sum(line["quantity"] for line in shipment["lines"]),
        skus=[skus[line["order_line_id"]] for line in shipment["lines"]],
    )


async def finish(
    stack: DevStack, http: httpx.AsyncClient, client: Client, outcome: ReturnsOutcome
) -> ReturnsOutcome:
    """Wait (bounded) for each return to end where its role says, then read the records."""
    account = CENTRA.settings_of(get_settings()).account
    began = time.monotonic()

    def settled(made: DemoReturn, status: ReturnStatus | None) -> bool:
        if status is None:
            return False
        if made.role == "never arrives":
            return status.exception is not None
        return status.stage is ReturnStage.DONE

    for _ in range(WAIT_STEPS):
        for made in outcome.returns:
            ref = ReturnRef(channel="centra", account=account, rma=made.rma)
            status = await _status(client, ref.workflow_id)
            if status is not None:
                outcome.statuses[made.rma] = status
        if all(settled(m, outcome.statuses.get(m.rma)) for m in outcome.returns):
            break
        await asyncio.sleep(0.1)
    outcome.waited = time.monotonic() - began
    returns = _centra()
    try:
        found = await returns.returns([m.rma for m in outcome.returns])
    finally:
        await returns.client.aclose()
    outcome.centra = {r.ref.rma: r for r in found}
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
    if outcome.note:
        console.print(f"[red]returns scene skipped: {outcome.note}[/]")
        return
    table = Table(title="Centra returns through GXO")
    for column in ("return", "RMA", "order", "units", "stage", "refunded", "GXO restocked"):
        table.add_column(column)
    for made in outcome.returns:
        status = outcome.statuses.get(made.rma)
        centra = outcome.centra.get(made.rma)
        stage = "-" if status is None else status.stage.value
        if status is not None and status.exception is not None:
            stage += f" {status.exception.kind.value}"
        table.add_row(
            made.role,
            made.rma,
            made.order_id,
            str(made.units),
            stage,
            "yes" if centra is not None and centra.refunded else "no",
            str(outcome.restocked[made.rma]),
        )
    console.print(table)
    console.print(f"returns scene: waited {outcome.waited:.1f} s after the other scenes")
