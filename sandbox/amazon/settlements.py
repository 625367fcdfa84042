"""The sandbox seller's settlements: when the demo or a test closes one (Amazon closes them
about every 14 days on its own), what was shipped (its confirmed packages) and refunded since
the last close becomes a V2 settlement report with commissions, promotions, advertising, the
subscription and the rolling reserve, listed by getReports and downloaded through a presigned
link that expires after 5 minutes. Faults: a gzip document, a late report (IN_PROGRESS until
its time), a malformed row, a truncated file (its rows miss the total).

Each order's rows charge what the Orders API says the order costs: its items' price and the
promotion the order carries (docs/amazon.md, "Order totals"), unless the close scripts a
different price for an order (`price_changes`). The fee rules are the sandbox's own (15 %
referral fee on the discounted price, refund administration fee 20 % of it): plausible, not
Amazon's schedule."""

from __future__ import annotations

import gzip
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from sandbox.amazon.records import FulfillmentChannel, OrderStatus, SandboxOrder
from sandbox.amazon.settlement_file import AmountRow, render

SETTLEMENT_REPORT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
# createReport answers these with Amazon's documented 400 (they cannot be requested).
SETTLEMENT_TYPES = {
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2": 1118,
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE": 1117,
    "GET_V2_SETTLEMENT_REPORT_DATA_XML": 1116,
}
RETENTION = timedelta(days=90)
LINK_LIFETIME = timedelta(minutes=5)
CENT = Decimal("0.01")
REFERRAL_RATE = Decimal("0.15")
REFUND_FEE_RATE = Decimal("0.20")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class CloseRequest(BaseModel):
    """How the next settlement closes (POST /_sandbox/settlements/close)."""

    advertising: Decimal = Field(default=Decimal("12.50"), ge=0)
    subscription: Decimal = Field(default=Decimal("39.99"), ge=0)
    reserve_percent: Decimal = Field(default=Decimal(10), ge=0, le=100)
    # order id -> amount the settlement charges above (+) or below (-) what the order says it
    # costs, on its first Principal row: a scripted ORDER_TOTAL difference
    price_changes: dict[str, Decimal] = Field(default_factory=dict)
    include_afn: bool = True  # AFN orders: settled, never shipped through consign
    decimal_comma: bool = False  # EU number layout
    charset: str = "utf-8"  # the download's Content-Type charset ("" for none)
    gzip: bool = False  # fault: compressionAlgorithm GZIP
    late_seconds: float = Field(default=0, ge=0)  # fault: IN_PROGRESS for this long
    malformed_row: bool = False  # fault: one amount Amazon's layout cannot have
    truncated: bool = False  # fault: the last amount row is lost, the rest miss total-amount


@dataclass(frozen=True)
class Refund:
    order_id: str
    order_item_id: str
    sku: str
    quantity: int
    unit_price: Decimal
    at: datetime
    adjustment_id: str


@dataclass
class Report:
    report_id: str
    document_id: str
    settlement_id: str
    marketplace_id: str
    start: datetime
    end: datetime
    created: datetime
    ready_at: datetime
    total: Decimal
    content: bytes
    compressed: bool
    content_type: str
    report_type: str = SETTLEMENT_REPORT
    empty: bool = False  # a requested report with no data ends CANCELLED, without a document
    seller_id: str | None = None  # a requested report's seller (settlements: the sandbox's)

    def status(self, now: datetime) -> str:
        if now < self.ready_at:
            return "IN_PROGRESS"
        return "CANCELLED" if self.empty else "DONE"

    def render(self, now: datetime, to_wire: Callable[[datetime], str]) -> dict[str, object]:
        body: dict[str, object] = {
            "reportId": self.report_id,
            "reportType": self.report_type,
            "marketplaceIds": [self.marketplace_id],
            "dataStartTime": to_wire(self.start),
            "dataEndTime": to_wire(self.end),
            "createdTime": to_wire(self.created),
            "processingStatus": self.status(now),
        }
        if self.status(now) != "IN_PROGRESS":
            body["processingStartTime"] = to_wire(self.created)
            body["processingEndTime"] = to_wire(self.ready_at)
        if self.status(now) == "DONE":
            body["reportDocumentId"] = self.document_id
        return body


