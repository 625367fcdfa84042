"""Activity inputs and outputs that are not already domain models (one pydantic model each)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.capture import PaymentCapture
from domain.inventory import ListingQuantity, PushOutcome, StockSubmission
from domain.order import Channel, OrderChange, OrderRef
from domain.products import ChannelProduct
from domain.returns import DispositionRule, ReturnNotice, ReturnRef
from domain.setaside import SetAsideNotice
from domain.sync_status import DriftLine
from domain.warehouse import (
    EventMismatch,
    FeedEvent,
    Parcel,
    WarehouseEvent,
    WarehouseOrderState,
)


class PollRequest(BaseModel):
    channel: Channel
    account: str
    since: datetime
    page_token: str | None = None
    sweep: bool = False  # re-read every open order (backs up a change feed or webhooks)
    order_ids: list[str] = Field(default_factory=list)  # read exactly these orders


class ChangeBatch(BaseModel):
    """One page of channel changes. `cursor` is where the next poll starts once paging ends;
    `ack` names feed entries to acknowledge once the changes are handed over."""

    changes: list[OrderChange] = Field(default_factory=list)
    next_page_token: str | None = None
    cursor: datetime
    ack: list[str] = Field(default_factory=list)
    set_aside: list[SetAsideNotice] = Field(default_factory=list)  # stored, not handed on


class AckRequest(BaseModel):
    channel: Channel
    account: str
    ack: list[str]


class ChangeSet(BaseModel):
    changes: list[OrderChange]


class StartReport(BaseModel):
    signalled: int = 0
    skipped_afn: int = 0
    already_closed: int = 0  # the order's workflow finished: a late notice changes nothing


class ParcelConfirmRequest(BaseModel):
    """Confirm one GXO parcel to the channel. `package_reference` is fixed by the workflow so a
    retry edits the same package instead of adding another."""

    ref: OrderRef
    marketplace_id: str | None = None
    package_reference: str
    parcel: Parcel
    other_captures: list[str] = Field(default_factory=list)  # the order's pending captures


class WarehouseOrderRequest(BaseModel):
    ref: OrderRef
    facility_id: str
    reference: str


class PullRequest(BaseModel):
    facility_id: str
    cursor: int
    limit: int = 200


EVENTS_PUSHED_SIGNAL = "events_pushed"  # WarehouseIntake's signal for pushed events


class EventDelivery(BaseModel):
    """Events for the order workflows; a push may instead carry the notice of a pushed record
    that was set aside (stored by the webhook), for the intake's count."""

    events: list[FeedEvent] = Field(default_factory=list)
    set_aside: list[SetAsideNotice] = Field(default_factory=list)


class EventsPulled(BaseModel):
    """One pull: the events to deliver, the cursor, and what was set aside. A dispatch too
    large for this payload is not here: it was split and its parts pushed to the intake."""

    events: list[FeedEvent]
    next_cursor: int
    set_aside: list[SetAsideNotice] = Field(default_factory=list)
    more: bool = False  # the page was full or cut short: pull again at once


class SetAsideEvent(BaseModel):
    """A warehouse event an order workflow refused as not about its warehouse order."""

    event: WarehouseEvent
    reason: EventMismatch
    detail: str  # ids only: what the order expected


class DeliveryReport(BaseModel):
    delivered: int = 0
    unmatched: int = 0
    ignored: int = 0  # a cancel/reject notice for an order whose workflow already finished
    returns: int = 0  # return receipts signalled to their ReturnFulfillment


class WarehouseLookup(BaseModel):
    """The warehouse's view of an order, or None when GXO does not know the reference."""

    state: WarehouseOrderState | None = None


class ConfirmResult(BaseModel):
    package_reference: str
    carrier_code: str
    capture: PaymentCapture | None = None  # a channel that captures payment per parcel


class CaptureRequest(BaseModel):
    """Check a parcel's payment capture; `again`: capture once more if it failed (retry)."""

    ref: OrderRef
    capture: PaymentCapture
    again: bool = False


class FacilityRequest(BaseModel):
    facility_id: str


class SnapshotLoaded(BaseModel):
    cursor: int
    items: list[str]
    set_aside: list[SetAsideNotice] = Field(default_factory=list)  # levels not understood


class StockPulled(BaseModel):
    next_cursor: int
    items: list[str]  # item codes whose levels changed
    count: int  # stock changes read (repeats included)
    set_aside: list[SetAsideNotice] = Field(default_factory=list)  # changes not understood


class StockPlanRequest(BaseModel):
    channel: Channel
    account: str
    items: list[str] | None = None  # GXO item codes that moved; None: every mapped SKU
    force_skus: list[str] = Field(default_factory=list)  # push these even if unchanged
    skus: list[str] = Field(default_factory=list)  # plan these SKUs too (their submission settled)


class StockPlan(BaseModel):
    quantities: list[ListingQuantity]
    unknown_to_gxo: list[str] = Field(default_factory=list)  # mapped SKUs GXO has no stock of
    unmapped_items: list[str] = Field(default_factory=list)  # GXO items no SKU maps


