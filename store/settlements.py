"""Settlements in the store: each stored once by settlement id, with its rows, where its money
went and its differences, in plain tables SQL users can query (docs/operations.md, month-end).
Storing a settlement is idempotent: a report listed again, or the intake retried after a lost
commit, finds it and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, and_, delete, false, func, or_
from sqlmodel import col, select

from domain.order import ChannelOrder
from domain.settlement import Settlement, SettlementRow
from domain.settlement_attribution import SettlementAttribution, classify
from domain.settlement_differences import (
    DifferenceKind,
    SettlementDifference,
    ShippedLine,
    ShippedOrder,
)
from store.db import read_session, write_session
from store.returns import returned_units
from store.tables import (
    ConfirmedParcelLineRow,
    ConfirmedParcelRow,
    OrderChargeRow,
    SettlementAttributionRow,
    SettlementDifferenceRow,
    SettlementLineRow,
    SettlementRecord,
    utc_now,
)


class StoredSettlement(BaseModel):
    """A settlement's summary as listed: what finance sees before opening one."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    settlement_id: str
    account: str
    currency: str
    total: Decimal
    period_start: datetime | None = None
    period_end: datetime | None = None
    deposit_date: datetime | None = None
    reserve_released: Decimal = Decimal(0)
    reserve_held: Decimal = Decimal(0)
    report_id: str | None = None
    row_count: int = 0
    stored_at: datetime


def store_settlement(
    engine: Engine,
    settlement: Settlement,
    attribution: SettlementAttribution,
    *,
    channel: str,
    account: str,
    report_id: str | None = None,
    report_document_id: str | None = None,
) -> bool:
    """Store the settlement, its rows and attribution in one transaction; False (nothing
    written) when the settlement id is already stored."""
    if attribution.settlement_id != settlement.settlement_id:
        raise ValueError("the attribution belongs to another settlement")
    with write_session(engine) as session:
        if session.get(SettlementRecord, settlement.settlement_id) is not None:
            return False
        session.add(
            SettlementRecord(
                settlement_id=settlement.settlement_id,
                channel=channel,
                account=account,
                currency=settlement.currency,
                total=settlement.total,
                period_start=settlement.start,
                period_end=settlement.end,
                deposit_date=settlement.deposit_date,
                raw_dates=json.dumps(settlement.raw_dates, sort_keys=True),
                reserve_released=attribution.reserve_released,
                reserve_held=attribution.reserve_held,
                report_id=report_id,
                report_document_id=report_document_id,
                row_count=len(settlement.rows),
            )
        )
        session.flush()  # the summary first: PostgreSQL checks nothing, readers see it whole
        session.add_all(_line(settlement.settlement_id, row) for row in settlement.rows)
        session.add_all(_attribution_rows(attribution))
    return True


def _line(settlement_id: str, row: SettlementRow) -> SettlementLineRow:
    values = row.model_dump(exclude={"extra"})
    return SettlementLineRow(
        settlement_id=settlement_id,
        kind=classify(row)[0].value,
        extra=json.dumps(row.extra, sort_keys=True),
        **values,
    )


def _attribution_rows(attribution: SettlementAttribution) -> list[SettlementAttributionRow]:
    rows = [
        SettlementAttributionRow(
            settlement_id=attribution.settlement_id,
            order_id=order.order_id,
            kind=kind.value,
            amount=amount,
        )
        for order in attribution.orders
        for kind, amount in order.amounts.items()
    ]
    account: dict[str, Decimal] = {}
    for line in attribution.account_lines:
        account[line.kind.value] = account.get(line.kind.value, Decimal(0)) + line.amount
    rows += [
        SettlementAttributionRow(settlement_id=attribution.settlement_id, kind=kind, amount=amount)
        for kind, amount in account.items()
    ]
    return rows


def stored_report_ids(engine: Engine, account: str) -> set[str]:
    """Report ids already stored for the account: the intake skips them."""
    with read_session(engine) as session:
        query = select(SettlementRecord.report_id).where(
            SettlementRecord.account == account, col(SettlementRecord.report_id).is_not(None)
        )
        return {report_id for report_id in session.exec(query) if report_id}


