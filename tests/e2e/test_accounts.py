"""Many accounts end to end (issue 9 §2): two Amazon sellers (Amazon.co.uk and Amazon.de) and
two Centra stores, each on a sandbox of its own, configured by an accounts file
(CONSIGN_ACCOUNTS_FILE, starter/demo_accounts.py) and served by two worker processes split by
CONSIGN_ACCOUNTS: the stack's worker serves both default accounts and the second store, a
second worker (started later) the second seller alone.

Both sellers get an order under one order id, and both stores an order each (the two store
sandboxes number alike). Each order must reach GXO under its own account's reference and be
ship-confirmed to its own account only; each account's activities run on its own task queues
(rate limits included); and the second seller's order is not picked up until a worker serving
that seller runs. One stack start for the whole module."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError

from domain.lifecycle import STATUS_QUERY, OrderStage, OrderStatus
from domain.order import OrderRef
from domain.warehouse import warehouse_reference
from integrations.accounts import ACCOUNT_MARK
from integrations.module import Operation
from integrations.registry import Channel, queue_for
from sandbox.amazon.catalogue import DE
from starter.client import connect_to
from starter.demo import build_stack, free_stack_ports
from starter.demo_accounts import AMAZON_DE, CENTRA_US, SECOND_SELLER, SECOND_STORE
from starter.demo_amazon import SELLER
from starter.demo_centra import ACCOUNT as FIRST_STORE
from starter.demo_parts import get_json, records
from starter.dev_world import seed_world
from starter.devstack import DevStack, DevStackError
from workflows.channel_intake import intake_id

pytestmark = pytest.mark.e2e
PATIENCE = 120  # seconds: a bound for a loaded machine, not a timing assertion
ORDER_ID = "303-0000009-0000009"  # both sellers' order: one id, two accounts
QUEUE = "consign"
FIRST_WORKER = [f"amazon:{SELLER}", f"centra:{FIRST_STORE}", f"centra:{SECOND_STORE}"]
SECOND_WORKER = f"amazon:{SECOND_SELLER}"
# (channel, account, the sandbox child): every account of the run
ACCOUNTS = [
    (Channel.AMAZON, SELLER, "amazon"),
    (Channel.AMAZON, SECOND_SELLER, AMAZON_DE),
    (Channel.CENTRA, FIRST_STORE, "centra"),
    (Channel.CENTRA, SECOND_STORE, CENTRA_US),
]


@dataclass
class Run:
    """What the run saw, kept for the tests to assert on."""

    refs: list[OrderRef]
    # Before the second worker started: the second seller's order's workflow, intake and
    # sandbox record, and who polled its queues.
    unserved_workflows: dict[str, bool] = field(default_factory=dict)  # id -> found
    unserved_record: dict[str, Any] = field(default_factory=dict)
    unserved_at_gxo: list[dict[str, Any]] = field(default_factory=list)
    pollers_before: dict[str, int] = field(default_factory=dict)  # queue -> pollers
    gxo: list[dict[str, Any]] = field(default_factory=list)
    channel_records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    activity_queues: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    workflow_queues: dict[tuple[str, str], str] = field(default_factory=dict)
    statuses: dict[tuple[str, str], OrderStatus] = field(default_factory=dict)

    def ref(self, channel: str, account: str) -> OrderRef:
        return next(r for r in self.refs if (r.channel, r.account) == (channel, account))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    """The demo's stack with the second seller and store (an accounts file); its worker
    serves every account but the second seller."""
    built = build_stack(
        tmp_path_factory.mktemp("accounts"), free_stack_ports(), ui=False, second_accounts=True
    )
    built.extra_env.update(
        {
            "CONSIGN_ACCOUNTS": ",".join(FIRST_WORKER),
            # Not what this module is about: fewer workflows and children on a busy machine.
            "AMAZON_PRODUCT_SYNC": "false",
            "CENTRA_PRODUCT_SYNC": "false",
            "CONSIGN_MONITOR_MINUTES": "60",
        }
    )
    built.notifications = False  # polling alone (no SQS child)
    with built as running:
        yield running
        for name in ("worker-de", "worker"):  # no graceful drain: nothing is asserted after
            with contextlib.suppress(DevStackError):
                running.child(name).kill()


@pytest.fixture(scope="module")
def run(stack: DevStack) -> Run:
    return asyncio.run(scenario(stack))


async def scenario(stack: DevStack) -> Run:
    client = await connect_to(stack.temporal_address, stack.namespace)
    async with httpx.AsyncClient(timeout=10) as http:
        await seed_world(stack, http)
        refs = [
            *[
                await amazon_order(http, stack, account, sandbox)
                for _, account, sandbox in reversed(ACCOUNTS[:2])  # the second seller's first
            ],
            *[
                await centra_order(http, stack, account, sandbox)
                for _, account, sandbox in ACCOUNTS[2:]
            ],
        ]
        result = Run(refs)
        unserved = result.ref(Channel.AMAZON, SECOND_SELLER)
        first = result.ref(Channel.AMAZON, SELLER)
        # The first seller's order, made after the second seller's under the same id, has
        # reached GXO: the first worker found and planned it, and would have found the other.
        await until("the first seller's order reaches GXO", lambda: injected(client, first))
        await look_at_unserved(client, http, stack, unserved, result)
        await asyncio.to_thread(
            stack.add_worker,
            "worker-de",
            {"CONSIGN_ACCOUNTS": SECOND_WORKER, "CONSIGN_WEBHOOK_PORT": ""},
            f"{QUEUE}{ACCOUNT_MARK}{SECOND_WORKER}",
        )
        await until("every account's order ships", lambda: shipped(client, refs))
        result.gxo = records(await get_json(http, f"{stack.gxo_url}/_sandbox/orders"))
        for ref in refs:
            key = (ref.channel, ref.account)
            sandbox = next(s for c, a, s in ACCOUNTS if (c, a) == key)
            result.channel_records[key] = await channel_record(http, stack, sandbox, ref)
            result.activity_queues[key] = await activity_queues(client, ref)
            description = await client.get_workflow_handle(ref.workflow_id).describe()
            result.workflow_queues[key] = description.task_queue
            status = await order_status(client, ref)
            assert status is not None
            result.statuses[key] = status
    return result


async def amazon_order(
    http: httpx.AsyncClient, stack: DevStack, account: str, sandbox: str
) -> OrderRef:
    """One MFN order under ORDER_ID in the seller's own sandbox and marketplace."""
    market = {"marketplace_id": DE.marketplace_id} if account == SECOND_SELLER else {}
    order = {"order_id": ORDER_ID, "lines": [{"sku": "TSHIRT-BLK-M", "quantity": 1}], **market}
    url = f"{stack.sandbox_url(sandbox)}/_sandbox/orders"
    (await http.post(url, json={"orders": [order]})).raise_for_status()
    return OrderRef(channel=Channel.AMAZON, account=account, order_id=ORDER_ID)


