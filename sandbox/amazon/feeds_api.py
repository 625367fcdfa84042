"""Feeds API 2021-06-30 routes, plus the pre-signed document URLs they hand out.

Amazon's document URLs point at S3; here they point back at the sandbox
(`{base}/_sandbox/uploads/{id}`): PUT stores a feed document, GET returns a document (a feed's
input or its processing report). Like S3, those URLs take no access token."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.guard import operation
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import to_wire
from sandbox.amazon.usage_plans import (
    CREATE_FEED,
    CREATE_FEED_DOCUMENT,
    GET_FEED,
    GET_FEED_DOCUMENT,
)

ROOT = "/feeds/2021-06-30"
UPLOADS = "/_sandbox/uploads"


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise SpApiError(400, "The request body is not JSON") from None


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter()

    def url(request: Request, document_id: str) -> str:
        return f"{str(request.base_url).rstrip('/')}{UPLOADS}/{document_id}"

    @api.post(f"{ROOT}/documents", status_code=201)
    async def create_feed_document(
        request: Request, seller: str = Depends(operation(sandbox, CREATE_FEED_DOCUMENT))
    ) -> dict[str, Any]:
        body = _json(await request.body())
        content_type = body.get("contentType") if isinstance(body, dict) else None
        if not isinstance(content_type, str) or not content_type:
            raise SpApiError(400, "contentType is required")
        with sandbox.lock:
            document = sandbox.feeds.create_document(content_type)
        return {"feedDocumentId": document.document_id, "url": url(request, document.document_id)}

    @api.post(f"{ROOT}/feeds", status_code=202)
    async def create_feed(
        request: Request, seller: str = Depends(operation(sandbox, CREATE_FEED))
    ) -> dict[str, Any]:
        feed = sandbox.create_feed(seller, _json(await request.body()))
        return {"feedId": feed.feed_id}

    @api.get(f"{ROOT}/feeds/{{feedId}}")
    async def get_feed(
        feedId: str,
        seller: str = Depends(operation(sandbox, GET_FEED)),
    ) -> dict[str, Any]:
        with sandbox.lock:
            feed = sandbox.feeds.feeds.get(feedId)
            if feed is None or feed.seller_id != seller:
                raise SpApiError(404, f"Feed {feedId} was not found")
            return feed.render(to_wire)

    @api.get(f"{ROOT}/documents/{{feedDocumentId}}")
    async def get_feed_document(
        feedDocumentId: str,
        request: Request,
        seller: str = Depends(operation(sandbox, GET_FEED_DOCUMENT)),
    ) -> dict[str, Any]:
        with sandbox.lock:
            if feedDocumentId not in sandbox.feeds.documents:
                raise SpApiError(404, f"Feed document {feedDocumentId} was not found")
        return {"feedDocumentId": feedDocumentId, "url": url(request, feedDocumentId)}

    @api.put(f"{UPLOADS}/{{document_id}}")
    async def upload(document_id: str, request: Request) -> Response:
        """S3 refuses a content type other than the one the document was created with."""
        content = await request.body()
        with sandbox.lock:
            document = sandbox.feeds.documents.get(document_id)
            if document is None:
                return Response(status_code=404)
            if request.headers.get("content-type", "").lower() != document.content_type.lower():
                return Response(status_code=403)
            document.content = content
        return Response(status_code=200)

    @api.get(f"{UPLOADS}/{{document_id}}")
    async def download(document_id: str) -> Response:
        with sandbox.lock:
            document = sandbox.feeds.documents.get(document_id)
            if document is None or document.content is None:
                return JSONResponse({"error": "NoSuchKey"}, status_code=404)
            return Response(document.content, media_type=document.content_type)

    return api
