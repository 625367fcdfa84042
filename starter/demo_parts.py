"""What every channel's part of the demo provides, and the records they share.

A part seeds its channel's sandbox and the store, acts as buyers and payment providers while
the worker runs, fixes what operations would fix, and finally checks its channel's records
against GXO's. The orchestration (starter/demo.py) is channel-neutral.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowUpdateFailedError

from domain.exceptions import ExceptionKind
from domain.lifecycle import (
    ALREADY_WAITING,
    NOT_PARKED,
    RETRY_SIGNAL,
    OperatorAnswer,
    OperatorRequest,
    OrderStage,
    OrderStatus,
)
from domain.mapping import FacilityRule
from domain.order import OrderRef
from domain.warehouse import account_tag, warehouse_reference
from integrations.registry import Channel
from starter.devstack import DevStack

Expected = tuple[OrderStage, str | None]
SETTLED = {OrderStage.SHIPPED, OrderStage.CANCELLED, OrderStage.SKIPPED_AFN, OrderStage.EXCEPTION}
DEADLINE_KINDS = {ExceptionKind.SHIP_BY_AT_RISK, ExceptionKind.SHIP_BY_MISSED}


@dataclass
class GxoRecords:
    """The GXO sandbox's records by channel order id (the demo's order ids are unique across
    its first two accounts; `of_account` reads one account's alone, since two sellers or
    stores may use one order id). GXO keys orders by reference; injections under several
    references of one order are added up, so an order GXO created twice shows as created
    twice."""

    injections: dict[str, dict[str, Any]]
    orders: dict[str, dict[str, Any]]
    cancels: list[dict[str, Any]]
    # What GXO answered, by reference: `of_account` filters it.
    source: tuple[dict[str, dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]] = (
        {},
        [],
        [],
    )

    def of_account(self, channel: str, account: str) -> GxoRecords:
        """The records of one account's orders: their references carry its tag."""
        tag = f"{account_tag(channel, account)}-"
        injections, orders, cancels = self.source
        return GxoRecords.by_order_id(
            {ref: counts for ref, counts in injections.items() if ref.startswith(tag)},
            [o for o in orders if o["reference"].startswith(tag)],
            [c for c in cancels if c["reference"].startswith(tag)],
        )

    @classmethod
    def by_order_id(
        cls,
        injections: dict[str, dict[str, Any]],
        orders: list[dict[str, Any]],
        cancels: list[dict[str, Any]],
    ) -> GxoRecords:
        counted: dict[str, dict[str, Any]] = {}
        for reference, counts in injections.items():
            order_id = counts.get("channel_order_id") or reference
            total = counted.setdefault(order_id, {})
            for name, value in counts.items():
                if isinstance(value, int):
                    total[name] = total.get(name, 0) + value
        return cls(
            injections=counted,
            orders={o.get("channel_order_id") or o["reference"]: o for o in orders},
            cancels=[
                {**c, "reference": c.get("channel_order_id") or c["reference"]} for c in cancels
            ],
            source=(injections, orders, cancels),
        )

    def shipped_units(self, order_id: str) -> Counter[str]:
        units: Counter[str] = Counter()
        for line in self.orders.get(order_id, {}).get("lines", []):
            units[line["channel_line_id"]] += line["shipped"]
        return +units

    def parcels(self, order_id: str) -> list[dict[str, Any]]:
        parcels: list[dict[str, Any]] = self.orders.get(order_id, {}).get("parcels", [])
        return parcels

    def created(self) -> set[str]:
        return {ref for ref, counts in self.injections.items() if counts["created"] >= 1}

    def cancelled(self) -> set[str]:
        return {c["reference"] for c in self.cancels if c["outcome"] == "CANCELLED"}


class ChannelPart(Protocol):
    channel: Channel
    account: str
    label: str  # its column in the summary: "Amazon", "Amazon DE"
    order_ids: list[str]  # every order that must get a workflow
    retried: int
    answers: list[Answered]  # what each retry was answered

    @property
    def key(self) -> tuple[str, str]: ...

    def facility_rules(self) -> list[FacilityRule]: ...

    async def seed(self, stack: DevStack, http: httpx.AsyncClient, engine: Engine) -> None: ...

    async def act(self, stack: DevStack, http: httpx.AsyncClient) -> None: ...

    async def fix(
        self, stack: DevStack, http: httpx.AsyncClient, engine: Engine, client: Client
    ) -> None: ...

    def expected(self, order_id: str) -> Expected: ...

    async def collect(self, stack: DevStack, http: httpx.AsyncClient) -> None: ...

    def checks(self, statuses: dict[str, OrderStatus], gxo: GxoRecords) -> dict[str, bool]: ...

    def rows(self, statuses: dict[str, OrderStatus]) -> dict[str, int]: ...


def settled(status: OrderStatus | None) -> bool:
    """Finished, or waiting for a person (a deadline flag alone is not a reason to stop)."""
    if status is None:
        return False
    if status.stage is OrderStage.EXCEPTION:
        return status.exception is not None and status.exception.kind not in DEADLINE_KINDS
    return status.stage in SETTLED


