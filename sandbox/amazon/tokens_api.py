"""Tokens API 2021-03-01: createRestrictedDataToken, called with the LWA access token."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.guard import operation
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.usage_plans import CREATE_RESTRICTED_DATA_TOKEN

PATH = "/tokens/2021-03-01/restrictedDataToken"


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter()

    @api.post(PATH)
    async def create_restricted_data_token(
        request: Request, seller: str = Depends(operation(sandbox, CREATE_RESTRICTED_DATA_TOKEN))
    ) -> dict[str, Any]:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise SpApiError(400, "The request body is not JSON") from None
        with sandbox.lock:
            return sandbox.restricted.issue(seller, body)

    return api