async def centra_order(
    http: httpx.AsyncClient, stack: DevStack, account: str, sandbox: str
) -> OrderRef:
    """One order in the store's own sandbox, once the store shows GXO's stock (the worker's
    inventory sync pushes it; the store refuses an order it has no stock for)."""
    url = f"{stack.sandbox_url(sandbox)}/_sandbox/orders"
    spec = {"orders": [{"lines": [{"SKU": "TEE200WHTM", "quantity": 1}]}]}
    for _ in range(PATIENCE * 4):
        created = await http.post(url, json=spec)
        if created.status_code != 409 or "free-to-allocate" not in created.text:
            break
        await asyncio.sleep(0.25)
    created.raise_for_status()
    number = str(records(created.json())[0]["number"])
    return OrderRef(channel=Channel.CENTRA, account=account, order_id=number)


async def until(what: str, probe: Callable[[], Awaitable[bool]]) -> None:
    """Poll `probe` until it holds (bounded by PATIENCE: a loaded machine, not a timing)."""
    for _ in range(PATIENCE * 4):
        if await probe():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{what}: not within {PATIENCE} s")


async def order_status(client: Client, ref: OrderRef) -> OrderStatus | None:
    try:
        handle = client.get_workflow_handle(ref.workflow_id)
        return await handle.query(STATUS_QUERY, result_type=OrderStatus)
    except RPCError:
        return None


async def injected(client: Client, ref: OrderRef) -> bool:
    status = await order_status(client, ref)
    return status is not None and status.injections > 0


async def shipped(client: Client, refs: list[OrderRef]) -> bool:
    found = await asyncio.gather(*(order_status(client, ref) for ref in refs))
    return all(s is not None and s.stage is OrderStage.SHIPPED for s in found)


async def exists(client: Client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError:
        return False
    return True


async def pollers(client: Client, queue: str, kind: TaskQueueType.ValueType) -> int:
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace, task_queue=TaskQueue(name=queue), task_queue_type=kind
        )
    )
    return len(response.pollers)


async def look_at_unserved(
    client: Client, http: httpx.AsyncClient, stack: DevStack, ref: OrderRef, result: Run
) -> None:
    """While only the first worker runs: the second seller's order, intake and queues as
    that worker left them."""
    for workflow_id in (ref.workflow_id, intake_id(ref.channel, ref.account)):
        result.unserved_workflows[workflow_id] = await exists(client, workflow_id)
    result.unserved_record = await channel_record(http, stack, AMAZON_DE, ref)
    gxo = records(await get_json(http, f"{stack.gxo_url}/_sandbox/orders"))
    result.unserved_at_gxo = [o for o in gxo if o["reference"] == warehouse_reference(ref)]
    workflow, activity = (
        TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    )
    for account in (SELLER, SECOND_SELLER):
        main = QUEUE if account == SELLER else f"{QUEUE}{ACCOUNT_MARK}amazon:{account}"
        confirm = queue_for(Channel.AMAZON, Operation.CONFIRM, main)
        result.pollers_before[main] = await pollers(client, main, workflow)
        result.pollers_before[confirm] = await pollers(client, confirm, activity)


