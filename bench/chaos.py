"""Chaos run: mixed orders through the real stack while the worker is killed every few seconds
and the Temporal dev server is restarted once; then exact checks from the sandboxes' records.

Brings up the demo stack on free ports with Temporal persisting to a file (so it survives a
restart), seeds both channels' mappings and GXO's stock, and feeds Amazon (MFN and AFN, pending
payments, international) and Centra orders (multi-line, held and unpaid until released,
international) in waves; GXO short-picks and splits some. Meanwhile the worker gets SIGKILL every
`--kill-every` seconds and is started again at once, as a service manager would, and the Temporal
dev server is restarted once. Every intake and inventory sync is watched through its query; per
kill (and the restart) the run measures the time until each has made progress again.

Run: .venv/bin/python -m bench.chaos --orders 1000 [--kill-every 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import httpx
from rich.console import Console
from rich.table import Table
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from domain.order import OrderRef
from integrations.registry import Channel
from starter import demo_world
from starter.client import connect
from starter.demo import build_stack, free_stack_ports, settings_for
from starter.demo_amazon import SELLER, confirmed_units
from starter.demo_centra import ACCOUNT, shipped_units, tracking_numbers
from starter.demo_parts import GxoRecords, get_json, records
from starter.devstack import DevStack
from store.mappings import (
    replace_facility_rules,
    upsert_carrier_codes,
    upsert_carrier_services,
    upsert_sku_mappings,
)
from store.migrate import open_store
from worker import STICKY_TIMEOUT
from workflows.channel_intake import intake_id
from workflows.intakes import HEARTBEAT, RETRY_AT_MOST
from workflows.inventory_sync import inventory_sync_id
from workflows.stock_intake import stock_intake_id
from workflows.warehouse_intake import workflow_id_for

SAMPLE_SECONDS = 0.5  # how often every intake and sync is asked for its progress
QUERY_TIMEOUT = 2.0
BASELINE_TIMEOUT = 0.5
DESCRIBE_ATTEMPTS = 5
WAVE_SECONDS = 2.0  # orders arrive in a wave every this many seconds
RELEASE_AFTER = 4.0  # a pending payment clears, a hold lifts, this long after the order
AMAZON_SHARE = 0.6
SCENARIO_SHARE = 0.08  # of orders with 2+ units: GXO short-picks (and as many it splits)
# The stated bound (docs/operations.md, "When a worker dies"): the heartbeat timeout (5 s) and
# the longest retry interval of an intake's first round (2 s) for work lost with the killed
# worker, the wait of its next workflow task on the dead worker's sticky queue (3 s), the
# replacement worker's start-up (allowance 10 s on a loaded 2-core machine), one poll interval
# (1 s), and the sampling here. A workflow task in flight at the kill (TASK_TIMEOUT, 5 s) is
# retried within the first two terms.
BOUND_SECONDS = (
    HEARTBEAT + RETRY_AT_MOST + STICKY_TIMEOUT + timedelta(seconds=10 + 1 + SAMPLE_SECONDS)
).total_seconds()
FACILITIES = ("GXO-UK-DAV", "GXO-DE-KOB")
STALLS = "no intake or sync stalled"  # the one check on wall-clock time (tests leave it out)


@dataclass(frozen=True)
class Watched:
    """One intake or sync, and the counters in its query whose sum moves when it makes
    progress. A sync pushes only what moved: `can_idle` when its answer shows nothing waiting
    and no cycle under way, which is not a stall (an intake always has its next read)."""

    label: str
    workflow_id: str
    query: str
    counters: tuple[str, ...]
    can_idle: bool = False

    def read(self, answer: dict[str, Any]) -> tuple[int, bool]:
        """The counter's value and whether the answer shows nothing to do."""
        idle = self.can_idle and not answer["pending_items"] and not answer["in_cycle"]
        return sum(int(answer[c]) for c in self.counters), idle


WATCHED = (
    # An order intake makes progress by reading and by handing over changes a notification
    # stated (no read since notified-changes): under a stream of notifications most of it.
    Watched(
        "Amazon order intake",
        intake_id(Channel.AMAZON, SELLER),
        "progress",
        ("polls", "signalled"),
    ),
    Watched(
        "Centra intake", intake_id(Channel.CENTRA, ACCOUNT), "progress", ("polls", "signalled")
    ),
    *(
        Watched(f"GXO warehouse intake {f}", workflow_id_for(f), "progress", ("polls",))
        for f in FACILITIES
    ),
    *(
        Watched(f"GXO stock intake {f}", stock_intake_id(f), "progress", ("polls",))
        for f in FACILITIES
    ),
    *(
        Watched(
            f"{name} inventory sync",
            inventory_sync_id(channel, account),
            "status",
            ("pushes",),
            can_idle=True,
        )
        for name, channel, account in (
            ("Amazon", Channel.AMAZON, SELLER),
            ("Centra", Channel.CENTRA, ACCOUNT),
        )
    ),
)


