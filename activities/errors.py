"""One place that turns client errors into Temporal's retry semantics.

Transient failures are re-raised as retryable ApplicationErrors (with the server's retry-after as
the next delay where known); permanent ones become non-retryable ApplicationErrors whose type is
the ExceptionKind the workflow parks the order with.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.exceptions import ApplicationError

from domain.exceptions import ConsignError, ExceptionKind
from integrations.amazon.errors import AmazonError
from integrations.gxo.errors import WarehouseError, WarehouseRejected


def _retry_delay(seconds: float | None) -> timedelta | None:
    return timedelta(seconds=seconds) if seconds else None


def classify(err: Exception) -> ApplicationError:
    """The ApplicationError to raise for a client or domain error (never swallow one)."""
    if isinstance(err, ConsignError):
        return ApplicationError(err.message, type=err.kind.value, non_retryable=True)
    if isinstance(err, AmazonError):
        if err.transient:
            delay = _retry_delay(getattr(err, "retry_after", None))
            return ApplicationError(str(err), type="AMAZON_TRANSIENT", next_retry_delay=delay)
        kind = err.exception_kind or ExceptionKind.CHANNEL_REJECTED
        return ApplicationError(str(err), type=kind.value, non_retryable=True)
    if isinstance(err, WarehouseError):
        if err.transient:
            delay = _retry_delay(getattr(err, "retry_after", None))
            return ApplicationError(str(err), type="GXO_TRANSIENT", next_retry_delay=delay)
        if isinstance(err, WarehouseRejected):
            message = f"GXO rejected the order: {err}"
        else:
            message = f"GXO refused the request: {err}"
        return ApplicationError(
            message, type=ExceptionKind.WAREHOUSE_REJECTED.value, non_retryable=True
        )
    raise TypeError(f"unclassified error {type(err).__name__}") from err
