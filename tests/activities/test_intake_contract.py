"""A GXO event feed page whose envelope is not the documented shape, read by the real
WarehouseIntake and pull activity on the dev server: a named, non-retryable
INVALID_WAREHOUSE_DATA (before: WAREHOUSE_REJECTED, the kind of a refused request), shown in the
intake's progress and its ExceptionKind search attribute, with the cursor kept; once GXO answers
properly a poke reads the events, they reach their order and the kind clears."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Engine

from activities.delivery import DeliveryActivities
from activities.warehouse import WarehouseActivities
from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from domain.order import OrderRef
from integrations.registry import Channel
from tests.activities.temporal_server import DevServer
from tests.activities.test_intake_set_aside import (
    FakeGxo,
    progress_of,
    received_events,
    rest_over,
    start_orders,
    until,
    warehouse_intake,
    wire_event,
)
from workflows.warehouse_intake import POLL_NOW_SIGNAL, WarehouseIntakeProgress


class BrokenEnvelope(FakeGxo):
    """GXO's event feed answering pages whose `events` is an object, until `mended`."""

    def __init__(self) -> None:
        super().__init__()
        self.mended = False
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if not self.mended:
            return httpx.Response(200, json={"events": {"sequence": 1}, "next_cursor": 1})
        return super().__call__(request)


async def shown_kind(handle: Any) -> str | None:
    return (await handle.describe()).typed_search_attributes.get(sa.EXCEPTION_KIND)


async def test_a_feed_page_of_the_wrong_shape_is_named_not_retried_and_nothing_is_lost(
    dev_server: DevServer,
    engine: Engine,
    unique: Callable[[str], str],
) -> None:
    facility, account = unique("GXO-B-"), unique("A")
    ref = OrderRef(channel=Channel.AMAZON, account=account, order_id="O-1")
    delivery = DeliveryActivities(dev_server.client, engine, dev_server.task_queue)
    await start_orders(delivery, [ref])
    feed = BrokenEnvelope()
    feed.events = [wire_event(facility, 1, ref)]
    async with rest_over(feed, 20_000) as rest:
        warehouse = WarehouseActivities(rest, engine, client=dev_server.client)
        async with warehouse_intake(dev_server, facility, warehouse, delivery) as handle:
            failed = await until(
                lambda: progress_of(handle, WarehouseIntakeProgress),
                lambda p: p.last_error is not None,
            )
            assert failed.last_error == (
                "INVALID_WAREHOUSE_DATA: GXO events: response does not match the contract"
            )
            assert failed.last_error_kind is ExceptionKind.INVALID_WAREHOUSE_DATA
            assert (failed.cursor, failed.polls, failed.retrying) == (0, 0, None)
            assert feed.requests == 1  # never retried
            assert await shown_kind(handle) == ExceptionKind.INVALID_WAREHOUSE_DATA.value

            feed.mended = True
            await handle.signal(POLL_NOW_SIGNAL)
            assert await received_events(dev_server, ref, 1) == [f"EV-{facility}-1"]
            recovered = await until(
                lambda: progress_of(handle, WarehouseIntakeProgress), lambda p: p.cursor == 1
            )
            assert (recovered.last_error, recovered.last_error_kind) == (None, None)
            assert await shown_kind(handle) is None
