"""Feeds API 2021-06-30 and the JSON_LISTINGS_FEED: many quantity updates in one submission.

Amazon allows 5 JSON_LISTINGS_FEED submissions per 5 minutes and 25,000 messages per feed, so
large pushes go as feeds and small ones as single patches (stock.py decides). A feed goes in
two phases, since Amazon may take minutes to hours to process one: `submit_listings_feed`
(createFeedDocument -> PUT the document to Amazon's pre-signed URL -> createFeed) returns the feed
id at once; `feed_result` (getFeed, and once it is DONE getFeedDocument -> download the
processing report) is asked later, as often as the caller likes, and never submits again. The
report's issues name messages, not SKUs: the builder keeps the messageId -> SKU map that turns
them back into per-SKU outcomes. An issue that
names no message is about the whole feed (the processing-report schema: messageId is "not
provided if the error is not related to a message"), so it counts against every SKU in it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, Field, ValidationError

from domain.inventory import ListingQuantity
from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import (
    AmazonBadResponse,
    AmazonFeedFailed,
    AmazonRequestRejected,
)
from integrations.amazon.http_errors import presigned_transfer
from integrations.amazon.listings import quantity_patch
from integrations.amazon.usage_plans import Operation

FEEDS_ROOT = "/feeds/2021-06-30"
FEED_TYPE = "JSON_LISTINGS_FEED"
CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_VERSION = "2.0"
MAX_MESSAGES = 25_000
TERMINAL = ("DONE", "FATAL", "CANCELLED")
UPLOAD = "feeds.uploadDocument"
DOWNLOAD = "feeds.downloadDocument"


@dataclass(frozen=True)
class ListingsFeed:
    """One JSON_LISTINGS_FEED document and which SKU each messageId carries."""

    document: dict[str, Any]
    skus: dict[int, str] = field(default_factory=dict)

    def content(self) -> bytes:
        return json.dumps(self.document, separators=(",", ":")).encode("utf-8")


def build_listings_feeds(
    seller_id: str,
    quantities: Sequence[ListingQuantity],
    product_types: Mapping[str, str],
    *,
    issue_locale: str = "en_US",
    max_messages: int = MAX_MESSAGES,
) -> list[ListingsFeed]:
    """Quantity PATCH messages, each under its listing's product type (`product_types`, by SKU:
    the schema requires one on every PATCH), split into feeds of at most `max_messages`
    (Amazon's limit is 25,000). Refuses negative or non-integer quantities, and SKUs without a
    product type, before anything is sent."""
    if not 1 <= max_messages <= MAX_MESSAGES:
        raise ValueError(f"max_messages must be 1..{MAX_MESSAGES}, got {max_messages}")
    untyped = sorted({item.sku for item in quantities} - set(product_types))
    if untyped:
        raise ValueError(f"no product type for SKU(s): {', '.join(untyped)}")
    messages = [
        (item.sku, quantity_patch(Operation.CREATE_FEED.value, item.sku, item.quantity))
        for item in quantities
    ]
    header = {"sellerId": seller_id, "version": FEED_VERSION, "issueLocale": issue_locale}
    feeds: list[ListingsFeed] = []
    for start in range(0, len(messages), max_messages):
        chunk = messages[start : start + max_messages]
        body = [
            {
                "messageId": number,
                "sku": sku,
                "operationType": "PATCH",
                "productType": product_types[sku],
                "patches": [patch],
            }
            for number, (sku, patch) in enumerate(chunk, start=1)
        ]
        skus = {number: sku for number, (sku, _patch) in enumerate(chunk, start=1)}
        feeds.append(ListingsFeed({"header": dict(header), "messages": body}, skus))
    return feeds


class FeedIssue(BaseModel):
    message_id: int | None = Field(default=None, alias="messageId")
    sku: str | None = None
    code: str | None = None
    severity: str
    message: str
    attribute_name: str | None = Field(default=None, alias="attributeName")


class ProcessingSummary(BaseModel):
    errors: int
    warnings: int
    messages_processed: int = Field(alias="messagesProcessed")
    messages_accepted: int = Field(alias="messagesAccepted")
    messages_invalid: int = Field(alias="messagesInvalid")


class ProcessingReport(BaseModel):
    """The parts of a JSON_LISTINGS_FEED processing report consign acts on."""

    feed_id: str | None = None
    summary: ProcessingSummary
    issues: list[FeedIssue] = Field(default_factory=list)

    def issues_by_sku(self, skus: dict[int, str]) -> dict[str, list[FeedIssue]]:
        """Issues per SKU of the feed (`skus`: its messageId -> SKU map). An issue naming a
        message belongs to that message's SKU; one naming only a SKU, to that SKU; one naming
        neither is about the feed itself and belongs to every SKU in it."""
        found: dict[str, list[FeedIssue]] = {}
        for issue in self.issues:
            if issue.message_id is not None:
                targets = [skus.get(issue.message_id) or issue.sku]
            elif issue.sku is not None:
                targets = [issue.sku]
            else:
                targets = list(skus.values())
            for sku in targets:
                if sku is not None:
                    found.setdefault(sku, []).append(issue)
        return found


def parse_processing_report(content: bytes | str | object) -> ProcessingReport:
    """Raises AmazonBadResponse when the report is not the documented shape."""
    try:
        body = json.loads(content) if isinstance(content, bytes | str) else content
        if not isinstance(body, dict):
            raise ValueError("report is not an object")
        header = body.get("header")
        if not isinstance(header, dict):
            header = {}
        return ProcessingReport(
            feed_id=header.get("feedId"),
            summary=ProcessingSummary.model_validate(body.get("summary")),
            issues=[FeedIssue.model_validate(i) for i in body.get("issues") or []],
        )
    except (ValueError, ValidationError) as error:
        kind = type(error).__name__
        raise AmazonBadResponse(DOWNLOAD, f"processing report unreadable ({kind})") from None


@dataclass(frozen=True)
class FeedResult:
    feed_id: str
    status: str
    report: ProcessingReport


def _dict(operation: str, answer: Any, *keys: str) -> dict[str, Any]:
    if not isinstance(answer, dict) or any(not isinstance(answer.get(k), str) for k in keys):
        raise AmazonBadResponse(operation, f"response lacks {', '.join(keys)}")
    return answer


class FeedsApi:
    """Feeds API calls plus the pre-signed document transfers, which go to S3 without the
    access token."""

    def __init__(self, api: SpApiClient, http: httpx.AsyncClient) -> None:
        self.api = api
        self.http = http

    async def create_feed_document(self, content_type: str = CONTENT_TYPE) -> tuple[str, str]:
        operation = Operation.CREATE_FEED_DOCUMENT.value
        answer = await self.api.request(
            operation, "POST", f"{FEEDS_ROOT}/documents", json={"contentType": content_type}
        )
        body = _dict(operation, answer, "feedDocumentId", "url")
        return body["feedDocumentId"], body["url"]

    async def upload(self, url: str, content: bytes, content_type: str = CONTENT_TYPE) -> None:
        """PUT with exactly the content type the document was created with, or S3 refuses it."""
        response = await self._transfer(
            UPLOAD, "PUT", url, content=content, headers={"content-type": content_type}
        )
        if response.status_code >= 300:
            raise AmazonRequestRejected(UPLOAD, "upload refused", status=response.status_code)

    async def create_feed(
        self, feed_type: str, marketplace_ids: list[str], document_id: str
    ) -> str:
        operation = Operation.CREATE_FEED.value
        spec = {
            "feedType": feed_type,
            "marketplaceIds": marketplace_ids,
            "inputFeedDocumentId": document_id,
        }
        answer = await self.api.request(operation, "POST", f"{FEEDS_ROOT}/feeds", json=spec)
        feed_id: str = _dict(operation, answer, "feedId")["feedId"]
        return feed_id

    async def get_feed(self, feed_id: str) -> dict[str, Any]:
        operation = Operation.GET_FEED.value
        path = f"{FEEDS_ROOT}/feeds/{quote(feed_id, safe='')}"
        answer = await self.api.request(operation, "GET", path)
        return _dict(operation, answer, "feedId", "processingStatus")

    async def get_feed_document(self, document_id: str) -> tuple[str, str | None]:
        """The download URL and its compression (GZIP or None)."""
        operation = Operation.GET_FEED_DOCUMENT.value
        path = f"{FEEDS_ROOT}/documents/{quote(document_id, safe='')}"
        answer = await self.api.request(operation, "GET", path)
        body = _dict(operation, answer, "url")
        return body["url"], body.get("compressionAlgorithm")

    async def download(self, url: str, compression: str | None = None) -> bytes:
        response = await self._transfer(DOWNLOAD, "GET", url)
        if response.status_code >= 300:
            raise AmazonRequestRejected(DOWNLOAD, "download refused", status=response.status_code)
        if compression == "GZIP":
            return gzip.decompress(response.content)
        return response.content

    async def upload_document(self, content: bytes, content_type: str) -> str:
        """createFeedDocument and the upload: the document id, submitted to nothing yet."""
        document_id, url = await self.create_feed_document(content_type)
        await self.upload(url, content, content_type)
        return document_id

    async def submit_listings_feed(self, feed: ListingsFeed, marketplace_ids: list[str]) -> str:
        """Create, upload and submit one feed; its id. Only createFeed submits: a failure before
        it leaves nothing at Amazon but an unused document."""
        document_id, url = await self.create_feed_document()
        await self.upload(url, feed.content())
        return await self.create_feed(FEED_TYPE, marketplace_ids, document_id)

    async def feed_result(self, feed_id: str) -> FeedResult | None:
        """One getFeed: None while Amazon is still processing; the processing report once it is
        DONE. FATAL or CANCELLED raises AmazonFeedFailed naming the feed, since Amazon may have
        applied part of it."""
        feed = await self.get_feed(feed_id)
        status = feed["processingStatus"]
        if status not in TERMINAL:
            return None
        result_id = feed.get("resultFeedDocumentId")
        if status != "DONE" or not isinstance(result_id, str):
            raise AmazonFeedFailed(Operation.GET_FEED.value, feed_id, status)
        report_url, compression = await self.get_feed_document(result_id)
        report = parse_processing_report(await self.download(report_url, compression))
        return FeedResult(feed_id, status, report)

    async def _transfer(
        self, operation: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response:
        return await presigned_transfer(self.http, operation, method, url, **kwargs)
