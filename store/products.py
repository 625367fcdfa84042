"""The item ledger (what GXO's item master holds of what consign sent) and the orders waiting
for an item's launch. Every write is keyed, so a retried activity writes the same rows again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, delete
from sqlmodel import col, select

from domain.order import Channel
from domain.products import ItemRecord, ItemState, ItemStatus, LedgerState
from store.db import read_session, write_session
from store.mappings import list_sku_mappings
from store.tables import ItemLedgerRow, LaunchWaitRow


class LedgerEntry(BaseModel):
    facility_id: str
    item_code: str
    sku: str
    channel: str
    account: str
    digest: str
    state: LedgerState
    active: bool
    detail: str | None = None
    sent_at: datetime
    accepted_at: datetime | None = None

    @property
    def launched(self) -> bool:
        """GXO holds this record and it may be sold."""
        return self.state is LedgerState.ACCEPTED and self.active


class Waiting(BaseModel):
    workflow_id: str
    facility_id: str
    item_code: str
    sku: str
    since: datetime


def _entry(row: ItemLedgerRow) -> LedgerEntry:
    return LedgerEntry.model_validate(row.model_dump())


def item_ledger(engine: Engine, skus: Iterable[str] | None = None) -> list[LedgerEntry]:
    """Every ledger row (of `skus` when given), by facility and item code."""
    query = select(ItemLedgerRow)
    if skus is not None:
        query = query.where(col(ItemLedgerRow.sku).in_(sorted(set(skus))))
    with read_session(engine) as session:
        rows = session.scalars(query.order_by(ItemLedgerRow.facility_id, ItemLedgerRow.item_code))
        return [_entry(row) for row in rows]


def _state(status: ItemStatus) -> LedgerState:
    if status in (ItemStatus.ACTIVE, ItemStatus.INACTIVE):
        return LedgerState.ACCEPTED
    return LedgerState.REJECTED if status is ItemStatus.REJECTED else LedgerState.SENT


def record_sent(
    engine: Engine, channel: str, account: str, sent: Sequence[tuple[ItemRecord, ItemState]]
) -> None:
    """Records GXO took, with the state it answered (a known item's change is accepted at
    once; a new one waits for GXO's next cycle)."""
    now = datetime.now(UTC)
    with write_session(engine) as session:
        for record, state in sent:
            row = session.get(ItemLedgerRow, (record.facility_id, record.item_code))
            accepted = _state(state.status) is LedgerState.ACCEPTED
            values: dict[str, Any] = {
                "sku": record.sku,
                "channel": channel,
                "account": account,
                "digest": record.digest(),
                "state": _state(state.status).value,
                "active": record.active,
                "detail": state.rejection,
                "sent_at": now,
                "accepted_at": now if accepted else None,
            }
            if row is None:
                session.add(
                    ItemLedgerRow(
                        facility_id=record.facility_id, item_code=record.item_code, **values
                    )
                )
            else:
                for key, value in values.items():
                    setattr(row, key, value)


def record_refused(
    engine: Engine, channel: str, account: str, record: ItemRecord, reason: str
) -> None:
    """GXO refused the record at once (422): kept with its reason, sent again only changed."""
    refused = ItemState(
        facility_id=record.facility_id,
        item_code=record.item_code,
        status=ItemStatus.REJECTED,
        rejection=reason,
    )
    record_sent(engine, channel, account, [(record, refused)])


def record_states(engine: Engine, states: Sequence[ItemState]) -> list[LedgerEntry]:
    """GXO's later answers about records marked SENT; returns the entries now accepted."""
    now = datetime.now(UTC)
    accepted: list[LedgerEntry] = []
    with write_session(engine) as session:
        for state in states:
            row = session.get(ItemLedgerRow, (state.facility_id, state.item_code))
            if row is None or row.state != LedgerState.SENT.value:
                continue
            row.state = _state(state.status).value
            row.detail = state.rejection
            if row.state == LedgerState.ACCEPTED.value:
                row.accepted_at = now
                accepted.append(_entry(row))
    return accepted


def not_launched_items(engine: Engine) -> set[str]:
    """Item codes consign sent that no facility holds as launched: nothing to sell yet."""
    by_item: dict[str, bool] = {}
    for entry in item_ledger(engine):
        by_item[entry.item_code] = by_item.get(entry.item_code, False) or entry.launched
    return {code for code, launched in by_item.items() if not launched}


def not_launched(engine: Engine, lines: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (facility, item code) pairs among `lines` that consign sent GXO but GXO has not
    accepted as sellable yet. An item with no ledger row is not held back: its mapping was
    kept by hand, outside the product sync."""
    wanted = set(lines)
    if not wanted:
        return []
    codes = sorted({code for _, code in wanted})
    with read_session(engine) as session:
        rows = session.scalars(select(ItemLedgerRow).where(col(ItemLedgerRow.item_code).in_(codes)))
        blocked = {(row.facility_id, row.item_code) for row in rows if not _entry(row).launched}
    return sorted(wanted & blocked)


def wait_for_launch(
    engine: Engine, workflow_id: str, waiting: Sequence[tuple[str, str, str]]
) -> None:
    """The order's workflow waits for these (facility, item code, SKU)s."""
    with write_session(engine) as session:
        for facility_id, item_code, sku in waiting:
            if session.get(LaunchWaitRow, (workflow_id, facility_id, item_code)) is None:
                session.add(
                    LaunchWaitRow(
                        workflow_id=workflow_id,
                        facility_id=facility_id,
                        item_code=item_code,
                        sku=sku,
                    )
                )


def waiting_orders(engine: Engine) -> list[Waiting]:
    with read_session(engine) as session:
        rows = session.scalars(select(LaunchWaitRow).order_by(col(LaunchWaitRow.since)))
        return [Waiting.model_validate(row.model_dump()) for row in rows]


def released(engine: Engine) -> list[Waiting]:
    """Waits whose item is launched now; the caller signals each workflow, then forgets them."""
    launched = {(e.facility_id, e.item_code) for e in item_ledger(engine) if e.launched}
    return [w for w in waiting_orders(engine) if (w.facility_id, w.item_code) in launched]


def forget_waits(engine: Engine, workflow_ids: Sequence[str]) -> None:
    with write_session(engine) as session:
        session.execute(
            delete(LaunchWaitRow).where(col(LaunchWaitRow.workflow_id).in_(sorted(workflow_ids)))
        )


class NotAtGxo(BaseModel):
    """A SKU on sale (mapped for its channel) whose item no GXO facility has accepted as
    sellable, by consign's ledger: `state` is "not sent" (mapped by hand, never sent by the
    product sync: GXO may or may not hold it), "sent" (GXO has not loaded it yet),
    "rejected" (with GXO's `detail`) or "inactive"."""

    sku: str
    item_code: str
    state: str
    detail: str | None = None


# The entry a report shows when facilities differ: a refusal first, then a pending record.
_REPORT_ORDER = {LedgerState.REJECTED: 0, LedgerState.SENT: 1, LedgerState.ACCEPTED: 2}


def on_sale_unknown_to_gxo(engine: Engine, channel: str) -> list[NotAtGxo]:
    """The channel's mapped SKUs whose item GXO has not accepted (see NotAtGxo), by SKU."""
    entries: dict[str, list[LedgerEntry]] = {}
    for entry in item_ledger(engine):
        entries.setdefault(entry.item_code, []).append(entry)
    found: list[NotAtGxo] = []
    for mapping in list_sku_mappings(engine, Channel(channel)):
        sent = entries.get(mapping.item_code, [])
        if any(entry.launched for entry in sent):
            continue
        if not sent:
            found.append(NotAtGxo(sku=mapping.sku, item_code=mapping.item_code, state="not sent"))
            continue
        worst = min(sent, key=lambda e: _REPORT_ORDER[e.state])
        state = "inactive" if worst.state is LedgerState.ACCEPTED else worst.state.value.lower()
        found.append(
            NotAtGxo(sku=mapping.sku, item_code=mapping.item_code, state=state, detail=worst.detail)
        )
    return sorted(found, key=lambda n: n.sku)


def item_master_states(engine: Engine, channel: str) -> dict[str, int]:
    """The channel's mapped SKUs counted by what GXO's item master holds of their item, by
    the ledger: "accepted" (sellable at some facility), "sent", "rejected", "inactive",
    "not sent" (no ledger row), or "sent by <channel>" when another channel's product sync
    sent it (the product master's record of a SKU this channel also sells, which this channel's
    sync leaves alone)."""
    entries: dict[str, list[LedgerEntry]] = {}
    for entry in item_ledger(engine):
        entries.setdefault(entry.item_code, []).append(entry)
    counts: dict[str, int] = {}
    for mapping in list_sku_mappings(engine, Channel(channel)):
        sent = entries.get(mapping.item_code, [])
        others = sorted({e.channel for e in sent} - {channel})
        if others:
            state = f"sent by {', '.join(others)}"
        elif any(entry.launched for entry in sent):
            state = "accepted"
        elif not sent:
            state = "not sent"
        else:
            worst = min(sent, key=lambda e: _REPORT_ORDER[e.state])
            state = "inactive" if worst.state is LedgerState.ACCEPTED else worst.state.value.lower()
        counts[state] = counts.get(state, 0) + 1
    return dict(sorted(counts.items()))
