"""Builds the Amazon facade the activities layer holds: one LWA token cache, one Restricted Data
Token cache, one HTTP connection pool, the configured orders reader, the shipments, listings,
feeds and reports APIs, all per worker process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType

import httpx

from integrations.amazon.client import DEFAULT_TIMEOUT, SpApiClient
from integrations.amazon.feeds import FeedsApi
from integrations.amazon.listings import ListingsApi
from integrations.amazon.lwa import GrantlessTokenProvider, LwaCredentials, LwaTokenProvider
from integrations.amazon.notifications import GRANTLESS_SCOPE, NotificationsApi
from integrations.amazon.orders_v0 import OrdersV0Api, V0OrdersReader
from integrations.amazon.orders_v2026 import OrdersV2026Api, V2026OrdersReader
from integrations.amazon.pacing import UsagePacer
from integrations.amazon.rdt import RestrictedDataTokens
from integrations.amazon.reader import Clock, OrdersReader
from integrations.amazon.reports import ReportsApi
from integrations.amazon.settings import AmazonSettings
from integrations.amazon.shipments import ShipmentsApi
from integrations.amazon.wire_time import utc_now

READERS = ("v2026", "v0")


@dataclass
class AmazonClient:
    """Everything consign calls on one Amazon seller account."""

    account: str  # the seller id: OrderRef.account of every order read
    marketplace_ids: list[str]
    lwa: LwaTokenProvider
    rdt: RestrictedDataTokens
    api: SpApiClient
    reader: OrdersReader
    shipments: ShipmentsApi
    listings: ListingsApi
    feeds: FeedsApi
    reports: ReportsApi
    notifications: NotificationsApi
    _http: httpx.AsyncClient | None = field(default=None, repr=False)  # owned: closed by aclose

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def __aenter__(self) -> AmazonClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _reader(
    settings: AmazonSettings, api: SpApiClient, rdt: RestrictedDataTokens, clock: Clock
) -> V2026OrdersReader | V0OrdersReader:
    choice = settings.orders_reader.strip().lower()
    account, markets = settings.seller_id, settings.marketplace_ids
    settle = timedelta(seconds=settings.search_settle_seconds)
    if choice == "v2026":
        api_2026 = OrdersV2026Api(api, clock=clock)
        return V2026OrdersReader(api_2026, account, markets, clock=clock, settle=settle)
    if choice == "v0":
        api_v0 = OrdersV0Api(api, rdt, clock=clock)
        return V0OrdersReader(api_v0, account, markets, clock=clock, settle=settle)
    raise ValueError(f"AMAZON_ORDERS_READER must be one of {READERS}, not {choice!r}")


def build_amazon_client(
    settings: AmazonSettings,
    *,
    http: httpx.AsyncClient | None = None,
    clock: Clock = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    pacer: UsagePacer | None = None,
) -> AmazonClient:
    """`http` lets tests inject an httpx.MockTransport; when given, the caller closes it.
    `pacer` defaults to Amazon's usage plans at the settings' rate scale, on `monotonic`."""
    owned = None
    if http is None:
        http = owned = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
    credentials = LwaCredentials(
        token_url=settings.lwa_endpoint,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        refresh_token=settings.refresh_token,
    )
    lwa = LwaTokenProvider(credentials, http, clock=monotonic)
    pacer = pacer or UsagePacer(settings.rate_scale, clock=monotonic)
    api = SpApiClient(settings.endpoint, lwa, http, pacer=pacer)
    rdt = RestrictedDataTokens(api, clock=monotonic)
    return AmazonClient(
        account=settings.seller_id,
        marketplace_ids=list(settings.marketplace_ids),
        lwa=lwa,
        rdt=rdt,
        api=api,
        reader=_reader(settings, api, rdt, clock),
        shipments=ShipmentsApi(api),
        listings=ListingsApi(api, settings.seller_id),
        feeds=FeedsApi(api, http),
        reports=ReportsApi(api, http),
        notifications=NotificationsApi(
            api, GrantlessTokenProvider(credentials, http, GRANTLESS_SCOPE, clock=monotonic)
        ),
        _http=owned,
    )
