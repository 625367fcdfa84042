"""Feeds in the sandbox: documents uploaded to pre-signed URLs, feeds moving IN_QUEUE ->
IN_PROGRESS -> DONE (or FATAL), and JSON_LISTINGS_FEED processing reports as Amazon writes them.

An uploaded document is checked against Amazon's published JSON_LISTINGS_FEED schema, read from
the vendored reference at startup: a document that is not JSON, or whose header or message list
breaks the schema, makes the feed FATAL; a message that breaks it, names an unknown SKU or
carries a bad patch becomes an ERROR issue of that message, and the other messages apply.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.listings import ListingsBook, Problem, patch_problems, structural_patches
from sandbox.reference import reference_dir

FEED_TYPE = "JSON_LISTINGS_FEED"
ADJUSTMENT_FEED = "POST_PAYMENT_ADJUSTMENT_DATA"  # XML OrderAdjustment (sandbox/amazon/returns.py)
XML_REPORT_TYPE = "text/xml; charset=UTF-8"  # the XML processing report's type: unverified
# An order-adjustment document -> its XML processing report (None: not an envelope, FATAL).
Adjuster = Callable[["Feed", bytes | None, datetime], bytes | None]
FEED_LIMIT = 5  # JSON_LISTINGS_FEED submissions per seller per window
FEED_WINDOW_SECONDS = 300.0
_SCHEMA_FILE = Path("amazon-sp-api") / "schemas" / "feeds" / "listings-feed-schema-v2.json"


def load_feed_schema(path: Path | None = None) -> dict[str, Any]:
    """Fails loudly when the reference is missing: a sandbox that accepted anything would
    hide exactly the feed bugs it exists to catch."""
    source = path or reference_dir() / _SCHEMA_FILE
    schema: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    return schema


class FeedValidators:
    """The document schema split in two: the envelope (header, message count) and one message."""

    def __init__(self, schema: dict[str, Any]) -> None:
        envelope = copy.deepcopy(schema)
        envelope["properties"]["messages"]["items"] = {}
        self.envelope = Draft7Validator(envelope)
        self.message = Draft7Validator(schema["properties"]["messages"]["items"])


@dataclass
class Document:
    document_id: str
    content_type: str
    content: bytes | None = None


@dataclass
class Feed:
    feed_id: str
    seller_id: str
    feed_type: str
    marketplace_ids: list[str]
    input_document_id: str
    created: datetime
    processing_seconds: float  # from createFeed to DONE (the desk's setting at creation)
    status: str = "IN_QUEUE"
    started: datetime | None = None
    ended: datetime | None = None
    result_document_id: str | None = None
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    def render(self, wire: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "feedId": self.feed_id,
            "feedType": self.feed_type,
            "marketplaceIds": self.marketplace_ids,
            "createdTime": wire(self.created),
            "processingStatus": self.status,
        }
        if self.started is not None:
            body["processingStartTime"] = wire(self.started)
        if self.ended is not None:
            body["processingEndTime"] = wire(self.ended)
        if self.result_document_id is not None:
            body["resultFeedDocumentId"] = self.result_document_id
        return body


def _issue(message_id: int | None, sku: str | None, problem: Problem) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "ERROR", "code": problem.code, "message": problem.message}
    if message_id is not None:
        issue["messageId"] = message_id
    if sku:
        issue["sku"] = sku
    if problem.attribute:
        issue["attributeName"] = problem.attribute
    return issue


class FeedDesk:
    """Documents and feeds of every seller. Not locked itself: AmazonSandbox holds its lock."""

    def __init__(self, validators: FeedValidators, processing_seconds: float = 2.0) -> None:
        self.validators = validators
        self.processing_seconds = processing_seconds
        self.documents: dict[str, Document] = {}
        self.feeds: dict[str, Feed] = {}
        self.feed_level_error: Problem | None = None  # the next processed feed fails whole
        self.adjuster: Adjuster | None = None  # set by AmazonSandbox (it knows the orders)
        self._next_feed = 50_001

    def create_document(self, content_type: str) -> Document:
        document = Document(str(uuid.uuid4()), content_type)
        self.documents[document.document_id] = document
        return document

    def recent(self, seller_id: str, now: datetime, window: float) -> int:
        since = now - timedelta(seconds=window)
        return sum(
            1
            for feed in self.feeds.values()
            if feed.seller_id == seller_id and feed.feed_type == FEED_TYPE and feed.created > since
        )

    def create_feed(self, seller_id: str, body: object, now: datetime, window: float) -> Feed:
        if not isinstance(body, dict):
            raise SpApiError(400, "The request body must be a JSON object")
        feed_type, markets = body.get("feedType"), body.get("marketplaceIds")
        document_id = body.get("inputFeedDocumentId")
        if feed_type not in (FEED_TYPE, ADJUSTMENT_FEED):
            raise SpApiError(400, f"Feed type {feed_type!r} is not supported by this sandbox")
        if (
            not isinstance(markets, list)
            or not markets
            or not all(isinstance(m, str) for m in markets)
        ):
            raise SpApiError(400, "marketplaceIds must be a non-empty array of strings")
        if not isinstance(document_id, str) or document_id not in self.documents:
            raise SpApiError(400, f"Feed document {document_id!r} does not exist")
        if self.recent(seller_id, now, window) >= FEED_LIMIT:
            raise SpApiError(429)
        feed = Feed(
            str(self._next_feed),
            seller_id,
            feed_type,
            list(markets),
            document_id,
            now,
            self.processing_seconds,
        )
        self._next_feed += 1
        self.feeds[feed.feed_id] = feed
        return feed

    def tick(self, now: datetime, listings: ListingsBook) -> None:
        """Time-driven progress: half the delay queued, then in progress, then processed."""
        for feed in self.feeds.values():
            if feed.status not in ("IN_QUEUE", "IN_PROGRESS"):
                continue
            age = (now - feed.created).total_seconds()
            if age >= feed.processing_seconds:
                self.process(feed, now, listings)
            elif age >= feed.processing_seconds / 2 and feed.status == "IN_QUEUE":
                feed.status, feed.started = "IN_PROGRESS", now

    def process_all(self, now: datetime, listings: ListingsBook) -> list[Feed]:
        pending = [f for f in self.feeds.values() if f.status in ("IN_QUEUE", "IN_PROGRESS")]
        for feed in pending:
            self.process(feed, now, listings)
        return pending

    def process(self, feed: Feed, now: datetime, listings: ListingsBook) -> None:
        feed.started = feed.started or now
        feed.ended = now
        content = self.documents[feed.input_document_id].content
        if feed.feed_type == ADJUSTMENT_FEED:
            self._adjust(feed, content, now)
            return
        try:
            document = json.loads(content) if content is not None else None
        except (UnicodeDecodeError, ValueError):
            document = None
        if document is None:
            feed.status = "FATAL"
            feed.errors.append("document rejected: not valid JSON")
            return
        envelope = next(self.validators.envelope.iter_errors(document), None)
        if envelope is not None:
            feed.status = "FATAL"
            feed.errors.append(f"document rejected: {envelope.message[:200]}")
            return
        if document["header"]["sellerId"] != feed.seller_id:
            feed.status = "FATAL"
            feed.errors.append("header.sellerId is not the submitting seller")
            return
        if self.feed_level_error is not None:
            report = self._refuse(feed, document, self.feed_level_error)
            self.feed_level_error = None
        else:
            report = self._apply(feed, document, listings)
        result = self.create_document("application/json; charset=UTF-8")
        result.content = json.dumps(report).encode("utf-8")
        feed.result_document_id = result.document_id
        feed.status = "DONE"

    def _adjust(self, feed: Feed, content: bytes | None, now: datetime) -> None:
        report = self.adjuster(feed, content, now) if self.adjuster is not None else None
        if report is None:
            feed.status = "FATAL"
            feed.errors.append("document rejected: not an OrderAdjustment envelope")
            return
        result = self.create_document(XML_REPORT_TYPE)
        result.content = report
        feed.result_document_id = result.document_id
        feed.status = "DONE"

    def _refuse(self, feed: Feed, document: dict[str, Any], problem: Problem) -> dict[str, Any]:
        """A report whose one issue names no message (the processing-report schema: "not
        provided if the error is not related to a message"): nothing of the feed applies."""
        count = len(document["messages"])
        feed.messages = count
        feed.errors.append(f"feed-level issue {problem.code}")
        return {
            "header": {"sellerId": feed.seller_id, "version": "2.0", "feedId": feed.feed_id},
            "issues": [_issue(None, None, problem)],
            "summary": {
                "errors": 1,
                "warnings": 0,
                "messagesProcessed": count,
                "messagesAccepted": 0,
                "messagesInvalid": count,
            },
        }

    def _apply(
        self, feed: Feed, document: dict[str, Any], listings: ListingsBook
    ) -> dict[str, Any]:
        issues: list[dict[str, Any]] = []
        messages = document["messages"]
        accepted = 0
        for message in messages:
            message_id = message.get("messageId") if isinstance(message, dict) else None
            message_id = message_id if isinstance(message_id, int) else None
            sku = message.get("sku") if isinstance(message, dict) else None
            sku = sku if isinstance(sku, str) else None
            problems = self._message_problems(feed, message, listings)
            issues.extend(_issue(message_id, sku, p) for p in problems)
            accepted += not problems
        feed.messages = len(messages)
        header = {"sellerId": feed.seller_id, "version": "2.0", "feedId": feed.feed_id}
        summary = {
            "errors": len(issues),
            "warnings": 0,
            "messagesProcessed": len(messages),
            "messagesAccepted": accepted,
            "messagesInvalid": len(messages) - accepted,
        }
        return {"header": header, "issues": issues, "summary": summary}

    def _message_problems(self, feed: Feed, message: Any, listings: ListingsBook) -> list[Problem]:
        error = next(self.validators.message.iter_errors(message), None)
        if error is not None:
            return [Problem("4000003", f"The message is not valid: {error.message[:200]}")]
        if message["operationType"] != "PATCH":
            return [Problem("4000004", "Only PATCH messages are supported by this sandbox.")]
        try:
            patches = structural_patches(message)
        except SpApiError as exc:
            return [Problem("4000003", exc.message)]
        problems = patch_problems(patches)
        if problems:
            return problems
        return listings.patch(message["sku"], feed.marketplace_ids, message["productType"], patches)
