"""Reports API 2021-06-30 routes for settlement and returns reports, and the presigned download.

getReports follows the model: reportTypes (1-10) or nextToken is required, and a nextToken
call carries nothing else; createdSince defaults to 90 days ago, and reports are kept 90 days.
createReport of a settlement type answers Amazon's documented 400 ("report type 1118 is not
allowed"): they cannot be requested. createReport of GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE
builds the returns report (sandbox/amazon/returns.py); other types are refused. The document
URL, like S3's, takes no access token and expires after 5 minutes (403, as S3 answers an
expired presigned URL)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.guard import operation
from sandbox.amazon.pagination import Cursor
from sandbox.amazon.returns import RETURNS_REPORT
from sandbox.amazon.settlements import RETENTION, SETTLEMENT_TYPES, Report
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import parse_wire, to_wire
from sandbox.amazon.usage_plans import (
    CREATE_REPORT,
    GET_REPORT,
    GET_REPORT_DOCUMENT,
    GET_REPORTS,
)

ROOT = "/reports/2021-06-30"
DOWNLOADS = "/_sandbox/report-documents"
STATUSES = {"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"}
EXPIRED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    "<Message>Request has expired</Message></Error>"
)


def _csv(request: Request, name: str) -> list[str] | None:
    raw = request.query_params.get(name)
    return None if raw is None else [part for part in raw.split(",") if part]


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter()
    desk = sandbox.settlements

    @api.get(f"{ROOT}/reports")
    async def get_reports(
        request: Request, seller: str = Depends(operation(sandbox, GET_REPORTS))
    ) -> dict[str, Any]:
        query = request.query_params
        now = sandbox.clock()
        with sandbox.lock:
            if "nextToken" in query:
                if len(query) > 1:
                    raise SpApiError(400, "nextToken must be the only parameter")
                cursor = sandbox.pager.resume(query["nextToken"], now)
                if cursor is None:
                    raise SpApiError(400, "Invalid nextToken")
            else:
                cursor = _first_page(request, sandbox, seller)
            ids, next_token = sandbox.pager.page(cursor, now)
            body: dict[str, Any] = {
                "reports": [desk.reports[i].render(now, to_wire) for i in ids if i in desk.reports]
            }
        if next_token:
            body["nextToken"] = next_token
        return body

    @api.get(f"{ROOT}/reports/{{reportId}}")
    async def get_report(
        reportId: str, seller: str = Depends(operation(sandbox, GET_REPORT))
    ) -> dict[str, Any]:
        now = sandbox.clock()
        with sandbox.lock:
            report = desk.reports.get(reportId)
            if report is None or now - report.created > RETENTION or not _mine(report, seller):
                raise SpApiError(404, f"Report {reportId} was not found")
            return report.render(now, to_wire)

    @api.post(f"{ROOT}/reports", status_code=202)
    async def create_report(
        request: Request, seller: str = Depends(operation(sandbox, CREATE_REPORT))
    ) -> dict[str, Any]:
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise SpApiError(400, "The request body is not JSON") from None
        report_type = body.get("reportType") if isinstance(body, dict) else None
        number = SETTLEMENT_TYPES.get(str(report_type))
        if number is not None:
            raise SpApiError(400, f"Request for report type {number} is not allowed at this time")
        if report_type != RETURNS_REPORT:
            raise SpApiError(400, f"The sandbox does not serve {report_type!r}", details="")
        report = sandbox.create_returns_report(seller, body)
        return {"reportId": report.report_id}

    @api.get(f"{ROOT}/documents/{{reportDocumentId}}")
    async def get_report_document(
        reportDocumentId: str,
        request: Request,
        seller: str = Depends(operation(sandbox, GET_REPORT_DOCUMENT)),
    ) -> dict[str, Any]:
        now = sandbox.clock()
        with sandbox.lock:
            report = desk.report_by_document(reportDocumentId)
            if (
                report is None
                or report.status(now) != "DONE"
                or now - report.created > RETENTION
                or not _mine(report, seller)
            ):
                raise SpApiError(404, f"Report document {reportDocumentId} was not found")
            token = desk.link(reportDocumentId, now)
        encoded = request.query_params.get("enableContentEncodingUrlHeader") == "true"
        base = str(request.base_url).rstrip("/")
        body: dict[str, Any] = {
            "reportDocumentId": reportDocumentId,
            "url": f"{base}{DOWNLOADS}/{token}" + ("?encoding=gzip" if encoded else ""),
        }
        if report.compressed:
            body["compressionAlgorithm"] = "GZIP"
        return body

    @api.get(f"{DOWNLOADS}/{{token}}")
    async def download(token: str, encoding: str | None = None) -> Response:
        now = sandbox.clock()
        with sandbox.lock:
            link = desk.links.get(token)
            if link is None or now >= link[1]:
                return Response(EXPIRED, status_code=403, media_type="application/xml")
            report = desk.report_by_document(link[0])
            assert report is not None
            headers = {"content-type": report.content_type}  # as is: no charset added
            if report.compressed and encoding:
                headers["content-encoding"] = "gzip"
            return Response(report.content, headers=headers)

    return api


def _mine(report: Report, seller: str) -> bool:
    return report.seller_id is None or report.seller_id == seller


def _first_page(request: Request, sandbox: AmazonSandbox, seller: str) -> Cursor:
    types = _csv(request, "reportTypes")
    if not types or len(types) > 10:
        raise SpApiError(400, "reportTypes (1 to 10 values) or nextToken is required")
    statuses = _csv(request, "processingStatuses")
    if statuses is not None and (not statuses or set(statuses) - STATUSES):
        raise SpApiError(400, "processingStatuses holds an unknown status")
    marketplaces = _csv(request, "marketplaceIds")
    size_text = request.query_params.get("pageSize", "10")
    if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
        raise SpApiError(400, "pageSize must be between 1 and 100")
    now = sandbox.clock()
    since = _moment(request, "createdSince") or now - RETENTION
    until = _moment(request, "createdUntil") or now
    since = max(since, now - RETENTION)
    if since > until:
        raise SpApiError(400, "createdSince is after createdUntil")
    reports = sorted(
        sandbox.settlements.reports.values(), key=lambda r: (r.created, r.report_id), reverse=True
    )
    ids = [
        report.report_id
        for report in reports
        if report.report_type in types
        and _mine(report, seller)
        and since <= report.created <= until
        and (statuses is None or report.status(now) in statuses)
        and (not marketplaces or report.marketplace_id in marketplaces)
    ]
    return Cursor(ids, 0, int(size_text))


def _moment(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    moment = parse_wire(raw)
    if moment is None:
        raise SpApiError(400, f"{name} is not an ISO 8601 date-time")
    return moment
