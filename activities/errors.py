"""One place that turns every failure an activity meets into Temporal's retry semantics.

Transient failures are re-raised as retryable ApplicationErrors (with the remote system's
retry-after as the next delay where known); permanent ones become non-retryable
ApplicationErrors whose type is the ExceptionKind the workflow parks the order with. Data that
cannot be read (a response that fails validation, an unexpected value) is permanent too: the
same response fails the same way on every retry.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.exceptions import ConsignError, ExceptionKind, describe_error
from integrations.errors import IntegrationError
from integrations.gxo.errors import WarehouseBadResponse, WarehouseRejected

# Errors of reading and checking data, not of reaching a system: retrying cannot cure them.
UNREADABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError)


def classify(err: ConsignError | IntegrationError) -> ApplicationError:
    """The ApplicationError to raise for a client or domain error (never swallow one)."""
    if isinstance(err, ConsignError):
        return ApplicationError(err.message, type=err.kind.value, non_retryable=True)
    if err.transient:
        delay = timedelta(seconds=err.retry_after) if err.retry_after else None
        return ApplicationError(str(err), type=f"{err.system}_TRANSIENT", next_retry_delay=delay)
    kind = err.exception_kind
    assert kind is not None
    message = str(err)
    if isinstance(err, WarehouseRejected):
        message = f"GXO rejected the order: {err}"
    elif err.system == "GXO" and not isinstance(err, WarehouseBadResponse):
        message = f"GXO refused the request: {err}"
    return ApplicationError(message, type=kind.value, non_retryable=True)


def unreadable(err: Exception, kind: ExceptionKind) -> ApplicationError:
    """Data consign cannot read, as a permanent failure of `kind`. The message names fields
    and what is wrong with them, never their values (a buyer's name, an address)."""
    frame = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    message = describe_error(err)
    activity.logger.warning("unreadable data%s: %s", where, message)
    return ApplicationError(message, type=kind.value, non_retryable=True)


@contextmanager
def classified(invalid: ExceptionKind) -> Iterator[None]:
    """Every failure inside leaves as Temporal should see it: client and domain errors as
    `classify` says, unreadable data as a permanent `invalid` (INVALID_CHANNEL_DATA or
    INVALID_WAREHOUSE_DATA), anything else unchanged (retried, and shown on the order once it
    keeps failing)."""
    try:
        yield
    except (ConsignError, IntegrationError) as err:
        raise classify(err) from err
    except UNREADABLE as err:
        raise unreadable(err, invalid) from None
