"""GXO's pushed events: verify the signature, then hand the event to the facility's
WarehouseIntake workflow by signal-with-start. A 2xx means Temporal holds the event durably;
anything else means GXO must push it again (and the pull feed will deliver it regardless)."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from temporalio.client import Client

from activities.models import EventDelivery
from domain.warehouse import WarehouseEvent
from integrations.gxo.webhook import SIGNATURE_HEADER, InvalidSignature, verify
from workflows.warehouse_intake import (
    EVENTS_PUSHED_SIGNAL,
    WarehouseIntake,
    WarehouseIntakeInput,
    workflow_id_for,
)

GXO_PATH = "/webhooks/gxo"


def create_webhook_app(
    client: Client, secret: str, task_queue: str = "consign", poll_interval_seconds: float = 30
) -> FastAPI:
    app = FastAPI(title="consign webhooks", docs_url=None, redoc_url=None)

    @app.post(GXO_PATH, status_code=202)
    async def gxo_event(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            verify(secret, request.headers.get(SIGNATURE_HEADER, ""), body, now=time.time())
        except InvalidSignature as err:
            return JSONResponse({"error": f"invalid signature: {err}"}, status_code=401)
        try:
            event = WarehouseEvent.model_validate_json(body)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()[:5]
            )
            return JSONResponse({"error": f"malformed event: {problems}"}, status_code=400)
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
