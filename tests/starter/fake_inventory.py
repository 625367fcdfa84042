"""A stand-in for InventorySync: it answers `status` with whatever it was started with and
records `sync_now` signals and updates (answered at once), so the CLI is tested without the
real workflow or any sandbox."""

from __future__ import annotations

from temporalio import workflow

from workflows.inventory_sync import (
    STATUS_QUERY,
    SYNC_NOW_SIGNAL,
    InventorySyncStatus,
    SyncAnswer,
    SyncRequest,
)

REQUESTS_QUERY = "received_requests"


@workflow.defn(name="InventorySync")
class FakeInventorySync:
    @workflow.init
    def __init__(self, status: InventorySyncStatus) -> None:
        self.status = status
        self.received: list[SyncRequest] = []

    @workflow.run
    async def run(self, status: InventorySyncStatus) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.query(name=STATUS_QUERY)
    def query_status(self) -> InventorySyncStatus:
        return self.status

    @workflow.query(name=REQUESTS_QUERY)
    def received_requests(self) -> list[SyncRequest]:
        return self.received

    @workflow.signal(name=SYNC_NOW_SIGNAL)
    def sync_now(self, request: SyncRequest) -> None:
        self.received.append(request)

    @workflow.update(name=SYNC_NOW_SIGNAL)
    def sync_now_update(self, request: SyncRequest) -> SyncAnswer:
        self.received.append(request)
        return SyncAnswer(settled=True, status=self.status)
