"""The receiver: Apprise's JSON notification (`json://host:port/alerts`) posts
`{"version", "title", "message", "type", ...}`; every body is kept as posted, in order, and
`GET /alerts` lists them, so the demo and the tests see an alert raised and resolved. Tolerant
by design (Apprise's JSON format is not a versioned contract): any JSON object is recorded."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request


def create_app() -> FastAPI:
    app = FastAPI(title="consign alert receiver")
    received: list[dict[str, Any]] = []

    @app.post("/alerts")
    async def record(request: Request) -> dict[str, int]:
        try:
            body = await request.json()
        except ValueError as err:
            raise HTTPException(status_code=400, detail="not JSON") from err
        if not isinstance(body, dict):
            raise HTTPException(status_code=400, detail="not a JSON object")
        received.append(body)
        return {"received": len(received)}

    @app.get("/alerts")
    async def listed() -> list[dict[str, Any]]:
        return received

    return app
