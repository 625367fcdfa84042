"""Hypothesis strategies for settlements: rows of the kinds Amazon sends (and some no rule
knows), written by the sandbox's file writer in US or EU layout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from sandbox.amazon.settlement_file import AmountRow

START = datetime(2026, 7, 2, 7, 14, 55, tzinfo=UTC)

ORDER_AMOUNTS = [
    ("Order", "ItemPrice", "Principal"),
    ("Order", "ItemPrice", "Shipping"),
    ("Order", "ItemPrice", "Tax"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal"),
    ("Order", "Promotion", "Principal"),
    ("Order", "ItemFees", "Commission"),
    ("Order", "ItemFees", "FixedClosingFee"),
    ("Order", "ItemPrice", "GiftWrap"),
    ("Refund", "ItemPrice", "Principal"),
    ("Refund", "ItemFees", "RefundCommission"),
    ("Chargeback", "Mystery", "Whatever"),
]
ACCOUNT_AMOUNTS = [
    ("other-transaction", "other-transaction", "Previous Reserve Amount Balance"),
    ("other-transaction", "other-transaction", "Current Reserve Amount"),
    ("other-transaction", "other-transaction", "Subscription Fee"),
    ("ServiceFee", "Cost of Advertising", "TransactionTotalAmount"),
    ("AmazonFees", "FBA Removal Order: Return Fee", "Base fee"),
    ("SAFE-T Reimbursement", "Something", "New"),
]

amounts = st.decimals(
    min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2, allow_nan=False
)
order_ids = st.sampled_from([f"11{n}-000000{n}-000000{n}" for n in range(1, 8)])
skus = st.sampled_from(["MUG-BLU-12", "BOWL-GRN-6", "SPOON-SET-4"])


@st.composite
def amount_rows(draw: st.DrawFn) -> AmountRow:
    posted = START + timedelta(minutes=draw(st.integers(min_value=0, max_value=20_000)))
    if draw(st.booleans()):
        transaction, amount_type, description = draw(st.sampled_from(ORDER_AMOUNTS))
        sku = draw(skus)
        fields = {
            "order-id": draw(order_ids),
            "sku": sku,
            "order-item-code": f"55301234567{len(sku):03d}",
            "quantity-purchased": str(draw(st.integers(min_value=1, max_value=5))),
            "fulfillment-id": draw(st.sampled_from(["MFN", "AFN"])),
            "marketplace-name": "Amazon.com",
        }
    else:
        transaction, amount_type, description = draw(st.sampled_from(ACCOUNT_AMOUNTS))
        fields = {}
    return AmountRow(transaction, amount_type, description, draw(amounts), posted, fields)


settlement_rows = st.lists(amount_rows(), min_size=0, max_size=40)
