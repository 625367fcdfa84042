"""A stand-in for OrderFulfillment: it answers `status` with whatever it was started with and
records operator signals, so the CLI is tested without the real workflow or any sandbox."""

from __future__ import annotations

from temporalio import workflow

from domain.lifecycle import (
    REINJECT_SIGNAL,
    RETRY_SIGNAL,
    STATUS_QUERY,
    WORKFLOW_NAME,
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
