"""Returns: the return notice consign sends GXO (X12 180 semantics), GXO's receipts with a
disposition per line (944 semantics), the brand's policy per disposition, and the pure rules
that compare what arrived with what was authorised.

The RMA id is the channel's own return id (its Return.id), so the same return always makes
the same notice, and GXO deduplicates on (facility, RMA). A disposition is kept as GXO sent it
(a string): one consign has no policy row for is a named exception, never a record set aside.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.order import Channel

RMA_MAX_LENGTH = 30  # X12 180 BGN-02 reference: AN 1/30
RETURN_RECEIVED_SIGNAL = "return_received"  # ReturnFulfillment: one GXO receipt
RETURN_WORKFLOW_NAME = "ReturnFulfillment"


class ReturnStage(StrEnum):
    """Where a return is (the ReturnStage search attribute)."""

    NOTIFIED = "NOTIFIED"  # read from the channel, notice not sent yet
    AWAITING_RECEIPT = "AWAITING_RECEIPT"  # GXO holds the notice; nothing received
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED"  # some lines received, more expected
    COMPLETING = "COMPLETING"  # everything accounted for: completing and refunding
    DONE = "DONE"
    EXCEPTION = "EXCEPTION"  # parked under an ExceptionKind until `retry`


class Disposition(StrEnum):
    """GXO's inspection outcome per line. Others may come: they are read as text."""

    SELLABLE = "SELLABLE"  # back to stock as new
    DAMAGED = "DAMAGED"  # damaged in transit or by the buyer: not restocked
    DEFECTIVE = "DEFECTIVE"  # a manufacturing fault: not restocked
    WRONG_ITEM = "WRONG_ITEM"  # the buyer sent something else back
    NOT_RECEIVED = "NOT_RECEIVED"  # GXO closed the line: the units were not in the parcel


class RefundAction(StrEnum):
    REFUND = "REFUND"  # refund the buyer through the channel
    CREDIT = "CREDIT"  # store credit: issued by a person (no documented channel call)
    NO_REFUND = "NO_REFUND"


class DispositionRule(BaseModel):
    """One row of the brand's policy table (store: disposition_policy)."""

    channel: Channel | None = None  # None: every channel
    disposition: str = Field(min_length=1)
    action: RefundAction
    restock: bool  # whether GXO puts the units back to available-to-sell


DEFAULT_POLICY: tuple[DispositionRule, ...] = (
    DispositionRule(disposition=Disposition.SELLABLE, action=RefundAction.REFUND, restock=True),
    DispositionRule(disposition=Disposition.DAMAGED, action=RefundAction.REFUND, restock=False),
    DispositionRule(disposition=Disposition.DEFECTIVE, action=RefundAction.REFUND, restock=False),
    DispositionRule(
        disposition=Disposition.WRONG_ITEM, action=RefundAction.NO_REFUND, restock=False
    ),
    DispositionRule(
        disposition=Disposition.NOT_RECEIVED, action=RefundAction.NO_REFUND, restock=False
    ),
)


def rule_for(
    rules: list[DispositionRule], channel: str, disposition: str
) -> DispositionRule | None:
    """The channel's own row first, then the row for every channel."""
    own = [r for r in rules if r.disposition == disposition and r.channel == channel]
    shared = [r for r in rules if r.disposition == disposition and r.channel is None]
    found = own or shared
    return found[0] if found else None


class ReturnNoticeLine(BaseModel):
    line_number: int = Field(ge=1)  # 180 LX
    channel_line_id: str  # the channel's own return line id
    sku: str
    item_code: str  # 180 W07/LIN item at the warehouse
    quantity: int = Field(ge=1)


class ReturnRef(BaseModel):
    channel: Channel
    account: str
    rma: str = Field(min_length=1, max_length=RMA_MAX_LENGTH)

    @property
    def workflow_id(self) -> str:
        return f"return:{self.channel}:{self.account}:{self.rma}"


