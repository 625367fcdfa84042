"""The webhook service: the routes the channel and warehouse modules contribute (a module's
`webhook`, integrations/module.py), served by the worker on CONSIGN_WEBHOOK_PORT. Each verifies
the sender's signature, then hands the notice to the intake workflow that owns it by
signal-with-start: a 2xx means Temporal (or, for a record set aside, the store) holds it
durably; anything else means the sender must push again (and the pull feed or the sweep finds
it regardless). A body over CONSIGN_WEBHOOK_MAX_BYTES is refused with 413 before it is read;
Temporal out of reach is a 503, never a 500.

- The warehouse (GXO) pushes warehouse events -> the facility's WarehouseIntake. A dispatch too
  large for one signal goes as several (its parts); a verified body consign cannot read, or a
  dispatch with more parcels than GXO_MAX_PARCELS_PER_DISPATCH, is set aside in the store and
  counted by the facility's intake; an event naming a facility consign does not serve is kept
  in the store's unmatched list (it never starts an intake that would poll a facility GXO does
  not run for us).
- A channel's push names changed orders (e.g. a store's webhook plugin) -> the account's
  ChannelIntake, which reads them at once (the same signal-with-start path as its events queue
  and its sweep)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.service import RPCError

from activities.models import EventDelivery
from domain.limits import IntakeLimits
from domain.order import OrderChange
from domain.payloads import split_dispatch
from domain.search_attributes import of_account
from domain.setaside import SetAsideRecord
from domain.warehouse import EventMismatch, FeedEvent, WarehouseEvent
from integrations.module import ChannelModule, WarehouseWebhook
from integrations.registry import CHANNEL_NAMES, WAREHOUSE
from integrations.signatures import InvalidSignature, verify
from replay_guard import ReplayGuard
from store.set_aside import keep_set_aside
from store.unmatched import record_unmatched_event
from workflows.channel_intake import (
    ORDERS_NOTIFIED_SIGNAL,
    ChannelIntake,
    ChannelIntakeInput,
    OrdersNotified,
    intake_id,
)
from workflows.intakes import TASK_TIMEOUT
from workflows.warehouse_intake import (
    EVENTS_PUSHED_SIGNAL,
    WarehouseIntake,
    WarehouseIntakeInput,
    workflow_id_for,
)


@dataclass(frozen=True)
class ChannelHook:
    """A channel account's route: its module's path (another account than the default's adds
    its id), header and parser, the account's secret and intake (started if it is not running,
    on the account's task queue; "": the app's)."""

    path: str
    signature_header: str
    secret: str
    intake: ChannelIntakeInput
    parse: Callable[[bytes], list[str]]
    task_queue: str = ""

    @classmethod
    def of(cls, module: ChannelModule[Any], secret: str, intake: ChannelIntakeInput) -> ChannelHook:
        if module.webhook is None:
            raise ValueError(f"{module.title} has no webhook")
        hook = module.webhook
        return cls(hook.path, hook.signature_header, secret, intake, hook.parse)


def create_webhook_app(
    client: Client,
    secret: str,
    task_queue: str = "consign",
    poll_interval_seconds: float = 30,
    channels: Sequence[ChannelHook] = (),
    *,
    warehouse: WarehouseWebhook[Any] = WAREHOUSE.webhook,
    facilities: Collection[str] = (),
    engine: Engine | None = None,
    limits: IntakeLimits | None = None,
) -> FastAPI:
    """`secret` signs the warehouse's pushes; `facilities` are the facilities consign serves
    (GXO_FACILITIES); an event for any
    other is kept in `engine`'s unmatched list, and a body that is not an event consign can
    act on in its set-aside records (without a store the first is refused with 503, so GXO
    pushes it again, and the second with 400)."""
    served = frozenset(facilities)
    bounds = limits or IntakeLimits()
    guard = ReplayGuard(engine)
    app = FastAPI(title="consign webhooks", docs_url=None, redoc_url=None)
    for hook in channels:
        _add_channel_route(app, client, hook, hook.task_queue or task_queue, bounds, guard)

    async def push(facility_id: str, delivery: EventDelivery) -> None:
        await client.start_workflow(
            WarehouseIntake.run,
            WarehouseIntakeInput(
                facility_id=facility_id,
                poll_interval_seconds=poll_interval_seconds,
                payload_budget_bytes=bounds.payload_budget_bytes,
            ),
            id=workflow_id_for(facility_id),
            task_queue=task_queue,
            task_timeout=TASK_TIMEOUT,
            start_signal=EVENTS_PUSHED_SIGNAL,
            start_signal_args=[delivery],
        )

    async def set_aside(record: SetAsideRecord) -> JSONResponse:
        if engine is None:
            return JSONResponse({"error": f"malformed event: {record.detail}"}, status_code=400)
        await asyncio.to_thread(keep_set_aside, engine, [record])
        if record.scope in served:
            await push(record.scope, EventDelivery(set_aside=[record.notice()]))
        answer = {"set_aside": record.reason.value, "record_id": record.record_id}
        return JSONResponse({**answer, "detail": record.detail}, status_code=202)

    async def unserved(event: FeedEvent, body: bytes) -> JSONResponse:
        if engine is None:
            message = "unserved facility and no store to keep the event"
            return JSONResponse({"error": message}, status_code=503)
        reason = f"{EventMismatch.UNSERVED_FACILITY.value}: not in GXO_FACILITIES"
        await asyncio.to_thread(
            record_unmatched_event,
            engine,
            event.facility_id,
            event.reference if isinstance(event, WarehouseEvent) else event.receipt.receipt_id,
            body.decode("utf-8", errors="replace"),
            reason,
        )
        body_out = {"accepted": event.event_id, "unmatched": "UNSERVED_FACILITY"}
        return JSONResponse(body_out, status_code=202)

    @app.post(warehouse.path, status_code=202)
    async def warehouse_event(request: Request) -> JSONResponse:
        body = await bounded_body(request, bounds.webhook_max_bytes)
        if body is None:
            return too_large(bounds.webhook_max_bytes)
        try:
            header = request.headers.get(warehouse.signature_header, "")
            delivery = verify(secret, header, body, now=time.time())
        except InvalidSignature as err:
            return JSONResponse({"error": f"invalid signature: {err}"}, status_code=401)
        return await guard.once(WAREHOUSE.name, delivery, lambda: accept_event(body))

    async def accept_event(body: bytes) -> JSONResponse:
        read = warehouse.read(body, bounds.max_parcels_per_dispatch, CHANNEL_NAMES)
        try:
            if isinstance(read, SetAsideRecord):
                return await set_aside(read)
            if read.facility_id not in served:
                return await unserved(read, body)
            parts: list[FeedEvent] = (
                list(split_dispatch(read, bounds.payload_budget_bytes))
                if isinstance(read, WarehouseEvent)
                else [read]
            )
            for part in parts:
                await push(read.facility_id, EventDelivery(events=[part]))
        except RPCError as err:
            return temporal_unavailable(err)
        answer: dict[str, object] = {"accepted": read.event_id}
        if len(parts) > 1:
            answer["parts"] = len(parts)
        return JSONResponse(answer, status_code=202)

    return app


async def notify_intake(
    client: Client,
    intake: ChannelIntakeInput,
    task_queue: str,
    order_ids: list[str],
    changes: Sequence[OrderChange] = (),
) -> None:
    """Hand orders named as changed to the account's ChannelIntake (started if it is not
    running), which reads them at once, or hands on `changes` (what a feed said of how they
    changed) without reading them. Returns once Temporal holds the signal durably; an RPCError
    means it does not. Webhooks and the worker's notification readers share it."""
    await client.start_workflow(
        ChannelIntake.run,
        intake,
        id=intake_id(intake.channel, intake.account),
        task_queue=task_queue,
        task_timeout=TASK_TIMEOUT,
        search_attributes=of_account(intake.channel, intake.account),
        start_signal=ORDERS_NOTIFIED_SIGNAL,
        start_signal_args=[OrdersNotified(order_ids=order_ids, changes=list(changes))],
    )


