"""A stand-in for OrderFulfillment: it answers `status` with whatever it was started with and
records operator requests (signals and updates), so the CLI is tested without the real
workflow or any sandbox. Its updates refuse a closed order, as the real validators do."""

from __future__ import annotations

from temporalio import workflow

from domain.lifecycle import (
    REINJECT_SIGNAL,
    RESOLVE_UPDATE,
    RETRY_SIGNAL,
    STATUS_QUERY,
    WORKFLOW_NAME,
    OperatorAnswer,
    OperatorRequest,
    OrderStatus,
)

SIGNALS_QUERY = "received_signals"


@workflow.defn(name=WORKFLOW_NAME)
class FakeOrderFulfillment:
    @workflow.init
    def __init__(self, status: OrderStatus) -> None:
        self.status = status
        self.received: list[tuple[str, OperatorRequest]] = []

    @workflow.run
    async def run(self, status: OrderStatus) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.query(name=STATUS_QUERY)
    def query_status(self) -> OrderStatus:
        return self.status

    @workflow.query(name=SIGNALS_QUERY)
    def received_signals(self) -> list[tuple[str, OperatorRequest]]:
        return self.received

    @workflow.signal(name=RETRY_SIGNAL)
    def retry(self, request: OperatorRequest) -> None:
        self.received.append((RETRY_SIGNAL, request))

    @workflow.signal(name=REINJECT_SIGNAL)
    def reinject(self, request: OperatorRequest) -> None:
        self.received.append((REINJECT_SIGNAL, request))

    def answer(self, action: str, request: OperatorRequest) -> OperatorAnswer:
        self.received.append((action, request))
        return OperatorAnswer(
            action=action, stage=self.status.stage, exception=self.status.exception
        )

    def refuse_closed(self) -> None:
        if self.status.stage.is_final:
            raise ValueError(f"the order is {self.status.stage.value}")

    @workflow.update(name=RETRY_SIGNAL)
    def retry_update(self, request: OperatorRequest) -> OperatorAnswer:
        return self.answer(RETRY_SIGNAL, request)

    @retry_update.validator
    def check_retry(self, request: OperatorRequest) -> None:
        self.refuse_closed()

    @workflow.update(name=REINJECT_SIGNAL)
    def reinject_update(self, request: OperatorRequest) -> OperatorAnswer:
        return self.answer(REINJECT_SIGNAL, request)

    @reinject_update.validator
    def check_reinject(self, request: OperatorRequest) -> None:
        self.refuse_closed()

    @workflow.update(name=RESOLVE_UPDATE)
    def resolve(self, request: OperatorRequest) -> OperatorAnswer:
        return self.answer(RESOLVE_UPDATE, request)

    @resolve.validator
    def check_resolve(self, request: OperatorRequest) -> None:
        self.refuse_closed()
