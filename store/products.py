"""The item ledger (what GXO's item master holds of what consign sent, and of items GXO held
before consign sent them: `KNOWN_AT_GXO`) and the orders waiting for an item's launch or a
SKU's mapping. Every write is keyed, so a retried activity writes the same rows again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, delete
from sqlmodel import col, select

from domain.mapping import SkuMapping
from domain.order import Channel
from domain.products import ItemRecord, ItemState, ItemStatus, LedgerState
from store.db import read_session, write_session
from store.mappings import list_sku_mappings
from store.tables import ItemLedgerRow, LaunchWaitRow

# The `channel` of a ledger row consign wrote because GXO answered that it holds an item no
# product sync sent (loaded at onboarding, before the sync's start date, or by hand): the item is
# launched as GXO says; its empty digest makes the product sync send its record when it sweeps
# the product, and that row then replaces this one.
KNOWN_AT_GXO = "gxo"
# The `facility_id` of a wait for a SKU's mapping (UNMAPPED_SKU): its `item_code` is the SKU.
MAPPING_WAIT = ""


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


def record_known(engine: Engine, held: Sequence[tuple[ItemState, str]]) -> None:
    """GXO's answers (with the SKU) about items consign never sent: those GXO holds ACTIVE are
    kept as KNOWN_AT_GXO rows, so the gate asks GXO once. Any other answer is not kept (GXO is
    asked again next time: an inactive item may be activated at GXO). A row the product sync
    wrote is never replaced."""
    now = datetime.now(UTC)
    with write_session(engine) as session:
        for state, sku in held:
            if state.status is not ItemStatus.ACTIVE:
                continue
            if session.get(ItemLedgerRow, (state.facility_id, state.item_code)) is not None:
                continue
            session.add(
                ItemLedgerRow(
                    facility_id=state.facility_id,
                    item_code=state.item_code,
                    sku=sku,
                    channel=KNOWN_AT_GXO,
                    account="",
                    digest="",
                    state=LedgerState.ACCEPTED.value,
                    active=True,
                    detail="held by GXO before consign sent it",
                    sent_at=now,
                    accepted_at=now,
                )
            )


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


def not_in_ledger(engine: Engine, lines: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (facility, item code) pairs among `lines` with no ledger row: neither sent by a
    product sync nor known to be held by GXO (the launch gate asks GXO about them)."""
    wanted = set(lines)
    if not wanted:
        return []
    codes = sorted({code for _, code in wanted})
    with read_session(engine) as session:
        rows = session.scalars(select(ItemLedgerRow).where(col(ItemLedgerRow.item_code).in_(codes)))
        known = {(row.facility_id, row.item_code) for row in rows}
    return sorted(wanted - known)


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


def wait_for_mapping(engine: Engine, workflow_id: str, skus: Sequence[str]) -> None:
    """The order's workflow waits for these SKUs' mappings (UNMAPPED_SKU): the product sync
    releases it once each has one (written from product data, or imported)."""
    wait_for_launch(engine, workflow_id, [(MAPPING_WAIT, sku, sku) for sku in skus])


def waiting_orders(engine: Engine) -> list[Waiting]:
    with read_session(engine) as session:
        rows = session.scalars(select(LaunchWaitRow).order_by(col(LaunchWaitRow.since)))
        return [Waiting.model_validate(row.model_dump()) for row in rows]


def _order_channel(workflow_id: str) -> str:
    """The channel of an order's workflow id (`order:<channel>:<account>:<order id>`)."""
    parts = workflow_id.split(":")
    return parts[1] if len(parts) > 3 and parts[0] == "order" else ""


def released(engine: Engine) -> list[Waiting]:
    """Waits whose item is launched now, or whose SKU (a mapping wait) is mapped for the
    order's channel now (its `item_code` then the mapped one), of the orders whose every wait
    is over: an order still waiting for another item or SKU would only park again. The caller
    signals each workflow; the waits go once its planning goes through."""
    launched = {(e.facility_id, e.item_code) for e in item_ledger(engine) if e.launched}
    waits = waiting_orders(engine)
    mapped: dict[tuple[str, str], str] = {}
    if any(w.facility_id == MAPPING_WAIT for w in waits):
        mapped = {(str(m.channel), m.sku): m.item_code for m in list_sku_mappings(engine)}
    by_order: dict[str, list[Waiting]] = {}
    for wait in waits:
        by_order.setdefault(wait.workflow_id, []).append(wait)
    found: list[Waiting] = []
    for workflow_id, order_waits in by_order.items():
        over: list[Waiting] = []
        for wait in order_waits:
            if wait.facility_id != MAPPING_WAIT:
                if (wait.facility_id, wait.item_code) in launched:
                    over.append(wait)
                continue
            code = mapped.get((_order_channel(workflow_id), wait.sku))
            if code is not None:
                over.append(wait.model_copy(update={"item_code": code}))
        if len(over) == len(order_waits):
            found += over
    return found


def unsettled_launch_waits(engine: Engine) -> list[Waiting]:
    """Launch waits for an item with no ledger row at its facility (the product sync never
    sent it): only GXO can say whether it holds the item now."""
    waits = [w for w in waiting_orders(engine) if w.facility_id != MAPPING_WAIT]
    missing = set(not_in_ledger(engine, [(w.facility_id, w.item_code) for w in waits]))
    return [w for w in waits if (w.facility_id, w.item_code) in missing]


