"""What a channel or warehouse module tells the rest of consign, so that worker.py, config.py,
the activities and the webhook app iterate over modules instead of naming channels.

A module is a kind of channel (Amazon, Centra) or warehouse (GXO); the account it serves is
read from its settings. Every task-queue name and activity a module lists here appears in
stored workflow histories: keep them as they are (docs/adding-a-channel.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, SecretStr

from config import Settings
from domain.limits import IntakeLimits
from domain.order import OrderChange
from domain.products import ProductSyncPolicy
from domain.setaside import SetAsideRecord
from domain.warehouse import FeedEvent
from integrations.accounts import AccountFields
from integrations.channel import (
    ChannelPort,
    ProductPort,
    ReturnPort,
    SettlementPort,
    StockPort,
)
from integrations.gxo.port import WarehousePort

S = TypeVar("S", bound=BaseModel)

# A channel's own push feed read by the worker (Amazon's ORDER_CHANGE queue): given `notify`
# (hands named orders, and how they changed where the feed says so, to the account's intake;
# raises when Temporal did not take them) and `set_aside` (stores records consign cannot
# read), it reads until cancelled.
Notify = Callable[[list[str], list[OrderChange]], Awaitable[None]]
SetAside = Callable[[list[SetAsideRecord]], Awaitable[None]]
Listener = Callable[[Notify, SetAside], Coroutine[Any, Any, None]]


class Operation(StrEnum):
    """The channel activities a module may send to a rate-limited queue of its own."""

    FETCH = "fetch"  # fetch_channel_order
    POLL = "poll"  # poll_channel_changes
    ACK = "ack"  # ack_channel_changes
    CONFIRM = "confirm"  # confirm_parcel
    CHECK_CAPTURE = "check_capture"  # settle_capture, reading only
    CAPTURE_AGAIN = "capture_again"  # settle_capture, an operator's retry: it writes
    STOCK_READ = "stock_read"  # read_back_stock
    STOCK_PUSH = "stock_push"  # push_stock
    SETTLEMENT_LIST = "settlement_list"  # list_settlement_reports
    SETTLEMENT_FETCH = "settlement_fetch"  # store_settlement_report
    PRODUCT_READ = "product_read"  # read_channel_products


def product_sync_policy(
    on: bool, minutes: float, item_codes_from_products: bool, since: datetime | None
) -> ProductSyncPolicy | None:
    """A module's `product_sync` from its settings: None while the brand keeps it off."""
    if not on:
        return None
    return ProductSyncPolicy(
        interval_minutes=minutes, item_codes_from_products=item_codes_from_products, since=since
    )


@dataclass(frozen=True)
class LimitedQueue:
    """A task queue whose server-side activity rate limit holds across every worker."""

    name: str
    operations: frozenset[Operation]
    # Operations no longer sent here whose activities the queue still runs: those a workflow
    # scheduled on it before the move (a task queue is not part of replay).
    drains: frozenset[Operation] = frozenset()


@dataclass(frozen=True)
class OpenedPorts:
    """A channel account's order port and, where consign sets its stock, its stock port;
    where the channel pays out in settlement reports, its settlement port; where it masters
    product data, its product port; where it authorises returns, its return port."""

    orders: ChannelPort
    stock: StockPort | None = None
    settlements: SettlementPort | None = None
    products: ProductPort | None = None
    returns: ReturnPort | None = None


@dataclass(frozen=True, kw_only=True)
class Webhook(Generic[S]):
    """A route the webhook app serves for a module: the path, the header carrying the shared
    `t=<unix>,v1=<hex>` signature (integrations/signatures.py) and the secret that signs it."""

    path: str
    signature_header: str
    secret: Callable[[S], SecretStr]


@dataclass(frozen=True, kw_only=True)
class ChannelWebhook(Webhook[S]):
    """A push naming changed orders: `parse` returns their ids (ValueError: malformed); the
    webhook app hands them to the account's ChannelIntake."""

    parse: Callable[[bytes], list[str]]


