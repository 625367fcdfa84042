"""The demo's product launch (Centra): two new products created in Centra's PIM while the orders
run, sent to GXO's item master by the ProductSync (the dev stack sweeps every few seconds, with
item codes and customs data from the product data, and only products changed after the demo
catalogue: CENTRA_PRODUCT_SYNC_SINCE).

- "ready": synced and accepted by GXO (ACTIVE at every facility, accepted in consign's ledger)
  before its first order is placed; the order ships.
- "early": GXO's item master is scripted to hold it PENDING (`/_sandbox/item-scenarios`), so its
  first order arrives before GXO accepts it (Centra sells the stock the product was created
  with): the order parks as ITEM_NOT_LAUNCHED and never reaches GXO, and from then on Centra
  shows 0 of it (the launch gate's figure, pushed by inventory sync), read from Centra's stock
  while GXO still holds the item; once the hold is lifted GXO loads the item, the ProductSync
  sees it accepted and releases the order by itself (its history: "retry requested by product
  sync"), and it ships.

The checks read GXO's item master and orders, Centra's stock and the workflows' histories. The
scene runs beside the other Centra orders (started with them, finished after them), so it adds
only its tail."""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.service import RPCError

from domain.exceptions import ExceptionKind
from domain.lifecycle import STATUS_QUERY, OrderStage, OrderStatus
from domain.order import OrderRef
from integrations.registry import Channel
from sandbox.centra.catalogue import STANDARD_EU
from sandbox.gxo.catalogue import DE_KOBLENZ
from starter.demo_parts import get_json, records
from starter.devstack import DevStack
from store.products import item_ledger
from workflows.inventory_sync import STATUS_QUERY as SYNC_STATUS_QUERY
from workflows.inventory_sync import InventorySyncStatus, inventory_sync_id

ROLES = ("ready", "early")
HOLD_CYCLES = 1_000_000  # held until the scene lifts the scenario
STOCK = 20
STEP = 0.1
PATIENCE_STEPS = 600  # 60 s per wait at most (a bound, not a timing assertion)
# What the explanation shows of the inventory sync's status.
SYNC_FIELDS = {
    "last_push_at", "pushes", "pending_items", "in_cycle", "last_error", "retrying", "rejected",
    "held", "awaiting",
}  # fmt: skip
RELEASED_NOTE = "requested by product sync"
PRODUCTS = {
    "ready": ("LNC700", "Launch Parka", "GRN", "Forest"),
    "early": ("LNC800", "Launch Shell Jacket", "RED", "Signal Red"),
}


class SceneOutcome(Protocol):
    note: str | None  # why the scene could not finish
    seconds: float


Outcome = TypeVar("Outcome", bound=SceneOutcome)
T = TypeVar("T")


@dataclass
class Launched:
    role: str
    sku: str
    product_id: int = 0
    order_id: str = ""
    parked: OrderStatus | None = None  # the order's status while it waited for GXO
    accepted_in_ledger_before_order: bool = False
    gxo_items_before_order: dict[str, str] = field(default_factory=dict)  # facility -> status
    # Once parked, before GXO's hold is lifted: Centra's physical stock per warehouse (the
    # sandbox keeps no stock history: the scene reads the level then) and GXO's item status.
    channel_stock_while_pending: dict[int, int] = field(default_factory=dict)
    gxo_items_while_pending: dict[str, str] = field(default_factory=dict)
    sync_while_pending: str = ""  # the inventory sync's status then, when Centra showed stock