@dataclass
class SettlementDesk:
    """Reports, their documents and links, refunds, and what has been settled so far."""

    reports: dict[str, Report] = field(default_factory=dict)
    links: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # token -> doc, expiry
    refunds: list[Refund] = field(default_factory=list)
    settled_packages: set[tuple[str, str]] = field(default_factory=set)
    settled_refunds: set[str] = field(default_factory=set)
    settled_afn: set[str] = field(default_factory=set)
    last_end: datetime | None = None
    reserve_held: Decimal = Decimal(0)
    next_number: int = 24988110100

    def refund(self, order: SandboxOrder, now: datetime, quantity: int | None = None) -> Refund:
        """The buyer refunded for one shipped item (all of its shipped units by default)."""
        item = next((i for i in order.items if i.quantity_shipped), None)
        if item is None:
            raise ValueError(f"order {order.order_id} has shipped nothing to refund")
        units = quantity or item.quantity_shipped
        refund = Refund(
            order.order_id,
            item.order_item_id,
            item.sku,
            units,
            item.unit_price,
            now,
            f"amzn1:crow:{secrets.token_urlsafe(16)}",
        )
        self.refunds.append(refund)
        return refund

    def close(self, orders: Iterable[SandboxOrder], now: datetime, request: CloseRequest) -> Report:
        """Close the settlement running since the last close and file its report."""
        orders = list(orders)
        start = self.last_end or min((o.purchase_date for o in orders), default=now)
        rows = self._sales(orders, request) + self._refund_rows(now)
        rows += self._account_rows(rows, start, now, request)
        settlement_id = str(self.next_number)
        self.next_number += 1
        marketplace = orders[0].marketplace_id if orders else "ATVPDKIKX0DER"
        text = render(
            settlement_id,
            start,
            now,
            now + timedelta(days=2),
            orders[0].currency if orders else "USD",
            rows,
            decimal_comma=request.decimal_comma,
        )
        if request.malformed_row and rows:
            good = f"\t{_amount_text(rows[0].amount, request.decimal_comma)}\t"
            text = text.replace(good, "\t12.3.4\t", 1)
        if request.truncated and rows:
            text = "".join(text.splitlines(keepends=True)[:-1])
        charset = request.charset or "iso-8859-1"
        content = text.encode(charset)
        if request.gzip:
            content = gzip.compress(content, mtime=0)
        content_type = "text/plain" + (f"; charset={request.charset}" if request.charset else "")
        report = Report(
            report_id=str(50_000_000_000 + len(self.reports) + 1),
            document_id=f"amzn1.spdoc.1.4.na.{secrets.token_hex(8)}",
            settlement_id=settlement_id,
            marketplace_id=marketplace,
            start=start,
            end=now,
            created=now,
            ready_at=now + timedelta(seconds=request.late_seconds),
            total=sum((row.amount for row in rows), Decimal(0)),
            content=content,
            compressed=request.gzip,
            content_type=content_type,
        )
        self.reports[report.report_id] = report
        self.last_end = now
        return report

    def _sales(self, orders: list[SandboxOrder], request: CloseRequest) -> list[AmountRow]:
        rows: list[AmountRow] = []
        for order in sorted(orders, key=lambda o: o.order_id):
            change = request.price_changes.get(order.order_id, Decimal(0))
            if order.fulfillment_channel is FulfillmentChannel.AFN:
                open_ = order.status not in (OrderStatus.PENDING, OrderStatus.CANCELED)
                if request.include_afn and open_ and order.order_id not in self.settled_afn:
                    self.settled_afn.add(order.order_id)
                    items = {item.order_item_id: item.quantity_ordered for item in order.items}
                    rows += _order_rows(order, items, order.purchase_date, "AFN", change)
                    change = Decimal(0)
                continue
            for package in order.packages.values():
                key = (order.order_id, package.package_reference_id)
                if key in self.settled_packages:
                    continue
                self.settled_packages.add(key)
                rows += _order_rows(order, package.items, package.created_at, "MFN", change)
                change = Decimal(0)  # once per order
        return rows

    def _refund_rows(self, now: datetime) -> list[AmountRow]:
        rows: list[AmountRow] = []
        for refund in self.refunds:
            if refund.adjustment_id in self.settled_refunds or refund.at > now:
                continue
            self.settled_refunds.add(refund.adjustment_id)
            principal = _cents(refund.unit_price * refund.quantity)
            commission = _cents(principal * REFERRAL_RATE)
            fields = {
                "order-id": refund.order_id,
                "merchant-order-id": refund.order_id,
                "adjustment-id": refund.adjustment_id,
                "marketplace-name": "Amazon.com",
                "fulfillment-id": "MFN",
                "order-item-code": refund.order_item_id,
                "merchant-adjustment-item-id": str(10**18 + secrets.randbelow(9 * 10**18)),
                "sku": refund.sku,
                "quantity-purchased": str(refund.quantity),
            }
            for amount_type, description, amount in (
                ("ItemPrice", "Principal", -principal),
                ("ItemFees", "Commission", commission),
                ("ItemFees", "RefundCommission", -_cents(commission * REFUND_FEE_RATE)),
            ):
                row = AmountRow("Refund", amount_type, description, amount, refund.at, fields)
                rows.append(row)
        return rows

    def _account_rows(
        self, sales: list[AmountRow], start: datetime, now: datetime, request: CloseRequest
    ) -> list[AmountRow]:
        other = ("other-transaction", "other-transaction")
        rows: list[AmountRow] = []
        if self.reserve_held:
            released = self.reserve_held
            rows.append(AmountRow(*other, "Previous Reserve Amount Balance", released, start))
        if request.subscription:
            rows.append(AmountRow(*other, "Subscription Fee", -request.subscription, start))
        if request.advertising:
            rows.append(
                AmountRow(
                    "ServiceFee",
                    "Cost of Advertising",
                    "TransactionTotalAmount",
                    -request.advertising,
                    now,
                )
            )
        principal = (row.amount for row in sales if row.amount_description == "Principal")
        sold = sum(principal, Decimal(0))
        held = _cents(max(sold, Decimal(0)) * request.reserve_percent / 100)
        if held:
            rows.append(AmountRow(*other, "Current Reserve Amount", -held, now))
        self.reserve_held = held
        return rows

    def link(self, document_id: str, now: datetime) -> str:
        token = secrets.token_urlsafe(18)
        self.links[token] = (document_id, now + LINK_LIFETIME)
        return token

    def report_by_document(self, document_id: str) -> Report | None:
        return next((r for r in self.reports.values() if r.document_id == document_id), None)


