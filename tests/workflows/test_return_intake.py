"""ReturnIntake on the time-skipping server with a stand-in take_channel_returns: rounds add up
in its progress, a full page is taken again at once, a failure retrying cannot cure pauses it
(shown in progress) until a poke, and the next round clears it. With
CONSIGN_CAPTURE_HISTORIES=<dir> the run's history is saved for the replay test
(tests/histories/return_intake.json)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import ReturnIntakeRequest, ReturnsTaken
from domain.exceptions import ExceptionKind
from tests.e2e.histories import decoded_json, save_histories
from tests.workflows.test_intakes import poll_until
from workflows.return_intake import (
    POLL_NOW_SIGNAL,
    PROGRESS_QUERY,
    ReturnIntake,
    ReturnIntakeInput,
    ReturnIntakeProgress,
    return_intake_id,
)


async def test_rounds_add_up_and_a_failure_pauses_until_poked(
    time_env: WorkflowEnvironment,
) -> None:
    answers: list[ReturnsTaken | ApplicationError] = [
        ReturnsTaken(events=2, started=2, more=True),  # a full page: again at once
        ReturnsTaken(events=1, already=1),
        ApplicationError(
            "token revoked", type=ExceptionKind.CHANNEL_AUTH_FAILED.value, non_retryable=True
        ),
        ReturnsTaken(events=1, gone=1),
    ]
    asked: list[ReturnIntakeRequest] = []

    @activity.defn(name="take_channel_returns")
    async def take(request: ReturnIntakeRequest) -> ReturnsTaken:
        asked.append(request)
        answer = answers.pop(0) if answers else ReturnsTaken()
        if isinstance(answer, ApplicationError):
            raise answer
        return answer

    queue = f"return-intake-{uuid.uuid4()}"
    async with Worker(
        time_env.client, task_queue=queue, workflows=[ReturnIntake], activities=[take]
    ):
        handle = await time_env.client.start_workflow(
            ReturnIntake.run,
            ReturnIntakeInput(channel="centra", account="store-eu", events_per_round=2),
            id=f"{return_intake_id('centra', 'store-eu')}-{uuid.uuid4()}",
            task_queue=queue,
        )
        # Queries do not skip time: a poke ends the wait between rounds.
        await poll_until(handle, PROGRESS_QUERY, ReturnIntakeProgress, lambda p: p.polls >= 2)
        await handle.signal(POLL_NOW_SIGNAL)
        paused = await poll_until(
            handle,
            PROGRESS_QUERY,
            ReturnIntakeProgress,
            lambda p: p.last_error_kind is ExceptionKind.CHANNEL_AUTH_FAILED,
        )
        assert (paused.polls, paused.events, paused.started, paused.already) == (2, 3, 2, 1)
        assert "token revoked" in (paused.last_error or "")
        await handle.signal(POLL_NOW_SIGNAL)
        resumed = await poll_until(
            handle, PROGRESS_QUERY, ReturnIntakeProgress, lambda p: p.polls >= 3
        )
        assert resumed.last_error is None and resumed.gone == 1
        assert {r.limit for r in asked} == {2} and {r.account for r in asked} == {"store-eu"}
        if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
            history = await decoded_json(await handle.fetch_history())
            save_histories({"return_intake": history}, Path(target))
        await handle.terminate("test done")
