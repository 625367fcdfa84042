"""Reports API 2021-06-30 for settlement reports: list the ones Amazon generated (they cannot be
requested, and are kept 90 days), and fetch a document: its presigned URL expires after 5
minutes, so an expired link is fetched again (getReportDocument) rather than failing; gzip and
the charset are handled by integrations/amazon/settlement/document.py.

The two calls are what the settlement intake's activities need (list new reports; fetch,
parse and store one), so the workflow stays a thin loop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import AmazonBadResponse, AmazonRequestRejected
from integrations.amazon.http_errors import presigned_transfer
from integrations.amazon.settlement import REPORT_TYPE, decode_document
from integrations.amazon.settlement.document import charset_of
from integrations.amazon.usage_plans import Operation
from integrations.amazon.wire_time import format_utc

REPORTS_ROOT = "/reports/2021-06-30"
DOWNLOAD = "reports.downloadDocument"
MAX_PAGE_SIZE = 100
LINK_ATTEMPTS = 3  # a link that expired between getReportDocument and the download


class ReportEntry(BaseModel):
    """One Report of getReports, as far as consign needs it."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    report_id: str = Field(alias="reportId")
    report_type: str = Field(alias="reportType")
    processing_status: str = Field(alias="processingStatus")
    created_time: datetime = Field(alias="createdTime")
    data_start_time: datetime | None = Field(default=None, alias="dataStartTime")
    data_end_time: datetime | None = Field(default=None, alias="dataEndTime")
    report_document_id: str | None = Field(default=None, alias="reportDocumentId")
    marketplace_ids: tuple[str, ...] = Field(default=(), alias="marketplaceIds")


class ReportsPage(BaseModel):
    reports: tuple[ReportEntry, ...]
    next_token: str | None = None


class ReportDocument(BaseModel):
    """A downloaded document as text (gunzipped, decoded)."""

    report_document_id: str
    text: str
    compressed: bool
    charset: str  # the one it was decoded with


class LinkExpired(AmazonRequestRejected):
    """S3 refused the presigned URL (403/400): it expired, or was used too late. Fetching the
    document link again cures it; the caller does that (fetch_document)."""


def _page(operation: str, answer: Any) -> ReportsPage:
    if not isinstance(answer, dict) or not isinstance(answer.get("reports"), list):
        raise AmazonBadResponse(operation, "response lacks reports")
    try:
        reports = tuple(ReportEntry.model_validate(entry) for entry in answer["reports"])
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) for e in error.errors()})
        raise AmazonBadResponse(operation, f"unreadable report fields {fields}") from None
    token = answer.get("nextToken")
    return ReportsPage(reports=reports, next_token=token if isinstance(token, str) else None)


class ReportsApi:
    """getReports and getReportDocument, plus the presigned download (no access token)."""

    def __init__(self, api: SpApiClient, http: httpx.AsyncClient) -> None:
        self.api = api
        self.http = http

    async def list_settlement_reports(
        self,
        *,
        created_since: datetime | None = None,
        marketplace_ids: Sequence[str] = (),
        next_token: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> ReportsPage:
        """One page of DONE V2 settlement reports, newest first. A nextToken call carries
        only the token, as the model requires."""
        operation = Operation.GET_REPORTS.value
        params: dict[str, Any]
        if next_token is not None:
            params = {"nextToken": next_token}
        else:
            params = {
                "reportTypes": [REPORT_TYPE],
                "processingStatuses": ["DONE"],
                "pageSize": page_size,
                "createdSince": format_utc(created_since) if created_since else None,
                "marketplaceIds": list(marketplace_ids) or None,
            }
        answer = await self.api.request(operation, "GET", f"{REPORTS_ROOT}/reports", params=params)
        return _page(operation, answer)

    async def create_report(
        self, report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> str:
        """createReport (202): the new report's id. For requestable reports only (the returns
        report); settlement reports cannot be requested."""
        operation = Operation.CREATE_REPORT.value
        spec = {
            "reportType": report_type,
            "marketplaceIds": list(marketplace_ids),
            "dataStartTime": format_utc(start),
            "dataEndTime": format_utc(end),
        }
        answer = await self.api.request(operation, "POST", f"{REPORTS_ROOT}/reports", json=spec)
        if not isinstance(answer, dict) or not isinstance(answer.get("reportId"), str):
            raise AmazonBadResponse(operation, "response lacks reportId")
        report_id: str = answer["reportId"]
        return report_id

    async def get_report(self, report_id: str) -> ReportEntry:
        operation = Operation.GET_REPORT.value
        path = f"{REPORTS_ROOT}/reports/{quote(report_id, safe='')}"
        answer = await self.api.request(operation, "GET", path)
        try:
            return ReportEntry.model_validate(answer)
        except ValidationError:
            raise AmazonBadResponse(operation, "unreadable report") from None

    async def document_link(self, document_id: str) -> tuple[str, str | None]:
        """The presigned URL (valid 5 minutes) and the compression (GZIP or None)."""
        operation = Operation.GET_REPORT_DOCUMENT.value
        path = f"{REPORTS_ROOT}/documents/{quote(document_id, safe='')}"
        answer = await self.api.request(operation, "GET", path)
        if not isinstance(answer, dict) or not isinstance(answer.get("url"), str):
            raise AmazonBadResponse(operation, "response lacks url")
        compression = answer.get("compressionAlgorithm")
        if compression not in (None, "GZIP"):
            raise AmazonBadResponse(operation, "unknown compressionAlgorithm")
        return answer["url"], compression

    async def download(self, url: str) -> httpx.Response:
        response = await presigned_transfer(self.http, DOWNLOAD, "GET", url)
        if response.status_code in (400, 403):
            raise LinkExpired(DOWNLOAD, "the document link was refused", status=403)
        if response.status_code >= 300:
            raise AmazonRequestRejected(DOWNLOAD, "download refused", status=response.status_code)
        return response

    async def fetch_document(self, document_id: str) -> ReportDocument:
        """The document's text. A link refused as expired is fetched again, up to 3 times:
        a slow download after a throttled getReportDocument can outlive its 5 minutes."""
        for attempt in range(1, LINK_ATTEMPTS + 1):
            url, compression = await self.document_link(document_id)
            try:
                response = await self.download(url)
            except LinkExpired:
                if attempt == LINK_ATTEMPTS:
                    raise
                continue
            content_type = response.headers.get("content-type")
            text = decode_document(
                response.content, compression=compression, content_type=content_type
            )
            return ReportDocument(
                report_document_id=document_id,
                text=text,
                compressed=compression == "GZIP",
                charset=charset_of(content_type),
            )
        raise AssertionError("unreachable: the last attempt returns or raises")
