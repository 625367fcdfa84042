"""The settlement intake's activities: list the channel's settlement reports not stored yet,
read and store one (download, parse, attribute, store once by settlement id), and reconcile a
stored settlement with what consign confirmed. Each is idempotent: storing is keyed by the
settlement id, differences are replaced as a set."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import Engine
from temporalio import activity

from activities.account_ports import AccountKey, port_of
from activities.errors import classified, classify
from activities.heartbeat import heartbeating
from activities.settlement_models import (
    Reconciled,
    ReconcileRequest,
    SettlementFetchRequest,
    SettlementListRequest,
    SettlementReports,
    StoredSettlementReport,
)
from domain.exceptions import ConsignError, ExceptionKind
from domain.settlement_attribution import attribute
from domain.settlement_differences import differences
from integrations.channel import SettlementPort
from store.settlements import (
    load_settlement,
    replace_differences,
    settled_order_ids,
    shipped_orders,
    store_settlement,
    stored_report_ids,
)


class SettlementActivities:
    """One settlement port per account of a channel that files settlement reports."""

    def __init__(self, ports: Mapping[AccountKey, SettlementPort], engine: Engine) -> None:
        self.ports = dict(ports)
        self.engine = engine

    def _port(self, channel: str, account: str) -> SettlementPort:
        return port_of(self.ports, channel, account, "settlement port")

    @activity.defn(name="list_settlement_reports")
    async def list_reports(self, request: SettlementListRequest) -> SettlementReports:
        port = self._port(request.channel, request.account)
        async with heartbeating():
            with classified(ExceptionKind.INVALID_CHANNEL_DATA):
                listed = await port.settlement_reports(request.created_since)
            known = await asyncio.to_thread(stored_report_ids, self.engine, request.account)
        return SettlementReports(reports=[r for r in listed if r.report_id not in known])

    @activity.defn(name="store_settlement_report")
    async def store_report(self, request: SettlementFetchRequest) -> StoredSettlementReport:
        """A file that does not add up fails for good as SETTLEMENT_UNBALANCED, one that
        cannot be read as INVALID_CHANNEL_DATA: nothing of it is stored."""
        port = self._port(request.channel, request.account)
        report = request.report
        async with heartbeating():
            with classified(ExceptionKind.INVALID_CHANNEL_DATA):
                settlement = await port.read_settlement(report)
                attribution = attribute(settlement)
            new = await asyncio.to_thread(
                store_settlement,
                self.engine,
                settlement,
                attribution,
                channel=request.channel,
                account=request.account,
                report_id=report.report_id,
                report_document_id=report.document_id,
            )
        activity.logger.info(
            "settlement %s of report %s: %s",
            settlement.settlement_id,
            report.report_id,
            "stored" if new else "already stored",
        )
        return StoredSettlementReport(
            report_id=report.report_id,
            settlement_id=settlement.settlement_id,
            new=new,
            deposit=f"{settlement.total} {settlement.currency}",
            rows=len(settlement.rows),
        )

    @activity.defn(name="reconcile_settlement")
    async def reconcile(self, request: ReconcileRequest) -> Reconciled:
        """The settlement's differences from the parcels consign confirmed, replacing the last
        ones. Orders confirmed from `unsettled_after` before the settlement's start to its end
        are expected in it (or in one stored before); earlier ones were another's to flag."""
        return await asyncio.to_thread(self._reconcile, request)

    def _reconcile(self, request: ReconcileRequest) -> Reconciled:
        settlement = load_settlement(self.engine, request.settlement_id)
        if settlement is None:
            raise classify(
                ConsignError(
                    ExceptionKind.INVALID_CHANNEL_DATA,
                    f"settlement {request.settlement_id} is not stored",
                )
            )
        attribution = attribute(settlement)
        unsettled_after = timedelta(days=request.unsettled_after_days)
        end = settlement.end or settlement.deposit_date
        start = settlement.start or end
        shipped = shipped_orders(
            self.engine,
            request.channel,
            request.account,
            confirmed_from=start - unsettled_after if start is not None else None,
            confirmed_before=end,
            order_ids=[order.order_id for order in attribution.orders],
        )
        found = differences(
            attribution,
            shipped,
            settled_before=settled_order_ids(self.engine, other_than=request.settlement_id),
            unsettled_after=unsettled_after,
        )
        replace_differences(self.engine, request.settlement_id, found)
        kinds = Counter(d.kind.value for d in found)
        return Reconciled(
            settlement_id=request.settlement_id, differences=dict(sorted(kinds.items()))
        )