class StockPushRequest(BaseModel):
    channel: Channel
    account: str
    quantities: list[ListingQuantity]


class StockPushReport(BaseModel):
    accepted: int
    rejected: list[PushOutcome] = Field(default_factory=list)
    # Submitted for the channel to process later (feeds): settled by check_stock_submission.
    pending: list[StockSubmission] = Field(default_factory=list)


class SubmissionCheck(BaseModel):
    channel: Channel
    account: str
    submission: StockSubmission
    waited_hours: float | None = None  # the last check: still processing counts as not accepted


class SubmissionChecked(BaseModel):
    settled: bool  # False: the channel is still processing it
    accepted: list[str] = Field(default_factory=list)  # SKUs
    rejected: list[PushOutcome] = Field(default_factory=list)


class StockReadRequest(BaseModel):
    channel: Channel
    account: str


class DriftReport(BaseModel):
    checked: int
    drift: list[DriftLine] = Field(default_factory=list)


class StalledRequest(BaseModel):
    channel: Channel
    account: str
    older_than_seconds: float


class StalledSkus(BaseModel):
    skus: list[str] = Field(default_factory=list)


class StockNotice(BaseModel):
    """Items whose GXO levels changed, for every inventory sync that lists them."""

    items: list[str]
    targets: list[str] = Field(default_factory=list)  # inventory sync workflow ids


# ---- product sync (activities/products.py) --------------------------------------------------


class ProductReadRequest(BaseModel):
    channel: Channel
    account: str
    since: datetime | None = None  # None: every product
    page: int = Field(default=1, ge=1)
    token: str | None = None  # the page's token where the channel pages by token


class ItemSendRequest(BaseModel):
    channel: Channel
    account: str
    products: list[ChannelProduct]
    item_codes_from_products: bool = False
    # Channels that master product data: a SKU or item code one of them has is left to it.
    defer_to: list[str] = Field(default_factory=list)


class ItemsSent(BaseModel):
    sent: int = 0  # records GXO took (new or changed)
    unchanged: int = 0  # already what GXO holds or refused: not sent again
    unmapped: list[str] = Field(default_factory=list)  # SKUs with no GXO item code
    refused: list[str] = Field(default_factory=list)  # "facility item: reason", GXO's 422s
    deferred: list[str] = Field(default_factory=list)  # SKUs a master channel has (not sent)
    incomplete: list[str] = Field(default_factory=list)  # "SKU: no weight", sent without it


class ItemCheckRequest(BaseModel):
    channel: Channel
    account: str


class LaunchRelease(BaseModel):
    """An order parked for an item GXO has now accepted."""

    workflow_id: str
    facility_id: str
    item_code: str
    sku: str


class ItemsChecked(BaseModel):
    accepted: list[str] = Field(default_factory=list)  # "facility item" GXO now holds
    rejected: list[str] = Field(default_factory=list)  # "facility item: reason"
    pending: int = 0  # still waiting for GXO's next cycle
    releases: list[LaunchRelease] = Field(default_factory=list)


class ReleaseRequest(BaseModel):
    releases: list[LaunchRelease]


PRODUCT_SYNC_NOW_SIGNAL = "sync_now"  # ProductSync's: sweep now (a product changed)
ITEM_ACCEPTED_SIGNAL = "item_accepted"  # OrderFulfillment's signal from the product sync


class ItemAccepted(BaseModel):
    """The ITEM_ACCEPTED signal's payload: GXO holds the item now, the order may go on."""

    facility_id: str
    item_code: str
    sku: str


# ---- returns (activities/returns.py, workflows/return_fulfillment.py) -------------------------


class ReturnPlan(BaseModel):
    """The notice for GXO, and what the channel already shows of the return."""

    notice: ReturnNotice
    completed: bool = False
    refunded: bool = False


class ReturnPolicy(BaseModel):
    rules: list[DispositionRule]


class PolicyRequest(BaseModel):
    channel: str


class CloseRequest(BaseModel):
    ref: ReturnRef
    refund: bool  # refund the whole return through the channel
    # Units GXO received back per SKU (domain.returns.returned_units), kept for month-end's
    # reconciliation (store: return_line). None: a request from before they were sent.
    returned: dict[str, int] | None = None


class ReturnClosed(BaseModel):
    completed: bool  # this call completed it (False: it was completed already)
    refunded: bool  # this call refunded it (False: no refund asked, or already refunded)


class ReturnIntakeRequest(BaseModel):
    """One round of a channel account's return events (ReturnIntake)."""

    channel: str
    account: str
    limit: int = Field(default=100, ge=1)


class ReturnsTaken(BaseModel):
    events: int = 0  # return events read (and confirmed)
    started: int = 0  # ReturnFulfillment workflows started
    already: int = 0  # the return's workflow runs or ran already (a repeat event)
    gone: int = 0  # the channel no longer has the return (deleted): nothing to start
    more: bool = False  # the page was full: take again at once
