"""Operator requests as Temporal Updates: the CLI waits for the workflow's answer, and every
way the request can fail (refused by the validator, a body the workflow cannot read, a name it
does not know, a closed workflow, no worker) is one line an operator can act on."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from starter.client import CliError

R = TypeVar("R")

# The workflows answer within their own bound (30 s for orders and returns, 2 min for a stock
# sync); this one only covers a worker that never picks the request up.
UPDATE_RPC_TIMEOUT = timedelta(minutes=3)


async def ask(handle: WorkflowHandle[Any, Any], update: str, body: Any, answer: type[R]) -> R:
    """Send `update` (with `body`; None: an update that takes none) and wait for the answer."""
    try:
        return await handle.execute_update(
            update,
            args=[] if body is None else [body],
            result_type=answer,
            rpc_timeout=UPDATE_RPC_TIMEOUT,
        )
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(cause)
        raise CliError(f"{update} refused by {handle.id}: {reason}") from err
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        raise CliError(
            f"no worker answered {update} for {handle.id} (is the worker running?)"
        ) from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise CliError(f"workflow {handle.id} not found or already closed") from err
        raise CliError(f"Temporal refused {update} for {handle.id}: {err.message}") from err


def requester(by: str | None) -> str:
    """Who asked, for the order's history: --by, else the login name."""
    return by or os.environ.get("USER") or "operator"