@dataclass
class Disruption:
    """A worker kill or the Temporal restart: when, and each watched counter just before."""

    what: str
    at: float
    baseline: dict[str, int]
    recovered: dict[str, float | None] = field(default_factory=dict)  # None: never, in the run
    answered: float | None = None  # seconds until a worker answered a query again
    until: float | None = None  # seconds until the next disruption (None: the last)

    def interrupted(self, label: str) -> bool:
        """The next disruption came before `label` moved again: its recovery was cut short,
        and what it would have taken is unknown (the next one's time includes it)."""
        seconds = self.recovered.get(label)
        return self.until is not None and (seconds is None or seconds > self.until)


class Sample(NamedTuple):
    asked: float  # when the query went out
    answered: float  # when its answer came back
    value: int
    idle: bool = False  # the answer showed nothing to do: as good as progress


def moved(value: int, baseline: int) -> bool:
    """The counter shows progress since `baseline`. Intakes and syncs continue as new (every
    few hundred events, workflows/run_length.py) and a new run counts from 0: any other value
    than the baseline, except a fresh run's 0, is progress."""
    return value != baseline and value != 0


def recovery(at: float, baseline: int, samples: list[Sample]) -> float | None:
    """Seconds from `at` until the answer to a query asked after `at` shows the counter moved
    past `baseline` or nothing to do (None: never). An answer to a query asked before `at` may
    predate it."""
    found = [s.answered for s in samples if s.asked > at and (s.idle or moved(s.value, baseline))]
    return min(found) - at if found else None


@dataclass(frozen=True)
class Stretch:
    """A stretch without progress of one intake or sync: from the first answer showing one
    value of its counter to the first showing the next (or the last answer of the run), with
    the disruptions that came inside it."""

    label: str
    start: float
    end: float
    disruptions: tuple[float, ...]

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def after_last(self) -> float:
        """From the last disruption inside it (its start if none) to its end: what the bound
        limits. Everything before the last disruption may be lost to it (work in flight, a
        recovery cut short), so a run of kills faster than a recovery is allowed its length,
        and shows as `interrupted` recoveries and a long stretch, not as a failure."""
        return self.end - (self.disruptions[-1] if self.disruptions else self.start)


def stretches(label: str, samples: list[Sample], disruptions: list[float]) -> list[Stretch]:
    """The stretches between one progress of the counter and the next: samples in the order
    they were asked (a slow answer to an earlier query may come after a later one's), each
    stretch from the answer that showed one value to the answer that showed the next (or
    showed nothing to do: an idle sync is not stalled)."""
    ordered = sorted(samples, key=lambda s: s.asked)
    if not ordered:
        return []
    marks = [ordered[0]]
    for sample in ordered[1:]:
        if sample.idle or moved(sample.value, marks[-1].value):
            marks.append(sample)
    ends = [m.answered for m in marks[1:]] + [ordered[-1].answered]
    return [
        Stretch(label, m.answered, end, tuple(d for d in disruptions if m.answered < d < end))
        for m, end in zip(marks, ends, strict=True)
        if end > m.answered
    ]