def list_settlements(
    engine: Engine,
    *,
    account: str | None = None,
    deposited_from: datetime | None = None,
    deposited_before: datetime | None = None,
) -> list[StoredSettlement]:
    """Newest first. The period filter uses the deposit date, or the period's end when the
    deposit date could not be read."""
    when = func.coalesce(SettlementRecord.deposit_date, SettlementRecord.period_end)
    query = select(SettlementRecord)
    if account is not None:
        query = query.where(SettlementRecord.account == account)
    if deposited_from is not None:
        query = query.where(when >= deposited_from)
    if deposited_before is not None:
        query = query.where(when < deposited_before)
    query = query.order_by(col(SettlementRecord.period_end).desc(), SettlementRecord.settlement_id)
    with read_session(engine) as session:
        return [StoredSettlement.model_validate(row) for row in session.exec(query)]


def get_settlement(engine: Engine, settlement_id: str) -> StoredSettlement | None:
    with read_session(engine) as session:
        row = session.get(SettlementRecord, settlement_id)
        return StoredSettlement.model_validate(row) if row is not None else None


def load_settlement(engine: Engine, settlement_id: str) -> Settlement | None:
    """The settlement as parsed, rebuilt from its stored rows (for show, export, re-reconcile)."""
    with read_session(engine) as session:
        record = session.get(SettlementRecord, settlement_id)
        if record is None:
            return None
        lines = session.exec(
            select(SettlementLineRow)
            .where(SettlementLineRow.settlement_id == settlement_id)
            .order_by(col(SettlementLineRow.line))
        ).all()
    fields = set(SettlementRow.model_fields) - {"extra"}
    rows = tuple(
        SettlementRow(
            **{name: getattr(line, name) for name in fields}, extra=json.loads(line.extra)
        )
        for line in lines
    )
    return Settlement(
        settlement_id=record.settlement_id,
        currency=record.currency,
        total=record.total,
        start=record.period_start,
        end=record.period_end,
        deposit_date=record.deposit_date,
        raw_dates=json.loads(record.raw_dates),
        rows=rows,
    )


def replace_differences(
    engine: Engine, settlement_id: str, found: Sequence[SettlementDifference]
) -> None:
    """The settlement's differences as of this reconciliation (the last one wins)."""
    with write_session(engine) as session:
        session.execute(
            delete(SettlementDifferenceRow).where(
                col(SettlementDifferenceRow.settlement_id) == settlement_id
            )
        )
        session.add_all(
            SettlementDifferenceRow(settlement_id=settlement_id, **difference.model_dump())
            for difference in found
        )


def load_differences(engine: Engine, settlement_id: str) -> list[SettlementDifference]:
    with read_session(engine) as session:
        rows = session.exec(
            select(SettlementDifferenceRow)
            .where(SettlementDifferenceRow.settlement_id == settlement_id)
            .order_by(col(SettlementDifferenceRow.id))
        ).all()
    return [
        SettlementDifference(
            kind=DifferenceKind(row.kind),
            order_id=row.order_id,
            sku=row.sku,
            expected=row.expected,
            settled=row.settled,
            detail=row.detail,
        )
        for row in rows
    ]


def settled_order_ids(engine: Engine, *, other_than: str | None = None) -> frozenset[str]:
    """Orders sold in stored settlements other than `other_than`: an order paid by another
    settlement is not missing from this one."""
    query = select(SettlementLineRow.order_id).where(
        func.lower(SettlementLineRow.transaction_type) == "order",
        col(SettlementLineRow.order_id).is_not(None),
    )
    if other_than is not None:
        query = query.where(SettlementLineRow.settlement_id != other_than)
    with read_session(engine) as session:
        return frozenset(order_id for order_id in session.exec(query) if order_id)