@dataclass(frozen=True, kw_only=True)
class Module(Generic[S]):
    name: str  # stored in histories and the store ("amazon"): never change it
    title: str  # for people: "Amazon"
    settings_model: type[S]
    read_settings: Callable[[], S]  # from the environment; a SettingsError names the variable

    def settings_of(self, settings: Settings) -> S:
        """This module's block of `settings`, typed."""
        value = settings.modules.get(self.name)
        if not isinstance(value, self.settings_model):
            raise LookupError(f"no {self.title} settings in these settings")
        return value


@dataclass(frozen=True, kw_only=True)
class WarehouseWebhook(Webhook[S]):
    """Pushed warehouse events: `read(body, max_parcels, channels)` returns the event, or the
    record set aside when a verified body cannot be acted on (or names another channel)."""

    read: Callable[[bytes, int, Collection[str]], FeedEvent | SetAsideRecord]


@dataclass(frozen=True, kw_only=True)
class ChannelModule(Module[S]):
    """A sales channel. Capability flags say what the domain rules need to know about it."""

    account: Callable[[S], str]  # the account the settings name: OrderRef.account
    # How an accounts-file entry fills the settings (integrations/accounts.py).
    account_fields: AccountFields
    open_ports: Callable[[S, contextlib.AsyncExitStack], Awaitable[OpenedPorts]]  # closed with it
    limited_queues: tuple[LimitedQueue, ...] = ()
    # Activities per second on each limited queue, given the account's settings and port.
    rates: Callable[[S, ChannelPort], Mapping[str, float]] = field(default=lambda s, p: {})
    confirm_operation: str  # the channel call a parcel's confirmation is audited as
    # One cheap authenticated call, at worker start: what it proved, or a typed error.
    check_credentials: Callable[[OpenedPorts], Awaitable[str]]
    syncs_stock: Callable[[S], bool] = field(default=lambda settings: True)
    sweep_every_polls: Callable[[S], int] = field(default=lambda settings: 0)
    # The shortest poll interval the channel's change search allows (its usage plan): the
    # intake's own timer keeps to it, not a rate-limited task queue.
    min_poll_seconds: Callable[[S], float] = field(default=lambda settings: 0.0)
    # The worker's reader of the channel's push feed, when the settings turn one on.
    listener: Callable[[S], Listener | None] = field(default=lambda settings: None)
    # Where the channel's product data goes to GXO and the brand wants it there (ProductSync).
    product_sync: Callable[[S], ProductSyncPolicy | None] = field(default=lambda settings: None)
    # The channel masters product data (Centra, the PIM): another channel's product sync
    # (Amazon's listings) leaves a SKU this channel has to it, whether or not it syncs.
    masters_products: bool = False
    webhook: ChannelWebhook[S] | None = None
    # The channel files settlement reports (OpenedPorts.settlements): a SettlementIntake runs
    # on a Schedule per account.
    files_settlements: bool = False
    # The channel authorises returns (OpenedPorts.returns): a ReturnIntake runs per account.
    takes_returns: bool = False

    def queue_for(self, operation: Operation) -> str | None:
        """The limited queue `operation` runs on; None: the worker's main queue."""
        return next((q.name for q in self.limited_queues if operation in q.operations), None)


@dataclass(frozen=True, kw_only=True)
class WarehouseModule(Module[S]):
    """The 3PL warehouse: its facilities, its port and its pushed events' route."""

    facilities: Callable[[S], list[str]]
    # (settings, limits, the channel names consign runs) -> the port
    build: Callable[[S, IntakeLimits, Collection[str]], WarehousePort]
    # One cheap authenticated call on a facility, at worker start: what it proved.
    check_credentials: Callable[[WarehousePort, str], Awaitable[str]]
    webhook: WarehouseWebhook[S]