class ReturnFulfillmentInput(BaseModel):
    """ReturnFulfillment's input (here, not in workflows/, since the intake's activity starts
    it by name)."""

    ref: ReturnRef
    not_arrived_days: float = Field(default=14, gt=0)  # CONSIGN_RETURN_NOT_ARRIVED_DAYS


class ChannelReturnLine(BaseModel):
    channel_line_id: str
    sku: str
    quantity: int = Field(ge=1)


class ChannelReturn(BaseModel):
    """A return as the channel describes it (no personal data: ids, SKUs, quantities)."""

    ref: ReturnRef
    channel_order_id: str
    completed: bool = False  # the channel already completed it (by hand, or an earlier run)
    refunded: bool = False  # the channel already shows a refund for it
    lines: list[ChannelReturnLine] = Field(min_length=1)
    created_at: datetime | None = None


class RefundEntry(BaseModel):
    """The refund ledger's row for a return (store: return_refund): the request consign
    prepared (a document it uploaded) and, once the channel took it, the channel's id for it."""

    prepared: str
    sent: str | None = None


class ReturnNotice(BaseModel):
    """What GXO is told to expect (180): idempotent on (facility_id, rma)."""

    facility_id: str
    rma: str = Field(min_length=1, max_length=RMA_MAX_LENGTH)
    channel: Channel
    account: str
    channel_order_id: str
    lines: list[ReturnNoticeLine] = Field(min_length=1)


class NoticeResult(BaseModel):
    return_id: str  # GXO's id for the expected return
    duplicate: bool = False


class ReceiptLine(BaseModel):
    line_number: int = Field(ge=1)  # the notice line GXO matched, or its own numbering
    item_code: str
    quantity: int = Field(ge=1)
    disposition: str  # as GXO sent it


class ReturnReceipt(BaseModel):
    """One receipt at GXO's dock (944), several per RMA possible; `rma` None: GXO received a
    parcel it could not match to a notice."""

    receipt_id: str  # unique per receipt; stable across re-sends
    facility_id: str
    rma: str | None = None
    channel: Channel | None = None
    account: str | None = None
    received_at: datetime
    lines: list[ReceiptLine] = Field(min_length=1)

    @property
    def ref(self) -> ReturnRef | None:
        if self.rma is None or self.channel is None or self.account is None:
            return None
        return ReturnRef(channel=self.channel, account=self.account, rma=self.rma)


class ReturnReceivedEvent(BaseModel):
    """A RETURN_RECEIVED entry of GXO's event feed (beside the order events)."""

    event_id: str
    sequence: int
    kind: str = "RETURN_RECEIVED"
    facility_id: str
    receipt: ReturnReceipt


# ---- comparing receipts with the notice -----------------------------------------------------


class Tally(BaseModel):
    """What the receipts so far add up to against the notice."""

    expected: dict[str, int]  # item code -> units authorised
    received: dict[str, int]  # item code -> units accounted for (NOT_RECEIVED lines included)
    unexpected: list[str] = Field(default_factory=list)  # item codes the notice did not name
    over: list[str] = Field(default_factory=list)  # item codes received beyond the notice

    @property
    def complete(self) -> bool:
        return not self.unexpected and not self.over and self.received == self.expected

    @property
    def mismatched(self) -> bool:
        return bool(self.unexpected or self.over)

    @property
    def anything(self) -> bool:
        return any(self.received.values()) or bool(self.unexpected)

    def describe(self) -> str:
        parts = [f"{code} not on the RMA" for code in self.unexpected]
        parts += [
            f"{code}: {self.received.get(code, 0)} received of {self.expected.get(code, 0)}"
            for code in sorted(set(self.expected) | set(self.received))
            if code not in self.unexpected and self.received.get(code, 0) != self.expected[code]
        ]
        return "; ".join(parts) or "as authorised"


