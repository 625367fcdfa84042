"""The store's tables. Mapping tables mirror domain/mapping.py field for field, so conversion is
a plain model_dump; enums are stored as text so adding a value needs no schema change."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import ExactDecimal, UtcDateTime


def utc_now() -> datetime:
    return datetime.now(UTC)


class SkuMappingRow(SQLModel, table=True):
    __tablename__ = "sku_mapping"

    channel: str = Field(primary_key=True)
    sku: str = Field(primary_key=True)
    item_code: str
    gtin: str | None = Field(default=None, index=True)
    hs_code: str | None = None
    country_of_origin: str | None = None
    customs_description: str | None = None
    customs_value: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    customs_currency: str | None = None


class FacilityRuleRow(SQLModel, table=True):
    """No natural key: rules are replaced as a set."""

    __tablename__ = "facility_rule"

    id: int | None = Field(default=None, primary_key=True)
    facility_id: str
    channel: str | None = Field(default=None, index=True)
    marketplace_id: str | None = None
    destination_country: str | None = None
    sku: str | None = None
    priority: int = 100
    domestic_countries: str = ""


class CarrierServiceRow(SQLModel, table=True):
    __tablename__ = "carrier_service_mapping"

    channel: str = Field(primary_key=True)
    ship_service_level: str = Field(primary_key=True)
    destination: str = Field(primary_key=True, default="any")  # any | domestic | international
    carrier_service_code: str


class CarrierCodeRow(SQLModel, table=True):
    __tablename__ = "carrier_code_mapping"

    channel: str = Field(primary_key=True)
    carrier_service_code: str = Field(primary_key=True)
    carrier_code: str
    carrier_name: str | None = None
    shipping_method: str | None = None


class DispositionRuleRow(SQLModel, table=True):
    """The brand's returns policy per GXO disposition (domain/returns.py DispositionRule).
    Replaced as a whole set like facility rules; an empty table means DEFAULT_POLICY."""

    __tablename__ = "disposition_rule"

    id: int | None = Field(default=None, primary_key=True)
    channel: str | None = None  # None: every channel
    disposition: str
    action: str
    restock: bool


class AuditOutcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # the other side already had it: an idempotent replay
    REJECTED = "rejected"  # a business rejection a person must look at
    ERROR = "error"  # a technical failure (Temporal will usually retry)


class AuditRecord(SQLModel):
    """One call to an external system, as the audit trail keeps it. Validated on construction.
    `detail` is short and never holds personal data (no names, addresses, emails, phones)."""

    at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)
    system: str = Field(min_length=1, max_length=32, index=True)  # a channel/warehouse module
    operation: str = Field(min_length=1, max_length=64)  # "inject", "confirmShipment", "cancel"
    channel: str = Field(max_length=16)
    account: str = Field(max_length=128)
    order_id: str = Field(min_length=1, max_length=128, index=True)
    idempotency_key: str | None = Field(default=None, max_length=256)  # packageReferenceId, ...
    outcome: AuditOutcome = Field(sa_type=Text)
    detail: str = Field(default="", max_length=500)


class AuditEntry(AuditRecord, table=True):
    """Append-only: the store never updates or deletes an audit entry."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)


class UnmatchedEvent(SQLModel, table=True):
    """A warehouse event consign could not act on (unknown reference, unserved facility, an
    order injected elsewhere): kept verbatim, with why, until someone acts."""

    __tablename__ = "unmatched_event"
    __table_args__ = (UniqueConstraint("event_id", name="uq_unmatched_event_event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str
    facility_id: str = Field(index=True)
    reference: str
    raw_json: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    resolved: bool = Field(default=False, index=True)
    reason: str | None = None  # EventMismatch and detail; None in rows kept before reasons


class WebhookDeliveryRow(SQLModel, table=True):
    """A signed push accepted inside its timestamp window: the same signed request again is a
    replay (kept until the window has passed, when the timestamp check refuses it anyway)."""

    __tablename__ = "webhook_delivery"

    delivery_id: str = Field(primary_key=True)  # the request's HMAC: no secret, no content
    source: str  # the module whose route took it (its name)
    accepted_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)


class SetAsideRow(SQLModel, table=True):
    """A record an intake could not understand (domain/setaside.py), kept as received with the
    reason until a person resolves it. `raw` may hold personal data: it never leaves the store
    except through `consign set-aside show`."""

    __tablename__ = "set_aside_record"
    __table_args__ = (
        UniqueConstraint("system", "feed", "scope", "record_id", name="uq_set_aside_record"),
    )

    id: int | None = Field(default=None, primary_key=True)
    system: str
    feed: str
    scope: str
    record_id: str
    reason: str = Field(index=True)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    raw: str = Field(sa_column=Column(Text, nullable=False))
    first_seen_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    last_seen_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    times_seen: int = 1
    resolved: bool = Field(default=False, index=True)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolution: str | None = None  # who resolved it and how, or that a later version was read


class BufferRuleRow(SQLModel, table=True):
    """Safety buffers: no natural key, replaced as a set like facility rules."""

    __tablename__ = "buffer_rule"

    id: int | None = Field(default=None, primary_key=True)
    channel: str | None = None
    sku: str | None = None
    units: int = 0
    percent: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal)


