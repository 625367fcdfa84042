"""MFN customer returns in the sandbox (reference/amazon-sp-api/returns.md): returns the buyer
requested for units the sandbox shipped, the GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE report
that tells the seller about them, and the POST_PAYMENT_ADJUSTMENT_DATA (XML OrderAdjustment)
feed through which the seller refunds them.

The report's 32 columns, their order and the empty-as-one-space fields are those of the
authored sample in the reference (read at startup, so the header cannot drift from it); dates
are DD-Mon-YYYY as in the captured US file. A report over a range with no returns ends
CANCELLED without a document (the Reports model: CANCELLED also means "no data").

The adjustment feed is checked against OrderAdjustment.xsd's structure as returns.md §3.1
describes it (the XSD itself is not copied): a document that is not such an envelope makes
the feed FATAL; a message naming an unknown order or item, a reason or component type outside
the XSD's enumerations, an unshipped item or more money than the item's shipped units cost is
an Error result of that message, and the others apply. The processing report is the XML
ProcessingReport envelope of Amazon's XML feeds (MWS-era layout: **unverified** for SP-API).
Amazon is not known to deduplicate adjustments on MerchantAdjustmentItemID, so the sandbox
applies every accepted message: a refund sent twice is recorded twice, as it would be paid twice.
"""

from __future__ import annotations

import secrets
import string
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.records import SandboxOrder
from sandbox.amazon.timefmt import parse_wire
from sandbox.reference import reference_dir

RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
ADJUSTMENT_FEED = "POST_PAYMENT_ADJUSTMENT_DATA"
MAX_RANGE = timedelta(days=60)  # "up to 60 days of data in a single report" (returns.md §1)
DEFAULT_RANGE = timedelta(days=30)  # dataStartTime omitted: unverified what Amazon assumes
REPORT_CONTENT_TYPE = "text/plain; charset=UTF-8"  # unverified: the live capture shows no header
_SAMPLE = Path("amazon-sp-api") / "samples-authored" / "returns-flat-file-mfn-AUTHORED.tsv"
CENT = Decimal("0.01")

# OrderAdjustment.xsd enumerations (returns.md §3.1).
ADJUSTMENT_REASONS = frozenset(
    {
        *("NoInventory", "CustomerReturn", "GeneralAdjustment", "CouldNotShip", "DifferentItem"),
        *("Abandoned", "CustomerCancel", "PriceError", "ProductOutofStock", "Exchange", "Other"),
        *("CustomerAddressIncorrect", "CarrierCreditDecision", "CarrierCoverageFailure"),
        *("RiskAssessmentInformationNotValid", "TransactionRecord", "Undeliverable"),
        "RefusedDelivery",
    }
)
COMPONENT_TYPES = frozenset(
    {
        *("Principal", "Shipping", "Tax", "ShippingTax", "RestockingFee", "RestockingFeeTax"),
        *("GiftWrap", "GiftWrapTax", "Surcharge", "ReturnShipping", "Goodwill", "ExportCharge"),
        *("COD", "CODTax", "Other", "FreeReplacementReturnShipping"),
    }
)
REFUNDED_TYPES = frozenset({"Principal", "Tax", "GiftWrap", "GiftWrapTax"})  # item money


def load_returns_header(path: Path | None = None) -> list[str]:
    source = path or reference_dir() / _SAMPLE
    first = source.read_text(encoding="utf-8").splitlines()[0]
    return first.split("\t")


def report_date(moment: datetime) -> str:
    """DD-Mon-YYYY with English month abbreviations, as the captured US file."""
    return f"{moment.day:02d}-{moment.strftime('%b')}-{moment.year}"


def new_rma() -> str:
    """12 characters ending RRMA, like the RMA ids seen in real reports."""
    alphabet = string.ascii_letters + string.digits
    return "D" + "".join(secrets.choice(alphabet) for _ in range(7)) + "RRMA"


