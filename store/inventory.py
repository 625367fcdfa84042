"""Inventory in the store: buffer rules, GXO stock levels, open order demand and the push
ledger. Sync repository functions (activities call them in a thread), one session each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, delete, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.inventory import (
    BufferRule,
    ListingQuantity,
    PushOutcome,
    StockChange,
    StockLevel,
    StockSubmission,
)
from domain.inventory import StockChangeKind as Kind
from domain.order import Channel, OrderRef
from store.db import read_session, write_session
from store.tables import (
    BufferRuleRow,
    ConfirmedParcelLineRow,
    ConfirmedParcelRow,
    OrderDemandRow,
    SkuMappingRow,
    StockLedgerRow,
    StockLevelRow,
    StockSubmissionRow,
    utc_now,
)
from store.upsert import WriteCounts, replace_set

# --- buffers ------------------------------------------------------------------------------


def replace_buffer_rules(engine: Engine, rules: Sequence[BufferRule]) -> WriteCounts:
    """Buffers, like facility rules, only make sense as a whole: swap the set atomically."""
    rows = [
        BufferRuleRow(
            channel=rule.channel if rule.channel else None,
            sku=rule.sku,
            units=rule.units,
            percent=rule.percent,
        )
        for rule in rules
    ]
    with write_session(engine) as session:
        return replace_set(session, rows, BufferRuleRow)


def list_buffer_rules(engine: Engine) -> list[BufferRule]:
    with read_session(engine) as session:
        rows = session.scalars(select(BufferRuleRow).order_by(col(BufferRuleRow.id)))
        return [
            BufferRule(
                channel=row.channel or None,
                sku=row.sku,
                units=row.units,
                percent=row.percent,
            )
            for row in rows
        ]


# --- GXO stock ----------------------------------------------------------------------------


def replace_facility_stock(
    engine: Engine, facility_id: str, levels: Sequence[StockLevel], cursor: int
) -> None:
    """A snapshot replaces the facility's levels; changes up to `cursor` are in it."""
    with write_session(engine) as session:
        session.connection().execute(
            delete(StockLevelRow).where(col(StockLevelRow.facility_id) == facility_id)
        )
        session.add_all(
            StockLevelRow(
                facility_id=facility_id,
                item_code=level.item_code,
                on_hand=level.on_hand,
                allocated=level.allocated,
                sequence=cursor,
            )
            for level in levels
        )


def apply_stock_changes(engine: Engine, changes: Sequence[StockChange]) -> set[str]:
    """Apply changes newer than what each item already reflects (repeats and reordering are
    harmless: every change carries the levels after it), move order demand from open to
    allocated to shipped, and return the item codes whose levels changed. A page is read in two
    queries (its levels, its orders' demand rows) and applied in sequence order in memory."""
    ordered = sorted(changes, key=lambda c: c.sequence)
    changed: set[str] = set()
    with write_session(engine) as session:
        levels = _levels_of(session, ordered)
        demand = _demand_of(session, ordered)
        for change in ordered:
            key = (change.facility_id, change.item_code)
            row = levels.get(key)
            if row is None:
                row = levels[key] = StockLevelRow(
                    facility_id=change.facility_id, item_code=change.item_code
                )
                session.add(row)
            if row.sequence < change.sequence:
                row.on_hand, row.allocated = change.on_hand_after, change.allocated_after
                row.sequence = change.sequence
                changed.add(change.item_code)
            if change.reference and change.channel:
                # Demand moves even when the level already reflects a later change.
                _move_demand(session, change, demand)
                changed.add(change.item_code)
    return changed


def _levels_of(
    session: Session, changes: Sequence[StockChange]
) -> dict[tuple[str, str], StockLevelRow]:
    if not changes:
        return {}
    query = select(StockLevelRow).where(
        col(StockLevelRow.facility_id).in_({c.facility_id for c in changes}),
        col(StockLevelRow.item_code).in_({c.item_code for c in changes}),
    )
    return {(row.facility_id, row.item_code): row for row in session.exec(query)}


