"""The Monitor's stock findings: one per kind of trouble a sync shows, keyed so each is raised
and resolved on its own."""

from __future__ import annotations

from activities.monitor import stock_findings
from domain.owners import OwnerRole, Severity
from reporting.daily_report import DriftRow, StockRow


def test_each_kind_of_stock_trouble_is_its_own_finding() -> None:
    row = StockRow(
        workflow_id="inventory:amazon:A1",
        state="running",
        stalled=["S1", "S2"],
        rejected=["R1"],
        drift=[DriftRow(sku="D1", expected=1, shown=2)],
        ledger_drift=2,
        last_error="boom",
    )
    found = {f.key: f for f in stock_findings([row])}
    base = "stock:inventory:amazon:A1"
    assert set(found) == {f"{base}:stalled", f"{base}:rejected", f"{base}:drift", f"{base}:error"}
    assert found[f"{base}:stalled"].summary == "inventory:amazon:A1: 2 SKU(s) stalled"
    assert found[f"{base}:drift"].summary == "inventory:amazon:A1: 3 SKU(s) drifted"
    assert found[f"{base}:drift"].severity is Severity.LOW
    assert found[f"{base}:rejected"].role is OwnerRole.ECOMMERCE
    assert found[f"{base}:error"].severity is Severity.HIGH


def test_a_quiet_sync_has_no_finding() -> None:
    assert stock_findings([StockRow(workflow_id="inventory:centra:B", state="running")]) == []
