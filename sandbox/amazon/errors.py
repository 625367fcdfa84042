"""Amazon's SP-API error envelope, raised from anywhere in a handler and rendered once."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("InvalidInput", "Invalid Input"),
    403: ("Unauthorized", "Access to requested resource is denied."),
    404: ("NotFound", "The requested resource was not found."),
    429: ("QuotaExceeded", "You exceeded your quota for the requested resource."),
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Service temporarily unavailable. Please try again."),
    504: ("RequestTimeout", "The request timed out. Please try again."),
}


class SpApiError(Exception):
    """An SP-API error response: status, code, message and details as Amazon sends them."""

    def __init__(
        self, status: int, message: str | None = None, details: str = "", code: str | None = None
    ) -> None:
        default_code, default_message = MESSAGES.get(status, ("InternalFailure", "Error"))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.details = details
        super().__init__(f"{status} {self.code}: {self.message}")


def error_body(code: str, message: str, details: str = "") -> dict[str, object]:
    return {"errors": [{"code": code, "message": message, "details": details}]}


def error_response(status: int) -> Response:
    """Amazon's body for a bare status code (used by the fault injector)."""
    code, message = MESSAGES.get(status, ("InternalFailure", "Error"))
    return JSONResponse(status_code=status, content=error_body(code, message))


def install_error_handler(app: FastAPI) -> None:
    """Headers (request id, rate limit where the model declares it) are added by
    guard.install_headers, for errors as for successes."""

    @app.exception_handler(SpApiError)
    async def render(request: Request, exc: SpApiError) -> Response:
        return JSONResponse(
            status_code=exc.status, content=error_body(exc.code, exc.message, exc.details)
        )