def outcome_of(status: OrderStatus) -> Expected:
    return status.stage, status.exception.kind.value if status.exception else None


def part_settled(part: ChannelPart, order_id: str, status: OrderStatus | None) -> bool:
    """Settled, or already where the scenario leaves it (a held order stays held)."""
    return settled(status) or (status is not None and outcome_of(status) == part.expected(order_id))


def ended_as_expected(part: ChannelPart, statuses: dict[str, OrderStatus]) -> bool:
    return len(statuses) == len(part.order_ids) and all(
        outcome_of(status) == part.expected(order_id) for order_id, status in statuses.items()
    )


def injected_exactly_once(
    statuses: dict[str, OrderStatus], gxo: GxoRecords, rejected: Iterable[str] = ()
) -> bool:
    """Every order whose workflow reached GXO was created there once (a reference GXO
    rejected may be created again after the fix)."""
    reached = {o for o, s in statuses.items() if s.injections > 0}
    twice = {ref for ref, c in gxo.injections.items() if c["created"] > 1} - set(rejected)
    return reached <= gxo.created() and not (twice & reached)


def cancelled_at_gxo(statuses: dict[str, OrderStatus], gxo: GxoRecords) -> bool:
    cancelled = {o for o, s in statuses.items() if s.stage is OrderStage.CANCELLED and s.injections}
    return cancelled <= gxo.cancelled()


def common_rows(part: ChannelPart, statuses: dict[str, OrderStatus]) -> dict[str, int]:
    def count(predicate: Any) -> int:
        return sum(1 for s in statuses.values() if predicate(s))

    return {
        "injected into GXO": count(lambda s: s.injections > 0),
        "shipped in full (one parcel)": count(
            lambda s: s.stage is OrderStage.SHIPPED and len(s.parcels) == 1
        ),
        "shipped in parts (split or short-picked)": count(
            lambda s: s.stage is OrderStage.SHIPPED and len(s.parcels) > 1
        ),
        "cancelled": count(lambda s: s.stage is OrderStage.CANCELLED),
        "held or awaiting payment": count(lambda s: s.stage is OrderStage.AWAITING_PAYMENT),
        "in exception (needs a person)": count(lambda s: s.stage is OrderStage.EXCEPTION),
        "late": count(lambda s: s.late),
        "not settled when the demo stopped": len(part.order_ids)
        - sum(1 for o, s in statuses.items() if part_settled(part, o, s)),
    }


# Refusals of a retry the order does not need: it already moves on, or a retry (the product
# sync's release) waits to be acted on.
NOT_NEEDED = (NOT_PARKED, ALREADY_WAITING)


@dataclass(frozen=True)
class Answered:
    """An operator's retry and the workflow's answer to it (the Temporal Update)."""

    order_id: str
    answer: OperatorAnswer


async def retry_orders(
    client: Client, channel: Channel, account: str, order_ids: list[str], reason: str
) -> list[Answered]:
    """Send `retry` as an operator would after fixing the cause, as the CLI does: the update,
    whose answer is the stage the order reached (all at once: each waits for its order). An
    order the product sync releases by itself once its SKU is mapped (UNMAPPED_SKU, since
    mapping-release) needs none: the refusal (not parked, or a retry already waiting) is no
    answer, and it is left out."""
    request = OperatorRequest(reason=reason, requested_by="demo-operations")

    async def one(order_id: str) -> Answered | None:
        ref = OrderRef(channel=channel, account=account, order_id=order_id)
        handle = client.get_workflow_handle(ref.workflow_id)
        try:
            answer = await handle.execute_update(RETRY_SIGNAL, request, result_type=OperatorAnswer)
        except WorkflowUpdateFailedError as err:
            if any(reason in str(err.cause) for reason in NOT_NEEDED):
                return None
            raise
        return Answered(order_id, answer)

    found = await asyncio.gather(*(one(order_id) for order_id in order_ids))
    return [answered for answered in found if answered is not None]


async def script_troubles(
    http: httpx.AsyncClient,
    stack: DevStack,
    channel: str,
    account: str,
    troubles: dict[str, dict[str, object]],
) -> None:
    """GXO's scripted troubles for the account's orders, by the reference each order reaches
    GXO under (two accounts may share an order id; their references differ)."""
    scenarios = {
        warehouse_reference(OrderRef(channel=channel, account=account, order_id=order_id)): trouble
        for order_id, trouble in troubles.items()
    }
    scripted = await http.post(f"{stack.gxo_url}/_sandbox/scenarios", json=scenarios)
    scripted.raise_for_status()


async def get_json(http: httpx.AsyncClient, url: str) -> Any:
    response = await http.get(url)
    response.raise_for_status()
    return response.json()


def records(body: Any, key: str = "orders") -> list[dict[str, Any]]:
    rows = body if isinstance(body, list) else body.get(key, [])
    return [row for row in rows if isinstance(row, dict)]