def _demand_of(session: Session, changes: Sequence[StockChange]) -> list[OrderDemandRow]:
    """The demand rows of the orders and items the changes name (a superset: _move_demand picks
    each change's own). Locked until the commit: a parcel confirmed at the same moment
    (confirm_shipped) waits instead of writing back a figure read before these changes
    (PostgreSQL; SQLite has one writer at a time anyway)."""
    moving = [c for c in changes if c.reference and c.channel]
    if not moving:
        return []
    query = select(OrderDemandRow).where(
        col(OrderDemandRow.channel).in_({c.channel for c in moving}),
        col(OrderDemandRow.order_id).in_({c.reference for c in moving}),
        col(OrderDemandRow.item_code).in_({c.item_code for c in moving}),
    )
    return list(session.exec(query.with_for_update()).all())


def _move_demand(session: Session, change: StockChange, demand: list[OrderDemandRow]) -> None:
    units = abs(change.quantity)
    for row in [r for r in demand if _moved_by(r, change)]:
        row.sequence = change.sequence
        if change.kind is Kind.ALLOCATION:
            moved = min(units, row.open)
            row.open -= moved
            row.allocated += moved
        elif change.kind is Kind.SHIPMENT:
            moved = min(units, row.allocated)
            row.allocated -= moved
            row.shipped += moved
        elif change.kind is Kind.DEALLOCATION:
            # Released, not cancelled (a cancel closes the demand): a short pick's units are
            # still owed until they ship or the order ends (close_demand).
            moved = min(units, row.allocated)
            row.allocated -= moved
            row.open += moved
        row.updated_at = utc_now()
        if _delete_if_settled(session, row):
            demand.remove(row)


def _moved_by(row: OrderDemandRow, change: StockChange) -> bool:
    """The change is about this row's order line and newer than what the row reflects."""
    return (
        row.channel == change.channel
        and row.order_id == change.reference
        and row.item_code == change.item_code
        and (change.account is None or row.account == change.account)
        and row.sequence < change.sequence
    )


def _delete_if_settled(session: Session, row: OrderDemandRow) -> bool:
    if row.open == 0 and row.allocated == 0 and row.shipped == 0:
        session.delete(row)
        return True
    return False


def confirm_shipped(
    engine: Engine, ref: OrderRef, parcel_id: str, units: Sequence[tuple[str, int]]
) -> None:
    """A parcel confirmed to the channel: its (item_code, units) no longer count as shipped
    but unconfirmed, once per parcel (a retried confirm changes nothing: counted twice, the
    order's demand would stay below zero for good). The confirmation may come before GXO's
    stock change does: `shipped` then dips below zero until the SHIPMENT brings it back."""
    with write_session(engine) as session:
        marker = (ref.channel, ref.account, ref.order_id, parcel_id)
        if session.get(ConfirmedParcelRow, marker) is not None:
            return
        session.add(
            ConfirmedParcelRow(
                channel=ref.channel,
                account=ref.account,
                order_id=ref.order_id,
                parcel_id=parcel_id,
            )
        )
        for item_code, count in _per_item(units).items():
            key = (ref.channel, ref.account, ref.order_id, item_code)
            row = session.get(OrderDemandRow, key, with_for_update=True)  # as in _move_demand
            session.add(
                ConfirmedParcelLineRow(
                    channel=ref.channel,
                    account=ref.account,
                    order_id=ref.order_id,
                    parcel_id=parcel_id,
                    item_code=item_code,
                    sku=row.sku if row is not None else _sku_of(session, ref.channel, item_code),
                    quantity=count,
                )
            )
            if row is None:
                continue
            row.shipped -= count
            row.updated_at = utc_now()
            _delete_if_settled(session, row)


