"""Centra's returns as consign reads and closes them (reference/centra: DTC examples "Creating a
Return", "Completing a return"; schema: Return, ReturnLine, refundReturn).

consign learns returns the way it learns orders: from the events queue, through a listener of
its own for Return objects (`Event.objectReference` is the return's ID for non-Order events,
gotcha 3), read back with `returns(where: {id: [...]})`. Each event is confirmed once the return
workflow it names has been started (confirming removes it from the queue for good).

A return is completed with `completeReturn(id)` and refunded with `refundReturn(id)` (changelog
v1.60.0; the 2024 ERP guide still says refunds need the REST API: check the instance, gotcha
18). Both act on the whole return: Centra documents no per-line refund.
"""

from __future__ import annotations

import asyncio

from domain.returns import ChannelReturn, ChannelReturnLine, ReturnRef
from integrations.centra.client import CentraClient
from integrations.centra.documents import (
    COMPLETE_RETURN,
    CONFIRM_EVENTS,
    REFUND_RETURN,
    RETURN_EVENTS,
    RETURNS_BY_ID,
    SET_RETURN_LISTENERS,
)
from integrations.centra.errors import CentraRefundRefused, CentraUserErrors
from integrations.centra.settings import CHANNEL
from integrations.centra.wire import Wire
from integrations.wire import Json


def _rma(return_id: str) -> int:
    if not return_id.isascii() or not return_id.isdigit():
        raise ValueError(f"not a Centra return id: {return_id!r}")
    return int(return_id)


def read_return(data: Json, account: str) -> ChannelReturn:
    wire = Wire("ReturnsById", f"return {data.get('id')}")
    return_id = wire.integer(data, "id")
    order = wire.obj(data, "order")
    lines = []
    for line in wire.objects(data, "lines"):
        size = wire.obj(wire.obj(line, "orderLine"), "productSize")
        lines.append(
            ChannelReturnLine(
                channel_line_id=str(wire.integer(line, "id")),
                sku=wire.required_text(size, "SKU"),
                quantity=wire.integer(line, "quantity"),
            )
        )
    refunds = [
        entry
        for entry in wire.objects(data, "refundPaymentHistory")
        if entry.get("entryType") == "REFUND" and entry.get("status") == "SUCCESS"
    ]
    return ChannelReturn(
        ref=ReturnRef(channel=CHANNEL, account=account, rma=str(return_id)),
        channel_order_id=str(wire.integer(order, "number")),
        completed=data.get("returnStatus") == "COMPLETED",
        refunded=bool(refunds),
        lines=lines,
        created_at=wire.time(data, "createdAt") if data.get("createdAt") else None,
    )


class CentraReturns:
    """The returns side of one Centra account."""

    def __init__(self, client: CentraClient, account: str) -> None:
        self.client = client
        self.account = account
        self._listening = False
        self._lock = asyncio.Lock()

    async def _ensure_listening(self) -> None:
        async with self._lock:
            if not self._listening:
                await self.client.mutate(
                    SET_RETURN_LISTENERS, {}, "SetReturnListeners", "setEventListeners"
                )
                self._listening = True

    async def return_events(self, limit: int) -> dict[int, str]:
        """The oldest unconfirmed Return events: event id -> the return's id."""
        await self._ensure_listening()
        data = await self.client.execute(RETURN_EVENTS, {"limit": limit}, "ReturnEvents")
        wire = Wire("ReturnEvents", "events")
        return {
            wire.integer(event, "id"): str(wire.integer(event, "objectReference"))
            for event in wire.objects(data, "events")
        }

    async def confirm(self, event_ids: list[int]) -> None:
        if event_ids:
            await self.client.mutate(
                CONFIRM_EVENTS, {"ids": event_ids}, "ConfirmEvents", "confirmEvents"
            )

    async def returns(self, return_ids: list[str]) -> list[ChannelReturn]:
        """The named returns that still exist (a deleted one is simply absent)."""
        if not return_ids:
            return []
        ids = [_rma(r) for r in return_ids]
        data = await self.client.execute(RETURNS_BY_ID, {"ids": ids}, "ReturnsById")
        wire = Wire("ReturnsById", "returns")
        return [read_return(item, self.account) for item in wire.objects(data, "returns")]

    async def get_return(self, rma: str) -> ChannelReturn | None:
        found = await self.returns([rma])
        return found[0] if found else None

    async def complete(self, rma: str) -> None:
        await self.client.mutate(
            COMPLETE_RETURN, {"id": _rma(rma)}, "CompleteReturn", "completeReturn"
        )

    async def refund(self, rma: str) -> None:
        """Raises CentraRefundRefused (a CentraUserErrors of kind REFUND_REFUSED) when Centra
        (or its payment provider) refuses."""
        try:
            await self.client.mutate(
                REFUND_RETURN, {"id": _rma(rma)}, "RefundReturn", "refundReturn"
            )
        except CentraUserErrors as refused:
            raise CentraRefundRefused(
                refused.operation, refused.messages, refused.paths
            ) from refused
