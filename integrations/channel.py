"""The channel port: what the order lifecycle needs from any sales channel.

Amazon (integrations/amazon/port.py) and Centra (integrations/centra/port.py) implement it, so
activities, intake and the order workflow stay channel-neutral. Implementations raise their
client's typed errors; activities/errors.py classifies them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

from domain.capture import PaymentCapture
from domain.inventory import ListingQuantity, PushOutcome, StockSubmission
from domain.order import Channel, ChannelOrder, OrderChange
from domain.products import ProductPage
from domain.returns import ChannelReturn
from domain.setaside import SetAsideRecord
from domain.settlement import Settlement, SettlementReport
from domain.shipment import ShipConfirmation


class ChangeQuery(BaseModel):
    since: datetime  # the intake's cursor (channels with a change feed may ignore it)
    page_token: str | None = None
    sweep: bool = False  # re-read every open order: catches notifications that never came
    order_ids: list[str] = Field(default_factory=list)  # read exactly these (a webhook named them)


class ChangePage(BaseModel):
    """One page of order changes.

    `cursor` is what intake stores as the next `since` once `next_page_token` is None: the
    scan's upper bound minus a small overlap (re-reading a minute of changes is harmless,
    missing one is not). While pages remain it stays at `since`, so a crash mid-scan never
    skips what the later pages hold. `ack` names feed entries (Centra events) to confirm only
    after every change was handed to Temporal: an unconfirmed entry is delivered again.
    """

    changes: list[OrderChange] = Field(default_factory=list)
    next_page_token: str | None = None
    cursor: datetime
    ack: list[str] = Field(default_factory=list)
    # Orders the reader could not understand (an unknown status, a malformed entry): kept with
    # the raw record, never dropped; a feed entry naming one is still acknowledged.
    set_aside: list[SetAsideRecord] = Field(default_factory=list)
    # The feed also said the channel's product data changed (Centra's Product events, acked
    # with the rest): the account's ProductSync sweeps now rather than at its schedule.
    products_changed: bool = False


class ChannelPort(Protocol):
    @property
    def channel(self) -> Channel: ...  # its module's name

    account: str

    async def get_order(self, order_id: str) -> ChannelOrder: ...

    async def changes(self, query: ChangeQuery) -> ChangePage: ...

    async def acknowledge(self, ack: list[str]) -> None: ...

    async def confirm_parcel(self, confirmation: ShipConfirmation) -> PaymentCapture | None:
        """Tell the channel one parcel shipped. Must be idempotent per `parcel_id`: a retry
        after a lost response never records a second shipment (nor a second capture). A
        channel that captures payment per parcel returns the capture's state."""
        ...


@runtime_checkable
class CapturePort(Protocol):
    """A channel whose parcels' payment captures may settle later or fail (Centra)."""

    async def settle_capture(self, capture: PaymentCapture, again: bool) -> PaymentCapture:
        """Where the capture stands now; `again` captures a failed one once more. Never asks
        for a second capture while one is pending."""
        ...


SubmissionSink = Callable[[StockSubmission], Awaitable[None]]
OutcomeSink = Callable[[PushOutcome], Awaitable[None]]


class StockPort(Protocol):
    """A channel's stock, as inventory sync pushes and reads it back.

    `subtracts_own_orders`: the channel takes the pushed figure as physical stock and subtracts
    its own unshipped orders itself (Centra); otherwise the figure is what may be sold (Amazon).
    """

    @property
    def channel(self) -> Channel: ...

    account: str
    subtracts_own_orders: bool

    async def push(
        self,
        quantities: list[ListingQuantity],
        submitted: SubmissionSink,
        answered: OutcomeSink | None = None,
    ) -> list[PushOutcome]:
        """Set each SKU's quantity. Never sends a negative quantity. Returns an outcome for
        every SKU the channel answered at once, each also handed to `answered` as soon as the
        channel gave it (so a push that fails halfway keeps what was answered before); a
        channel that processes a batch later (a SettlingStockPort) hands each such submission
        to `submitted` as soon as the channel has it, so it is recorded before anything else
        can fail, and gives its SKUs no outcome here."""
        ...

    async def read(self, skus: list[str]) -> list[ListingQuantity]:
        """What the channel shows now, for the daily reconcile (unknown SKUs are omitted)."""
        ...