class Monitor:
    """Samples every watched counter through its query; a query no worker answers is skipped."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.samples: dict[str, list[Sample]] = {w.label: [] for w in WATCHED}

    async def _one(self, watched: Watched, limit: float) -> int | None:
        handle = self.client.get_workflow_handle(watched.workflow_id)
        asked = time.monotonic()
        try:
            answer = await asyncio.wait_for(handle.query(watched.query), limit)
        except Exception:  # no worker yet, server restarting: no sample this time
            return None
        value, idle = watched.read(answer)
        self.samples[watched.label].append(Sample(asked, time.monotonic(), value, idle))
        return value

    async def sample(self, limit: float = QUERY_TIMEOUT) -> dict[str, int | None]:
        values = await asyncio.gather(*(self._one(w, limit) for w in WATCHED))
        return {w.label: v for w, v in zip(WATCHED, values, strict=True)}

    def last(self, label: str) -> int:
        found = self.samples[label]
        return max(found, key=lambda s: s.answered).value if found else 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sample()
            await asyncio.sleep(SAMPLE_SECONDS)

    async def baseline(self) -> dict[str, int]:
        """Each counter now (or as last seen, when its query goes unanswered): asked with a
        short timeout, so a disruption is not put off by a worker that does not answer."""
        now = await self.sample(BASELINE_TIMEOUT)
        return {
            label: value if value is not None else self.last(label) for label, value in now.items()
        }

    def settle(self, disruptions: list[Disruption]) -> None:
        for disruption, following in zip(disruptions, [*disruptions[1:], None], strict=True):
            at = disruption.at
            disruption.until = following.at - at if following else None
            answered = [s.answered for f in self.samples.values() for s in f if s.asked > at]
            disruption.answered = min(answered) - at if answered else None
            disruption.recovered = {
                label: recovery(at, base, self.samples[label])
                for label, base in disruption.baseline.items()
            }


@dataclass
class Orders:
    """What the run created at the channels, by channel order id."""

    amazon_mfn: list[str] = field(default_factory=list)
    amazon_afn: list[str] = field(default_factory=list)
    centra: list[str] = field(default_factory=list)
    international: int = 0
    multi_line: int = 0
    held_or_pending: int = 0
    short_picked: int = 0
    split: int = 0

    @property
    def total(self) -> int:
        return len(self.amazon_mfn) + len(self.amazon_afn) + len(self.centra)

    def workflow_ids(self) -> dict[str, str]:
        """Workflow id -> channel order id, for every order that must get a workflow."""
        refs = [
            OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=o) for o in self.amazon_mfn
        ]
        refs += [OrderRef(channel=Channel.CENTRA, account=ACCOUNT, order_id=o) for o in self.centra]
        return {ref.workflow_id: ref.order_id for ref in refs}


class Feeder:
    """Creates the orders in waves, scripts GXO's short picks and splits, and releases pending
    payments and holds a few seconds after each order."""

    def __init__(
        self, stack: DevStack, http: httpx.AsyncClient, total: int, rate: float, seed: int
    ) -> None:
        self.stack, self.http = stack, http
        self.total, self.per_wave, self.seed = total, max(2, round(rate * WAVE_SECONDS)), seed
        self.rng = random.Random(seed)
        self.orders = Orders()
        self.releases: list[tuple[float, str, dict[str, Any]]] = []  # due, url, body

    async def _post(self, url: str, body: dict[str, Any]) -> Any:
        response = await self.http.post(url, json=body)
        response.raise_for_status()
        return response.json()

    def _script(self, order_id: str, quantities: list[int], scenarios: dict[str, Any]) -> None:
        """Some orders of 2+ units ship in parts: a short pick of line 1, or one unit a parcel."""
        roll = self.rng.random()
        if quantities[0] >= 2 and roll < SCENARIO_SHARE:
            scenarios[order_id] = {"short_pick": {"line": 1, "ship": 1}}
            self.orders.short_picked += 1
        elif sum(quantities) >= 2 and roll < 2 * SCENARIO_SHARE:
            scenarios[order_id] = {"split": True}
            self.orders.split += 1

    async def _amazon(self, count: int, wave: int, scenarios: dict[str, Any]) -> None:
        body = {
            "count": count,
            "seed": self.seed * 100_000 + wave,
            "afn_share": 0.1,
            "pending_share": 0.1,
            "international_share": 0.2,
            "include_unmapped": False,
        }
        created = records(await self._post(f"{self.stack.amazon_url}/_sandbox/orders", body))
        due = time.monotonic() + RELEASE_AFTER
        for order in created:
            order_id = order["order_id"]
            if order["fulfillment_channel"] == "AFN":
                self.orders.amazon_afn.append(order_id)
                continue
            self.orders.amazon_mfn.append(order_id)
            self.orders.multi_line += len(order["items"]) > 1
            self.orders.international += order["address"]["country_code"] != "GB"
            if order["status"] == "Pending":
                self.orders.held_or_pending += 1
                self.releases.append(
                    (due, f"{self.stack.amazon_url}/_sandbox/orders/{order_id}/release", {})
                )
            self._script(order_id, [i["quantity_ordered"] for i in order["items"]], scenarios)

    async def _centra(self, count: int, wave: int, scenarios: dict[str, Any]) -> int:
        body = {
            "count": count,
            "seed": self.seed * 100_000 + wave,
            "held_share": 0.05,
            "waiting_for_payment_share": 0.05,
            "international_share": 0.2,
            "multi_line_share": 0.4,
        }
        created = records(await self._post(f"{self.stack.centra_url}/_sandbox/orders", body))
        due = time.monotonic() + RELEASE_AFTER
        for order in created:
            order_id = str(order["number"])
            self.orders.centra.append(order_id)
            self.orders.multi_line += len(order["lines"]) > 1
            self.orders.international += (
                order["address"]["country_code"] not in demo_world.EU_COUNTRIES
            )
            admin = f"{self.stack.centra_url}/_sandbox/orders/{order_id}"
            if order["is_on_hold"] or order["is_waiting_for_payment"]:
                self.orders.held_or_pending += 1
            if order["is_on_hold"]:
                self.releases.append((due, f"{admin}/hold", {"on_hold": False}))
            if order["is_waiting_for_payment"]:
                self.releases.append((due, f"{admin}/payment", {"waiting_for_payment": False}))
            self._script(order_id, [line["ordered"] for line in order["lines"]], scenarios)
        return len(created)

    async def _release_due(self) -> None:
        now = time.monotonic()
        due = [r for r in self.releases if r[0] <= now]
        self.releases = [r for r in self.releases if r[0] > now]
        for _, url, body in due:
            await self._post(url, body)

    async def run(self, on_wave: Callable[[], None]) -> None:
        wave = 0
        while self.orders.total < self.total or self.releases:
            left = self.total - self.orders.total
            if left > 0:
                batch = min(self.per_wave, left)
                centra = round(batch * (1 - AMAZON_SHARE))
                scenarios: dict[str, Any] = {}
                made = await self._centra(centra, wave, scenarios) if centra else 0
                # Centra makes fewer when its stock runs short: Amazon takes the rest.
                await self._amazon(batch - made, wave, scenarios)
                if scenarios:
                    await self._post(f"{self.stack.gxo_url}/_sandbox/scenarios", scenarios)
                wave += 1
                on_wave()
            await self._release_due()
            await asyncio.sleep(WAVE_SECONDS)


async def restock_ticker(stack: DevStack, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
    """A unit received at each facility every second, so each sync always has a change to push
    (its progress is a push) even when no order ships."""
    amazon = [m.item_code for m in demo_world.sku_mappings()]
    centra = [m.item_code for m in demo_world.centra_sku_mappings()]
    tick = 0
    while not stop.is_set():
        for facility, items in ((FACILITIES[0], amazon), (FACILITIES[1], centra)):
            body = {"facility_id": facility, "item_code": items[tick % len(items)], "quantity": 1}
            (await http.post(f"{stack.gxo_url}/_sandbox/restock", json=body)).raise_for_status()
        tick += 1
        await asyncio.sleep(1.0)


class Chaos:
    """Kills the worker every `every` seconds and restarts it at once; restarts Temporal once
    when `restart_due()` says so; restarts a worker that exited by itself (as a service manager
    would). Records each disruption with the counters just before it."""

    def __init__(
        self,
        stack: DevStack,
        monitor: Monitor,
        every: float,
        restart_due: Callable[[], bool],
        calm: Callable[[], bool] = lambda: False,
    ) -> None:
        self.stack, self.monitor, self.every, self.restart_due = stack, monitor, every, restart_due
        self.calm = calm  # True once disruptions should stop (--calm-drain: every order is in)
        self.calmed = False  # the kills stopped before the orders settled
        self.disruptions: list[Disruption] = []
        self.unplanned_exits = 0
        self.temporal_restart_seconds: float | None = None

    @property
    def workers(self) -> list[str]:
        """The worker processes (two with --split-worker), all killed at each kill."""
        return ["worker", "worker-intakes"] if self.stack.split_worker else ["worker"]

    def _kill_workers(self) -> None:
        for name in self.workers:
            self.stack.restart(name, kill=True, wait_ready=False)

    @property
    def kills(self) -> int:
        return sum(1 for d in self.disruptions if d.what == "worker kill")

    async def _disrupt(self, what: str, action: Callable[[], None]) -> float:
        baseline = await self.monitor.baseline()
        at = time.monotonic()
        self.disruptions.append(Disruption(what, at, baseline))
        await asyncio.to_thread(action)
        return time.monotonic() - at

    async def run(self, stop: asyncio.Event) -> None:
        next_kill = time.monotonic() + self.every
        while not stop.is_set():
            if self.temporal_restart_seconds is None and self.restart_due():
                self.temporal_restart_seconds = await self._disrupt(
                    "Temporal restart", lambda: self.stack.restart("temporal")
                )
            elif time.monotonic() >= next_kill and not (self.calmed or self.calm()):
                await self._disrupt("worker kill", self._kill_workers)
                next_kill = max(next_kill + self.every, time.monotonic() + 1)
            else:
                self.calmed = self.calmed or self.calm()
                for name in self.workers:
                    if not self.stack.child(name).running:
                        self.unplanned_exits += 1
                        await asyncio.to_thread(self.stack.restart, name, wait_ready=False)
            await asyncio.sleep(0.2)


async def count(client: Client, query: str) -> int:
    return (await client.count_workflows(query)).count


async def wait_settled(
    client: Client, feeding: asyncio.Task[None], expected: Callable[[], int], limit: float
) -> bool:
    """Until the feeder is done and every order's workflow has closed or waits for a person
    (False after `limit` seconds of draining)."""
    orders = "WorkflowType = 'OrderFulfillment'"
    running = f"{orders} AND ExecutionStatus = 'Running'"
    deadline: float | None = None
    while True:
        await asyncio.sleep(2)
        if not feeding.done():
            continue
        feeding.result()  # a feeder that failed ends the run
        deadline = deadline or time.monotonic() + limit
        try:
            total = await count(client, orders)
            open_ = await count(client, running) - await count(
                client, f"{running} AND OrderStage = 'EXCEPTION'"
            )
        except Exception:  # server restarting: ask again
            continue
        if total >= expected() and open_ == 0:
            return True
        if time.monotonic() > deadline:
            return False


@dataclass
class Check:
    name: str
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class Records:
    """The sandboxes' and Temporal's records at the end of the run."""

    amazon: dict[str, dict[str, Any]]
    confirmations: list[dict[str, Any]]
    centra: dict[str, dict[str, Any]]
    gxo: GxoRecords
    workflows: dict[str, tuple[str, str]]  # channel order id -> (execution status, OrderStage)
    problems: list[str]  # workflow ids with TemporalReportedProblems
    pending: dict[str, list[str]]  # watched label -> its pending activities at the end

    def resent(self) -> int:
        """confirmShipment calls that re-sent a package Amazon already had (idempotent
        retries, e.g. of a call whose worker was killed before it recorded the answer)."""
        return sum(1 for c in self.confirmations if c["edited"])


async def collect(
    stack: DevStack, http: httpx.AsyncClient, client: Client, orders: Orders
) -> Records:
    amazon = records(await get_json(http, f"{stack.amazon_url}/_sandbox/orders"))
    confirmations = await get_json(http, f"{stack.amazon_url}/_sandbox/confirmations")
    centra = records(await get_json(http, f"{stack.centra_url}/_sandbox/orders"))
    gxo = GxoRecords.by_order_id(
        injections=await get_json(http, f"{stack.gxo_url}/_sandbox/injections"),
        orders=records(await get_json(http, f"{stack.gxo_url}/_sandbox/orders")),
        cancels=records(await get_json(http, f"{stack.gxo_url}/_sandbox/cancels")),
    )
    expected = orders.workflow_ids()
    workflows: dict[str, tuple[str, str]] = {}
    async for execution in client.list_workflows("WorkflowType = 'OrderFulfillment'"):
        if execution.id in expected:
            stage = execution.search_attributes.get("OrderStage") or ["?"]
            status = execution.status.name if execution.status else "?"
            workflows[expected[execution.id]] = (status, str(stage[0]))
    problems = [e.id async for e in client.list_workflows("TemporalReportedProblems IS NOT NULL")]
    pending = {w.label: await pending_activities(client, w.workflow_id) for w in WATCHED}
    return Records(
        amazon={o["order_id"]: o for o in amazon},
        confirmations=records(confirmations, "confirmations"),
        centra={str(o["number"]): o for o in centra},
        gxo=gxo,
        workflows=workflows,
        problems=problems,
        pending={label: found for label, found in pending.items() if found},
    )


async def pending_activities(client: Client, workflow_id: str) -> list[str]:
    """What an intake or sync still waits for: each pending activity, its state and attempt,
    and how long ago it started (the evidence for a stall). Temporal may answer "Workflow is
    busy" for a workflow flooded with signals (a 1,000-order run ended in that traceback): asked
    again a few times, then said so instead of losing the run's figures."""
    for attempt in range(DESCRIBE_ATTEMPTS):
        try:
            description = await client.get_workflow_handle(workflow_id).describe()
            break
        except RPCError as err:
            if attempt == DESCRIBE_ATTEMPTS - 1:
                return [f"(not described: {err.message})"]
            await asyncio.sleep(1.0)
    now = time.time()
    found = []
    for activity in description.raw_description.pending_activities:
        started = activity.last_started_time.seconds
        since = f", started {now - started:.0f} s ago" if started else ""
        state = PendingActivityState.Name(activity.state).removeprefix("PENDING_ACTIVITY_STATE_")
        found.append(f"{activity.activity_type.name} {state} attempt {activity.attempt}{since}")
    return found


