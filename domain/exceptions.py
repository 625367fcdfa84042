"""Exceptions a person acts on: each kind names what is wrong, not where the code failed."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ValidationError


class ExceptionKind(StrEnum):
    UNMAPPED_SKU = "UNMAPPED_SKU"
    UNMAPPED_CARRIER = "UNMAPPED_CARRIER"
    NO_FACILITY = "NO_FACILITY"
    MISSING_CUSTOMS_DATA = "MISSING_CUSTOMS_DATA"
    MISSING_ADDRESS = "MISSING_ADDRESS"
    WAREHOUSE_REJECTED = "WAREHOUSE_REJECTED"
    CHANNEL_REJECTED = "CHANNEL_REJECTED"
    CHANNEL_AUTH_FAILED = "CHANNEL_AUTH_FAILED"
    # A channel account no worker polling this queue is configured for (the accounts file or
    # CONSIGN_ACCOUNTS differ between workers, or the account was removed).
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    WAREHOUSE_AUTH_FAILED = "WAREHOUSE_AUTH_FAILED"  # GXO refused consign's API key
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    OVER_SHIPMENT = "OVER_SHIPMENT"
    UNKNOWN_ORDER_LINE = "UNKNOWN_ORDER_LINE"
    CANCEL_TOO_LATE = "CANCEL_TOO_LATE"
    SHIP_BY_AT_RISK = "SHIP_BY_AT_RISK"
    SHIP_BY_MISSED = "SHIP_BY_MISSED"
    TRANSPARENCY_CODES_REQUIRED = "TRANSPARENCY_CODES_REQUIRED"
    CHANNEL_LABEL_REQUIRED = "CHANNEL_LABEL_REQUIRED"
    ORDER_TOO_LARGE = "ORDER_TOO_LARGE"  # more lines than CONSIGN_MAX_LINES_PER_ORDER
    INVENTORY_PUSH_REJECTED = "INVENTORY_PUSH_REJECTED"
    INVENTORY_SYNC_STALLED = "INVENTORY_SYNC_STALLED"
    CAPTURE_FAILED = "CAPTURE_FAILED"  # the channel could not capture a shipped parcel's payment
    INVALID_CHANNEL_DATA = "INVALID_CHANNEL_DATA"  # the channel sent what consign cannot read
    INVALID_WAREHOUSE_DATA = "INVALID_WAREHOUSE_DATA"  # GXO sent what consign cannot read
    ACTIVITY_RETRYING = "ACTIVITY_RETRYING"  # flag: a call keeps failing for a passing reason
    UNEXPECTED_ERROR = "UNEXPECTED_ERROR"  # a defect in consign: parked, never a stuck task
    DUPLICATE_TRACKING = "DUPLICATE_TRACKING"  # a new parcel id with a known tracking number
    QUANTITY_OUT_OF_RANGE = "QUANTITY_OUT_OF_RANGE"  # a line above the configured maximum
    DUPLICATE_ORDER_LINE = "DUPLICATE_ORDER_LINE"  # one channel line id twice in an order
    SETTLEMENT_UNBALANCED = "SETTLEMENT_UNBALANCED"  # a payout file's rows miss its total
    # A SKU whose item GXO's item master has not accepted yet (product sync): retried by itself
    # once GXO accepts it.
    ITEM_NOT_LAUNCHED = "ITEM_NOT_LAUNCHED"
    # Returns (ReturnFulfillment).
    RETURN_NOT_ARRIVED = "RETURN_NOT_ARRIVED"  # nothing received within the configured days
    RETURN_MISMATCH = "RETURN_MISMATCH"  # received items or quantities differ from the RMA
    UNMAPPED_DISPOSITION = "UNMAPPED_DISPOSITION"  # a disposition with no policy row
    REFUND_REFUSED = "REFUND_REFUSED"  # the channel (or its payment provider) refused


class ConsignError(Exception):
    """A permanent, explained failure. Activities raise it as a non-retryable ApplicationError
    whose type is the kind's value, and the workflow turns it back into an ExceptionKind."""

    def __init__(self, kind: ExceptionKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def describe_error(err: BaseException, limit: int = 300) -> str:
    """A one-line account of an unexpected error that is safe to log and to show: a pydantic
    validation error names the fields and what is wrong with them, never the values (which may
    be a buyer's name or address)."""
    if isinstance(err, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'value'}: {problem['msg']}"
            for problem in err.errors(include_url=False, include_input=False, include_context=False)
        )
        text = f"{err.title} does not validate: {problems}"
    else:
        text = f"{type(err).__name__}: {err}"
    return text if len(text) <= limit else text[: limit - 3] + "..."