def forget_waits(engine: Engine, workflow_ids: Sequence[str]) -> None:
    with write_session(engine) as session:
        session.execute(
            delete(LaunchWaitRow).where(col(LaunchWaitRow.workflow_id).in_(sorted(workflow_ids)))
        )


class NotAtGxo(BaseModel):
    """A SKU on sale (mapped for its channel) whose item no GXO facility has accepted as
    sellable, by consign's ledger: `state` is "sent" (GXO has not loaded it yet), "rejected"
    (with GXO's `detail`) or "inactive"; for an item no product sync sent, what GXO answered
    when asked ("unknown to GXO", "pending at GXO", "inactive at GXO", "rejected by GXO"), or
    "not sent" when GXO was not asked (then GXO may or may not hold it)."""

    sku: str
    item_code: str
    state: str
    detail: str | None = None


# The entry a report shows when facilities differ: a refusal first, then a pending record.
_REPORT_ORDER = {LedgerState.REJECTED: 0, LedgerState.SENT: 1, LedgerState.ACCEPTED: 2}
HELD_NOT_SENT = "held by GXO, not sent"
# GXO's answers about one item, best first: the state of the first status any facility holds.
_GXO_VIEW = (
    (ItemStatus.ACTIVE, HELD_NOT_SENT),
    (ItemStatus.INACTIVE, "inactive at GXO"),
    (ItemStatus.PENDING, "pending at GXO"),
    (ItemStatus.REJECTED, "rejected by GXO"),
)


def gxo_view(states: Sequence[ItemState]) -> str:
    """What GXO's answers (one per facility that knows the item) say of an item consign never
    sent: HELD_NOT_SENT when a facility holds it active."""
    held = {state.status for state in states}
    for status, view in _GXO_VIEW:
        if status in held:
            return view
    return "unknown to GXO"


def never_sent(engine: Engine, channel: str) -> list[SkuMapping]:
    """The channel's mapped SKUs whose item has no ledger row (mapped by hand, never sent by a
    product sync, not known to be held by GXO): the ones to ask GXO about."""
    codes = {entry.item_code for entry in item_ledger(engine)}
    return [m for m in list_sku_mappings(engine, Channel(channel)) if m.item_code not in codes]


def _ledger_state(sent: list[LedgerEntry]) -> str:
    worst = min(sent, key=lambda e: _REPORT_ORDER[e.state])
    return "inactive" if worst.state is LedgerState.ACCEPTED else worst.state.value.lower()


def on_sale_unknown_to_gxo(
    engine: Engine, channel: str, asked: Mapping[str, Sequence[ItemState]] | None = None
) -> list[NotAtGxo]:
    """The channel's mapped SKUs whose item GXO has not accepted (see NotAtGxo), by SKU.
    `asked`: GXO's answers by item code about the items no product sync sent (never_sent); an
    item GXO holds is then left out (GXO knows it, consign just did not send it)."""
    entries: dict[str, list[LedgerEntry]] = {}
    for entry in item_ledger(engine):
        entries.setdefault(entry.item_code, []).append(entry)
    found: list[NotAtGxo] = []
    for mapping in list_sku_mappings(engine, Channel(channel)):
        sent = entries.get(mapping.item_code, [])
        if any(entry.launched for entry in sent):
            continue
        if sent:
            worst = min(sent, key=lambda e: _REPORT_ORDER[e.state])
            state, detail = _ledger_state(sent), worst.detail
        else:
            state = "not sent" if asked is None else gxo_view(asked.get(mapping.item_code, []))
            detail = None
        if state != HELD_NOT_SENT:
            found.append(
                NotAtGxo(sku=mapping.sku, item_code=mapping.item_code, state=state, detail=detail)
            )
    return sorted(found, key=lambda n: n.sku)


def item_master_states(
    engine: Engine, channel: str, asked: Mapping[str, Sequence[ItemState]] | None = None
) -> dict[str, int]:
    """The channel's mapped SKUs counted by what GXO's item master holds of their item, by
    the ledger: "accepted" (sellable at some facility), "sent", "rejected", "inactive",
    HELD_NOT_SENT (GXO answered that it holds an item no product sync sent), "not sent" (no
    ledger row, GXO not asked; with `asked`, GXO's answer as in on_sale_unknown_to_gxo), or
    "sent by <channel>" when another channel's product sync sent it (the product master's
    record of a SKU this channel also sells, which this channel's sync leaves alone)."""
    entries: dict[str, list[LedgerEntry]] = {}
    for entry in item_ledger(engine):
        entries.setdefault(entry.item_code, []).append(entry)
    counts: dict[str, int] = {}
    for mapping in list_sku_mappings(engine, Channel(channel)):
        sent = entries.get(mapping.item_code, [])
        others = sorted({e.channel for e in sent} - {channel, KNOWN_AT_GXO})
        by_consign = [e for e in sent if e.channel != KNOWN_AT_GXO]
        if others:
            state = f"sent by {', '.join(others)}"
        elif any(entry.launched for entry in by_consign):
            state = "accepted"
        elif any(entry.launched for entry in sent):
            state = HELD_NOT_SENT
        elif not sent:
            state = "not sent" if asked is None else gxo_view(asked.get(mapping.item_code, []))
        else:
            state = _ledger_state(sent)
        counts[state] = counts.get(state, 0) + 1
    return dict(sorted(counts.items()))