async def channel_record(
    http: httpx.AsyncClient, stack: DevStack, sandbox: str, ref: OrderRef
) -> dict[str, Any]:
    """The order as the account's own sandbox holds it."""
    body = await get_json(http, f"{stack.sandbox_url(sandbox)}/_sandbox/orders")
    key = "order_id" if ref.channel == Channel.AMAZON else "number"
    return next(o for o in records(body) if str(o[key]) == ref.order_id)


async def activity_queues(client: Client, ref: OrderRef) -> set[str]:
    """Every task queue the order's workflow scheduled an activity on."""
    history = await client.get_workflow_handle(ref.workflow_id).fetch_history()
    return {
        event.activity_task_scheduled_event_attributes.task_queue.name
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
    }


def confirmed_trackings(ref: OrderRef, record: dict[str, Any]) -> list[str]:
    """The tracking numbers the channel account was told of (Amazon's packages, Centra's
    shipments)."""
    if ref.channel == Channel.AMAZON:
        return sorted(p["tracking_number"] for p in record.get("packages", {}).values())
    return sorted(s["shipment_info"]["trackingNumber"] for s in record.get("shipments", []))


def test_the_second_sellers_order_waits_for_a_worker_that_serves_it(run: Run) -> None:
    """CONSIGN_ACCOUNTS: while the first worker took the first seller's order (the same id) to
    GXO, it never picked up the second seller's (no workflow, no intake, nothing at GXO or
    confirmed, nobody polling its queues); a worker serving that seller then shipped it."""
    unserved = run.ref(Channel.AMAZON, SECOND_SELLER)
    assert run.unserved_workflows == {
        unserved.workflow_id: False,
        intake_id(Channel.AMAZON, SECOND_SELLER): False,
    }
    assert run.unserved_at_gxo == [] and not run.unserved_record.get("packages")
    mark = f"{ACCOUNT_MARK}amazon:{SECOND_SELLER}"
    assert {q: n for q, n in run.pollers_before.items() if q.endswith(mark)} == {
        f"{QUEUE}{mark}": 0,
        f"{queue_for(Channel.AMAZON, Operation.CONFIRM, QUEUE)}{mark}": 0,
    }
    assert all(n > 0 for q, n in run.pollers_before.items() if not q.endswith(mark))
    assert run.statuses[unserved.channel, unserved.account].stage is OrderStage.SHIPPED


@pytest.mark.parametrize(("channel", "account", "sandbox"), ACCOUNTS)
def test_each_accounts_order_reaches_gxo_under_its_own_reference(
    run: Run, channel: str, account: str, sandbox: str
) -> None:
    ref = run.ref(channel, account)
    mine = [o for o in run.gxo if o["reference"] == warehouse_reference(ref)]
    assert [o["channel_order_id"] for o in mine] == [ref.order_id]
    assert run.statuses[channel, account].injections == 1


def test_one_order_id_under_two_sellers_is_two_orders_at_gxo(run: Run) -> None:
    first, second = run.ref(Channel.AMAZON, SELLER), run.ref(Channel.AMAZON, SECOND_SELLER)
    assert first.order_id == second.order_id
    assert warehouse_reference(first) != warehouse_reference(second)
    both = [o for o in run.gxo if o["channel_order_id"] == ORDER_ID]
    assert sorted(o["reference"] for o in both) == sorted(
        warehouse_reference(r) for r in (first, second)
    )


@pytest.mark.parametrize(("channel", "account", "sandbox"), ACCOUNTS)
def test_each_account_is_confirmed_its_own_parcels_only(
    run: Run, channel: str, account: str, sandbox: str
) -> None:
    """The account's sandbox holds exactly the parcels GXO shipped under its reference; no
    other account's sandbox holds any of them."""
    ref = run.ref(channel, account)
    [at_gxo] = [o for o in run.gxo if o["reference"] == warehouse_reference(ref)]
    parcels = sorted(p["tracking_number"] for p in at_gxo["parcels"])
    assert parcels and confirmed_trackings(ref, run.channel_records[channel, account]) == parcels
    for other in run.refs:
        if other != ref:
            told = confirmed_trackings(other, run.channel_records[other.channel, other.account])
            assert not set(told) & set(parcels), other


@pytest.mark.parametrize(("channel", "account", "sandbox"), ACCOUNTS)
def test_each_account_runs_on_its_own_task_queues(
    run: Run, channel: str, account: str, sandbox: str
) -> None:
    """A default account's order runs on the main queue and the module's limited queues as
    named before accounts existed; another's on `<queue>@<channel>:<account>` and its limited
    queues with the same suffix, so its confirms are rate-limited apart."""
    default = account in (SELLER, FIRST_STORE)
    suffix = "" if default else f"{ACCOUNT_MARK}{channel}:{account}"
    assert run.workflow_queues[channel, account] == f"{QUEUE}{suffix}"
    queues = run.activity_queues[channel, account]
    confirm = queue_for(channel, Operation.CONFIRM, QUEUE)
    assert confirm != QUEUE and f"{confirm}{suffix}" in queues
    if default:
        assert not any(ACCOUNT_MARK in q for q in queues), queues
    else:
        assert all(q.endswith(suffix) for q in queues), queues
