"""Assembles the GXO simulator: API routes, admin routes, faults, cycle loop and pusher."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.faults import FaultConfig, FaultInjector
from sandbox.gxo.admin import admin_router
from sandbox.gxo.api import api_router
from sandbox.gxo.errors import GxoHttpError, error_response, fault_body
from sandbox.gxo.push import WebhookPusher, WebhookTarget
from sandbox.gxo.warehouse import GxoWarehouse

DEFAULT_API_KEY = "sandbox-gxo-key"  # matches config.py's GXO_API_KEY default
IDLE_POLL_SECONDS = 0.25


async def _run_cycles(warehouse: GxoWarehouse) -> None:
    """Background batch cycles every `cycle_seconds`; 0 leaves cycles to POST /_sandbox/cycle."""
    while True:
        seconds = warehouse.settings.cycle_seconds
        await asyncio.sleep(seconds if seconds > 0 else IDLE_POLL_SECONDS)
        if warehouse.settings.cycle_seconds > 0:
            warehouse.run_cycle()


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GxoHttpError)
    async def gxo_error(request: Request, exc: GxoHttpError) -> Response:
        return error_response(exc.status, exc.message, exc.reason, exc.rejection)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        return error_response(400, f"invalid request: {', '.join(fields)}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(exc.status_code, str(exc.detail))


def create_app(
    warehouse: GxoWarehouse | None = None,
    faults: FaultConfig | None = None,
    *,
    api_key: str = DEFAULT_API_KEY,
    webhook: WebhookTarget | None = None,
    pusher: WebhookPusher | None = None,
) -> FastAPI:
    """A fresh simulator; app.state.warehouse / .faults / .pusher are there for tests."""
    warehouse = warehouse or GxoWarehouse()
    injector = FaultInjector(faults)
    pusher = pusher or WebhookPusher(webhook)
    warehouse.listeners.append(pusher.enqueue)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_run_cycles(warehouse)), asyncio.create_task(pusher.run())]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await pusher.aclose()

    app = FastAPI(title="GXO warehouse sandbox", lifespan=lifespan)
    app.state.warehouse = warehouse
    app.state.faults = injector
    app.state.pusher = pusher
    _install_error_handlers(app)
    injector.install(app, fault_body)
    app.include_router(api_router(warehouse, injector, api_key))
    app.include_router(admin_router(warehouse, pusher))
    return app
