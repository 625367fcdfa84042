"""The contract both Amazon order readers (v2026-01-01 default, v0 fallback) fulfil, and the
scan window they share.

Change scans are page-at-a-time on purpose: searchOrders is metered at 0.0056 requests/s, so
each page is one rate-limited activity and the intake workflow carries the page token between
them. Every page of one scan asks Amazon the same question: the window's upper bound (now minus
Amazon's two-minute settling rule) is fixed on the first page and travels inside our opaque page
token together with Amazon's.

An order in a page that cannot be read (a status consign does not know, a malformed entry) is
set aside with its raw JSON (domain/setaside.py); the others are handed on and the cursor moves.

A page token is sent again as it is when a page must be retried (the intake retries the same
activity input after a failure), and Amazon answers the same page: nothing is skipped and the
scan does not restart. Only when Amazon refuses the token (400: it expires after 24 hours, e.g.
after a long outage) does the scan start again from its cursor, which has not moved since the
scan began, so re-reading is harmless and nothing is lost.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from domain.order import ChannelOrder, OrderChange
from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord, record_id
from integrations.amazon.errors import (
    AmazonBadResponse,
    AmazonRequestRejected,
    AmazonUnknownValue,
)
from integrations.amazon.usage_plans import Operation
from integrations.amazon.wire import Json
from integrations.amazon.wire_time import (
    MIN_BEFORE_AGE,
    clamp_before,
    format_utc,
    parse_utc,
    to_utc,
    utc_now,
)
from integrations.channel import ChangePage

Clock = Callable[[], datetime]
SYSTEM = "amazon"
DEFAULT_OVERLAP = timedelta(minutes=1)
MAX_PAGE_SIZE = 100  # both versions allow 1-100 orders per page
_SEPARATOR = "|"


class OrdersReader(Protocol):
    """What the activities layer reads orders through, whichever Orders API version is used."""

    search_operation: Operation  # the rate-limited operation search_changes spends
    get_order_operation: Operation  # ... and get_order (v0 also calls items and address)

    async def search_changes(self, since: datetime, page_token: str | None) -> ChangePage: ...

    async def get_order(self, order_id: str) -> ChannelOrder: ...


@dataclass(frozen=True)
class ScanWindow:
    since: datetime
    before: datetime  # fixed for every page of one scan
    amazon_token: str | None  # None on the first page
    bounded: bool = True  # send `before` to Amazon; False: Amazon's page token is the snapshot

    @property
    def sent_before(self) -> datetime | None:
        return self.before if self.bounded else None

    def page(
        self,
        changes: list[OrderChange],
        set_aside: list[SetAsideRecord],
        amazon_next: str | None,
        overlap: timedelta,
    ) -> ChangePage:
        if amazon_next:
            token = format_utc(self.before) + _SEPARATOR + amazon_next
            return ChangePage(
                changes=changes, next_page_token=token, cursor=self.since, set_aside=set_aside
            )
        cursor = max(self.since, self.before - overlap)
        return ChangePage(changes=changes, cursor=cursor, set_aside=set_aside)


def open_window(
    since: datetime,
    page_token: str | None,
    now: datetime,
    operation: str,
    settle: timedelta = MIN_BEFORE_AGE,
) -> ScanWindow | None:
    """The window for this page; None when nothing has settled since `since` yet, so the
    caller skips a rate-limited request that Amazon would reject (before < after).

    `settle` is how old a change must be before a scan reads it (Amazon accepts an updated-
    before bound only two minutes or more in the past). A zero settle sends no bound at all and
    reads up to now: fresher, at the risk of changes Amazon has not finished indexing, which
    the cursor's overlap re-reads on the next scan."""
    since = to_utc(since)
    bounded = settle > timedelta(0)
    if page_token is None:
        limit = max(settle, MIN_BEFORE_AGE) if bounded else timedelta(0)
        before = (to_utc(now) - limit).replace(microsecond=0)
        return ScanWindow(since, before, None, bounded) if before > since else None
    stamp, separator, amazon_token = page_token.partition(_SEPARATOR)
    rejected = AmazonRequestRejected(operation, "the page token was not issued by this reader")
    if not separator or not amazon_token:
        raise rejected
    try:
        return ScanWindow(since, parse_utc(stamp), amazon_token, bounded)
    except ValueError:
        raise rejected from None