def exact_checks(
    found: Records, orders: Orders, stalls: list[Stretch], bound: float, origin: float = 0.0
) -> list[Check]:
    """What the sandboxes and Temporal recorded, order by order; each check lists what broke it."""
    amazon, centra, gxo, closed = found.amazon, found.centra, found.gxo, found.workflows
    every = orders.amazon_mfn + orders.centra
    completed = WorkflowExecutionStatus.COMPLETED.name

    def parcels(order_id: str) -> list[str]:
        return sorted(p["tracking_number"] for p in gxo.parcels(order_id))

    def channel_tracking(order_id: str) -> list[str]:
        if order_id in centra:
            return tracking_numbers(centra[order_id])
        return sorted(p["tracking_number"] for p in amazon[order_id].get("packages", {}).values())

    def channel_units(order_id: str) -> Counter[str]:
        return (
            shipped_units(centra[order_id])
            if order_id in centra
            else confirmed_units(amazon[order_id])
        )

    packages: dict[tuple[str, str], set[str]] = {}
    for c in found.confirmations:
        packages.setdefault((c["order_id"], c["tracking_number"]), set()).add(
            c["package_reference_id"]
        )
    over = [
        f"{s.label} +{s.start - origin:.0f}s: {s.seconds:.1f}s without progress, "
        f"{s.after_last:.1f}s after the last of {len(s.disruptions)} disruptions in it"
        for s in stalls
        if s.after_last > bound
    ]
    shipments = [s for o in orders.centra for s in centra[o].get("shipments", [])]
    return [
        Check(
            "every order created at a channel got a workflow (nothing lost)",
            [o for o in every if o not in closed],
        ),
        Check(
            "every order's workflow completed as SHIPPED (nothing stuck)",
            [
                f"{o} {closed[o][0]} {closed[o][1]}"
                for o in every
                if o in closed and closed[o] != (completed, "SHIPPED")
            ],
        ),
        Check(
            "each MFN and Centra order injected into GXO exactly once",
            [
                f"{o} created x{gxo.injections.get(o, {}).get('created', 0)}"
                for o in every
                if gxo.injections.get(o, {}).get("created", 0) != 1
            ],
        ),
        Check("no AFN order reached GXO", sorted(gxo.created() & set(orders.amazon_afn))),
        Check(
            "every GXO parcel confirmed to its channel exactly once, with its tracking number",
            [o for o in every if channel_tracking(o) != parcels(o) or not parcels(o)],
        ),
        Check(
            "no tracking number confirmed under two Amazon packages",
            [f"{o} {t}" for (o, t), ids in packages.items() if len(ids) > 1],
        ),
        Check(
            "units confirmed per line equal GXO's shipped units",
            [o for o in every if channel_units(o) != gxo.shipped_units(o)],
        ),
        Check(
            "every Centra shipment completed and captured",
            [s["number"] for s in shipments if not (s["is_shipped"] and s["captured"])],
        ),
        Check("TemporalReportedProblems IS NOT NULL finds nothing", found.problems),
        Check(f"{STALLS} longer than {bound:.1f} s after its last disruption", over),
    ]