@dataclass
class LaunchOutcome:
    launched: list[Launched] = field(default_factory=list)
    statuses: dict[str, OrderStatus] = field(default_factory=dict)  # by order id
    gxo_items: dict[tuple[str, str], str] = field(default_factory=dict)  # (facility, code)
    gxo_orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # by channel order id
    facilities: list[str] = field(default_factory=list)
    note: str | None = None  # why the scene could not finish
    seconds: float = 0.0

    def of(self, role: str) -> Launched | None:
        return next((p for p in self.launched if p.role == role), None)

    def explain(self) -> list[str]:
        """What each launched item's checks read, one line each (ids, statuses and counts):
        what a failed check needs to be understood."""
        lines = []
        for made in self.launched:
            status = self.statuses.get(made.order_id)
            stage = "no status" if status is None else status.stage.value
            lines.append(
                f"{made.role} {made.sku} order {made.order_id or '-'} ({stage}): GXO before "
                f"the order {made.gxo_items_before_order}, while parked "
                f"{made.gxo_items_while_pending}; Centra stock while parked "
                f"{made.channel_stock_while_pending}"
                + (
                    f"; inventory sync then: {made.sync_while_pending}"
                    if made.sync_while_pending
                    else ""
                )
            )
        return lines

    def _shipped(self, launched: Launched | None) -> bool:
        if launched is None:
            return False
        status = self.statuses.get(launched.order_id)
        gxo = self.gxo_orders.get(launched.order_id, {})
        shipped = sum(line.get("shipped", 0) for line in gxo.get("lines", []))
        items = {line.get("item_code") for line in gxo.get("lines", [])}
        return (
            status is not None
            and status.stage is OrderStage.SHIPPED
            and gxo.get("status") == "SHIPPED"
            and shipped >= 1
            and items == {launched.sku}
        )

    def _accepted_everywhere(self, launched: Launched | None) -> bool:
        return launched is not None and all(
            self.gxo_items.get((f, launched.sku)) == "ACTIVE" for f in self.facilities
        )

    def _unsold_while_pending(self, launched: Launched | None) -> bool:
        """The launch gate as Centra's buyers see it: none for sale while GXO loads the item."""
        return (
            launched is not None
            and set(launched.channel_stock_while_pending.values()) == {0}
            and len(launched.gxo_items_while_pending) == len(self.facilities)
            and set(launched.gxo_items_while_pending.values()) == {"PENDING"}
        )

    def checks(self) -> dict[str, bool]:
        ready, early = self.of("ready"), self.of("early")
        parked = early.parked if early else None
        status = self.statuses.get(early.order_id) if early else None
        history = status.history if status else []
        released = [n for n in history if RELEASED_NOTE in n]
        return {
            "a new product reached GXO's item master (ACTIVE, in the ledger) before its first "
            "order, which shipped": ready is not None
            and ready.accepted_in_ledger_before_order
            and set(ready.gxo_items_before_order.values()) == {"ACTIVE"}
            and len(ready.gxo_items_before_order) == len(self.facilities)
            and self._shipped(ready),
            "an order that came before GXO accepted its item parked as ITEM_NOT_LAUNCHED, "
            "never injected while parked": parked is not None
            and parked.exception is not None
            and parked.exception.kind is ExceptionKind.ITEM_NOT_LAUNCHED
            and parked.injections == 0,
            "while GXO had not accepted that item (PENDING at every facility), Centra showed 0 "
            "of it once the order parked": self._unsold_while_pending(early),
            "once GXO accepted the item the order went on by itself (its history says so) and "
            "shipped": bool(released) and self._accepted_everywhere(early) and self._shipped(early),
        }


class Scene(ABC, Generic[Outcome]):
    """A demo scene run beside the orders of an account: `run` does the whole scene (its
    `_run`, then `_collect` whatever happened), `outcome` is its result."""

    def __init__(self, account: str, outcome: Outcome) -> None:
        self.account = account
        self.outcome = outcome

    async def run(
        self, stack: DevStack, http: httpx.AsyncClient, client: Client, engine: Engine
    ) -> Outcome:
        await run_scene(
            self.outcome,
            lambda: self._run(stack, http, client, engine),
            lambda: self._collect(stack, http, client),
        )
        return self.outcome

    @abstractmethod
    async def _run(
        self, stack: DevStack, http: httpx.AsyncClient, client: Client, engine: Engine
    ) -> None:
        """The scene itself; a TimeoutError ends it with its message as the outcome's note."""

    @abstractmethod
    async def _collect(self, stack: DevStack, http: httpx.AsyncClient, client: Client) -> None:
        """Read what happened into the outcome (also after a timeout)."""