def record_order_charge(engine: Engine, order: ChannelOrder) -> bool:
    """Keep what the channel says the order costs the buyer (the last reading wins: a re-plan
    re-reads the order). False, nothing written, when the channel gave no total."""
    if order.total is None:
        return False
    ref = order.ref
    units = sum(line.quantity for line in order.lines)
    with write_session(engine) as session:
        row = session.get(OrderChargeRow, (ref.channel, ref.account, ref.order_id))
        if row is None:
            row = OrderChargeRow(
                channel=ref.channel,
                account=ref.account,
                order_id=ref.order_id,
                currency=order.total.currency,
                total=order.total.amount,
                units=units,
            )
        else:
            row.currency, row.total, row.units = order.total.currency, order.total.amount, units
            row.recorded_at = utc_now()
        session.add(row)
    return True


def shipped_orders(
    engine: Engine,
    channel: str,
    account: str,
    *,
    confirmed_from: datetime | None,
    confirmed_before: datetime | None,
    order_ids: Sequence[str] = (),
) -> list[ShippedOrder]:
    """consign's record of the orders it confirmed to the channel: those with a parcel
    confirmed in [confirmed_from, confirmed_before) (no window when either is None), and
    `order_ids` whenever confirmed. Per
    order, the units per SKU over its parcels (an item whose SKU is unknown counts under its
    warehouse item code), `confirmed_at` its last parcel's. Parcels confirmed before the
    store kept their lines (migration 0004) give an order without lines: unknown, not zero.
    With each, what the channel said the order costs (order_charge, migration 0006), if known,
    and the units its returns brought back per SKU (return_line, migration 0009)."""
    parcels = select(ConfirmedParcelRow).where(
        ConfirmedParcelRow.channel == channel, ConfirmedParcelRow.account == account
    )
    wanted_parcels = or_(
        col(ConfirmedParcelRow.order_id).in_(sorted(set(order_ids))),
        and_(
            col(ConfirmedParcelRow.confirmed_at) >= confirmed_from,
            col(ConfirmedParcelRow.confirmed_at) < confirmed_before,
        )
        if confirmed_from is not None and confirmed_before is not None
        else false(),
    )
    with read_session(engine) as session:
        wanted = session.exec(parcels.where(wanted_parcels)).all()
        ids = sorted({parcel.order_id for parcel in wanted})
        lines = session.exec(
            select(ConfirmedParcelLineRow).where(
                ConfirmedParcelLineRow.channel == channel,
                ConfirmedParcelLineRow.account == account,
                col(ConfirmedParcelLineRow.order_id).in_(ids),
            )
        ).all()
        # every parcel of those orders, also those outside the window
        every = session.exec(parcels.where(col(ConfirmedParcelRow.order_id).in_(ids))).all()
        charges = {
            charge.order_id: charge
            for charge in session.exec(
                select(OrderChargeRow).where(
                    OrderChargeRow.channel == channel,
                    OrderChargeRow.account == account,
                    col(OrderChargeRow.order_id).in_(ids),
                )
            )
        }
    last: dict[str, datetime] = {}
    for parcel in every:
        last[parcel.order_id] = max(
            parcel.confirmed_at, last.get(parcel.order_id, parcel.confirmed_at)
        )
    units: dict[str, dict[str, int]] = {order_id: {} for order_id in ids}
    for line in lines:
        sku = line.sku or line.item_code
        units[line.order_id][sku] = units[line.order_id].get(sku, 0) + line.quantity
    returned = returned_units(engine, channel, account, ids)
    return [
        _shipped(
            order_id,
            last[order_id],
            units[order_id],
            returned.get(order_id, {}),
            charges.get(order_id),
        )
        for order_id in ids
    ]


def _shipped(
    order_id: str,
    confirmed_at: datetime,
    units: dict[str, int],
    returned: dict[str, int],
    charge: OrderChargeRow | None,
) -> ShippedOrder:
    """A returned SKU consign has no confirmed units for (confirmed before the store kept
    lines, or under its item code) is a line of 0 confirmed: its units count as returned."""
    return ShippedOrder(
        order_id=order_id,
        confirmed_at=confirmed_at,
        lines=tuple(
            ShippedLine(
                sku=sku,
                confirmed_quantity=units.get(sku, 0),
                returned_quantity=returned.get(sku, 0),
            )
            for sku in sorted(set(units) | set(returned))
        ),
        order_total=charge.total if charge else None,
        order_currency=charge.currency if charge else None,
        ordered_units=charge.units if charge else None,
    )