class StockLevelRow(SQLModel, table=True):
    """GXO's levels per facility and item, as of the highest stock-change sequence applied."""

    __tablename__ = "stock_level"

    facility_id: str = Field(primary_key=True)
    item_code: str = Field(primary_key=True)
    on_hand: int = 0
    allocated: int = 0
    sequence: int = 0


class OrderDemandRow(SQLModel, table=True):
    """Units of an order line the channel sold: `open` until GXO allocates them, `allocated`
    until GXO ships them, `shipped` until consign confirms the parcel to the channel. Inventory
    sync subtracts the open units from what a channel may sell (GXO's available stock does not
    know them yet); a channel that decrements its own stock on ship-confirm needs the
    shipped-but-unconfirmed ones too."""

    __tablename__ = "order_demand"

    channel: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    item_code: str = Field(primary_key=True)
    sku: str = Field(index=True)
    open: int = 0
    allocated: int = 0
    shipped: int = 0  # shipped by GXO, not yet confirmed to the channel (may dip below 0)
    sequence: int = 0  # the highest stock change applied to this row (each moves it once)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ConfirmedParcelRow(SQLModel, table=True):
    """A parcel whose units consign took out of its order's shipped demand when it confirmed
    the parcel to the channel: a retried confirm (its signal failed, its completion was lost)
    finds it and takes them out only once. One small row per parcel, kept like the audit."""

    __tablename__ = "confirmed_parcel"

    channel: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    parcel_id: str = Field(primary_key=True)
    confirmed_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ConfirmedParcelLineRow(SQLModel, table=True):
    """The units of one confirmed parcel per warehouse item, with the channel's SKU when the
    order's demand or the SKU mapping named it: what month-end compares settlements with.
    Written with the parcel's confirmed_parcel row, once."""

    __tablename__ = "confirmed_parcel_line"

    channel: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    parcel_id: str = Field(primary_key=True)
    item_code: str = Field(primary_key=True)
    sku: str | None = None
    quantity: int


class OrderChargeRow(SQLModel, table=True):
    """What the channel says the buyer is charged for an order (ChannelOrder.total) and for how
    many units, as last read when consign planned it: month-end compares it with what the
    settlement charged. Amounts only, no buyer data."""

    __tablename__ = "order_charge"

    channel: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    currency: str
    total: Decimal = Field(sa_type=ExactDecimal)
    units: int  # the units ordered (before any cancellation) the total is for
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class StockLedgerRow(SQLModel, table=True):
    """Per channel account and SKU: what was last pushed, when, by which submission and which
    push activity, with what outcome; what the channel showed at the last reconcile; since when
    a push is pending."""

    __tablename__ = "stock_ledger"

    channel: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    sku: str = Field(primary_key=True)
    quantity: int | None = None  # the last quantity the channel accepted
    pushed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    submission: str | None = None
    outcome: str | None = None  # accepted | rejected
    message: str | None = None
    pending_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    shown: int | None = None  # what the channel showed at the last reconcile
    checked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    pushed_by: str | None = None  # the push activity (workflow/run/activity id) that answered


class StockSubmissionRow(SQLModel, table=True):
    """A push a channel processes later (a listings feed), kept from the moment the channel has
    it until inventory sync settles it, under the push activity that sent it (`sent_by`: its
    workflow run and activity id, the same for every retry): a retry after a lost response
    finds it and does not submit the same SKUs again."""

    __tablename__ = "stock_submission"

    channel: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    submission: str = Field(primary_key=True)
    sent_by: str = Field(index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))  # the StockSubmission as JSON
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class SettlementRecord(SQLModel, table=True):
    """A channel's settlement summary (a payout), stored once per settlement id (a report
    listed again, or a second account's copy, changes nothing). `deposit_date` falls back to
    nothing: its layout per marketplace is unverified, the raw text is in `raw_dates`."""

    __tablename__ = "settlement"

    settlement_id: str = Field(primary_key=True)
    channel: str
    account: str = Field(index=True)
    currency: str
    total: Decimal = Field(sa_type=ExactDecimal)  # the deposit (negative: charged)
    period_start: datetime | None = Field(default=None, sa_type=UtcDateTime)
    period_end: datetime | None = Field(default=None, sa_type=UtcDateTime)
    deposit_date: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    raw_dates: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON
    reserve_released: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal)
    reserve_held: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal)
    report_id: str | None = Field(default=None, index=True)
    report_document_id: str | None = None
    row_count: int = 0
    stored_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class SettlementLineRow(SQLModel, table=True):
    """One amount row of a settlement file, as the channel wrote it, with the kind consign
    attributed it to (`kind`, domain/settlement_attribution.py AmountKind)."""

    __tablename__ = "settlement_line"

    settlement_id: str = Field(primary_key=True)
    line: int = Field(primary_key=True)
    transaction_type: str
    amount_type: str
    amount_description: str
    amount: Decimal = Field(sa_type=ExactDecimal)
    kind: str = Field(index=True)
    order_id: str | None = Field(default=None, index=True)
    merchant_order_id: str | None = None
    adjustment_id: str | None = None
    shipment_id: str | None = None
    marketplace_name: str | None = None
    fulfillment_id: str | None = None
    posted_date: str | None = None
    posted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    order_item_code: str | None = None
    merchant_order_item_id: str | None = None
    merchant_adjustment_item_id: str | None = None
    sku: str | None = None
    quantity: int | None = None
    promotion_id: str | None = None
    extra: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON


class SettlementAttributionRow(SQLModel, table=True):
    """Where a settlement's money went: per order and kind, or (order_id NULL) per account
    kind. The amounts of one settlement sum to its total."""

    __tablename__ = "settlement_attribution"

    id: int | None = Field(default=None, primary_key=True)
    settlement_id: str = Field(index=True)
    order_id: str | None = Field(default=None, index=True)
    kind: str
    amount: Decimal = Field(sa_type=ExactDecimal)


class SettlementDifferenceRow(SQLModel, table=True):
    """A difference between a settlement and what consign shipped (domain/
    settlement_differences.py DifferenceKind), replaced as a set each time it is reconciled."""

    __tablename__ = "settlement_difference"

    id: int | None = Field(default=None, primary_key=True)
    settlement_id: str = Field(index=True)
    kind: str = Field(index=True)
    order_id: str | None = Field(default=None, index=True)
    sku: str | None = None
    expected: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    settled: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    detail: str = ""
    found_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ItemLedgerRow(SQLModel, table=True):
    """Per GXO facility and item code: the item master record consign last sent (its digest),
    for which channel SKU, and whether GXO accepted it. ProductSync sends only what differs;
    the launch gate offers and injects only SKUs whose items GXO accepted."""

    __tablename__ = "item_ledger"

    facility_id: str = Field(primary_key=True)
    item_code: str = Field(primary_key=True)
    sku: str = Field(index=True)
    channel: str
    account: str
    digest: str
    state: str  # domain.products.LedgerState
    active: bool = True
    detail: str | None = None  # GXO's refusal, when it refused the record
    sent_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class LaunchWaitRow(SQLModel, table=True):
    """An order parked because GXO had not accepted one of its items yet: ProductSync signals
    its workflow once the item is accepted, then deletes the row."""

    __tablename__ = "launch_wait"

    workflow_id: str = Field(primary_key=True)
    facility_id: str = Field(primary_key=True)
    item_code: str = Field(primary_key=True)
    sku: str
    since: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ReturnRefundRow(SQLModel, table=True):
    """A refund consign submitted for a return through a channel that processes it later
    (an order-adjustment feed): the prepared request (`prepared`: the feed document),
    then what the channel answered (`sent`: the feed id). The ledger that keeps a retry from
    paying the buyer twice (activities/returns.py)."""

    __tablename__ = "return_refund"

    channel: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    rma: str = Field(primary_key=True)
    prepared: str
    sent: str | None = None
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ReturnLineRow(SQLModel, table=True):
    """Units GXO received back per return and SKU, kept when the return closes (the
    close_return activity): month-end reads them per channel order, so a refund consign
    itself sent for a return is not a refund without a return. No buyer data."""

    __tablename__ = "return_line"

    channel: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    rma: str = Field(primary_key=True)
    sku: str = Field(primary_key=True)
    order_id: str = Field(index=True)
    quantity: int
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


STORE_TABLES: list[Table] = [
    SQLModel.metadata.tables[name]
    for name in (
        "sku_mapping",
        "facility_rule",
        "item_ledger",
        "launch_wait",
        "carrier_service_mapping",
        "carrier_code_mapping",
        "disposition_rule",
        "return_refund",
        "return_line",
        "audit_entry",
        "unmatched_event",
        "set_aside_record",
        "buffer_rule",
        "stock_level",
        "order_demand",
        "confirmed_parcel",
        "confirmed_parcel_line",
        "order_charge",
        "stock_ledger",
        "stock_submission",
        "webhook_delivery",
        "settlement",
        "settlement_line",
        "settlement_attribution",
        "settlement_difference",
    )
]
