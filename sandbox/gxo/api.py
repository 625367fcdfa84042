"""The GXO REST/JSON routes consign calls (docs/gxo-interface.md), behind the API key."""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from sandbox.faults import FaultInjector
from sandbox.gxo.errors import GxoHttpError
from sandbox.gxo.warehouse import BadRequest, GxoWarehouse, UnknownFacility
from sandbox.gxo.wire import (
    Accepted,
    CancelAnswer,
    CancelOutcome,
    EventFeedPage,
    ItemRecord,
    ItemStatus,
    ItemView,
    OrderView,
    ReturnAccepted,
    ReturnAuthorisation,
    Snapshot,
    StockFeedPage,
)

MAX_PAGE = 500
CANCEL_STATUS = {
    CancelOutcome.CANCELLED: 200,
    CancelOutcome.TOO_LATE: 409,
    CancelOutcome.NOT_FOUND: 404,
}


def _unknown_facility(facility_id: str) -> GxoHttpError:
    return GxoHttpError(404, f"unknown facility {facility_id}", reason="FACILITY_NOT_FOUND")


def api_router(warehouse: GxoWarehouse, faults: FaultInjector, api_key: str) -> APIRouter:
    expected = f"Bearer {api_key}".encode()

    def authorise(request: Request) -> None:
        given = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise GxoHttpError(401, "missing or invalid API key")

    router = APIRouter(prefix="/v1", dependencies=[Depends(authorise)])

    @router.post("/orders", response_model=Accepted)
    async def inject(request: Request) -> Response:
        try:
            payload = json.loads(await request.body())
        except ValueError as exc:
            raise GxoHttpError(400, "body is not JSON") from exc
        if not isinstance(payload, dict):
            raise GxoHttpError(400, "body must be a JSON object")
        try:
            outcome = warehouse.inject(payload)
        except BadRequest as exc:
            raise GxoHttpError(400, str(exc)) from exc
        if not isinstance(outcome, Accepted):
            raise GxoHttpError(422, outcome.message, rejection=outcome)
        status = 200 if outcome.duplicate else 201
        return JSONResponse(outcome.model_dump(mode="json"), status_code=status)

    @router.post("/returns", response_model=ReturnAccepted)
    async def notify_return(request: Request) -> Response:
        """A return notice (180): 201 new, 200 with duplicate for a known (facility, RMA)."""
        try:
            body = ReturnAuthorisation.model_validate_json(await request.body())
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
            raise GxoHttpError(400, f"body is not a return notice: {', '.join(fields)}") from exc
        try:
            accepted = warehouse.notify_return(body)
        except UnknownFacility as exc:
            raise _unknown_facility(body.facility_id) from exc
        return JSONResponse(
            accepted.model_dump(mode="json"), status_code=200 if accepted.duplicate else 201
        )

    @router.get("/facilities/{facility_id}/orders/{reference:path}")
    async def get_order(facility_id: str, reference: str) -> OrderView:
        try:
            state = warehouse.state(facility_id, reference)
        except UnknownFacility as exc:
            raise _unknown_facility(facility_id) from exc
        if state is None:
            raise GxoHttpError(404, "no order with this reference", reason="ORDER_NOT_FOUND")
        return state

    @router.post("/facilities/{facility_id}/orders/{reference:path}/cancel")
    async def cancel(facility_id: str, reference: str) -> Response:
        try:
            outcome, record = warehouse.cancel(facility_id, reference)
        except UnknownFacility as exc:
            raise _unknown_facility(facility_id) from exc
        body = CancelAnswer(
            outcome=outcome,
            warehouse_order_id=record.warehouse_order_id if record else None,
            status=record.status if record else None,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=CANCEL_STATUS[outcome])

    @router.get("/facilities/{facility_id}/events")
    async def events(
        facility_id: str,
        cursor: int = Query(default=0, ge=0),
        limit: int = Query(default=100, ge=1, le=MAX_PAGE),
    ) -> EventFeedPage:
        try:
            page = warehouse.events_since(facility_id, cursor, limit)
        except UnknownFacility as exc:
            raise _unknown_facility(facility_id) from exc
        return EventFeedPage(
            events=faults.shuffle_events(page.events), next_cursor=page.next_cursor
        )

    @router.get("/facilities/{facility_id}/inventory")
    async def inventory(facility_id: str) -> Snapshot:
        try:
            return warehouse.inventory(facility_id)
        except UnknownFacility as exc:
            raise _unknown_facility(facility_id) from exc

    @router.get("/facilities/{facility_id}/stock-changes")
    async def stock_changes(
        facility_id: str,
        cursor: int = Query(default=0, ge=0),
        limit: int = Query(default=100, ge=1, le=MAX_PAGE),
    ) -> StockFeedPage:
        try:
            page = warehouse.stock_changes(facility_id, cursor, limit)
        except UnknownFacility as exc:
            raise _unknown_facility(facility_id) from exc
        return StockFeedPage(
            changes=faults.shuffle_events(page.changes), next_cursor=page.next_cursor
        )

    @router.put("/facilities/{facility_id}/items/{item_code:path}", response_model=ItemView)
    async def put_item(facility_id: str, item_code: str, request: Request) -> Response:
        """888 item maintenance: 202 while a new record waits for the WMS, 200 otherwise."""
        try:
            record = ItemRecord.model_validate_json(await request.body())
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
            raise GxoHttpError(400, f"body is not an item record: {', '.join(fields)}") from exc
        if record.item_code != item_code:
            raise GxoHttpError(400, "item_code in the body differs from the path")
        try:
            outcome = warehouse.put_item(facility_id, record)
        except UnknownFacility as exc:
            raise _unknown_facility(facility_id) from exc
        if not isinstance(outcome, tuple):
            raise GxoHttpError(422, outcome.message, rejection=outcome)
        view, _ = outcome
        status = 202 if view.status is ItemStatus.PENDING else 200
        return JSONResponse(view.model_dump(mode="json"), status_code=status)

    @router.get("/facilities/{facility_id}/items/{item_code:path}")
    async def get_item(facility_id: str, item_code: str) -> ItemView:
        try:
            view = warehouse.item(facility_id, item_code)
        except UnknownFacility as exc:
            raise _unknown_facility(facility_id) from exc
        if view is None:
            raise GxoHttpError(404, "no item with this code", reason="ITEM_NOT_FOUND")
        return view

    return router