@dataclass
class SandboxReturn:
    """One returned order line (one report row); an RMA covering two SKUs has two."""

    rma: str
    order_id: str
    order_item_id: str
    marketplace_id: str
    sku: str
    asin: str
    title: str
    quantity: int
    reason: str
    requested: datetime
    order_date: datetime
    order_amount: Decimal  # the order line's amount (every unit ordered)
    order_quantity: int
    currency: str
    in_policy: bool = True
    refunded: Decimal = Decimal(0)

    def row(self, header: list[str]) -> str:
        values = {
            "Order ID": self.order_id,
            "Order date": report_date(self.order_date),
            "Return request date": report_date(self.requested),
            "Return request status": "Approved",
            "Amazon RMA ID": self.rma,
            "Merchant RMA ID": " ",
            "Label type": "AmazonPrePaidLabel",
            "Label cost": "0.0",
            "Currency code": self.currency,
            "Return carrier": "USPS",
            "Tracking ID": "9202090" + self.rma.encode().hex()[:15],
            "Label to be paid by": "Seller",
            "A-to-Z Claim": "N",
            "Is prime": "N",
            "ASIN": self.asin,
            "Merchant SKU": self.sku,
            "Item Name": self.title.replace("\t", " "),
            "Return quantity": str(self.quantity),
            "Return Reason": self.reason,
            "In policy": "Y" if self.in_policy else "N",
            "Return type": "C-Returns",
            "Resolution": "StandardRefund",
            "Invoice number": " ",
            "Return delivery date": " ",
            "Order Amount": f"{self.order_amount:.2f}",
            "Order quantity": str(self.order_quantity),
            "Refunded Amount": f"{self.refunded:.2f}" if self.refunded else "",
        }
        return "\t".join(values.get(column, "") for column in header)


@dataclass(frozen=True)
class Adjustment:
    """One accepted AdjustedItem of an order-adjustment feed: money given back to the buyer."""

    feed_id: str
    order_id: str
    order_item_id: str
    merchant_adjustment_item_id: str | None
    reason: str
    amounts: dict[str, Decimal]  # component type -> amount
    currency: str
    at: datetime

    @property
    def item_money(self) -> Decimal:
        return sum((v for k, v in self.amounts.items() if k in REFUNDED_TYPES), Decimal(0))


