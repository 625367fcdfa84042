"""The baseline of bench.throughput: a bare workflow running N no-op activities one after the
other, and a worker for it configured as consign's main worker is (same data converter, so the
same payload encryption; same sticky-queue timeout, workflow cache size and slot defaults).

    .venv/bin/python -m bench.bare --address 127.0.0.1:7233 --task-queue bare

The bench starts this worker as a child process, as consign's worker is one, so both sides pay
for a process of their own on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.worker import Worker

TASK_QUEUE = "bare"


class BareInput(BaseModel):
    """How many no-op activities the bare order runs (a real order history's count)."""

    activities: int
    order_id: str


class Step(BaseModel):
    order_id: str
    index: int


@activity.defn(name="bare_step")
async def bare_step(step: Step) -> Step:
    """Nothing: the cost of an activity to Temporal and the SDK, without consign's work."""
    return step


@workflow.defn(name="BareOrder")
class BareOrder:
    @workflow.run
    async def run(self, params: BareInput) -> int:
        for index in range(params.activities):
            await workflow.execute_activity(
                bare_step,
                Step(order_id=params.order_id, index=index),
                start_to_close_timeout=timedelta(seconds=60),
            )
        return params.activities


async def serve(address: str, namespace: str, task_queue: str, max_cached: int) -> None:
    # Imported here: the workflow sandbox re-imports this module per run; consign's worker
    # imports these too.
    from starter.client import connect_to
    from worker import GRACEFUL_SHUTDOWN, STICKY_TIMEOUT

    client = await connect_to(address, namespace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[BareOrder],
        activities=[bare_step],
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        sticky_queue_schedule_to_start_timeout=STICKY_TIMEOUT,
        max_cached_workflows=max_cached,
    ):
        print("bare worker polling", task_queue, flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", default=TASK_QUEUE)
    parser.add_argument("--max-cached", type=int, required=True, help="consign's setting")
    args = parser.parse_args()
    asyncio.run(serve(args.address, args.namespace, args.task_queue, args.max_cached))


if __name__ == "__main__":
    main()
