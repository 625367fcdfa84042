"""Each facility's item master (X12 888 item maintenance): what the warehouse knows it may
receive, store and ship. Orders and stock for an item it does not know are refused.

A new record is loaded into the WMS at the end of the next processing cycle (PENDING until
then); a change to a record the WMS already holds applies at once. Scripted holds and refusals
(`ItemScenario`) make the launch of a new product deterministic in tests and the demo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from sandbox.gxo.wire import ItemRecord, ItemStatus, ItemView, Rejection, RejectionCode

KNOWN = (ItemStatus.ACTIVE, ItemStatus.INACTIVE)
_DIGITS = re.compile(r"^[0-9]+$")


class ItemScenario(BaseModel):
    """Scripted loading of one item code (POST /_sandbox/item-scenarios)."""

    hold_cycles: int = Field(default=0, ge=0)  # cycles a new record stays PENDING
    reject: str | None = None  # the WMS refuses the record at load with this message


@dataclass
class _Item:
    record: ItemRecord
    status: ItemStatus
    revision: int
    updated_at: datetime
    sent_in_cycle: int = 0  # cycles run when the record arrived
    rejection: Rejection | None = None


def _problem(record: ItemRecord) -> str | None:
    """What the gateway refuses at once (422 INVALID_ITEM), field names only."""
    if not record.description.strip():
        return "description is empty"
    for name, value, lengths in (
        ("ean", record.ean, (8, 12, 13, 14)),
        ("upc", record.upc, (12,)),
        ("hs_code", record.hs_code, (6, 8, 10)),
    ):
        if value is not None and (not _DIGITS.match(value) or len(value) not in lengths):
            return f"{name} must be {' or '.join(map(str, lengths))} digits"
    origin = record.country_of_origin
    if origin is not None and not (origin.isalpha() and origin.isupper()):
        return "country_of_origin must be an ISO 3166-1 alpha-2 code"
    return None


class ItemMaster:
    """Item records per (facility, item code)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], _Item] = {}
        self.scenarios: dict[str, ItemScenario] = {}

    def seed(self, facility_id: str, item_code: str, description: str, at: datetime) -> None:
        """An item the WMS already holds (the built-in catalogue)."""
        record = ItemRecord(item_code=item_code, description=description)
        self.items[(facility_id, item_code)] = _Item(record, ItemStatus.ACTIVE, 1, at)

    def hold(self, facility_id: str, item_code: str, description: str, at: datetime) -> None:
        """The WMS holds the item now (a catalogue loaded beside consign): a new one is seeded
        ACTIVE, and a record consign sent that is still PENDING is loaded at once (else the
        opening stock a test or demo sets right after was refused whenever consign's product
        sync had sent the item first); any other record is kept as it is."""
        item = self.items.get((facility_id, item_code))
        if item is None:
            self.seed(facility_id, item_code, description, at)
        elif item.status is ItemStatus.PENDING:
            item.status = ItemStatus.ACTIVE if item.record.active else ItemStatus.INACTIVE
            item.updated_at = at

    def knows(self, facility_id: str, item_code: str) -> bool:
        item = self.items.get((facility_id, item_code))
        return item is not None and item.status in KNOWN

    def orderable(self, facility_id: str, item_code: str) -> bool:
        item = self.items.get((facility_id, item_code))
        return item is not None and item.status is ItemStatus.ACTIVE

    def describe(self, facility_id: str, item_code: str) -> str:
        """Why an order for the item is refused: "unknown", or its status ("pending", ...)."""
        item = self.items.get((facility_id, item_code))
        return "unknown" if item is None else item.status.value.lower()

    def view(self, facility_id: str, item_code: str) -> ItemView | None:
        item = self.items.get((facility_id, item_code))
        if item is None:
            return None
        return ItemView(
            facility_id=facility_id,
            item_code=item_code,
            status=item.status,
            revision=item.revision,
            updated_at=item.updated_at,
            rejection=item.rejection,
        )

    def put(
        self, facility_id: str, record: ItemRecord, at: datetime, cycle: int
    ) -> tuple[ItemView, bool] | Rejection:
        """Create or change a record; (its state, whether it changed) or the refusal. The
        same record again changes nothing (a retried PUT is harmless)."""
        problem = _problem(record)
        if problem is not None:
            return Rejection(
                code=RejectionCode.INVALID_ITEM, message=f"item {record.item_code}: {problem}"
            )
        key = (facility_id, record.item_code)
        item = self.items.get(key)
        if item is not None and item.record == record and item.status is not ItemStatus.REJECTED:
            return self._view(facility_id, record.item_code), False
        if item is not None and item.status in KNOWN:
            item.record, item.revision, item.updated_at = record, item.revision + 1, at
            item.status = ItemStatus.ACTIVE if record.active else ItemStatus.INACTIVE
            return self._view(facility_id, record.item_code), True
        revision = item.revision + 1 if item else 1
        self.items[key] = _Item(record, ItemStatus.PENDING, revision, at, sent_in_cycle=cycle)
        return self._view(facility_id, record.item_code), True

    def _view(self, facility_id: str, item_code: str) -> ItemView:
        view = self.view(facility_id, item_code)
        assert view is not None
        return view

    def load(self, cycle: int, at: datetime) -> None:
        """End of a processing cycle: pending records whose hold is over are loaded (a hold
        is read now, so clearing the scenarios releases held items at the next cycle)."""
        for (_, code), item in self.items.items():
            scenario = self.scenarios.get(code, ItemScenario())
            held = cycle <= item.sent_in_cycle + scenario.hold_cycles
            if item.status is not ItemStatus.PENDING or held:
                continue
            refused = scenario.reject
            item.updated_at = at
            if refused is not None:
                item.status = ItemStatus.REJECTED
                item.rejection = Rejection(code=RejectionCode.INVALID_ITEM, message=refused)
            else:
                item.status = ItemStatus.ACTIVE if item.record.active else ItemStatus.INACTIVE
                item.rejection = None