@runtime_checkable
class SettlingStockPort(Protocol):
    """A channel whose large pushes are processed later (Amazon's feeds: minutes to hours),
    asked about by inventory sync on durable timers instead of waited for in one call."""

    async def settle(self, submission: StockSubmission) -> list[PushOutcome] | None:
        """One outcome per SKU of the submission once the channel has processed it; None while
        it is still processing. Asks once: never waits, never submits anything again."""
        ...


class SettlementPort(Protocol):
    """A channel that pays out in settlements it files as reports (Amazon's V2 flat file).
    The settlement intake lists them and downloads each one it has not stored."""

    async def settlement_reports(self, created_since: datetime | None) -> list[SettlementReport]:
        """Every finished report since `created_since` (None: as far back as the channel
        keeps them), oldest first."""
        ...

    async def read_settlement(self, report: SettlementReport) -> Settlement:
        """The report's document, downloaded and parsed in one call (its link may expire
        within minutes). A file that cannot be read or does not add up raises the client's
        bad-response error, never a partial settlement."""
        ...


class ProductPort(Protocol):
    """A channel whose product data GXO's item master takes: Centra, which masters it, or
    Amazon's listings for the SKUs only Amazon sells."""

    async def products_changed(
        self, since: datetime | None, page: int, token: str | None = None
    ) -> ProductPage:
        """One page of the sweep: products changed at or after `since` (None: all of them);
        `complete` once the sweep reached older ones or the last page. A channel that pages
        by token gets back the `token` its previous page returned (None on the first)."""
        ...


class ReturnPort(Protocol):
    """A channel that authorises returns (Centra, Amazon): its return events, the returns
    themselves, and completing one. Its refund is an ImmediateRefundPort's call or a
    SettlingRefundPort's submission; both act on the whole return.

    A channel without a return event queue (Amazon: the returns report) serves its newest
    report's returns as events, numbered by the port; `confirm` drops them from the port's
    own queue, and a return met again in a later report is harmless (its workflow id is the
    RMA)."""

    async def return_events(self, limit: int) -> dict[int, str]:
        """The oldest unconfirmed return events: event id -> the return's id (the RMA)."""
        ...

    async def confirm(self, event_ids: list[int]) -> None:
        """Drop these events from the channel's queue for good."""
        ...

    async def returns(self, rmas: list[str]) -> list[ChannelReturn]:
        """The named returns the channel still has (a deleted one is absent)."""
        ...

    async def get_return(self, rma: str) -> ChannelReturn | None:
        """The return, or None when the channel no longer has it."""
        ...

    async def complete(self, rma: str) -> None: ...


@runtime_checkable
class ImmediateRefundPort(Protocol):
    """A ReturnPort whose refund is one call the channel answers at once (Centra)."""

    async def refund(self, rma: str) -> None:
        """Raises an IntegrationError whose kind is REFUND_REFUSED when the channel (or its
        payment provider) refuses."""
        ...


@runtime_checkable
class SettlingRefundPort(Protocol):
    """A ReturnPort whose refunds are submissions the channel processes later (Amazon's
    order-adjustment feed). The close activity keeps a ledger (store: return_refund) around
    the three steps, so a retry never submits a second refund for a return."""

    async def prepare_refund(self, rma: str) -> str:
        """Build and upload the refund request; its reference (a feed document id). Submits
        nothing: a request prepared and never sent costs nothing."""
        ...

    async def send_refund(self, prepared: str) -> str:
        """Submit the prepared request; the channel's id for it (a feed id)."""
        ...

    async def refund_result(self, rma: str, sent: str) -> bool:
        """True once the channel applied the refund; False while it is still processing.
        Raises an IntegrationError of kind REFUND_REFUSED when the channel refused it."""
        ...