@dataclass
class ReturnsDesk:
    """Returns and adjustments of every seller. Not locked itself: AmazonSandbox holds its lock."""

    header: list[str]
    returns: list[SandboxReturn] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)

    def create(
        self,
        order: SandboxOrder,
        lines: dict[str, int],
        reason: str,
        now: datetime,
        in_policy: bool = True,
    ) -> list[SandboxReturn]:
        """A return of `lines` (SKU -> units) of a shipped order, under one new RMA."""
        if not lines:
            raise ValueError("a return needs at least one line")
        rma = new_rma()
        made: list[SandboxReturn] = []
        for sku, quantity in lines.items():
            item = next((i for i in order.items if i.sku == sku), None)
            if item is None:
                raise ValueError(f"order {order.order_id} has no SKU {sku}")
            already = sum(
                r.quantity
                for r in self.returns
                if r.order_id == order.order_id and r.order_item_id == item.order_item_id
            )
            if quantity < 1 or quantity + already > item.quantity_shipped:
                raise ValueError(
                    f"{sku}: {quantity} returned but {item.quantity_shipped - already} shipped "
                    "and not returned yet"
                )
            made.append(
                SandboxReturn(
                    rma=rma,
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                    marketplace_id=order.marketplace_id,
                    sku=sku,
                    asin=item.asin,
                    title=item.title,
                    quantity=quantity,
                    reason=reason,
                    requested=now,
                    order_date=order.purchase_date,
                    order_amount=item.charge,
                    order_quantity=item.quantity_ordered,
                    currency=item.currency,
                    in_policy=in_policy,
                )
            )
        self.returns.extend(made)
        return made

    def report_rows(self, marketplaces: list[str], start: datetime, end: datetime) -> list[str]:
        """The rows of a report over [start, end] (by return request date), oldest first."""
        found = [
            r
            for r in self.returns
            if r.marketplace_id in marketplaces and start <= r.requested <= end
        ]
        found.sort(key=lambda r: (r.requested, r.rma))
        return [r.row(self.header) for r in found]

    def report_range(self, body: dict[str, object], now: datetime) -> tuple[datetime, datetime]:
        def moment(name: str, default: datetime) -> datetime:
            raw = body.get(name)
            if raw is None:
                return default
            parsed = parse_wire(raw) if isinstance(raw, str) else None
            if parsed is None:
                raise SpApiError(400, f"{name} is not an ISO 8601 date-time")
            return parsed

        end = min(moment("dataEndTime", now), now)
        start = moment("dataStartTime", end - DEFAULT_RANGE)
        if start > end:
            raise SpApiError(400, "dataStartTime is after dataEndTime")
        if end - start > MAX_RANGE:  # Amazon's answer to a longer range: unverified
            raise SpApiError(400, "The returns report covers at most 60 days")
        return start, end

    # ---- the order-adjustment feed ---------------------------------------------------------

    def process_adjustments(
        self,
        feed_id: str,
        seller_id: str,
        content: bytes | None,
        orders: dict[str, SandboxOrder],
        now: datetime,
    ) -> bytes | None:
        """The processing report, or None when the document is not an OrderAdjustment
        envelope at all (the feed is FATAL)."""
        try:
            root = ET.fromstring(content) if content is not None else None
        except ET.ParseError:
            root = None
        if (
            root is None
            or root.tag != "AmazonEnvelope"
            or root.findtext("Header/MerchantIdentifier") is None
            or root.findtext("Header/DocumentVersion") is None
            or root.findtext("MessageType") != "OrderAdjustment"
            or not root.findall("Message")
        ):
            return None
        results: list[tuple[str, str, str]] = []
        messages = root.findall("Message")
        for message in messages:
            message_id = (message.findtext("MessageID") or "").strip()
            problem = self._apply(feed_id, seller_id, message, orders, now)
            if problem is not None:
                results.append((message_id, problem[0], problem[1]))
        return _processing_report(seller_id, feed_id, len(messages), results)

    def _apply(
        self,
        feed_id: str,
        seller_id: str,
        message: ET.Element,
        orders: dict[str, SandboxOrder],
        now: datetime,
    ) -> tuple[str, str] | None:
        """(ResultMessageCode, ResultDescription) of a refused message; None once applied.
        A message applies whole or not at all."""
        if not (message.findtext("MessageID") or "").strip().isdigit():
            return "5000", "MessageID must be a positive integer"
        adjustment = message.find("OrderAdjustment")
        if adjustment is None:
            return "5000", "the message holds no OrderAdjustment"
        order_id = (adjustment.findtext("AmazonOrderID") or "").strip()
        order = orders.get(order_id)
        if order is None or order.seller_id != seller_id:
            return "18028", f"order {order_id or '(none)'} was not found"
        action = adjustment.findtext("ActionType")
        if action is not None and action not in ("Refund", "Cancel"):
            return "5000", f"ActionType {action!r} is not Refund or Cancel"
        items = adjustment.findall("AdjustedItem")
        if not items:
            return "5000", "an OrderAdjustment needs one AdjustedItem or more"
        made: list[Adjustment] = []
        for element in items:
            parsed = self._item(feed_id, order, element, made, now)
            if isinstance(parsed, tuple):
                return parsed
            made.append(parsed)
        self.adjustments.extend(made)
        for adjustment_made in made:
            self._mark_refunded(adjustment_made)
        return None

    def _item(
        self,
        feed_id: str,
        order: SandboxOrder,
        element: ET.Element,
        pending: list[Adjustment],
        now: datetime,
    ) -> Adjustment | tuple[str, str]:
        code = (element.findtext("AmazonOrderItemCode") or "").strip()
        item = order.item(code)
        if item is None:
            return "18029", f"order item {code or '(none)'} is not on order {order.order_id}"
        reason = (element.findtext("AdjustmentReason") or "").strip()
        if reason not in ADJUSTMENT_REASONS:
            return "5000", f"AdjustmentReason {reason!r} is not allowed"
        amounts: dict[str, Decimal] = {}
        currency = item.currency
        for component in element.findall("ItemPriceAdjustments/Component"):
            kind = (component.findtext("Type") or "").strip()
            amount_element = component.find("Amount")
            if kind not in COMPONENT_TYPES or amount_element is None:
                return "5000", f"component {kind!r} is not allowed or has no Amount"
            try:
                amount = Decimal((amount_element.text or "").strip())
            except InvalidOperation:
                return "5000", f"{kind} amount is not a decimal"
            if amount < 0 or amount != amount.quantize(CENT):
                return "5000", f"{kind} amount must be positive with two decimals at most"
            if amount_element.get("currency", currency) != currency:
                return "5000", f"{kind} amount is not in the order's currency {currency}"
            amounts[kind] = amounts.get(kind, Decimal(0)) + amount
        if not amounts:
            return "5000", "nothing to adjust: no ItemPriceAdjustments component"
        if not item.quantity_shipped:
            return "18100", f"order item {code} has not shipped: confirm shipment first"
        made = Adjustment(
            feed_id,
            order.order_id,
            code,
            element.findtext("MerchantAdjustmentItemID"),
            reason,
            amounts,
            currency,
            now,
        )
        shipped_value = (item.unit_price - item.unit_promotion) * item.quantity_shipped
        refunded = sum(
            (
                a.item_money
                for a in [*self.adjustments, *pending]
                if a.order_id == order.order_id and a.order_item_id == code
            ),
            Decimal(0),
        )
        if refunded + made.item_money > shipped_value:
            return "18101", (
                f"refund of {made.item_money} exceeds what is left of order item {code} "
                f"({shipped_value - refunded})"
            )
        return made

    def _mark_refunded(self, made: Adjustment) -> None:
        """The returns of the refunded item show the money in their Refunded Amount column."""
        for found in self.returns:
            if found.order_id == made.order_id and found.order_item_id == made.order_item_id:
                found.refunded += sum(made.amounts.values(), Decimal(0))
                return


