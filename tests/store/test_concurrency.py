"""Activities run the sync repository in threads; SQLite must not report "database is locked"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

from domain.inventory import StockChange, StockChangeKind
from domain.mapping import FacilityRule, SkuMapping
from domain.order import OrderRef
from integrations.registry import Channel
from store.audit import list_audit, record_audit
from store.db import create_engine_from_url
from store.inventory import apply_stock_changes, confirm_shipped, demand_by_item, record_demand
from store.mappings import (
    list_sku_mappings,
    load_mapping_set,
    replace_facility_rules,
    upsert_sku_mappings,
)
from store.migrate import init_db
from store.unmatched import list_unmatched, record_unmatched_event
from tests.store.conftest import audit_record

THREADS = 12
ROUNDS = 25


def _work(engine, worker: int) -> None:
    for n in range(ROUNDS):
        order_id = f"o-{worker}-{n}"
        record_audit(engine, audit_record(order_id=order_id))
        upsert_sku_mappings(
            engine,
            [
                SkuMapping(
                    channel=Channel.AMAZON,
                    sku=f"SHARED-{n % 5}",
                    item_code=f"I-{worker}",
                    customs_value=Decimal(n),
                ),
                SkuMapping(channel=Channel.CENTRA, sku=f"W{worker}-{n}", item_code="I"),
            ],
        )
        record_unmatched_event(engine, "F", order_id, {"event_id": f"e-{n}"})
        if n % 5 == 0:
            replace_facility_rules(engine, [FacilityRule(facility_id=f"F-{worker}")])
        load_mapping_set(engine, Channel.AMAZON)


def test_concurrent_writers_on_sqlite_do_not_fail(tmp_path):
    # Two engines, as two worker processes would have, plus many threads each.
    url = f"sqlite:///{tmp_path}/shared.db"
    engines = [create_engine_from_url(url), create_engine_from_url(url)]
    init_db(engines[0])
    init_db(engines[1])
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_work, engines[w % 2], w) for w in range(THREADS)]
        for future in futures:
            future.result()  # re-raises any "database is locked"

    engine = engines[0]
    assert len(list_audit(engine, limit=10_000)) == THREADS * ROUNDS
    assert len(list_sku_mappings(engine, Channel.CENTRA)) == THREADS * ROUNDS
    assert len(list_sku_mappings(engine, Channel.AMAZON)) == 5
    assert len(list_unmatched(engine)) == ROUNDS
    assert len(load_mapping_set(engine, Channel.AMAZON).facility_rules) == 1
    for each in engines:
        each.dispose()


def test_concurrent_writers_on_any_backend(engine):
    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(_work, engine, w) for w in range(4)]:
            future.result()
    assert len(list_audit(engine, limit=10_000)) == 4 * ROUNDS
    assert len(list_unmatched(engine)) == ROUNDS
    # Concurrent replacements serialise: the last one wins whole, never a mix of two sets.
    assert len(load_mapping_set(engine, Channel.AMAZON).facility_rules) == 1


def test_concurrent_rule_replacements_never_mix_two_sets(engine):
    def replace(worker: int) -> None:
        for _ in range(15):
            replace_facility_rules(
                engine, [FacilityRule(facility_id=f"F-{worker}", priority=p) for p in range(3)]
            )

    with ThreadPoolExecutor(6) as pool:
        for future in [pool.submit(replace, w) for w in range(6)]:
            future.result()
    rules = load_mapping_set(engine, Channel.CENTRA).facility_rules
    assert len(rules) == 3
    assert len({rule.facility_id for rule in rules}) == 1


def test_parcels_confirmed_at_once_each_take_their_units_out_of_the_demand(engine):
    """Many parcels of one order confirmed by several workers at the same moment, while GXO's
    shipments of the same units arrive: on PostgreSQL each read-modify-write of the order's
    demand row waits for the row lock, so no update is lost and the row settles to nothing."""
    parcels = 40
    ref = OrderRef(channel=Channel.AMAZON, account="S", order_id="O-1")
    record_demand(engine, ref, [("SKU", "ITEM", parcels)])
    allocate = StockChange(
        sequence=1,
        facility_id="F",
        item_code="ITEM",
        kind=StockChangeKind.ALLOCATION,
        quantity=parcels,
        on_hand_after=parcels,
        allocated_after=parcels,
        reference="O-1",
        channel=Channel.AMAZON,
        account="S",
        at=datetime(2026, 11, 29, tzinfo=UTC),
    )
    apply_stock_changes(engine, [allocate])

    def confirm(n: int) -> None:
        confirm_shipped(engine, ref, f"P{n}", [("ITEM", 1)])

    def ship_one_by_one() -> None:
        """GXO's shipments, in feed order, as the facility's one StockIntake applies them."""
        for n in range(parcels):
            shipment = allocate.model_copy(
                update={
                    "sequence": 2 + n,
                    "kind": StockChangeKind.SHIPMENT,
                    "quantity": -1,
                    "on_hand_after": parcels - n - 1,
                    "allocated_after": parcels - n - 1,
                }
            )
            apply_stock_changes(engine, [shipment])

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(ship_one_by_one)]
        futures += [pool.submit(confirm, n) for n in range(parcels)]
        for future in futures:
            future.result()
    demand = demand_by_item(engine)
    assert (demand.open, demand.allocated, demand.shipped) == ({}, {}, {})
