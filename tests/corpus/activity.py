"""Running one real activity (temporalio's ActivityEnvironment) on a bad input and naming what it
did: a non-retryable failure of an ExceptionKind (the order parks with it), a failure Temporal
would retry (with the default policy: forever), or records set aside beside the good ones."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from domain.setaside import SetAsideNotice
from tests.corpus import kept
from tests.corpus.cases import Observed

T = TypeVar("T")


async def attempt(call: Callable[..., Awaitable[T]], *args: Any) -> T | Observed:
    """The activity's result, or its failure as an outcome."""
    try:
        return await ActivityEnvironment().run(call, *args)
    except ApplicationError as err:
        retried = "non-retryable" if err.non_retryable else "retried"
        return Observed(f"{retried} {err.type}", err.message)
    except Exception as err:
        return Observed(f"retried forever ({type(err).__name__})", str(err)[:200])


def parks(kind: str) -> str:
    """The outcome name of an activity failure an order parks with."""
    return f"non-retryable {kind}"


def set_aside(notices: Sequence[SetAsideNotice], engine: Engine, sent: object) -> Observed:
    """The one record an activity set aside, and whether the store holds it as it was sent."""
    if len(notices) != 1:
        summaries = "; ".join(n.summary() for n in notices)
        return Observed(f"{len(notices)} records set aside", summaries)
    [notice] = notices
    observed = Observed(f"set aside {notice.reason.value}", notice.detail)
    observed.lost += kept.set_aside(engine, notice.reason, json.dumps(sent))
    return observed
