"""Amazon Seller Central as a channel module: everything the worker, the activities and the
workflows need to know about it, in one object (integrations/module.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import timedelta

from integrations.accounts import AccountFields
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.order_notifications import NotificationReader, sqs_client
from integrations.amazon.pacing import MARGIN
from integrations.amazon.port import AmazonChannel
from integrations.amazon.products import AmazonProducts
from integrations.amazon.returns import AmazonReturns
from integrations.amazon.settings import (
    CHANNEL,
    AmazonSettings,
    OrdersReader,
    read_amazon_settings,
)
from integrations.amazon.settlement.port import AmazonSettlements
from integrations.amazon.stock import build_amazon_stock
from integrations.amazon.usage_plans import Operation as SpApi
from integrations.amazon.usage_plans import task_queue_rate, usage_plan
from integrations.channel import ChannelPort
from integrations.module import (
    ChannelModule,
    LimitedQueue,
    Listener,
    Notify,
    OpenedPorts,
    Operation,
    SetAside,
    product_sync_policy,
)

# One queue per rate-limited SP-API operation. The names are in stored histories: keep them.
SEARCH_ORDERS = "amazon-searchOrders"
GET_ORDER = "amazon-getOrder"
CONFIRM_SHIPMENT = "amazon-confirmShipment"
GET_REPORTS = "amazon-getReports"  # settlement reports listed
GET_REPORT_DOCUMENT = "amazon-getReportDocument"  # a settlement's link fetched and downloaded


async def _open_ports(settings: AmazonSettings, stack: contextlib.AsyncExitStack) -> OpenedPorts:
    client = await stack.enter_async_context(build_amazon_client(settings))
    every = timedelta(minutes=settings.returns_report_minutes)
    products = None
    if settings.product_sync:
        marketplace = settings.marketplace_ids[0]
        products = AmazonProducts(client.api, settings.seller_id, marketplace)
    return OpenedPorts(
        orders=AmazonChannel(client),
        stock=build_amazon_stock(client),
        settlements=AmazonSettlements(client.reports),
        products=products,
        returns=AmazonReturns(client, report_every=every),
    )


async def _check_credentials(ports: OpenedPorts) -> str:
    """A fresh LWA token exchange proves the app's client id and secret and the seller's
    refresh token (Amazon's own errors name which one was refused)."""
    port = ports.orders
    if not isinstance(port, AmazonChannel):
        raise TypeError(f"{type(port).__name__} is not an Amazon port")
    port.client.lwa.invalidate()
    await port.client.lwa.access_token()
    return "LWA token exchange accepted"


def _rates(settings: AmazonSettings, port: ChannelPort) -> Mapping[str, float]:
    """Amazon's usage plan per operation (the configured reader's), times AMAZON_RATE_SCALE."""
    if not isinstance(port, AmazonChannel):
        raise TypeError(f"{type(port).__name__} is not an Amazon port")
    reader, scale = port.client.reader, settings.rate_scale
    return {
        GET_ORDER: task_queue_rate(reader.get_order_operation, scale),
        SEARCH_ORDERS: task_queue_rate(reader.search_operation, scale),
        CONFIRM_SHIPMENT: task_queue_rate(SpApi.CONFIRM_SHIPMENT, scale),
        GET_REPORTS: task_queue_rate(SpApi.GET_REPORTS, scale),
        GET_REPORT_DOCUMENT: task_queue_rate(SpApi.GET_REPORT_DOCUMENT, scale),
    }


def _min_poll_seconds(settings: AmazonSettings) -> float:
    """One change search per refill of its usage plan (searchOrders: 0.0056/s, about 3
    minutes at rate scale 1): the intake's timer paces the polls, and a backlog's pages use the
    plan's burst (the client's pacer, pacing.py) instead of waiting in a rate-limited queue."""
    v0 = settings.orders_reader.strip().lower() == OrdersReader.V0
    plan = usage_plan(SpApi.V0_GET_ORDERS if v0 else SpApi.SEARCH_ORDERS)
    return 1.0 / (plan.rate * settings.rate_scale * MARGIN)


def _listener(settings: AmazonSettings) -> Listener | None:
    """The ORDER_CHANGE queue reader, when AMAZON_NOTIFICATIONS_QUEUE_URL names a queue."""
    if not settings.notifications:
        return None

    async def listen(notify: Notify, set_aside: SetAside) -> None:
        sqs = sqs_client(settings.sqs_region, settings.sqs_endpoint)
        reader = NotificationReader(
            sqs,
            settings.notifications_queue_url,
            settings.seller_id,
            notify,
            set_aside,
            wait_seconds=settings.sqs_wait_seconds,
        )
        await reader.run()

    return listen


AMAZON = ChannelModule(
    name=CHANNEL,
    title="Amazon",
    settings_model=AmazonSettings,
    read_settings=read_amazon_settings,
    account=lambda settings: settings.seller_id,
    # One LWA app serves every seller (client id and secret inherited unless named); each
    # seller authorised it with a refresh token of its own, and reads its own notifications.
    account_fields=AccountFields(
        account="seller_id",
        secrets=frozenset({"client_secret", "refresh_token"}),
        own=frozenset({"refresh_token", "notifications_queue_url"}),
        marketplaces="marketplace_ids",
    ),
    open_ports=_open_ports,
    limited_queues=(
        # getOrder runs on the main queue, paced in the client (pacing.py: the plan's burst of
        # 30, then 0.5/s): the 0.5/s task-queue limit held every order's first read 3.8-4.9 s
        # even with the plan's bucket full (bench/latency.py). The queue stays for activities
        # already scheduled on it.
        LimitedQueue(GET_ORDER, frozenset(), drains=frozenset({Operation.FETCH})),
        # Polls run on the main queue, paced by the intake's timer (min_poll_seconds): a
        # sub-1/s server-side limit delayed the first search by several intervals. The queue
        # stays for activities already scheduled on it.
        LimitedQueue(SEARCH_ORDERS, frozenset(), drains=frozenset({Operation.POLL})),
        LimitedQueue(CONFIRM_SHIPMENT, frozenset({Operation.CONFIRM})),
        LimitedQueue(GET_REPORTS, frozenset({Operation.SETTLEMENT_LIST})),
        LimitedQueue(GET_REPORT_DOCUMENT, frozenset({Operation.SETTLEMENT_FETCH})),
    ),
    rates=_rates,
    confirm_operation="confirmShipment",
    check_credentials=_check_credentials,
    files_settlements=True,
    min_poll_seconds=_min_poll_seconds,
    listener=_listener,
    # MFN returns from the returns report, refunds by the order-adjustment feed (returns.py).
    takes_returns=True,
    # Listings of the SKUs only Amazon sells (products.py): a SKU a channel that masters
    # product data (Centra) has is left to it. searchListingsItems runs on the main queue,
    # paced in the client (5/s, burst 5), as the inventory read-back's listings reads do.
    product_sync=lambda settings: product_sync_policy(
        settings.product_sync,
        settings.product_sync_minutes,
        settings.item_codes_from_listings,
        settings.product_sync_since,
    ),
)