def recovery_table(disruptions: list[Disruption], bound: float) -> Table:
    """Per disruption: the time until each intake and sync moved again, when that came before
    the next disruption; `interrupted` when the next came first (its time is then part of the
    next one's: the stretch table holds the whole)."""
    table = Table(
        title=f"Recovery after each disruption, before the next (sampled every "
        f"{SAMPLE_SECONDS:g} s)"
    )
    columns = ("intake / sync", "after", "n", "moved", "p50 s", "max s", "interrupted", "never")
    for column in columns:
        table.add_column(
            column, justify="left" if column in ("intake / sync", "after") else "right"
        )

    def row(label: str, what: str, found: list[Disruption], times: list[float | None]) -> None:
        cut = sum(1 for d in found if d.interrupted(label))
        seen = [
            t
            for d, t in zip(found, times, strict=True)
            if t is not None and not (d.interrupted(label))
        ]
        table.add_row(
            label,
            what,
            str(len(times)),
            str(len(seen)),
            f"{statistics.median(seen):.1f}" if seen else "-",
            f"{max(seen):.1f}" if seen else "-",
            str(cut) if label in {w.label for w in WATCHED} else "-",
            str(sum(1 for t in times if t is None)),
        )

    kinds = sorted({d.what for d in disruptions})
    for what in kinds:
        found = [d for d in disruptions if d.what == what]
        row("a worker answers queries again", what, found, [d.answered for d in found])
    for watched in WATCHED:
        for what in kinds:
            found = [d for d in disruptions if d.what == what]
            row(watched.label, what, found, [d.recovered.get(watched.label) for d in found])
    return table


