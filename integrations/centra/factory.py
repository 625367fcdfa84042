"""Builds the Centra channel the activities layer holds: one client and connection pool per
worker process, so the event-listener registration is cached for the process too."""

from __future__ import annotations

from datetime import timedelta

import httpx

from integrations.centra.client import CentraClient
from integrations.centra.port import CentraChannel
from integrations.centra.settings import CentraSettings
from integrations.centra.stock import CentraStock


def build_centra_channel(
    settings: CentraSettings, *, http: httpx.AsyncClient | None = None
) -> CentraChannel:
    """`http` lets tests inject an httpx.MockTransport; without it the client owns its pool
    (close it with `channel.client.aclose()`)."""
    url = settings.base_url.strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError("CENTRA_API_URL must be an http(s) URL ending in /graphql")
    client = CentraClient(url, settings.token, http)
    return CentraChannel(
        client,
        settings.account,
        dispatch_sla=timedelta(hours=settings.dispatch_sla_hours),
        capture_mode=settings.capture_mode,
        product_events=settings.product_sync,
    )


def build_centra_stock(settings: CentraSettings, client: CentraClient) -> CentraStock:
    """Shares the channel's client (one pool, one token); fails at build time, not at the first
    push, when CENTRA_WAREHOUSE_ID is missing."""
    return CentraStock(client, settings.account, settings.warehouse_id)
