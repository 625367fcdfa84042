"""One place that turns client errors into Temporal's retry semantics.

Transient failures are re-raised as retryable ApplicationErrors (with the remote system's
retry-after as the next delay where known); permanent ones become non-retryable
ApplicationErrors whose type is the ExceptionKind the workflow parks the order with.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.exceptions import ApplicationError

from domain.exceptions import ConsignError
from integrations.errors import IntegrationError
from integrations.gxo.errors import WarehouseRejected


def classify(err: ConsignError | IntegrationError) -> ApplicationError:
    """The ApplicationError to raise for a client or domain error (never swallow one)."""
    if isinstance(err, ConsignError):
        return ApplicationError(err.message, type=err.kind.value, non_retryable=True)
    if err.transient:
        delay = timedelta(seconds=err.retry_after) if err.retry_after else None
        return ApplicationError(str(err), type=f"{err.system}_TRANSIENT", next_retry_delay=delay)
    kind = err.exception_kind
    assert kind is not None
    message = f"GXO rejected the order: {err}" if isinstance(err, WarehouseRejected) else str(err)
    if err.system == "GXO" and not isinstance(err, WarehouseRejected):
        message = f"GXO refused the request: {err}"
    return ApplicationError(message, type=kind.value, non_retryable=True)
