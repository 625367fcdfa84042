"""Query parameters the SP-API way: arrays are comma-separated, bad values are a 400
InvalidInput naming the parameter (never FastAPI's 422)."""

from __future__ import annotations

from collections.abc import Collection

from fastapi import Request

from sandbox.amazon.errors import SpApiError

MAX_PAGE_SIZE = 100
MAX_MARKETPLACES = 50


def one(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise SpApiError(400, f"{name} may be given only once")
    return values[0] if values else None


def csv(request: Request, name: str, allowed: Collection[str] | None = None) -> list[str] | None:
    raw = request.query_params.getlist(name)
    if not raw:
        return None
    values = [part.strip() for value in raw for part in value.split(",") if part.strip()]
    if allowed is not None:
        bad = [value for value in values if value not in allowed]
        if bad:
            raise SpApiError(400, f"Invalid value for {name}: {', '.join(bad)}")
    return values


def marketplaces(request: Request, name: str, required: bool) -> list[str] | None:
    values = csv(request, name)
    if not values:
        if required:
            raise SpApiError(400, f"{name} is required")
        return None
    if len(values) > MAX_MARKETPLACES:
        raise SpApiError(400, f"{name} accepts at most {MAX_MARKETPLACES} values")
    return values


def page_size(request: Request, name: str) -> int:
    raw = one(request, name)
    if raw is None:
        return MAX_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise SpApiError(400, f"{name} must be an integer between 1 and {MAX_PAGE_SIZE}")
    return int(raw)