def stretch_table(found: list[Stretch], bound: float) -> Table:
    """Per intake and sync: its longest stretch without progress, and the longest from the
    last disruption inside a stretch to its end (what the bound limits)."""
    table = Table(
        title=f"Stretches without progress (bound {bound:.1f} s after the last "
        "disruption inside one)"
    )
    columns = (
        "intake / sync",
        "stretches",
        "longest s",
        "disruptions in it",
        "longest after last disruption s",
        "over bound",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "intake / sync" else "right")
    for watched in WATCHED:
        mine = [s for s in found if s.label == watched.label]
        if not mine:
            table.add_row(watched.label, "0", "-", "-", "-", "-")
            continue
        longest = max(mine, key=lambda s: s.seconds)
        table.add_row(
            watched.label,
            str(len(mine)),
            f"{longest.seconds:.1f}",
            str(len(longest.disruptions)),
            f"{max(s.after_last for s in mine):.1f}",
            str(sum(1 for s in mine if s.after_last > bound)),
        )
    return table


async def seed_world(stack: DevStack, http: httpx.AsyncClient) -> None:
    """Both channels' mappings and facility rules in the store, GXO's opening stock."""
    engine = open_store(stack.environment()["DATABASE_URL"])
    await asyncio.to_thread(
        upsert_sku_mappings, engine, [*demo_world.sku_mappings(), *demo_world.centra_sku_mappings()]
    )
    services = [*demo_world.carrier_services(), *demo_world.centra_carrier_services()]
    await asyncio.to_thread(upsert_carrier_services, engine, services)
    codes = [*demo_world.carrier_codes(), *demo_world.centra_carrier_codes()]
    await asyncio.to_thread(upsert_carrier_codes, engine, codes)
    rules = [*demo_world.facility_rules(), *demo_world.centra_facility_rules()]
    await asyncio.to_thread(replace_facility_rules, engine, rules)
    engine.dispose()
    opening = [*demo_world.opening_stock(), *demo_world.centra_opening_stock()]
    await demo_world.open_warehouse(http, stack.gxo_url, opening)