def _per_item(units: Sequence[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for item_code, count in units:
        totals[item_code] += count
    return dict(totals)


def _sku_of(session: Session, channel: str, item_code: str) -> str | None:
    """The channel SKU mapped to the item, when exactly one is."""
    query = select(SkuMappingRow.sku).where(
        col(SkuMappingRow.channel) == channel, col(SkuMappingRow.item_code) == item_code
    )
    skus = list(session.scalars(query.limit(2)))
    return skus[0] if len(skus) == 1 else None


def available_by_item(engine: Engine, facilities: Iterable[str]) -> dict[str, int]:
    """GXO available (on hand less allocated) per item, summed over the facilities."""
    wanted = sorted(set(facilities))
    with read_session(engine) as session:
        rows = session.scalars(
            select(StockLevelRow).where(col(StockLevelRow.facility_id).in_(wanted))
        )
        totals: dict[str, int] = defaultdict(int)
        for row in rows:
            totals[row.item_code] += max(0, row.on_hand - row.allocated)
        return dict(totals)


# --- order demand -------------------------------------------------------------------------


def record_demand(engine: Engine, ref: OrderRef, lines: Sequence[tuple[str, str, int]]) -> None:
    """An order planned for GXO: (sku, item_code, units) open until GXO allocates them.
    Recording again (a retried plan) never resets units GXO already allocated."""
    with write_session(engine) as session:
        for sku, item_code, units in lines:
            key = (ref.channel, ref.account, ref.order_id, item_code)
            if session.get(OrderDemandRow, key) is None:
                session.add(
                    OrderDemandRow(
                        channel=ref.channel,
                        account=ref.account,
                        order_id=ref.order_id,
                        item_code=item_code,
                        sku=sku,
                        open=units,
                    )
                )


def close_demand(engine: Engine, ref: OrderRef) -> list[str]:
    """The order will not ship (cancelled, rejected) or has ended (shipped, lines short-closed):
    its units no longer hold stock back. Returns the item codes it held."""
    rows = (
        col(OrderDemandRow.channel) == ref.channel,
        col(OrderDemandRow.account) == ref.account,
        col(OrderDemandRow.order_id) == ref.order_id,
    )
    with write_session(engine) as session:
        items = sorted(session.scalars(select(OrderDemandRow.item_code).where(*rows)))
        session.connection().execute(delete(OrderDemandRow).where(*rows))
    return items


@dataclass
class Demand:
    """Units per item and channel: sold but not yet allocated at GXO; allocated but not yet
    shipped; shipped but not yet confirmed to the channel."""

    open: dict[str, dict[Channel, int]] = field(default_factory=dict)
    allocated: dict[str, dict[Channel, int]] = field(default_factory=dict)
    shipped: dict[str, dict[Channel, int]] = field(default_factory=dict)


def demand_by_item(engine: Engine, items: Iterable[str] | None = None) -> Demand:
    """Summed in the database, per item and channel (one row each, however many orders are
    open), for `items` only when given: planning at 10,000 open orders reads a few rows, not
    every order's."""
    total = (
        func.sum(OrderDemandRow.open),
        func.sum(OrderDemandRow.allocated),
        func.sum(OrderDemandRow.shipped),
    )
    query = sa_select(col(OrderDemandRow.item_code), col(OrderDemandRow.channel), *total).group_by(
        col(OrderDemandRow.item_code), col(OrderDemandRow.channel)
    )
    if items is not None:
        query = query.where(col(OrderDemandRow.item_code).in_(sorted(set(items))))
    demand = Demand()
    with read_session(engine) as session:
        for item_code, channel, *units in session.connection().execute(query):
            buckets = zip((demand.open, demand.allocated, demand.shipped), units, strict=True)
            for bucket, summed in buckets:
                if summed:
                    bucket.setdefault(item_code, {})[channel] = int(summed)
    return demand


# --- the push ledger ----------------------------------------------------------------------


@dataclass
class LedgerEntry:
    sku: str
    quantity: int | None
    pushed_at: datetime | None
    submission: str | None
    outcome: str | None
    message: str | None
    pending_since: datetime | None
    shown: int | None
    checked_at: datetime | None


def ledger(engine: Engine, channel: Channel, account: str) -> dict[str, LedgerEntry]:
    with read_session(engine) as session:
        rows = session.scalars(
            select(StockLedgerRow).where(
                col(StockLedgerRow.channel) == channel,
                col(StockLedgerRow.account) == account,
            )
        )
        return {
            row.sku: LedgerEntry(
                sku=row.sku,
                quantity=row.quantity,
                pushed_at=row.pushed_at,
                submission=row.submission,
                outcome=row.outcome,
                message=row.message,
                pending_since=row.pending_since,
                shown=row.shown,
                checked_at=row.checked_at,
            )
            for row in rows
        }


def _ledger_row(session: Session, channel: Channel, account: str, sku: str) -> StockLedgerRow:
    row = session.get(StockLedgerRow, (channel, account, sku))
    if row is None:
        row = StockLedgerRow(channel=channel, account=account, sku=sku)
        session.add(row)
    return row


def mark_pending(
    engine: Engine,
    channel: Channel,
    account: str,
    quantities: Sequence[ListingQuantity],
    at: datetime,
) -> None:
    """These SKUs differ from what the channel last accepted: pending since `at` (kept if
    already pending, so a stalled push is measured from the first difference)."""
    with write_session(engine) as session:
        for item in quantities:
            row = _ledger_row(session, channel, account, item.sku)
            if row.pending_since is None:
                row.pending_since = at


def clear_pending(engine: Engine, channel: Channel, account: str, skus: Sequence[str]) -> None:
    """The channel already shows what these SKUs should show: nothing is pending any more."""
    with write_session(engine) as session:
        for sku in skus:
            row = session.get(StockLedgerRow, (channel, account, sku))
            if row is not None:
                row.pending_since = None


def record_push(
    engine: Engine,
    channel: Channel,
    account: str,
    outcomes: Sequence[PushOutcome],
    at: datetime,
    pushed_by: str | None = None,
) -> None:
    with write_session(engine) as session:
        for outcome in outcomes:
            row = _ledger_row(session, channel, account, outcome.sku)
            row.pushed_at, row.submission, row.pushed_by = at, outcome.submission, pushed_by
            row.outcome = "accepted" if outcome.accepted else "rejected"
            row.message = outcome.message
            if outcome.accepted:
                row.quantity, row.pending_since = outcome.quantity, None


def answered_by(
    engine: Engine,
    channel: Channel,
    account: str,
    pushed_by: str,
    wanted: Sequence[ListingQuantity],
) -> list[PushOutcome]:
    """What the channel already answered for these quantities to this push activity (an
    earlier attempt of it): a retry sends none of them again."""
    skus = {item.sku: item.quantity for item in wanted}
    with read_session(engine) as session:
        rows = session.scalars(
            select(StockLedgerRow).where(
                col(StockLedgerRow.channel) == channel,
                col(StockLedgerRow.account) == account,
                col(StockLedgerRow.pushed_by) == pushed_by,
                col(StockLedgerRow.sku).in_(list(skus)),
            )
        )
        return [
            PushOutcome(
                sku=row.sku,
                quantity=skus[row.sku],
                accepted=row.outcome == "accepted",
                submission=row.submission or "",
                message=row.message,
            )
            for row in rows
            if row.outcome == "rejected" or row.quantity == skus[row.sku]
        ]


def record_read_back(
    engine: Engine, channel: Channel, account: str, shown: Sequence[ListingQuantity], at: datetime
) -> None:
    with write_session(engine) as session:
        for item in shown:
            row = _ledger_row(session, channel, account, item.sku)
            row.shown, row.checked_at = item.quantity, at


# --- submissions a channel processes later ------------------------------------------------


def record_submission(
    engine: Engine, channel: Channel, account: str, sent_by: str, submission: StockSubmission
) -> None:
    with write_session(engine) as session:
        session.merge(
            StockSubmissionRow(
                channel=channel,
                account=account,
                submission=submission.submission,
                sent_by=sent_by,
                body=submission.model_dump_json(),
            )
        )


def submissions_sent_by(
    engine: Engine, channel: Channel, account: str, sent_by: str
) -> list[StockSubmission]:
    """What an earlier attempt of the same push activity already submitted, oldest first."""
    with read_session(engine) as session:
        rows = session.scalars(
            select(StockSubmissionRow)
            .where(
                col(StockSubmissionRow.channel) == channel,
                col(StockSubmissionRow.account) == account,
                col(StockSubmissionRow.sent_by) == sent_by,
            )
            .order_by(col(StockSubmissionRow.created_at))
        )
        return [StockSubmission.model_validate_json(row.body) for row in rows]


def forget_submission(engine: Engine, channel: Channel, account: str, submission: str) -> None:
    """Settled: its outcomes are in the ledger."""
    with write_session(engine) as session:
        session.execute(
            delete(StockSubmissionRow).where(
                col(StockSubmissionRow.channel) == channel,
                col(StockSubmissionRow.account) == account,
                col(StockSubmissionRow.submission) == submission,
            )
        )
