"""A bounded wait that reports whether the condition came true (deterministic: workflow timers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.exceptions import ExceptionKind


async def wait_until(condition: Callable[[], bool], limit: timedelta) -> bool:
    try:
        await workflow.wait_condition(condition, timeout=limit)
    except TimeoutError:
        return False
    return True


FAILURE_PAUSE = timedelta(minutes=5)


def failure_text(err: ActivityError) -> str:
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return f"{cause.type}: {cause.message}"
    return str(cause or err)


def failure_kind(err: ActivityError) -> ExceptionKind:
    """The ExceptionKind a failure's type names; UNEXPECTED_ERROR when it names none (a
    defect, or an error nobody classified)."""
    cause = err.cause
    kind = cause.type if isinstance(cause, ApplicationError) else None
    if kind is not None and kind in ExceptionKind.__members__:
        return ExceptionKind(kind)
    return ExceptionKind.UNEXPECTED_ERROR


async def pause_after_failure(err: ActivityError, wake: Callable[[], bool]) -> None:
    """A poller whose call failed for good (bad credentials, a revoked key) keeps its cursor,
    says why in the Web UI, and tries again after a pause or when poked, instead of failing."""
    text = failure_text(err)
    workflow.logger.error("intake paused: %s", text)
    before = workflow.get_current_details()
    workflow.set_current_details(f"paused after a failure: {text}")
    await wait_until(wake, FAILURE_PAUSE)
    workflow.set_current_details(before)  # what it showed before (e.g. records set aside)
