"""Amazon MFN returns as consign reads and refunds them (reference/amazon-sp-api/returns.md).

SP-API has no return notification and no returns operation for seller-fulfilled orders (§1):
returns are learned from the GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE report, requested with
createReport (0.0167/s, burst 15: one a minute), polled with getReport until DONE (CANCELLED
means no data) and downloaded with getReportDocument (0.0167/s). The port requests one report
per `report_every` at most; the intake's rounds in between are served from the port's queue
of returns not yet handed over. The file is parsed by header name, every field trimmed, short
rows padded (§1.1); one row per returned order line, grouped here by Amazon RMA ID.

Refunds go only through the XML order-adjustment feed POST_PAYMENT_ADJUSTMENT_DATA (§3): one
message per return, one AdjustedItem per returned line, reason CustomerReturn, a Principal
component of the unit price times the units returned (shipping and tax are not refunded:
whether Amazon computes marketplace-facilitator tax itself is unverified; `Quantity` is left
out, its meaning is unverified). The processing report's Result errors are a refused refund.
Amazon has no "complete" for a return: `complete` is a no-op and the workflow records it.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.exceptions import ExceptionKind
from domain.returns import ChannelReturn, ChannelReturnLine, ReturnRef
from integrations.amazon.errors import (
    AmazonBadResponse,
    AmazonError,
    AmazonFeedFailed,
    AmazonUnavailable,
)
from integrations.amazon.factory import AmazonClient
from integrations.amazon.settings import CHANNEL
from integrations.amazon.usage_plans import Operation
from integrations.amazon.wire_time import utc_now

REPORT_TYPE = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
FEED_TYPE = "POST_PAYMENT_ADJUSTMENT_DATA"
FEED_CONTENT_TYPE = "text/xml; charset=UTF-8"  # Amazon's tutorials' type: unverified (§3)
MAX_RANGE = timedelta(days=60)  # "up to 60 days of data in a single report" (§1)
OVERLAP = timedelta(days=1)  # request dates are days: re-read the last one
CENT = Decimal("0.01")
MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
REQUIRED = ("Order ID", "Amazon RMA ID", "Merchant SKU", "Return quantity")


class AmazonRefundRefused(AmazonError):
    """The order-adjustment feed's processing report refused the refund (or the feed ended
    FATAL/CANCELLED): a person looks before anything is sent again."""

    permanent_kind = ExceptionKind.REFUND_REFUSED


class ReportNotReady(AmazonUnavailable):
    """The returns report is still processing after the port's wait: the round is retried."""


@dataclass(frozen=True)
class ReturnRow:
    """One row of the returns report, as far as consign needs it (no buyer data is in it)."""

    order_id: str
    rma: str
    sku: str
    quantity: int
    requested: datetime | None
    order_amount: Decimal | None
    order_quantity: int | None
    currency: str | None
    refunded: Decimal | None


def report_day(text: str) -> datetime | None:
    """DD-Mon-YYYY (the US file) or ISO 8601 (the XML variant); None when neither."""
    text = text.strip()
    parts = text.split("-")
    if len(parts) == 3 and parts[1] in MONTHS and parts[0].isdigit() and parts[2].isdigit():
        return datetime(int(parts[2]), MONTHS[parts[1]], int(parts[0]), tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ".")) if text else None
    except InvalidOperation:
        return None


