"""Typed warehouse errors: activities decide retry vs exception from `.transient` alone."""

from __future__ import annotations

from domain.exceptions import ExceptionKind
from domain.warehouse import Rejection
from integrations.errors import IntegrationError


class WarehouseError(IntegrationError):
    """Base of every warehouse transport error; a permanent one parks the order as
    WAREHOUSE_REJECTED (an answer that breaks the contract: INVALID_WAREHOUSE_DATA)."""

    system = "GXO"

    permanent_kind = ExceptionKind.WAREHOUSE_REJECTED


class WarehouseRejected(WarehouseError):
    """GXO refused the order for a business reason (422 or a REJECTED event): a person must act."""

    transient = False

    def __init__(self, rejection: Rejection) -> None:
        line = f" (line {rejection.line_number})" if rejection.line_number is not None else ""
        super().__init__(f"{rejection.code.value}{line}: {rejection.message}")
        self.rejection = rejection


class WarehouseUnavailable(WarehouseError):
    """5xx, 429, timeouts and connection failures: the same request may succeed later."""

    transient = True

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class WarehouseRequestError(WarehouseError):
    """A 4xx other than 422/429 (bad credentials, malformed request): permanent."""

    transient = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class WarehouseAuthFailed(WarehouseRequestError):
    """401 or 403: GXO refused consign's API key (wrong, expired or revoked). Nothing is wrong
    with the order: once GXO_API_KEY is fixed, a retry goes through."""

    permanent_kind = ExceptionKind.WAREHOUSE_AUTH_FAILED


class WarehouseBadResponse(WarehouseRequestError):
    """GXO answered but the body does not match the contract (not JSON, a page without its
    list or cursor): the same answer fails every retry, and it is GXO's data that is wrong,
    not the request."""

    permanent_kind = ExceptionKind.INVALID_WAREHOUSE_DATA
