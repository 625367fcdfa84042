"""The demo's month-end: Amazon closes a settlement from what its sandbox actually shipped and
refunded, the SettlementIntake (fired through its schedule, as the worker keeps it) stores and
reconciles it, and the demo shows where each cent went and the differences it planted: a buyer
refunded without a return, an order Amazon settled below what its Orders API said it costs,
and the AFN orders Amazon settled that consign never shipped."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow

from domain.settlement_attribution import ACCOUNT_KINDS, ORDER_KINDS, attribute
from domain.settlement_differences import DifferenceKind, SettlementDifference
from starter.devstack import DevStack
from store.settlements import load_differences, load_settlement
from workflows.settlement_intake import SettlementIntakeProgress, settlement_intake_id

WAIT_STEPS = 400  # 20 s at most for the schedule to fire (a bound, not a timing assertion)
PRICE_CHANGE = Decimal("-1.00")  # what Amazon charges the repriced order below its total


@dataclass
class SettlementOutcome:
    settlement_id: str | None = None
    deposit: Decimal = Decimal(0)
    attributed: Decimal = Decimal(-1)
    by_kind: dict[str, Decimal] = field(default_factory=dict)
    orders: int = 0
    refunded: str | None = None  # the order the demo's buyer was refunded for
    repriced: str | None = None  # the order Amazon settled at PRICE_CHANGE off its total
    afn: list[str] = field(default_factory=list)  # orders settled as fulfilled by Amazon
    differences: list[SettlementDifference] = field(default_factory=list)
    refused: int = 0

    def kinds(self) -> Counter[str]:
        return Counter(d.kind.value for d in self.differences)

    def checks(self) -> dict[str, bool]:
        flagged = {(d.kind, d.order_id) for d in self.differences}
        return {
            "the settlement was stored and every cent of its deposit attributed": (
                self.settlement_id is not None and self.attributed == self.deposit
            ),
            "the planted refund without a return is a difference": (
                (DifferenceKind.REFUND_WITHOUT_RETURN, self.refunded) in flagged
            ),
            "the order settled below its total is the one total difference": [
                (d.order_id, d.settled - d.expected)
                for d in self.differences
                if d.kind is DifferenceKind.TOTAL_DIFFERS
                and d.settled is not None
                and d.expected is not None
            ]
            == ([(self.repriced, PRICE_CHANGE)] if self.repriced else []),
            "every AFN order settled is a difference (never shipped through consign)": all(
                (DifferenceKind.SETTLED_NOT_SHIPPED, order_id) in flagged for order_id in self.afn
            ),
            "nothing else differs from what consign confirmed": set(self.kinds())
            <= {
                DifferenceKind.REFUND_WITHOUT_RETURN,
                DifferenceKind.SETTLED_NOT_SHIPPED,
                DifferenceKind.TOTAL_DIFFERS,
            },
        }


async def settle(
    stack: DevStack,
    http: httpx.AsyncClient,
    client: Client,
    engine: Engine,
    account: str,
    shipped: list[str],
    whole: list[str] | None = None,
) -> SettlementOutcome:
    """Refund one shipped order, close the settlement charging another of `whole` (orders
    shipped in full: only those are compared with their totals) PRICE_CHANGE off what it
    costs, fire the intake, read the store."""
    outcome = SettlementOutcome()
    if shipped:
        refunded = await http.post(
            f"{stack.amazon_url}/_sandbox/settlements/refunds", json={"order_id": shipped[0]}
        )
        refunded.raise_for_status()
        outcome.refunded = shipped[0]
    outcome.repriced = next((o for o in whole or [] if o != outcome.refunded), None)
    changes = {outcome.repriced: str(PRICE_CHANGE)} if outcome.repriced else {}
    closed = await http.post(
        f"{stack.amazon_url}/_sandbox/settlements/close", json={"price_changes": changes}
    )
    closed.raise_for_status()
    outcome.settlement_id = closed.json()["settlement_id"]
    progress = await fire(client, settlement_intake_id("amazon", account))
    outcome.refused = len(progress.refused)
    settlement = await asyncio.to_thread(load_settlement, engine, outcome.settlement_id)
    if settlement is None:
        outcome.settlement_id = None
        return outcome
    attribution = attribute(settlement)
    outcome.deposit, outcome.attributed = attribution.deposit, attribution.attributed
    outcome.by_kind = {k.value: v for k, v in attribution.by_kind().items() if v}
    outcome.orders = len(attribution.orders)
    outcome.afn = [o.order_id for o in attribution.orders if o.fulfillment_id == "AFN"]
    outcome.differences = await asyncio.to_thread(load_differences, engine, outcome.settlement_id)
    return outcome


async def fire(client: Client, schedule_id: str) -> SettlementIntakeProgress:
    """Trigger the schedule now and wait for the run it starts (a firing the overlap policy
    skipped, while the worker's first run was still busy, is triggered again)."""
    handle = client.get_schedule_handle(schedule_id)
    before = (await handle.describe()).info.num_actions
    for step in range(WAIT_STEPS):
        if step % 40 == 0:
            await handle.trigger()
        info = (await handle.describe()).info
        if info.num_actions > before:
            action = info.recent_actions[-1].action
            assert isinstance(action, ScheduleActionExecutionStartWorkflow)
            run = client.get_workflow_handle(
                action.workflow_id, result_type=SettlementIntakeProgress
            )
            return await run.result()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"schedule {schedule_id} did not fire")


def render(console: Console, outcome: SettlementOutcome) -> None:
    if outcome.settlement_id is None:
        console.print("[red]no settlement stored[/]")
        return
    table = Table(title=f"Amazon settlement {outcome.settlement_id}: where each cent went")
    table.add_column("kind")
    table.add_column("amount", justify="right")
    for kind in (*ORDER_KINDS, *ACCOUNT_KINDS):
        if kind.value in outcome.by_kind:
            table.add_row(kind.value, str(outcome.by_kind[kind.value]))
    table.add_row("[bold]deposit[/]", f"[bold]{outcome.deposit}[/]")
    console.print(table)
    console.print(
        f"{outcome.orders} orders attributed, {outcome.attributed} of {outcome.deposit}; "
        f"differences: {', '.join(f'{k} x{n}' for k, n in sorted(outcome.kinds().items()))}"
    )
    for difference in outcome.differences[:6]:
        console.print(f"  {difference.kind.value} {difference.order_id}: {difference.detail}")
    console.print(f"  (all: consign settlements show {outcome.settlement_id})")