async def bounded_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` bytes (the declared length
    first, then what actually arrives: a sender may not declare it)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> JSONResponse:
    message = f"body larger than {limit} bytes (CONSIGN_WEBHOOK_MAX_BYTES): not read"
    return JSONResponse({"error": message}, status_code=413)


def temporal_unavailable(err: RPCError) -> JSONResponse:
    message = f"Temporal did not take the notice ({err.status.name}): push it again"
    return JSONResponse({"error": message}, status_code=503)


def _add_channel_route(
    app: FastAPI,
    client: Client,
    hook: ChannelHook,
    task_queue: str,
    limits: IntakeLimits,
    guard: ReplayGuard,
) -> None:
    @app.post(hook.path, status_code=202)
    async def channel_event(request: Request) -> JSONResponse:
        body = await bounded_body(request, limits.webhook_max_bytes)
        if body is None:
            return too_large(limits.webhook_max_bytes)
        header = request.headers.get(hook.signature_header, "")
        try:
            delivery = verify(hook.secret, header, body, now=time.time())
        except InvalidSignature as err:
            return JSONResponse({"error": f"invalid signature: {err}"}, status_code=401)
        return await guard.once(hook.intake.channel, delivery, lambda: accept_orders(body))

    async def accept_orders(body: bytes) -> JSONResponse:
        try:
            order_ids = hook.parse(body)
        except ValueError as err:
            return JSONResponse({"error": f"malformed webhook: {err}"}, status_code=400)
        if len(order_ids) > limits.webhook_max_orders:
            message = (
                f"{len(order_ids)} orders named in one push, more than "
                f"{limits.webhook_max_orders} (CONSIGN_WEBHOOK_MAX_ORDERS): the sweep reads them"
            )
            return JSONResponse({"error": message}, status_code=413)
        if order_ids:
            try:
                await notify_intake(client, hook.intake, task_queue, order_ids)
            except RPCError as err:
                return temporal_unavailable(err)
        return JSONResponse({"accepted": order_ids}, status_code=202)
