"""The Centra client's tests run against the sandbox, which executes Centra's documented schema:
`Harness` wires a CentraChannel and CentraStock to it over httpx's ASGI transport, through a
transport that can lose the response of a named operation after the sandbox processed it (the
retry consign must survive). `documented_order` is an order as OrdersByNumber reads it, for the
pure normalisation tests."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from domain.inventory import StockSubmission
from integrations.centra.client import CentraClient
from integrations.centra.port import CentraChannel
from integrations.centra.settings import CaptureMode
from integrations.centra.stock import CentraStock
from sandbox.centra.app import create_app
from sandbox.centra.catalogue import WAREHOUSE
from sandbox.centra.generator import LineSpec, OrderSpec
from sandbox.centra.ratelimits import published_quotas
from sandbox.centra.state import CentraSandbox
from sandbox.centra.tokens import ALL_PERMISSIONS

URL = "https://brand.centra.test/graphql"
TOKEN = "centra-test-token-123"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
OPERATION = re.compile(r"\b(?:query|mutation)\s+(\w+)")

Json = dict[str, Any]


class SandboxTransport(httpx.AsyncBaseTransport):
    """The sandbox app, counting operations; `lose` names operations whose next response is
    lost after the sandbox processed the request."""

    def __init__(self, sandbox: CentraSandbox) -> None:
        self.inner = httpx.ASGITransport(app=create_app(sandbox))
        self.lose: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.operations: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        found = OPERATION.search(body.get("query", ""))
        operation = found.group(1) if found else "?"
        self.calls[operation] += 1
        self.operations.append(operation)
        response = await self.inner.handle_async_request(request)
        if operation in self.lose:
            self.lose.discard(operation)
            await response.aread()
            raise httpx.ReadTimeout("response lost", request=request)
        return response


class Harness:
    def __init__(
        self,
        mode: CaptureMode = CaptureMode.CAPTURE,
        token: str = TOKEN,
        permissions: frozenset[str] = ALL_PERMISSIONS,
        **sandbox: Any,
    ) -> None:
        self.now = NOW
        sandbox.setdefault("quotas", published_quotas(100))
        self.sandbox = CentraSandbox(
            clock=lambda: self.now,
            tokens={TOKEN: ALL_PERMISSIONS, "limited": permissions},
            **sandbox,
        )
        self.transport = SandboxTransport(self.sandbox)
        self.client = CentraClient(
            URL, SecretStr(token), httpx.AsyncClient(transport=self.transport)
        )
        self.channel = CentraChannel(
            self.client,
            "brand-eu",
            dispatch_sla=timedelta(hours=48),
            capture_mode=mode,
            page_size=2,
            clock=lambda: self.now,
        )
        self.stock = CentraStock(self.client, "brand-eu", WAREHOUSE.id)

    def order(self, number: int, *lines: tuple[str, int], **spec: Any) -> None:
        wanted = lines or (("JKT100BLKM", 2), ("TEE200WHTS", 1))
        self.sandbox.create(
            [
                OrderSpec(
                    number=number,
                    lines=[LineSpec(SKU=sku, quantity=qty) for sku, qty in wanted],
                    shipping_option=spec.pop("shipping_option", "Express EU"),
                    created_at=spec.pop("created_at", NOW - timedelta(hours=1)),
                    **spec,
                )
            ]
        )

    def line_ids(self, number: int) -> list[str]:
        return [str(line.id) for line in self.sandbox.order(number).lines]


def documented_order(**changes: Any) -> Json:
    """A CONFIRMED, clear order in the shape ORDERS_BY_NUMBER reads (documented field names:
    money objects, EAN, quantity without cancelled units, two phone fields)."""
    order: Json = {
        "id": "05ac658a8e815571fdba2984eb358932",
        "number": 1001,
        "status": "CONFIRMED",
        "isOnHold": False,
        "orderHoldReason": None,
        "createdAt": "2025-03-10T09:00:00+01:00",
        "updatedAt": "2025-03-10T10:30:00+01:00",
        "grandTotal": {"value": 1398.5, "currency": {"code": "SEK"}},
        "shippingAddress": {
            "firstName": "Astrid",
            "lastName": "Lind",
            "companyName": None,
            "address1": "Storgatan 1",
            "address2": "lgh 1201",
            "city": "Stockholm",
            "zipCode": "111 22",
            "stateOrProvince": None,
            "country": {"code": "se"},
            "phoneNumber": "+46700000000",
            "cellPhoneNumber": None,
            "email": "astrid@example.com",  # never selected by consign; never read either
        },
        "shippingPriceGroup": {"shippingOption": {"id": 3, "name": "Express"}},
        "lines": [
            {
                "id": 11,
                "quantity": 2,
                "cancelledQuantity": 0,
                "productName": "Tee",
                "productSize": {"SKU": "Prod123Var123789S", "EAN": "7350000000011"},
                "unitPrice": {"value": 249.5, "currency": {"code": "SEK"}},
            },
            {
                "id": 12,
                "quantity": 0,
                "cancelledQuantity": 1,
                "productName": "Cap",
                "productSize": {"SKU": "Prod200Var1OS", "EAN": None},
                "unitPrice": {"value": 99, "currency": {"code": "SEK"}},
            },
        ],
    }
    order.update(changes)
    return order


async def answered_at_once(submission: StockSubmission) -> None:
    """Centra answers every SKU of a push at once: it never hands a submission over."""
    raise AssertionError(f"Centra submitted {submission.submission} for later")