def parse_returns_report(text: str) -> list[ReturnRow]:
    """The rows of a returns flat file, by header name. A file without the columns consign
    needs is a bad response; a row without an RMA, SKU or whole quantity is one too."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [name.strip() for name in lines[0].split("\t")]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise AmazonBadResponse("reports.returns", f"returns report lacks {', '.join(missing)}")
    rows: list[ReturnRow] = []
    for number, line in enumerate(lines[1:], start=2):
        fields = [value.strip() for value in line.split("\t")]
        fields += [""] * (len(header) - len(fields))
        row = dict(zip(header, fields, strict=False))
        quantity = row["Return quantity"]
        if not row["Amazon RMA ID"] or not row["Merchant SKU"] or not quantity.isdigit():
            raise AmazonBadResponse("reports.returns", f"returns report row {number} unreadable")
        order_quantity = row.get("Order quantity", "")
        rows.append(
            ReturnRow(
                order_id=row["Order ID"],
                rma=row["Amazon RMA ID"],
                sku=row["Merchant SKU"],
                quantity=int(quantity),
                requested=report_day(row.get("Return request date", "")),
                order_amount=_decimal(row.get("Order Amount", "")),
                order_quantity=int(order_quantity) if order_quantity.isdigit() else None,
                currency=row.get("Currency code") or None,
                refunded=_decimal(row.get("Refunded Amount", "")),
            )
        )
    return rows


def channel_returns(rows: list[ReturnRow], account: str) -> dict[str, ChannelReturn]:
    """The report's rows grouped by RMA (in the report's order): one return each, refunded
    when Amazon shows money refunded on every line."""
    grouped: dict[str, list[ReturnRow]] = {}
    for row in rows:
        grouped.setdefault(row.rma, []).append(row)
    found: dict[str, ChannelReturn] = {}
    for rma, lines in grouped.items():
        found[rma] = ChannelReturn(
            ref=ReturnRef(channel=CHANNEL, account=account, rma=rma),
            channel_order_id=lines[0].order_id,
            refunded=all(line.refunded for line in lines),
            lines=[
                ChannelReturnLine(
                    channel_line_id=f"{rma}-{n}", sku=line.sku, quantity=line.quantity
                )
                for n, line in enumerate(lines, start=1)
            ],
            created_at=lines[0].requested,
        )
    return found


@dataclass(frozen=True)
class RefundLine:
    order_item_id: str
    adjustment_id: str  # MerchantAdjustmentItemID: <rma>-<n>
    principal: Decimal
    currency: str


def refund_message(seller_id: str, order_id: str, lines: list[RefundLine]) -> bytes:
    """The OrderAdjustment envelope (OrderAdjustment.xsd, §3.1) refunding one return."""
    root = ET.Element("AmazonEnvelope")
    header = ET.SubElement(root, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.01"
    ET.SubElement(header, "MerchantIdentifier").text = seller_id
    ET.SubElement(root, "MessageType").text = "OrderAdjustment"
    message = ET.SubElement(root, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    adjustment = ET.SubElement(message, "OrderAdjustment")
    ET.SubElement(adjustment, "AmazonOrderID").text = order_id
    ET.SubElement(adjustment, "ActionType").text = "Refund"
    for line in lines:
        item = ET.SubElement(adjustment, "AdjustedItem")
        ET.SubElement(item, "AmazonOrderItemCode").text = line.order_item_id
        ET.SubElement(item, "MerchantAdjustmentItemID").text = line.adjustment_id
        ET.SubElement(item, "AdjustmentReason").text = "CustomerReturn"
        prices = ET.SubElement(item, "ItemPriceAdjustments")
        component = ET.SubElement(prices, "Component")
        ET.SubElement(component, "Type").text = "Principal"
        amount = ET.SubElement(component, "Amount", currency=line.currency)
        amount.text = f"{line.principal.quantize(CENT, ROUND_HALF_UP):.2f}"
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def adjustment_errors(content: bytes) -> list[str]:
    """The Error results of an XML processing report ("<code>: <description>"); a report
    consign cannot read is a bad response (layout: MWS-era ProcessingReport, unverified)."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError:
        raise AmazonBadResponse("feeds.processingReport", "not XML") from None
    report = root.find("Message/ProcessingReport")
    if report is None:
        raise AmazonBadResponse("feeds.processingReport", "no ProcessingReport")
    return [
        f"{result.findtext('ResultMessageCode', '')}: {result.findtext('ResultDescription', '')}"
        for result in report.findall("Result")
        if result.findtext("ResultCode") == "Error"
    ]


