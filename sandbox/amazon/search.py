"""Order selection shared by getOrders (v0) and searchOrders (v2026): the created/updated
time window with Amazon's rules, and the status, channel and marketplace filters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.records import FulfillmentChannel, OrderStatus, SandboxOrder
from sandbox.amazon.timefmt import parse_wire

SETTLE = timedelta(minutes=2)  # "Before" bounds must be at least this far in the past


@dataclass(frozen=True)
class Window:
    by_created: bool
    after: datetime
    before: datetime  # inclusive upper bound; `now` when the caller gave none


@dataclass(frozen=True)
class OrderFilter:
    window: Window
    statuses: frozenset[OrderStatus] | None = None
    channels: frozenset[FulfillmentChannel] | None = None
    marketplace_ids: frozenset[str] | None = None

    def matches(self, order: SandboxOrder) -> bool:
        moment = order.purchase_date if self.window.by_created else order.last_update_date
        return (
            self.window.after <= moment <= self.window.before
            and (self.statuses is None or order.status in self.statuses)
            and (self.channels is None or order.fulfillment_channel in self.channels)
            and (self.marketplace_ids is None or order.marketplace_id in self.marketplace_ids)
        )


def select(orders: Iterable[SandboxOrder], order_filter: OrderFilter) -> list[str]:
    """Matching ids, oldest first by the window's timestamp, then by id."""
    by_created = order_filter.window.by_created
    matching = [o for o in orders if order_filter.matches(o)]
    matching.sort(key=lambda o: (o.purchase_date if by_created else o.last_update_date, o.order_id))
    return [o.order_id for o in matching]


def parse_time(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = parse_wire(value)
    if moment is None:
        raise SpApiError(400, f"{name} must be an ISO 8601 date-time", value)
    return moment


def window(
    names: tuple[str, str, str, str],
    values: tuple[str | None, str | None, str | None, str | None],
    now: datetime,
) -> Window:
    """Validate (createdAfter, createdBefore, updatedAfter, updatedBefore) as Amazon does:
    exactly one kind of window, After <= Before, Before at least two minutes ago."""
    c_after, c_before, u_after, u_before = (
        parse_time(name, value) for name, value in zip(names, values, strict=True)
    )
    created = c_after is not None or c_before is not None
    updated = u_after is not None or u_before is not None
    if created and updated:
        raise SpApiError(
            400, f"{names[0]}/{names[1]} cannot be combined with {names[2]}/{names[3]}"
        )
    after, before, after_name, before_name = (
        (c_after, c_before, names[0], names[1])
        if created
        else (u_after, u_before, names[2], names[3])
    )
    if after is None:
        raise SpApiError(400, f"Exactly one of {names[0]} and {names[2]} is required")
    if before is not None:
        if before > now - SETTLE:
            raise SpApiError(
                400, f"{before_name} must be at least 2 minutes before the time of the request"
            )
        if after > before:
            raise SpApiError(400, f"{after_name} must be before {before_name}")
    return Window(by_created=created, after=after, before=before or now)
