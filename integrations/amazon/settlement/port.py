"""Amazon's side of the settlement intake (integrations/channel.py SettlementPort): list the
V2 settlement reports Amazon filed (getReports; they cannot be requested and are kept 90 days)
and read one (getReportDocument and the download in the same call, since the presigned link
expires after 5 minutes; then the parser, which refuses a file that does not sum)."""

from __future__ import annotations

from datetime import datetime

from domain.settlement import Settlement, SettlementReport
from integrations.amazon.reports import ReportsApi
from integrations.amazon.settlement.flat_file import parse_settlement

MAX_PAGES = 20  # 2,000 reports: far more than 90 days of settlements


class AmazonSettlements:
    def __init__(self, reports: ReportsApi) -> None:
        self.reports = reports

    async def settlement_reports(self, created_since: datetime | None) -> list[SettlementReport]:
        """DONE reports with a document, oldest first (so reserves are stored in order)."""
        found: list[SettlementReport] = []
        page = await self.reports.list_settlement_reports(created_since=created_since)
        for _ in range(MAX_PAGES):
            found += [
                SettlementReport(
                    report_id=entry.report_id,
                    document_id=entry.report_document_id,
                    created_at=entry.created_time,
                )
                for entry in page.reports
                if entry.report_document_id
            ]
            if page.next_token is None:
                break
            page = await self.reports.list_settlement_reports(next_token=page.next_token)
        found.sort(key=lambda report: (report.created_at, report.report_id))
        return found

    async def read_settlement(self, report: SettlementReport) -> Settlement:
        document = await self.reports.fetch_document(report.document_id)
        return parse_settlement(document.text)
