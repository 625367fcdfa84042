"""OrderFulfillment's business metrics reach the worker's Prometheus endpoint, configured as
worker.py configures it: eligible -> injected and dispatch -> confirmed histograms (seconds),
parked orders by kind (a counter ending _total)."""

from __future__ import annotations

import re

import httpx
from temporalio.client import Client
from temporalio.runtime import Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment

from codec.converter import configured_converter
from domain.lifecycle import OrderStage
from domain.warehouse import WarehouseOrderStatus
from sandbox.server import free_port
from tests.workflows.fakes import dispatch, make_order, parcel
from tests.workflows.order_harness import at, rejected, running_harness, until
from worker import prometheus
from workflows.order_fulfillment import OrderFulfillment


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample of `name` whose labels include `labels`."""
    found = []
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            found.append(float(match.group(2)))
    assert len(found) == 1, f"{name} {labels}: {found}\n{text}"
    return found[0]


async def test_an_order_emits_its_latencies_and_a_park(time_env: WorkflowEnvironment) -> None:
    address = f"127.0.0.1:{free_port()}"
    runtime = Runtime(telemetry=TelemetryConfig(metrics=prometheus(address)))
    client = await Client.connect(
        time_env.client.service_client.config.target_host,
        namespace=time_env.client.namespace,
        data_converter=configured_converter(),
        runtime=runtime,
    )
    async with running_harness(time_env, client=client) as harness:
        shipped = await harness.start(make_order(lines=[("TSHIRT-BLK-M", 2), ("CAP-RED", 1)]))
        order = harness.order(shipped)
        await until(shipped, at(OrderStage.INJECTED))
        event = dispatch(
            order,
            1,
            parcel("P1", ("10000", 2)),
            parcel("P2", ("20000", 1)),
            status=WarehouseOrderStatus.SHIPPED,
        )
        await shipped.signal(OrderFulfillment.warehouse_event, event)
        assert (await shipped.result()).stage is OrderStage.SHIPPED

        parked = await harness.start(make_order(lines=[("TSHIRT-BLK-M", 1)]))
        await until(parked, at(OrderStage.INJECTED))
        refusal = rejected(harness.order(parked), 1)
        await parked.signal(OrderFulfillment.warehouse_event, refusal)
        await until(parked, at(OrderStage.EXCEPTION))

    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://{address}/metrics")).text
    assert sample(text, "consign_order_eligible_to_injected_count", channel="amazon") == 2
    assert sample(text, "consign_dispatch_to_confirmed_count", channel="amazon") == 2
    bucket = r'^consign_order_eligible_to_injected_bucket\{[^}]*le="0.5"\} '  # seconds
    assert re.search(bucket, text, re.MULTILINE), text
    assert (
        sample(text, "consign_orders_parked_total", channel="amazon", kind="WAREHOUSE_REJECTED")
        == 1
    )