def _amount_text(value: Decimal, decimal_comma: bool) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if decimal_comma else text


def _order_rows(
    order: SandboxOrder,
    shipped: dict[str, int],
    posted: datetime,
    fulfillment: str,
    price_change: Decimal = Decimal(0),
) -> list[AmountRow]:
    """Per item shipped: Principal (price x units), the item's promotion (its discount x
    units, negative) and the referral fee on what the buyer paid."""
    rows: list[AmountRow] = []
    for order_item_id, quantity in shipped.items():
        item = order.item(order_item_id)
        if item is None or quantity <= 0:
            continue
        principal = _cents(item.unit_price * quantity) + price_change
        price_change = Decimal(0)
        fields = {
            "order-id": order.order_id,
            "merchant-order-id": order.order_id,
            "shipment-id": f"D{secrets.token_hex(4)}",
            "marketplace-name": "Amazon.com",
            "fulfillment-id": fulfillment,
            "order-item-code": order_item_id,
            "sku": item.sku,
            "quantity-purchased": str(quantity),
        }
        rows.append(AmountRow("Order", "ItemPrice", "Principal", principal, posted, fields))
        discount = -_cents(item.unit_promotion * quantity)
        if discount:
            promotion = {**fields, "promotion-id": item.promotion_id or ""}
            rows.append(AmountRow("Order", "Promotion", "Principal", discount, posted, promotion))
        commission = -_cents((principal + discount) * REFERRAL_RATE)
        rows.append(AmountRow("Order", "ItemFees", "Commission", commission, posted, fields))
    return rows
