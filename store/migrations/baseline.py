"""The store's schema at the first revision (0001), frozen: the models in store/tables.py move
on, this does not. Revision 0001 creates it; a store made before migrations is brought up to it
(store/migrations/adopt.py) before it is stamped. Never edit it: add a revision instead."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from store.types import ExactDecimal, UtcDateTime

REVISION = "0001"


def _key(name: str) -> Column[str]:
    return Column(name, String(), primary_key=True)


def _text(name: str, *, nullable: bool = False, index: bool = False) -> Column[str]:
    return Column(name, String(), nullable=nullable, index=index)


def _id() -> Column[int]:
    return Column("id", Integer(), primary_key=True)


def _count(name: str) -> Column[int]:
    return Column(name, Integer(), nullable=False)


def _money(name: str, *, nullable: bool = False) -> Column[object]:
    return Column(name, ExactDecimal(), nullable=nullable)


def _at(name: str, *, nullable: bool = False, index: bool = False) -> Column[object]:
    return Column(name, UtcDateTime(), nullable=nullable, index=index)


def baseline_schema() -> MetaData:
    """A fresh MetaData holding the seventeen tables as revision 0001 creates them."""
    metadata = MetaData()
    Table(
        "sku_mapping",
        metadata,
        _key("channel"),
        _key("sku"),
        _text("item_code"),
        _text("gtin", nullable=True, index=True),
        _text("hs_code", nullable=True),
        _text("country_of_origin", nullable=True),
        _text("customs_description", nullable=True),
        Column("customs_value", ExactDecimal(), nullable=True),
        _text("customs_currency", nullable=True),
    )
    Table(
        "facility_rule",
        metadata,
        _id(),
        _text("facility_id"),
        _text("channel", nullable=True, index=True),
        _text("marketplace_id", nullable=True),
        _text("destination_country", nullable=True),
        _text("sku", nullable=True),
        _count("priority"),
        _text("domestic_countries"),
    )
    Table(
        "carrier_service_mapping",
        metadata,
        _key("channel"),
        _key("ship_service_level"),
        _key("destination"),
        _text("carrier_service_code"),
    )
    Table(
        "carrier_code_mapping",
        metadata,
        _key("channel"),
        _key("carrier_service_code"),
        _text("carrier_code"),
        _text("carrier_name", nullable=True),
        _text("shipping_method", nullable=True),
    )
    Table(
        "audit_entry",
        metadata,
        _at("at", index=True),
        Column("system", String(32), nullable=False, index=True),
        Column("operation", String(64), nullable=False),
        Column("channel", String(16), nullable=False),
        Column("account", String(128), nullable=False),
        Column("order_id", String(128), nullable=False, index=True),
        Column("idempotency_key", String(256), nullable=True),
        Column("outcome", Text(), nullable=False),
        Column("detail", String(500), nullable=False),
        _id(),
    )
    Table(
        "unmatched_event",
        metadata,
        _id(),
        _text("event_id"),
        _text("facility_id", index=True),
        _text("reference"),
        Column("raw_json", Text(), nullable=False),
        _at("received_at"),
        Column("resolved", Boolean(), nullable=False, index=True),
        _text("reason", nullable=True),
        UniqueConstraint("event_id", name="uq_unmatched_event_event_id"),
    )
    Table(
        "webhook_delivery",
        metadata,
        _key("delivery_id"),
        _text("source"),
        _at("accepted_at"),
        _at("expires_at", index=True),
    )
    Table(
        "set_aside_record",
        metadata,
        _id(),
        _text("system"),
        _text("feed"),
        _text("scope"),
        _text("record_id"),
        _text("reason", index=True),
        Column("detail", Text(), nullable=False),
        Column("raw", Text(), nullable=False),
        _at("first_seen_at"),
        _at("last_seen_at"),
        _count("times_seen"),
        Column("resolved", Boolean(), nullable=False, index=True),
        _at("resolved_at", nullable=True),
        _text("resolution", nullable=True),
        UniqueConstraint("system", "feed", "scope", "record_id", name="uq_set_aside_record"),
    )
    Table(
        "buffer_rule",
        metadata,
        _id(),
        _text("channel", nullable=True),
        _text("sku", nullable=True),
        _count("units"),
        Column("percent", ExactDecimal(), nullable=False),
    )
    Table(
        "stock_level",
        metadata,
        _key("facility_id"),
        _key("item_code"),
        _count("on_hand"),
        _count("allocated"),
        _count("sequence"),
    )
    Table(
        "order_demand",
        metadata,
        _key("channel"),
        _key("account"),
        _key("order_id"),
        _key("item_code"),
        _text("sku", index=True),
        _count("open"),
        _count("allocated"),
        _count("shipped"),
        _count("sequence"),
        _at("updated_at"),
    )
    Table(
        "stock_ledger",
        metadata,
        _key("channel"),
        _key("account"),
        _key("sku"),
        Column("quantity", Integer(), nullable=True),
        _at("pushed_at", nullable=True),
        _text("submission", nullable=True),
        _text("outcome", nullable=True),
        _text("message", nullable=True),
        _at("pending_since", nullable=True),
        Column("shown", Integer(), nullable=True),
        _at("checked_at", nullable=True),
    )
    Table(
        "stock_submission",
        metadata,
        _key("channel"),
        _key("account"),
        _key("submission"),
        _text("sent_by", index=True),
        Column("body", Text(), nullable=False),
        _at("created_at"),
    )
    Table(
        "settlement",
        metadata,
        _key("settlement_id"),
        _text("channel"),
        _text("account", index=True),
        _text("currency"),
        _money("total"),
        _at("period_start", nullable=True),
        _at("period_end", nullable=True),
        _at("deposit_date", nullable=True, index=True),
        Column("raw_dates", Text(), nullable=False),
        _money("reserve_released"),
        _money("reserve_held"),
        _text("report_id", nullable=True, index=True),
        _text("report_document_id", nullable=True),
        _count("row_count"),
        _at("stored_at"),
    )
    Table(
        "settlement_line",
        metadata,
        _key("settlement_id"),
        Column("line", Integer(), primary_key=True, autoincrement=False),
        _text("transaction_type"),
        _text("amount_type"),
        _text("amount_description"),
        _money("amount"),
        _text("kind", index=True),
        _text("order_id", nullable=True, index=True),
        _text("merchant_order_id", nullable=True),
        _text("adjustment_id", nullable=True),
        _text("shipment_id", nullable=True),
        _text("marketplace_name", nullable=True),
        _text("fulfillment_id", nullable=True),
        _text("posted_date", nullable=True),
        _at("posted_at", nullable=True),
        _text("order_item_code", nullable=True),
        _text("merchant_order_item_id", nullable=True),
        _text("merchant_adjustment_item_id", nullable=True),
        _text("sku", nullable=True),
        Column("quantity", Integer(), nullable=True),
        _text("promotion_id", nullable=True),
        Column("extra", Text(), nullable=False),
    )
    Table(
        "settlement_attribution",
        metadata,
        _id(),
        _text("settlement_id", index=True),
        _text("order_id", nullable=True, index=True),
        _text("kind"),
        _money("amount"),
    )
    Table(
        "settlement_difference",
        metadata,
        _id(),
        _text("settlement_id", index=True),
        _text("kind", index=True),
        _text("order_id", nullable=True, index=True),
        _text("sku", nullable=True),
        _money("expected", nullable=True),
        _money("settled", nullable=True),
        _text("detail"),
        _at("found_at"),
    )
    return metadata