def all_stretches(monitor: Monitor, disruptions: list[Disruption]) -> list[Stretch]:
    times = [d.at for d in disruptions]
    return [
        stretch
        for label, samples in monitor.samples.items()
        for stretch in stretches(label, samples, times)
    ]


async def last_samples(monitor: Monitor, disruptions: list[Disruption], bound: float) -> None:
    """After the last disruption: sample until each watched counter has moved past every
    baseline (or the bound has passed twice over), then work out every recovery."""
    deadline = time.monotonic() + 2 * bound
    while True:
        monitor.settle(disruptions)
        pending = [t for d in disruptions for t in d.recovered.values() if t is None]
        if not pending or time.monotonic() > deadline:
            return
        await monitor.sample()
        await asyncio.sleep(SAMPLE_SECONDS)


@dataclass
class Result:
    orders: Orders
    chaos: Chaos
    checks: list[Check]
    found: Records
    seconds: float
    settled: bool
    bound: float
    stretches: list[Stretch]


async def run_chaos(
    stack: DevStack,
    orders: int,
    kill_every: float,
    seed: int,
    rate: float,
    drain_limit: float,
    bound: float = BOUND_SECONDS,
    console: Console | None = None,
    calm_drain: bool = False,
) -> Result:
    """Feed the orders while killing the worker and restarting Temporal (once 40% of the
    orders are in); wait until every order settles (with `calm_drain`, the kills stop once
    every order is created); check the records."""
    say: Callable[[str], None] = console.log if console else (lambda text: None)
    async with httpx.AsyncClient(timeout=30) as http:
        await seed_world(stack, http)
        client = await connect(settings_for(stack))
        monitor = Monitor(client)
        feeder = Feeder(stack, http, orders, rate, seed)
        stop, stop_ticker = asyncio.Event(), asyncio.Event()
        started = time.monotonic()
        feeding: asyncio.Task[None] | None = None
        chaos = Chaos(
            stack,
            monitor,
            kill_every,
            lambda: feeder.orders.total >= 0.4 * orders,
            calm=lambda: calm_drain and feeding is not None and feeding.done(),
        )

        def progress() -> None:
            say(f"{feeder.orders.total}/{orders} orders created, {chaos.kills} kills")

        feeding = asyncio.create_task(feeder.run(progress))
        ticker = asyncio.create_task(restock_ticker(stack, http, stop_ticker))
        background = [asyncio.create_task(monitor.run(stop)), asyncio.create_task(chaos.run(stop))]
        try:
            settled = await wait_settled(
                client, feeding, lambda: len(feeder.orders.workflow_ids()), drain_limit
            )
            seconds = time.monotonic() - started
            stop.set()
            await asyncio.gather(*background)
            say("drain over, chaos stopped; waiting for every intake and sync to move again")
            await last_samples(monitor, chaos.disruptions, bound)
        finally:
            stop.set()
            stop_ticker.set()
            await asyncio.gather(*background, ticker, return_exceptions=True)
            feeding.cancel()
        found = await collect(stack, http, client, feeder.orders)
    found_stretches = all_stretches(monitor, chaos.disruptions)
    origin = chaos.disruptions[0].at if chaos.disruptions else started
    checks = exact_checks(found, feeder.orders, found_stretches, bound, origin)
    return Result(feeder.orders, chaos, checks, found, seconds, settled, bound, found_stretches)


