"""Activities run the sync repository in threads; SQLite must not report "database is locked"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from domain.mapping import FacilityRule, SkuMapping
from integrations.registry import Channel
from store.audit import list_audit, record_audit
from store.db import create_engine_from_url
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