def search_bounds(
    operation: str, page_size: int, after: datetime, before: datetime | None, now: datetime
) -> datetime | None:
    """Checks a search request before it spends a rate-limited call: the page size Amazon
    allows, and the *Before bound clamped to two minutes ago and not earlier than *After."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise AmazonRequestRejected(operation, f"page size must be 1-{MAX_PAGE_SIZE}")
    if before is None:
        return None
    clamped = clamp_before(before, now)
    if clamped < to_utc(after):
        raise AmazonRequestRejected(operation, "the updated-before bound precedes updated-after")
    return clamped


Api = TypeVar("Api")


class WindowedReader(ABC, Generic[Api]):
    """The scan both readers share: open the window, fetch one page, close it into a ChangePage.
    Subclasses say how one page is fetched from `api` and normalised."""

    search_operation: Operation
    order_id_key: str  # the order's id in a search entry
    status_fields: frozenset[str]  # an unknown value here is UNKNOWN_STATUS

    def __init__(
        self,
        api: Api,
        account: str,
        marketplace_ids: Sequence[str],
        *,
        clock: Clock = utc_now,
        overlap: timedelta = DEFAULT_OVERLAP,
        page_size: int = MAX_PAGE_SIZE,
        settle: timedelta = MIN_BEFORE_AGE,
    ) -> None:
        self.api = api
        self.account = account
        self.marketplace_ids = list(marketplace_ids)
        self.page_size = page_size
        self._clock = clock
        self._overlap = overlap
        self._settle = settle

    async def search_changes(self, since: datetime, page_token: str | None) -> ChangePage:
        window = open_window(since, page_token, self._clock(), self.search_operation, self._settle)
        if window is None:
            return ChangePage(cursor=to_utc(since))
        try:
            orders, amazon_next = await self._fetch(window)
        except AmazonRequestRejected as rejected:
            if window.amazon_token is None or rejected.status != 400:
                raise
            return await self.search_changes(since, None)  # the token expired: rescan
        changes: list[OrderChange] = []
        set_aside: list[SetAsideRecord] = []
        for order in orders:
            try:
                changes.append(self._change(order))
            except AmazonBadResponse as err:
                set_aside.append(self._set_aside(order, err))
        return window.page(changes, set_aside, amazon_next, self._overlap)

    def _set_aside(self, order: Any, err: AmazonBadResponse) -> SetAsideRecord:
        """One order of a page that cannot be read: kept as received, so the orders around it
        are handed on and this one is not lost (an unknown status, a malformed entry)."""
        raw = json.dumps(order, ensure_ascii=False, separators=(",", ":"))
        if isinstance(err, AmazonUnknownValue):
            known = err.field in self.status_fields
            reason = SetAsideReason.UNKNOWN_STATUS if known else SetAsideReason.INVALID_VALUE
        else:
            reason = SetAsideReason.MALFORMED
        own_id = order.get(self.order_id_key) if isinstance(order, dict) else None
        return SetAsideRecord(
            system=SYSTEM,
            feed=SetAsideFeed.ORDERS,
            scope=self.account,
            record_id=record_id(own_id, raw),
            reason=reason,
            detail=err.message,
            raw=raw,
        )

    def _change(self, order: Any) -> OrderChange:
        if not isinstance(order, dict):
            raise AmazonBadResponse(self.search_operation, "an orders entry is not an object")
        return self._read(order)

    @abstractmethod
    async def _fetch(self, window: ScanWindow) -> tuple[list[Any], str | None]:
        """One page of orders in the window, as Amazon sent them, and its next page token."""

    @abstractmethod
    def _read(self, order: Json) -> OrderChange:
        """One search entry as a change; AmazonBadResponse when it cannot be read."""
