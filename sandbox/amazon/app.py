"""The Amazon sandbox as one FastAPI app: LWA, Tokens (Restricted Data Tokens), Orders v0 and
v2026-01-01, Listings Items, Feeds, Reports (settlements), Notifications, admin and faults."""

from __future__ import annotations

from fastapi import FastAPI

from sandbox.amazon import (
    admin,
    feeds_api,
    listings_api,
    lwa,
    notifications_api,
    orders_v0,
    orders_v2026,
    reports_api,
    settlements_admin,
    tokens_api,
)
from sandbox.amazon.errors import error_response, install_error_handler
from sandbox.amazon.guard import install_headers
from sandbox.amazon.state import AmazonSandbox
from sandbox.faults import FaultConfig, FaultInjector


def create_app(state: AmazonSandbox | None = None, faults: FaultConfig | None = None) -> FastAPI:
    sandbox = state or AmazonSandbox()
    app = FastAPI(title="Amazon SP-API sandbox", docs_url="/_sandbox/docs", openapi_url=None)
    app.state.sandbox = sandbox
    install_error_handler(app)
    install_headers(app)
    injector = FaultInjector(faults)
    injector.install(app, error_response)
    app.state.faults = injector
    app.include_router(lwa.router(sandbox.tokens))
    app.include_router(tokens_api.router(sandbox))
    app.include_router(orders_v2026.router(sandbox))
    app.include_router(orders_v0.router(sandbox))
    app.include_router(listings_api.router(sandbox))
    app.include_router(feeds_api.router(sandbox))
    app.include_router(reports_api.router(sandbox))
    app.include_router(notifications_api.router(sandbox))
    app.include_router(admin.router(sandbox))
    app.include_router(settlements_admin.router(sandbox))
    return app