class LaunchScene(Scene[LaunchOutcome]):
    """Runs beside the Centra orders."""

    def __init__(self, account: str, facilities: list[str]) -> None:
        super().__init__(account, LaunchOutcome(facilities=facilities))

    async def _run(
        self, stack: DevStack, http: httpx.AsyncClient, client: Client, engine: Engine
    ) -> None:
        outcome = self.outcome
        early_sku = _sku("early")
        hold = {early_sku: {"hold_cycles": HOLD_CYCLES}}
        (await http.post(f"{stack.gxo_url}/_sandbox/item-scenarios", json=hold)).raise_for_status()
        for role in ROLES:
            launched = Launched(role=role, sku=_sku(role))
            launched.product_id = await _create_product(stack, http, role)
            outcome.launched.append(launched)
        ready, early = outcome.launched
        # The ProductSync sends both; GXO loads the ready one at its next cycle and holds the
        # other. The first order waits until consign's ledger says GXO accepted its item.
        await self._until(lambda: self._ledger_launched(engine, ready.sku), "ledger: ready item")
        ready.accepted_in_ledger_before_order = True
        ready.gxo_items_before_order = await gxo_items(stack, http, ready.sku)
        await _stock(stack, http, ready.sku)
        await self._until(
            lambda: self._gxo_has(stack, http, early.sku, "PENDING"), "GXO: early item pending"
        )
        ready.order_id, early.order_id = await _orders(stack, http, [ready.sku, early.sku])
        early.parked = await self._until(
            lambda: self._parked(client, early.order_id), "early order parked"
        )
        # Still held at GXO: Centra must show none of it (inventory sync pushes the gate's 0 as
        # the order parks; waited for a bounded while, the check says what was seen).
        early.channel_stock_while_pending = await settled(
            lambda: centra_stock(stack, http, early.sku), lambda seen: set(seen.values()) == {0}
        )
        if set(early.channel_stock_while_pending.values()) != {0}:
            early.sync_while_pending = await self._sync_status(client)
        early.gxo_items_while_pending = await gxo_items(stack, http, early.sku)
        # GXO finishes loading the item (the hold lifted); its stock arrives once it is known.
        await http.delete(f"{stack.gxo_url}/_sandbox/item-scenarios")
        await self._until(lambda: self._gxo_has(stack, http, early.sku, "ACTIVE"), "GXO: early")
        await _stock(stack, http, early.sku)
        for launched in outcome.launched:
            await self._until(
                lambda order_id=launched.order_id: self._shipped(client, order_id),
                f"{launched.role} order shipped",
            )

    @staticmethod
    async def _until(probe: Any, what: str) -> Any:
        return await until(probe, what)

    async def _ledger_launched(self, engine: Engine, sku: str) -> bool:
        return await ledger_launched(engine, sku, self.outcome.facilities)

    async def _gxo_has(
        self, stack: DevStack, http: httpx.AsyncClient, code: str, status: str
    ) -> bool:
        found = await gxo_items(stack, http, code)
        return len(found) == len(self.outcome.facilities) and set(found.values()) == {status}

    async def _status(self, client: Client, order_id: str) -> OrderStatus | None:
        ref = OrderRef(channel=Channel.CENTRA, account=self.account, order_id=order_id)
        return await order_status(client, ref)

    async def _parked(self, client: Client, order_id: str) -> OrderStatus | None:
        status = await self._status(client, order_id)
        if status is None or status.exception is None:
            return None
        return status if status.exception.kind is ExceptionKind.ITEM_NOT_LAUNCHED else None

    async def _sync_status(self, client: Client) -> str:
        """The Centra inventory sync's status, as one line (for the explanation)."""
        handle = client.get_workflow_handle(inventory_sync_id(Channel.CENTRA, self.account))
        try:
            found = await handle.query(SYNC_STATUS_QUERY, result_type=InventorySyncStatus)
        except RPCError as err:
            return f"not answered: {err.message}"
        return found.model_dump_json(include=SYNC_FIELDS)

    async def _shipped(self, client: Client, order_id: str) -> bool:
        status = await self._status(client, order_id)
        return status is not None and status.stage is OrderStage.SHIPPED

    async def _collect(self, stack: DevStack, http: httpx.AsyncClient, client: Client) -> None:
        outcome = self.outcome
        for launched in outcome.launched:
            if launched.order_id:
                status = await self._status(client, launched.order_id)
                if status is not None:
                    outcome.statuses[launched.order_id] = status
        views = await get_json(http, f"{stack.gxo_url}/_sandbox/items")
        outcome.gxo_items = {(v["facility_id"], v["item_code"]): v["status"] for v in views}
        mine = {p.order_id for p in outcome.launched}
        orders = records(await get_json(http, f"{stack.gxo_url}/_sandbox/orders"))
        outcome.gxo_orders = {
            str(o.get("channel_order_id")): o for o in orders if o.get("channel_order_id") in mine
        }


async def run_scene(
    outcome: SceneOutcome,
    steps: Callable[[], Awaitable[None]],
    collect: Callable[[], Awaitable[None]],
) -> None:
    """A scene's steps, timed; a wait that ran out becomes its note, and what the sandboxes
    and workflows hold is collected either way (the checks say what did not happen)."""
    began = time.monotonic()
    try:
        await steps()
    except TimeoutError as waited:
        outcome.note = str(waited)
    finally:
        outcome.seconds = time.monotonic() - began
        await collect()


async def until(probe: Any, what: str) -> Any:
    """`probe`'s first truthy answer, asked every STEP; TimeoutError after PATIENCE_STEPS."""
    for _ in range(PATIENCE_STEPS):
        found = await probe()
        if found:
            return found
        await asyncio.sleep(STEP)
    raise TimeoutError(f"launch scene: {what} did not happen in time")


