"""Which ProductSyncs a deployment runs: Centra's with CENTRA_PRODUCT_SYNC, Amazon's with
AMAZON_PRODUCT_SYNC, and Amazon's leaves the SKUs of every configured channel that masters
product data (Centra) to it, whether or not that channel syncs its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config import read_settings
from integrations.registry import CHANNELS, WAREHOUSE
from workflows.deployment import product_sync_inputs
from workflows.product_sync import ProductSyncInput


def inputs(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, ProductSyncInput]:
    for name in ("AMAZON_PRODUCT_SYNC", "CENTRA_PRODUCT_SYNC", "CONSIGN_CHANNELS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = read_settings(CHANNELS, [WAREHOUSE])
    return {sync.channel: sync for sync in product_sync_inputs(settings)}


def test_amazon_sync_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert inputs(monkeypatch) == {}


def test_amazon_sync_defers_to_centra_when_centra_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    found = inputs(
        monkeypatch,
        AMAZON_PRODUCT_SYNC="true",
        AMAZON_PRODUCT_SYNC_MINUTES="30",
        AMAZON_ITEM_CODES_FROM_LISTINGS="true",
        AMAZON_PRODUCT_SYNC_SINCE="2026-12-01T00:00:00+00:00",
    )
    amazon = found["amazon"]
    assert set(found) == {"amazon"}  # Centra's own sync stays off
    assert amazon.defer_to == ["centra"]
    assert amazon.interval_minutes == 30
    assert amazon.item_codes_from_products
    assert amazon.cursor == datetime(2026, 12, 1, tzinfo=UTC)


def test_both_syncs_and_amazon_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    both = inputs(monkeypatch, AMAZON_PRODUCT_SYNC="true", CENTRA_PRODUCT_SYNC="true")
    assert both["centra"].defer_to == []
    assert both["amazon"].defer_to == ["centra"]
    alone = inputs(monkeypatch, AMAZON_PRODUCT_SYNC="true", CONSIGN_CHANNELS="amazon")
    assert alone["amazon"].defer_to == []
