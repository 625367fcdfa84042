"""Centra as a channel module: everything the worker, the activities, the workflows and the
webhook app need to know about it, in one object (integrations/module.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from integrations.accounts import AccountFields
from integrations.centra.documents import RATE_LIMITS
from integrations.centra.factory import build_centra_channel, build_centra_stock
from integrations.centra.port import CentraChannel
from integrations.centra.products import CentraProducts
from integrations.centra.quota import CentraQueue, queue_rates
from integrations.centra.returns import CentraReturns
from integrations.centra.settings import CHANNEL, CentraSettings, read_centra_settings
from integrations.centra.webhook import PATH, SIGNATURE_HEADER, parse_webhook
from integrations.channel import ChannelPort
from integrations.module import (
    ChannelModule,
    ChannelWebhook,
    LimitedQueue,
    OpenedPorts,
    Operation,
    product_sync_policy,
)


async def _open_ports(settings: CentraSettings, stack: contextlib.AsyncExitStack) -> OpenedPorts:
    channel = build_centra_channel(settings)
    stack.push_async_callback(channel.client.aclose)
    stock = None
    if settings.warehouse_id is not None:
        stock = build_centra_stock(settings, channel.client)
    products = CentraProducts(channel.client) if settings.product_sync else None
    returns = CentraReturns(channel.client, settings.account)
    return OpenedPorts(orders=channel, stock=stock, products=products, returns=returns)


async def _check_credentials(ports: OpenedPorts) -> str:
    """The rateLimits query needs no permission but a valid token (an expired one is 401)."""
    port = ports.orders
    if not isinstance(port, CentraChannel):
        raise TypeError(f"{type(port).__name__} is not a Centra port")
    await port.client.execute(RATE_LIMITS, {}, "rateLimits")
    return "API token accepted (rateLimits)"


def _rates(settings: CentraSettings, port: ChannelPort) -> Mapping[str, float]:
    return {queue.value: rate for queue, rate in queue_rates(scale=settings.rate_scale).items()}


CENTRA = ChannelModule(
    name=CHANNEL,
    title="Centra",
    settings_model=CentraSettings,
    read_settings=read_centra_settings,
    account=lambda settings: settings.account,
    # A store is its own Centra instance: its own endpoint, token and webhook secret.
    account_fields=AccountFields(
        account="account",
        secrets=frozenset({"token", "webhook_secret"}),
        own=frozenset({"base_url", "token", "webhook_secret", "product_sync_since"}),
    ),
    open_ports=_open_ports,
    # Centra meters requests and mutations per instance: its activities share three queues
    # (quota.py). The names are in stored histories: keep them.
    limited_queues=(
        LimitedQueue(
            CentraQueue.READS.value,
            frozenset(
                {
                    Operation.FETCH,
                    Operation.POLL,
                    Operation.STOCK_READ,
                    Operation.CHECK_CAPTURE,
                    Operation.PRODUCT_READ,
                }
            ),
        ),
        LimitedQueue(CentraQueue.SHIPMENTS.value, frozenset({Operation.CONFIRM})),
        LimitedQueue(
            CentraQueue.WRITES.value,
            frozenset({Operation.ACK, Operation.STOCK_PUSH, Operation.CAPTURE_AGAIN}),
        ),
    ),
    rates=_rates,
    confirm_operation="createShipment/completeShipment",
    check_credentials=_check_credentials,
    syncs_stock=lambda settings: settings.warehouse_id is not None,
    sweep_every_polls=lambda settings: settings.sweep_every_polls,
    product_sync=lambda settings: product_sync_policy(
        settings.product_sync,
        settings.product_sync_minutes,
        settings.item_codes_from_products,
        settings.product_sync_since,
    ),
    takes_returns=True,
    masters_products=True,
    webhook=ChannelWebhook(
        path=PATH,
        signature_header=SIGNATURE_HEADER,
        secret=lambda settings: settings.webhook_secret,
        parse=parse_webhook,
    ),
)
