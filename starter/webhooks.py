"""Webhook endpoints. Each verifies the sender's signature, then hands the notice to the intake
workflow that owns it by signal-with-start: a 2xx means Temporal holds it durably; anything else
means the sender must push again (and the pull feed or the sweep finds it regardless).

- GXO pushes warehouse events -> the facility's WarehouseIntake; an event naming a facility
  consign does not serve is kept in the store's unmatched list instead (it never starts an
  intake that would poll a facility GXO does not run for us).
- Centra's webhook plugin names changed orders -> the Centra account's ChannelIntake, which reads
  them at once (the same signal-with-start path as its events queue and its sweep)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine
from temporalio.client import Client

from activities.models import EventDelivery
from domain.warehouse import EventMismatch
from integrations.centra.webhook import SIGNATURE_HEADER as CENTRA_SIGNATURE_HEADER
from integrations.centra.webhook import parse_webhook
from integrations.gxo.webhook import (
    SIGNATURE_HEADER,
    InvalidSignature,
    MalformedEvent,
    parse_event,
    verify,
)
from store.unmatched import record_unmatched_event
from workflows.channel_intake import (
    ORDERS_NOTIFIED_SIGNAL,
    ChannelIntake,
    ChannelIntakeInput,
    OrdersNotified,
    intake_id,
)
from workflows.warehouse_intake import (
    EVENTS_PUSHED_SIGNAL,
    WarehouseIntake,
    WarehouseIntakeInput,
    workflow_id_for,
)

GXO_PATH = "/webhooks/gxo"
CENTRA_PATH = "/webhooks/centra"


class CentraHook(BaseModel):
    secret: str
    intake: ChannelIntakeInput  # the Centra account's intake, started if it is not running


def create_webhook_app(
    client: Client,
    secret: str,
    task_queue: str = "consign",
    poll_interval_seconds: float = 30,
    centra: CentraHook | None = None,
    *,
    facilities: Collection[str] = (),
    engine: Engine | None = None,
) -> FastAPI:
    """`facilities` are the GXO facilities consign serves (GXO_FACILITIES); an event for any
    other is kept in `engine`'s unmatched list (without a store it is refused with 503, so
    GXO pushes it again)."""
    served = frozenset(facilities)
    app = FastAPI(title="consign webhooks", docs_url=None, redoc_url=None)
    if centra is not None:
        _add_centra_route(app, client, centra, task_queue)

    @app.post(GXO_PATH, status_code=202)
    async def gxo_event(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            verify(secret, request.headers.get(SIGNATURE_HEADER, ""), body, now=time.time())
        except InvalidSignature as err:
            return JSONResponse({"error": f"invalid signature: {err}"}, status_code=401)
        try:
            event = parse_event(body)
        except MalformedEvent as err:
            return JSONResponse({"error": f"malformed event: {err}"}, status_code=400)
        if event.facility_id not in served:
            if engine is None:
                message = "unserved facility and no store to keep the event"
                return JSONResponse({"error": message}, status_code=503)
            reason = f"{EventMismatch.UNSERVED_FACILITY.value}: not in GXO_FACILITIES"
            await asyncio.to_thread(
                record_unmatched_event,
                engine,
                event.facility_id,
                event.reference,
                body.decode("utf-8", errors="replace"),
                reason,
            )
            body_out = {"accepted": event.event_id, "unmatched": "UNSERVED_FACILITY"}
            return JSONResponse(body_out, status_code=202)
        await client.start_workflow(
            WarehouseIntake.run,
            WarehouseIntakeInput(
                facility_id=event.facility_id, poll_interval_seconds=poll_interval_seconds
            ),
            id=workflow_id_for(event.facility_id),
            task_queue=task_queue,
            start_signal=EVENTS_PUSHED_SIGNAL,
            start_signal_args=[EventDelivery(events=[event])],
        )
        return JSONResponse({"accepted": event.event_id}, status_code=202)

    return app


def _add_centra_route(app: FastAPI, client: Client, hook: CentraHook, task_queue: str) -> None:
    @app.post(CENTRA_PATH, status_code=202)
    async def centra_event(request: Request) -> JSONResponse:
        body = await request.body()
        header = request.headers.get(CENTRA_SIGNATURE_HEADER, "")
        try:
            verify(hook.secret, header, body, now=time.time())
        except InvalidSignature as err:
            return JSONResponse({"error": f"invalid signature: {err}"}, status_code=401)
        try:
            order_ids = parse_webhook(body)
        except ValueError as err:
            return JSONResponse({"error": f"malformed webhook: {err}"}, status_code=400)
        if order_ids:
            await client.start_workflow(
                ChannelIntake.run,
                hook.intake,
                id=intake_id(hook.intake.channel, hook.intake.account),
                task_queue=task_queue,
                start_signal=ORDERS_NOTIFIED_SIGNAL,
                start_signal_args=[OrdersNotified(order_ids=order_ids)],
            )
        return JSONResponse({"accepted": order_ids}, status_code=202)
