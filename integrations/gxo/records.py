"""GXO's pages read record by record: a record that does not fit the contract is set aside with
the reason (domain/setaside.py) and the records around it are read as usual, so one event of a
kind consign does not know, or one negative stock figure, never stops a facility's feed.

Only the page itself (its list and its cursor) must fit the contract: without them nothing can
be read safely, and the transport reports contract drift as a permanent error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from domain.inventory import InventorySnapshot, StockChange, StockChangePage, StockLevel
from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord, record_id
from domain.warehouse import EventPage, FeedEvent, WarehouseEventKind
from integrations.gxo import mapping, wire

SYSTEM = "gxo"
# Enumerations whose values may be quoted in a detail: codes, never personal data.
CODE_FIELDS = frozenset({"kind", "order_status", "status", "code", "unit_of_measure"})
KIND_FIELDS = frozenset({"kind"})
STATUS_FIELDS = frozenset({"order_status", "status"})
MAX_PROBLEMS = 5

W = TypeVar("W", bound=BaseModel)
D = TypeVar("D")


class Unreadable(Exception):
    """A record that cannot be read: why, in words safe for a log."""

    def __init__(self, reason: SetAsideReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _problem(error: ErrorDetails) -> str:
    where = ".".join(map(str, error["loc"])) or "record"
    value = error.get("input")
    field = error["loc"][-1] if error["loc"] else None
    if error["type"] == "literal_error" and field in CODE_FIELDS and isinstance(value, str):
        return f"{where} {value[:40]!r} is not one consign knows"
    return f"{where}: {error['msg']}"


def _wrong_shape(error: ErrorDetails) -> bool:
    """A missing field or one of the wrong type (not an object, not a number, not a date)."""
    return error["type"] == "missing" or error["type"].endswith(("_type", "_parsing"))


def _reason(errors: list[ErrorDetails]) -> SetAsideReason:
    """The most telling reason: the record's own kind unknown, then a status, then the shape."""
    literal = [e["loc"] for e in errors if e["type"] == "literal_error" and e["loc"]]
    if any(len(loc) == 1 and loc[0] in KIND_FIELDS for loc in literal):
        return SetAsideReason.UNKNOWN_KIND
    if any(loc[-1] in STATUS_FIELDS for loc in literal):
        return SetAsideReason.UNKNOWN_STATUS
    if any(_wrong_shape(e) for e in errors):
        return SetAsideReason.MALFORMED
    return SetAsideReason.INVALID_VALUE


def _validated(model: type[W], item: Any, to_domain: Callable[[W], D]) -> D:
    try:
        return to_domain(model.model_validate(item))
    except ValidationError as err:
        errors = err.errors()
        detail = "; ".join(_problem(e) for e in errors[:MAX_PROBLEMS])
        raise Unreadable(_reason(errors), detail) from err
    except mapping.ContractError as err:
        raise Unreadable(SetAsideReason.INVALID_VALUE, str(err)) from err


def set_aside(
    feed: SetAsideFeed, scope: str, own_id: object, raw: str, problem: Unreadable
) -> SetAsideRecord:
    return SetAsideRecord(
        system=SYSTEM,
        feed=feed,
        scope=scope,
        record_id=record_id(own_id, raw),
        reason=problem.reason,
        detail=problem.detail,
        raw=raw,
    )


def _field(item: Any, key: str) -> object:
    return item.get(key) if isinstance(item, dict) else None


def _raw(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))


RETURN_RECEIVED = "RETURN_RECEIVED"


def read_event(item: Any, max_parcels: int, channels: mapping.Channels = None) -> FeedEvent:
    """One event of the contract, or Unreadable (also for a dispatch beyond `max_parcels`, or
    naming a channel not among `channels`). A return receipt has its own shape."""
    if _field(item, "kind") == RETURN_RECEIVED:
        return _validated(wire.ReturnEvent, item, lambda body: mapping.return_event(body, channels))
    event = _validated(wire.Event, item, lambda body: mapping.event(body, channels))
    if event.kind is WarehouseEventKind.DISPATCH and len(event.parcels) > max_parcels:
        raise Unreadable(
            SetAsideReason.TOO_LARGE,
            f"{len(event.parcels)} parcels in one dispatch, more than the limit of "
            f"{max_parcels} (GXO_MAX_PARCELS_PER_DISPATCH)",
        )
    return event


def event_set_aside(item: Any, raw: str, scope: str, problem: Unreadable) -> SetAsideRecord:
    return set_aside(SetAsideFeed.WAREHOUSE_EVENTS, scope, _field(item, "event_id"), raw, problem)


def _items(body: Any, key: str, envelope: type[BaseModel]) -> tuple[list[Any], BaseModel]:
    """The page's records, unread, and its envelope checked without them."""
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise mapping.ContractError(f"the page has no {key} list")
    return body[key], envelope.model_validate({**body, key: []})


def event_page(
    body: Any, facility_id: str, max_parcels: int, channels: mapping.Channels = None
) -> EventPage:
    items, page = _items(body, "events", wire.EventPage)
    assert isinstance(page, wire.EventPage)
    events: list[FeedEvent] = []
    kept: list[SetAsideRecord] = []
    for item in items:
        try:
            events.append(read_event(item, max_parcels, channels))
        except Unreadable as problem:
            kept.append(event_set_aside(item, _raw(item), facility_id, problem))
    return EventPage(events=events, next_cursor=page.next_cursor, set_aside=kept)


def stock_change_page(
    body: Any, facility_id: str, channels: mapping.Channels = None
) -> StockChangePage:
    items, page = _items(body, "changes", wire.StockChangePage)
    assert isinstance(page, wire.StockChangePage)
    changes: list[StockChange] = []
    kept: list[SetAsideRecord] = []
    for item in items:
        try:
            read = lambda body: mapping.stock_change(body, channels)  # noqa: E731
            changes.append(_validated(wire.StockChange, item, read))
        except Unreadable as problem:
            own_id = _field(item, "sequence")
            kept.append(
                set_aside(SetAsideFeed.STOCK_CHANGES, facility_id, own_id, _raw(item), problem)
            )
    return StockChangePage(changes=changes, next_cursor=page.next_cursor, set_aside=kept)


def inventory_snapshot(body: Any, facility_id: str) -> InventorySnapshot:
    items, snapshot = _items(body, "levels", wire.InventorySnapshot)
    assert isinstance(snapshot, wire.InventorySnapshot)
    levels: list[StockLevel] = []
    kept: list[SetAsideRecord] = []
    for item in items:
        try:
            levels.append(_validated(wire.StockLevel, item, mapping.stock_level))
        except Unreadable as problem:
            item_code = _field(item, "item_code")
            own_id = f"snapshot:{item_code}" if isinstance(item_code, str) else None
            kept.append(
                set_aside(SetAsideFeed.STOCK_CHANGES, facility_id, own_id, _raw(item), problem)
            )
    return InventorySnapshot(
        facility_id=snapshot.facility_id,
        as_of=snapshot.as_of,
        cursor=snapshot.cursor,
        levels=levels,
        set_aside=kept,
    )