async def settled(read: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    """`read`'s answer once `done` holds, else its last answer after PATIENCE_STEPS: the scene
    goes on either way (a check says what was seen)."""
    seen = await read()
    for _ in range(PATIENCE_STEPS):
        if done(seen):
            break
        await asyncio.sleep(STEP)
        seen = await read()
    return seen


async def centra_stock(stack: DevStack, http: httpx.AsyncClient, sku: str) -> dict[int, int]:
    """Centra's physical stock of the SKU per warehouse (what consign's push sets)."""
    rows = records(await get_json(http, f"{stack.centra_url}/_sandbox/stock"), "stock")
    return {int(r["warehouse_id"]): int(r["physical"]) for r in rows if r.get("SKU") == sku}


async def ledger_launched(engine: Engine, sku: str, facilities: list[str]) -> bool:
    """consign's item ledger holds the SKU's item as launched at every facility."""
    entries = await asyncio.to_thread(item_ledger, engine, [sku])
    by_facility = {e.facility_id: e.launched for e in entries}
    return set(by_facility) == set(facilities) and all(by_facility.values())


async def order_status(client: Client, ref: OrderRef) -> OrderStatus | None:
    try:
        handle = client.get_workflow_handle(ref.workflow_id)
        return await handle.query(STATUS_QUERY, result_type=OrderStatus)
    except RPCError:
        return None


def _sku(role: str) -> str:
    number, _, variant, _ = PRODUCTS[role]
    return f"{number}{variant}M"


async def _create_product(stack: DevStack, http: httpx.AsyncClient, role: str) -> int:
    number, name, variant, colour = PRODUCTS[role]
    body = {
        "number": number,
        "name": name,
        "hs_code": "620193",
        "hs_description": "Anoraks, windcheaters and similar articles of synthetic fibres",
        "country_of_origin": "PT",
        "weight_kg": 0.9,
        "variants": [
            {
                "number": variant,
                "name": f"{name} {colour}",
                "sizes": [{"size_number": "M", "stock": STOCK}],
            }
        ],
    }
    created = await http.post(f"{stack.centra_url}/_sandbox/products", json=body)
    created.raise_for_status()
    product_id: int = created.json()["id"]
    return product_id


async def gxo_items(stack: DevStack, http: httpx.AsyncClient, code: str) -> dict[str, str]:
    """The item's status at each facility that holds a record of it."""
    views = await get_json(http, f"{stack.gxo_url}/_sandbox/items")
    return {v["facility_id"]: v["status"] for v in views if v["item_code"] == code}


async def _stock(stack: DevStack, http: httpx.AsyncClient, code: str) -> None:
    """The launch's first delivery reaches Koblenz, once GXO's item master holds the item."""
    level = [{"facility_id": DE_KOBLENZ, "item_code": code, "on_hand": STOCK}]
    (await http.put(f"{stack.gxo_url}/_sandbox/stock", json=level)).raise_for_status()


async def _orders(stack: DevStack, http: httpx.AsyncClient, skus: list[str]) -> list[str]:
    specs = [
        {
            "lines": [{"SKU": sku, "quantity": 1}],
            "shipping_option": STANDARD_EU.name,
            "country": "SE",
        }
        for sku in skus
    ]
    created = await http.post(f"{stack.centra_url}/_sandbox/orders", json={"orders": specs})
    created.raise_for_status()
    return [str(record["number"]) for record in records(created.json())]


def _stock_text(stock: dict[int, int]) -> str:
    return ", ".join(f"{n} (warehouse {w})" for w, n in sorted(stock.items())) or "-"


def render(console: Console, outcome: LaunchOutcome) -> None:
    if outcome.note:
        console.print(f"[red]launch scene: {outcome.note}[/]", highlight=False)
    table = Table(title="Centra product launch through GXO's item master")
    for column in (
        "product",
        "SKU",
        "GXO before its order",
        "order",
        "parked",
        "Centra stock while parked",
        "released",
        "stage",
    ):
        table.add_column(column)
    for launched in outcome.launched:
        status = outcome.statuses.get(launched.order_id)
        before = ", ".join(f"{f} {s}" for f, s in sorted(launched.gxo_items_before_order.items()))
        parked = launched.parked.exception if launched.parked else None
        released = any(RELEASED_NOTE in n for n in (status.history if status else []))
        table.add_row(
            launched.role,
            launched.sku,
            before or "PENDING (held)",
            launched.order_id,
            parked.kind.value if parked else "-",
            _stock_text(launched.channel_stock_while_pending),
            "by the product sync" if released else "-",
            status.stage.value if status else "-",
        )
    console.print(table)
    early = outcome.of("early")
    status = outcome.statuses.get(early.order_id) if early else None
    for note in status.history if status else []:
        if "ITEM_NOT_LAUNCHED" in note or RELEASED_NOTE in note or "injected" in note:
            console.print(f"  {early.order_id if early else ''}: {note}", highlight=False)
    console.print(f"launch scene: {outcome.seconds:.1f} s (beside the other orders)")
