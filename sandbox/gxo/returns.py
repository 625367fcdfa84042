"""The simulated warehouse's returns desk: return notices (X12 180) kept per (facility, RMA),
parcels received and inspected in batch cycles, a receipt per arrival (944) with a disposition
per line, published as RETURN_RECEIVED in the facility's event feed. SELLABLE units go back to
stock (a RETURN movement in the stock feed); other dispositions do not.

Scripted per RMA (ReturnScenario): never arrives, several receipts, a short (partial) receipt,
a wrong item, dispositions per item. A parcel naming no RMA is received from the admin API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sandbox.gxo.models import ReturnScenario, UnlabelledReturn
from sandbox.gxo.wire import (
    ReceivedLine,
    ReturnAccepted,
    ReturnAuthorisation,
    ReturnEvent,
    ReturnReceiptView,
    ReturnStatus,
    ReturnView,
)

SELLABLE = "SELLABLE"
WRONG_ITEM = "WRONG_ITEM"  # docs/gxo-interface.md: the buyer sent something else back


@dataclass
class _Notice:
    return_id: str
    body: ReturnAuthorisation
    notified_cycle: int
    receipts: list[ReturnReceiptView] = field(default_factory=list)
    next_line: int = 0  # with `several`: the next notice line to arrive
    calls: int = 1

    @property
    def status(self) -> ReturnStatus:
        if not self.receipts:
            return ReturnStatus.EXPECTED
        expected = sum(line.quantity for line in self.body.lines)
        received = sum(line.quantity for r in self.receipts for line in r.lines)
        return ReturnStatus.RECEIVED if received >= expected else ReturnStatus.PARTIALLY_RECEIVED


Emit = Callable[[str, ReturnReceiptView], ReturnEvent]
Restock = Callable[[str, str, int, str], None]


class ReturnsDesk:
    def __init__(self, emit: Emit, restock: Restock) -> None:
        self.notices: dict[tuple[str, str], _Notice] = {}
        self.scenarios: dict[str, ReturnScenario] = {}
        self.unlabelled: list[ReturnReceiptView] = []
        self._emit = emit
        self._restock = restock
        self._receipts = 0

    def notify(self, body: ReturnAuthorisation, cycle: int) -> ReturnAccepted:
        key = (body.facility_id, body.rma)
        known = self.notices.get(key)
        if known is not None:
            known.calls += 1
            return ReturnAccepted(return_id=known.return_id, status=known.status, duplicate=True)
        notice = _Notice(f"RT{len(self.notices) + 1:08d}", body, cycle)
        self.notices[key] = notice
        return ReturnAccepted(return_id=notice.return_id, status=notice.status)

    def view(self, facility_id: str, rma: str) -> ReturnView | None:
        notice = self.notices.get((facility_id, rma))
        if notice is None:
            return None
        return ReturnView(
            return_id=notice.return_id,
            facility_id=facility_id,
            rma=rma,
            status=notice.status,
            lines=notice.body.lines,
            receipts=notice.receipts,
        )

    def run_cycle(self, cycle: int, now: datetime) -> list[ReturnEvent]:
        """Parcels due this cycle arrive and are inspected."""
        emitted: list[ReturnEvent] = []
        for notice in self.notices.values():
            scenario = self._scenario(notice.body)
            if scenario.never_arrives or cycle < notice.notified_cycle + scenario.delay_cycles:
                continue
            lines = self._arriving(notice, scenario)
            if lines:
                emitted.append(self._receive(notice, lines, now))
        return emitted

    def _scenario(self, body: ReturnAuthorisation) -> ReturnScenario:
        """Scripted by RMA, else by the channel order the return belongs to (a script made
        before the buyer's return exists), else every unit arrives sellable."""
        found = self.scenarios.get(body.rma) or self.scenarios.get(body.channel_order_id)
        return found or ReturnScenario()

    def _arriving(self, notice: _Notice, scenario: ReturnScenario) -> list[ReceivedLine]:
        body_lines = notice.body.lines
        if notice.next_line >= len(body_lines):
            return []
        take = body_lines[notice.next_line :][:1] if scenario.several else body_lines
        notice.next_line += len(take)
        received: list[ReceivedLine] = []
        for line in take:
            quantity = line.quantity
            if line is body_lines[-1]:
                quantity -= scenario.short
            if quantity <= 0:
                continue
            item = line.item_code
            disposition = scenario.dispositions.get(line.item_code, SELLABLE)
            if scenario.wrong_item is not None and line is body_lines[0]:
                item, disposition = scenario.wrong_item, WRONG_ITEM  # never restocked
            received.append(
                ReceivedLine(
                    line_number=line.line_number,
                    item_code=item,
                    quantity=quantity,
                    disposition=disposition,
                )
            )
        return received

    def _receive(self, notice: _Notice, lines: list[ReceivedLine], now: datetime) -> ReturnEvent:
        self._receipts += 1
        body = notice.body
        receipt = ReturnReceiptView(
            receipt_id=f"RC{self._receipts:08d}",
            rma=body.rma,
            channel=body.channel,
            account=body.account,
            channel_order_id=body.channel_order_id,
            received_at=now,
            lines=lines,
        )
        notice.receipts.append(receipt)
        for line in lines:
            if line.disposition == SELLABLE:
                self._restock(body.facility_id, line.item_code, line.quantity, body.rma)
        return self._emit(body.facility_id, receipt)

    def receive_unlabelled(self, parcel: UnlabelledReturn, now: datetime) -> ReturnEvent:
        """A parcel naming no RMA: received and reported, never restocked (nobody knows
        whose it is until a person matches it)."""
        self._receipts += 1
        receipt = ReturnReceiptView(
            receipt_id=f"RC{self._receipts:08d}",
            rma=None,
            channel=None,
            account=None,
            channel_order_id=None,
            received_at=now,
            lines=[
                ReceivedLine(
                    line_number=1,
                    item_code=parcel.item_code,
                    quantity=parcel.quantity,
                    disposition=parcel.disposition,
                )
            ],
        )
        self.unlabelled.append(receipt)
        return self._emit(parcel.facility_id, receipt)