def tally(notice: ReturnNotice, receipts: list[ReturnReceipt]) -> Tally:
    expected: dict[str, int] = {}
    for line in notice.lines:
        expected[line.item_code] = expected.get(line.item_code, 0) + line.quantity
    received = dict.fromkeys(expected, 0)
    unexpected: list[str] = []
    for receipt in receipts:
        for got in receipt.lines:
            if got.item_code not in expected:
                if got.item_code not in unexpected:
                    unexpected.append(got.item_code)
                continue
            received[got.item_code] += got.quantity
    over = sorted(code for code, n in received.items() if n > expected[code])
    return Tally(expected=expected, received=received, unexpected=unexpected, over=over)


def returned_units(notice: ReturnNotice, receipts: list[ReturnReceipt]) -> dict[str, int]:
    """Units GXO received back per SKU of the notice (NOT_RECEIVED lines are units that were not
    in the parcel; an item code the notice does not name has no SKU here): what month-end counts
    as returned against the channel's refunds."""
    skus = {line.item_code: line.sku for line in notice.lines}
    units: dict[str, int] = {}
    for receipt in receipts:
        for got in receipt.lines:
            sku = skus.get(got.item_code)
            if sku is None or got.disposition == Disposition.NOT_RECEIVED:
                continue
            units[sku] = units.get(sku, 0) + got.quantity
    return units


class RefundDecision(StrEnum):
    REFUND = "REFUND"  # every unit's disposition says refund: the channel refunds the return
    CREDIT_DUE = "CREDIT_DUE"  # store credit for a person to issue
    NONE = "NONE"  # nothing to refund
    OPERATOR = "OPERATOR"  # mixed dispositions: the channel refunds only whole returns


class Decision(BaseModel):
    refund: RefundDecision
    restocked_units: int  # units the policy expects back in available-to-sell
    unmapped: list[str] = Field(default_factory=list)  # dispositions with no policy row


def decide(channel: str, receipts: list[ReturnReceipt], rules: list[DispositionRule]) -> Decision:
    """The return's refund from its lines' dispositions. The channel refunds a whole return
    (no per-line refund is documented), so a refund happens only when every unit's rule says
    REFUND; a mix is left to a person (OPERATOR), named in the status."""
    actions: set[RefundAction] = set()
    restocked = 0
    unmapped: list[str] = []
    for receipt in receipts:
        for line in receipt.lines:
            rule = rule_for(rules, channel, line.disposition)
            if rule is None:
                if line.disposition not in unmapped:
                    unmapped.append(line.disposition)
                continue
            actions.add(rule.action)
            restocked += line.quantity if rule.restock else 0
    if unmapped:
        return Decision(refund=RefundDecision.NONE, restocked_units=restocked, unmapped=unmapped)
    if actions == {RefundAction.REFUND}:
        refund = RefundDecision.REFUND
    elif RefundAction.REFUND in actions:
        refund = RefundDecision.OPERATOR
    elif RefundAction.CREDIT in actions:
        refund = RefundDecision.CREDIT_DUE
    else:
        refund = RefundDecision.NONE
    return Decision(refund=refund, restocked_units=restocked)


def notice_for(
    channel_return: ChannelReturn, facility_id: str, item_codes: dict[str, str]
) -> ReturnNotice:
    """The notice for a channel return; `item_codes` maps every SKU to its GXO item code
    (a missing one is the caller's UNMAPPED_SKU)."""
    return ReturnNotice(
        facility_id=facility_id,
        rma=channel_return.ref.rma,
        channel=channel_return.ref.channel,
        account=channel_return.ref.account,
        channel_order_id=channel_return.channel_order_id,
        lines=[
            ReturnNoticeLine(
                line_number=index,
                channel_line_id=line.channel_line_id,
                sku=line.sku,
                item_code=item_codes[line.sku],
                quantity=line.quantity,
            )
            for index, line in enumerate(channel_return.lines, start=1)
        ],
    )