def _processing_report(
    seller_id: str, feed_id: str, processed: int, errors: list[tuple[str, str, str]]
) -> bytes:
    root = ET.Element("AmazonEnvelope")
    header = ET.SubElement(root, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.02"
    ET.SubElement(header, "MerchantIdentifier").text = seller_id
    ET.SubElement(root, "MessageType").text = "ProcessingReport"
    message = ET.SubElement(root, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    report = ET.SubElement(message, "ProcessingReport")
    ET.SubElement(report, "DocumentTransactionID").text = feed_id
    ET.SubElement(report, "StatusCode").text = "Complete"
    summary = ET.SubElement(report, "ProcessingSummary")
    ET.SubElement(summary, "MessagesProcessed").text = str(processed)
    ET.SubElement(summary, "MessagesSuccessful").text = str(processed - len(errors))
    ET.SubElement(summary, "MessagesWithError").text = str(len(errors))
    ET.SubElement(summary, "MessagesWithWarning").text = "0"
    for message_id, code, description in errors:
        result = ET.SubElement(report, "Result")
        ET.SubElement(result, "MessageID").text = message_id
        ET.SubElement(result, "ResultCode").text = "Error"
        ET.SubElement(result, "ResultMessageCode").text = code
        ET.SubElement(result, "ResultDescription").text = description
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