class AmazonReturns:
    """The returns side of one Amazon seller account (integrations/channel.py ReturnPort and
    SettlingRefundPort)."""

    def __init__(
        self,
        client: AmazonClient,
        *,
        report_every: timedelta = timedelta(minutes=30),
        first_lookback: timedelta = timedelta(days=30),
        report_wait: timedelta = timedelta(minutes=5),
        poll_every: float = 5.0,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.account = client.account
        self.report_every = report_every
        self.first_lookback = min(first_lookback, MAX_RANGE)
        self.report_wait = report_wait
        self.poll_every = poll_every
        self._clock = clock
        self._sleep = sleep
        self._since: datetime | None = None  # the next report's start (process memory)
        self._last_report: datetime | None = None
        self._known: dict[str, ChannelReturn] = {}
        self._rows: dict[str, list[ReturnRow]] = {}
        self._queue: dict[int, str] = {}
        self._next_event = 1
        self._lock = asyncio.Lock()

    # ---- reading ---------------------------------------------------------------------------

    async def _report(self, start: datetime, end: datetime) -> list[ReturnRow]:
        """Request, poll and download one returns report (empty when Amazon CANCELLED it:
        no data). Still processing after `report_wait`: ReportNotReady (transient)."""
        reports = self.client.reports
        markets = self.client.marketplace_ids
        report_id = await reports.create_report(REPORT_TYPE, markets, start, end)
        waited = 0.0
        while True:
            entry = await reports.get_report(report_id)
            if entry.processing_status == "CANCELLED":
                return []
            if entry.processing_status == "FATAL":
                raise AmazonBadResponse(Operation.GET_REPORT.value, f"report {report_id} FATAL")
            if entry.processing_status == "DONE" and entry.report_document_id:
                document = await reports.fetch_document(entry.report_document_id)
                return parse_returns_report(document.text)
            if waited >= self.report_wait.total_seconds():
                raise ReportNotReady(Operation.GET_REPORT.value, f"report {report_id} not ready")
            await self._sleep(self.poll_every)
            waited += self.poll_every

    def _learn(self, rows: list[ReturnRow]) -> dict[str, ChannelReturn]:
        found = channel_returns(rows, self.account)
        for rma, channel_return in found.items():
            self._known[rma] = channel_return
            self._rows[rma] = [row for row in rows if row.rma == rma]
        return found

    async def return_events(self, limit: int) -> dict[int, str]:
        """The queue's oldest returns; a new report once the queue is empty and `report_every`
        has passed since the last one (the first covers `first_lookback`)."""
        async with self._lock:
            now = self._clock()
            due = self._last_report is None or now - self._last_report >= self.report_every
            if not self._queue and due:
                start = self._since or now - self.first_lookback
                start = max(start, now - MAX_RANGE)
                found = self._learn(await self._report(start, now))
                self._last_report = now
                self._since = now - OVERLAP
                for rma in found:
                    self._queue[self._next_event] = rma
                    self._next_event += 1
            return dict(list(self._queue.items())[:limit])

    async def confirm(self, event_ids: list[int]) -> None:
        for event_id in event_ids:
            self._queue.pop(event_id, None)

    async def returns(self, rmas: list[str]) -> list[ChannelReturn]:
        return [self._known[rma] for rma in rmas if rma in self._known]

    async def get_return(self, rma: str) -> ChannelReturn | None:
        """From the last report; a return this process has not seen (a restart) is looked up
        in a report over the last 60 days."""
        if rma not in self._known:
            now = self._clock()
            async with self._lock:
                if rma not in self._known:
                    self._learn(await self._report(now - MAX_RANGE, now))
        return self._known.get(rma)

    # ---- closing ---------------------------------------------------------------------------

    async def complete(self, rma: str) -> None:
        """Amazon has no call that completes a return: nothing to do."""

    async def prepare_refund(self, rma: str) -> str:
        """The OrderAdjustment document uploaded (createFeedDocument + PUT): its id."""
        found = await self.get_return(rma)
        if found is None:
            raise AmazonRefundRefused("prepareRefund", f"return {rma} is not in the report")
        order = await self.client.reader.get_order(found.channel_order_id)
        items = {line.sku: line for line in order.lines}
        lines: list[RefundLine] = []
        for n, row in enumerate(self._rows[rma], start=1):
            item = items.get(row.sku)
            if item is None:
                raise AmazonRefundRefused("prepareRefund", f"order has no SKU {row.sku}")
            unit, currency = self._unit_price(row, item.unit_price)
            lines.append(RefundLine(item.line_id, f"{rma}-{n}", unit * row.quantity, currency))
        content = refund_message(self.client.account, found.channel_order_id, lines)
        return await self.client.feeds.upload_document(content, FEED_CONTENT_TYPE)

    @staticmethod
    def _unit_price(row: ReturnRow, price: object) -> tuple[Decimal, str]:
        """The order's unit price; else the report's Order Amount over Order quantity."""
        amount = getattr(price, "amount", None)
        currency = getattr(price, "currency", None)
        if isinstance(amount, Decimal) and isinstance(currency, str):
            return amount, currency
        if row.order_amount is not None and row.order_quantity and row.currency:
            return row.order_amount / row.order_quantity, row.currency
        raise AmazonRefundRefused("prepareRefund", f"no price known for {row.sku}")

    async def send_refund(self, prepared: str) -> str:
        return await self.client.feeds.create_feed(FEED_TYPE, self.client.marketplace_ids, prepared)

    async def refund_result(self, rma: str, sent: str) -> bool:
        feeds = self.client.feeds
        feed = await feeds.get_feed(sent)
        status = feed["processingStatus"]
        if status in ("IN_QUEUE", "IN_PROGRESS"):
            return False
        result_id = feed.get("resultFeedDocumentId")
        if status != "DONE" or not isinstance(result_id, str):
            failed = AmazonFeedFailed(Operation.GET_FEED.value, sent, status)
            raise AmazonRefundRefused(Operation.GET_FEED.value, str(failed))
        url, compression = await feeds.get_feed_document(result_id)
        errors = adjustment_errors(await feeds.download(url, compression))
        if errors:
            raise AmazonRefundRefused(
                Operation.GET_FEED.value, f"refund feed {sent} refused: {'; '.join(errors)}"
            )
        return True