def render(console: Console, result: Result, machine: str) -> None:
    orders, chaos = result.orders, result.chaos
    table = Table(title="consign chaos run")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = {
        "machine": machine,
        "orders created": orders.total,
        "  Amazon MFN / AFN": f"{len(orders.amazon_mfn)} / {len(orders.amazon_afn)}",
        "  Centra": len(orders.centra),
        "  international / multi-line": f"{orders.international} / {orders.multi_line}",
        "  pending payment or held, then released": orders.held_or_pending,
        "  short-picked / split by GXO (scripted)": f"{orders.short_picked} / {orders.split}",
        "GXO parcels": sum(
            len(result.found.gxo.parcels(o)) for o in orders.amazon_mfn + orders.centra
        ),
        "worker SIGKILLs": chaos.kills,
        "kills stopped once every order was created": "yes" if chaos.calmed else "no",
        "worker exits on its own (restarted)": chaos.unplanned_exits,
        "Temporal dev server restarts": sum(
            1 for d in chaos.disruptions if d.what == "Temporal restart"
        ),
        "Temporal restart took s": f"{chaos.temporal_restart_seconds or 0:.1f}",
        "Amazon confirmations re-sent (same package)": result.found.resent(),
        "settled within the drain limit": "yes" if result.settled else "NO",
        "duration s (first order to all settled)": f"{result.seconds:.0f}",
    }
    for label, value in rows.items():
        table.add_row(label, str(value))
    console.print(table)
    console.print(recovery_table(chaos.disruptions, result.bound))
    console.print(stretch_table(result.stretches, result.bound))
    checks = Table(title="Exact checks (sandboxes' records and Temporal visibility)")
    checks.add_column("check")
    checks.add_column("result")
    checks.add_column("what broke it (first 5)")
    for check in result.checks:
        mark = "[green]ok[/]" if check.ok else f"[red]FAIL x{len(check.failures)}[/]"
        checks.add_row(check.name, mark, "; ".join(check.failures[:5]))
    console.print(checks)
    for label, activities in result.found.pending.items():
        console.print(f"{label} still waits for: {'; '.join(activities)}")


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


async def main_async(args: argparse.Namespace, console: Console) -> bool:
    var = Path(tempfile.mkdtemp(prefix="consign-chaos-"))
    ports = free_stack_ports()
    stack = build_stack(
        var, ports, ui=False, temporal_db=var / "temporal.db", split_worker=args.split_worker
    )
    ok = False
    try:
        async with stack:
            console.log(f"stack up (logs in {var / 'logs'})")
            result = await run_chaos(
                stack,
                args.orders,
                args.kill_every,
                args.seed,
                args.rate,
                args.drain_limit,
                console=console,
                calm_drain=args.calm_drain,
            )
        render(console, result, machine())
        ok = all(check.ok for check in result.checks) and result.settled
    finally:
        if ok and not args.keep_logs:
            shutil.rmtree(var, ignore_errors=True)
        else:
            console.print(f"logs kept in {var / 'logs'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders to create in all")
    parser.add_argument("--kill-every", type=float, default=10.0, help="seconds between kills")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=4.0, help="orders created per second")
    parser.add_argument(
        "--drain-limit", type=float, default=900.0, help="seconds to wait for the last orders"
    )
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument(
        "--calm-drain",
        action="store_true",
        help="stop the kills once every order is created, then drain (default: kill until "
        "every order settles or the drain limit passes)",
    )
    parser.add_argument(
        "--split-worker",
        action="store_true",
        help="two worker processes (--only orders, --only intakes), both killed at each kill",
    )
    args = parser.parse_args()
    console = Console()
    if not asyncio.run(main_async(args, console)):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
