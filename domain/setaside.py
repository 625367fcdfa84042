"""Records an intake could not understand: set aside with the reason, never dropped, so one bad
record (an order in a status consign does not know, a GXO event of a new kind, a negative stock
figure) never stops the records behind it.

A `SetAsideRecord` carries the record as received (`raw`), which may hold personal data: it goes
to the store only (store/set_aside.py). Workflows, logs and exception messages see the
`SetAsideNotice` instead: where the record came from, its id, the reason and a detail made of
field names and consign's own words.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import BaseModel


class SetAsideReason(StrEnum):
    UNKNOWN_STATUS = "UNKNOWN_STATUS"  # an order or event status consign does not know
    UNKNOWN_KIND = "UNKNOWN_KIND"  # an event or stock change of a kind consign does not know
    INVALID_VALUE = "INVALID_VALUE"  # a field outside the contract (a negative on-hand figure)
    MALFORMED = "MALFORMED"  # not the contract's shape (a missing field, not an object)
    TOO_LARGE = "TOO_LARGE"  # beyond a configured bound (parcels in one dispatch)


class SetAsideFeed(StrEnum):
    """Which intake read the record."""

    ORDERS = "orders"  # a channel's order changes (search pages, event queues, sweeps)
    WAREHOUSE_EVENTS = "warehouse-events"  # GXO events, pulled or pushed
    STOCK_CHANGES = "stock-changes"  # GXO stock changes and inventory snapshot levels
    PRODUCTS = "products"  # a channel's product records (its listings) for GXO's item master


class SetAsideNotice(BaseModel):
    """What a workflow and a log line may carry about a set-aside record: no record content."""

    system: str  # who sent it: the channel or warehouse module's name
    feed: SetAsideFeed
    scope: str  # the channel account or the GXO facility
    record_id: str  # the order id, event id or sequence; a content hash when it has none
    reason: SetAsideReason
    detail: str  # field names and consign's words, never a value that may be personal data

    def summary(self) -> str:
        where = f"{self.system} {self.feed.value} {self.scope}"
        return f"{self.reason.value} {where} {self.record_id}: {self.detail}"


class SetAsideRecord(SetAsideNotice):
    raw: str  # the record as received; may hold personal data: the store only, never a log

    def notice(self) -> SetAsideNotice:
        return SetAsideNotice.model_validate(self.model_dump(exclude={"raw"}))


def content_id(raw: str) -> str:
    """The id of a record that carries none of its own: the same bytes, the same id."""
    return "sha256:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def record_id(value: object, raw: str) -> str:
    """The record's own id when it has a usable one (a non-empty string or an integer)."""
    if isinstance(value, bool):
        return content_id(raw)
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return str(value)[:200]
    return content_id(raw)
