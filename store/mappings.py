"""Mapping repository: converts between the store's rows and domain/mapping.py models.

Optional text that is blank is stored as NULL: a blank customs field means "missing", and CSV
(which cannot tell "" from absent) then round-trips exactly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Engine, Table, or_, select
from sqlmodel import SQLModel, col

from domain.mapping import (
    CarrierCodeMapping,
    CarrierServiceMapping,
    FacilityRule,
    MappingSet,
    SkuMapping,
)
from domain.order import Channel
from store.db import read_session, write_session
from store.tables import CarrierCodeRow, CarrierServiceRow, FacilityRuleRow, SkuMappingRow
from store.upsert import WriteCounts, replace_set, upsert_rows

M = TypeVar("M", bound=BaseModel)

SKU_KEY = ("channel", "sku")
CARRIER_SERVICE_KEY = ("channel", "ship_service_level", "destination")
CARRIER_CODE_KEY = ("channel", "carrier_service_code")


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _row_values(model: BaseModel) -> dict[str, Any]:
    """Domain model -> column values: blank optional text as NULL."""
    values: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value == "" and not field.is_required() and field.default is None:
            value = None
        values[name] = value
    return values


def _to_domain(model: type[M], rows: Iterable[SQLModel]) -> list[M]:
    return [model.model_validate(row.model_dump(exclude={"id"})) for row in rows]


def upsert_sku_mappings(engine: Engine, mappings: Sequence[SkuMapping]) -> WriteCounts:
    """Create or update by (channel, sku); re-running with the same input changes nothing."""
    with write_session(engine) as session:
        rows = [_row_values(m) for m in mappings]
        return upsert_rows(session, _table(SkuMappingRow), SKU_KEY, rows)


def upsert_carrier_services(
    engine: Engine, mappings: Sequence[CarrierServiceMapping]
) -> WriteCounts:
    """Create or update by (channel, ship_service_level)."""
    with write_session(engine) as session:
        rows = [_row_values(m) for m in mappings]
        return upsert_rows(session, _table(CarrierServiceRow), CARRIER_SERVICE_KEY, rows)


def upsert_carrier_codes(engine: Engine, mappings: Sequence[CarrierCodeMapping]) -> WriteCounts:
    """Create or update by (channel, carrier_service_code)."""
    with write_session(engine) as session:
        rows = [_row_values(m) for m in mappings]
        return upsert_rows(session, _table(CarrierCodeRow), CARRIER_CODE_KEY, rows)


def replace_facility_rules(engine: Engine, rules: Sequence[FacilityRule]) -> WriteCounts:
    """Rules have no natural key and only make sense as a whole: swap the set atomically."""
    rows = [FacilityRuleRow.model_validate(_row_values(rule)) for rule in rules]
    with write_session(engine) as session:
        return replace_set(session, rows, FacilityRuleRow)


def _rule_applies_to(channel: Channel) -> ColumnElement[bool]:
    return or_(col(FacilityRuleRow.channel) == channel, col(FacilityRuleRow.channel).is_(None))


def _list_keyed(
    engine: Engine,
    row_model: type[SQLModel],
    domain_model: type[M],
    key: Sequence[str],
    channel: Channel | None,
) -> list[M]:
    """Rows of a channel-keyed mapping table, ordered by natural key."""
    table = _table(row_model)
    query = select(row_model).order_by(*(table.c[name] for name in key))
    if channel is not None:
        query = query.where(table.c.channel == channel)
    with read_session(engine) as session:
        return _to_domain(domain_model, session.scalars(query))


def list_sku_mappings(engine: Engine, channel: Channel | None = None) -> list[SkuMapping]:
    """All SKU mappings, or one channel's."""
    return _list_keyed(engine, SkuMappingRow, SkuMapping, SKU_KEY, channel)


def list_carrier_services(
    engine: Engine, channel: Channel | None = None
) -> list[CarrierServiceMapping]:
    """All channel shipping service -> GXO carrier service mappings, or one channel's."""
    return _list_keyed(
        engine, CarrierServiceRow, CarrierServiceMapping, CARRIER_SERVICE_KEY, channel
    )


def list_carrier_codes(engine: Engine, channel: Channel | None = None) -> list[CarrierCodeMapping]:
    """All GXO carrier service -> channel carrier code mappings, or one channel's."""
    return _list_keyed(engine, CarrierCodeRow, CarrierCodeMapping, CARRIER_CODE_KEY, channel)


def list_facility_rules(engine: Engine, channel: Channel | None = None) -> list[FacilityRule]:
    """All rules in the order they were given, or those that can apply to a channel (its own
    and any-channel rules)."""
    query = select(FacilityRuleRow).order_by(col(FacilityRuleRow.id))
    if channel is not None:
        query = query.where(_rule_applies_to(channel))
    with read_session(engine) as session:
        return _to_domain(FacilityRule, session.scalars(query))


def load_mapping_set(
    engine: Engine,
    channel: Channel,
    skus: Iterable[str] | None = None,
    gtins: Iterable[str] = (),
) -> MappingSet:
    """Only what planning an order of this channel needs. Pass the order's SKUs (and GTINs) to
    keep the result (which lands in workflow history) small: then only the SKU mappings for
    those SKUs or GTINs and the facility rules without a SKU or for one of those SKUs are
    returned."""
    wanted = None if skus is None else sorted(set(skus))
    wanted_gtins = sorted(set(gtins))
    sku_query = (
        select(SkuMappingRow)
        .where(col(SkuMappingRow.channel) == channel)
        .order_by(col(SkuMappingRow.sku))
    )
    rule_query = (
        select(FacilityRuleRow).where(_rule_applies_to(channel)).order_by(col(FacilityRuleRow.id))
    )
    if wanted is not None:
        sku_query = sku_query.where(
            or_(col(SkuMappingRow.sku).in_(wanted), col(SkuMappingRow.gtin).in_(wanted_gtins))
        )
        rule_query = rule_query.where(
            or_(col(FacilityRuleRow.sku).is_(None), col(FacilityRuleRow.sku).in_(wanted))
        )
    with read_session(engine) as session:
        skus_found = _to_domain(
            SkuMapping, session.scalars(sku_query.order_by(col(SkuMappingRow.sku)))
        )
        rules = _to_domain(
            FacilityRule, session.scalars(rule_query.order_by(col(FacilityRuleRow.id)))
        )
    return MappingSet(
        skus=skus_found,
        facility_rules=rules,
        carrier_services=list_carrier_services(engine, channel),
        carrier_codes=list_carrier_codes(engine, channel),
    )
