"""The Centra sandbox as one FastAPI app: the GraphQL Integration API, admin and faults."""

from __future__ import annotations

from fastapi import FastAPI

from sandbox.centra import admin, endpoint
from sandbox.centra.errors import error_response
from sandbox.centra.state import CentraSandbox
from sandbox.faults import FaultConfig, FaultInjector


def create_app(store: CentraSandbox | None = None, faults: FaultConfig | None = None) -> FastAPI:
    sandbox = store or CentraSandbox()
    app = FastAPI(title="Centra Integration API sandbox", docs_url="/_sandbox/docs")
    app.state.sandbox = sandbox
    injector = FaultInjector(faults)
    injector.install(app, error_response)
    app.state.faults = injector
    app.include_router(endpoint.router(sandbox, injector))
    app.include_router(admin.router(sandbox))
    return app
