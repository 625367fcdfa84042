"""Exceptions a person acts on: each kind names what is wrong, not where the code failed."""

from __future__ import annotations

from enum import StrEnum


class ExceptionKind(StrEnum):
    UNMAPPED_SKU = "UNMAPPED_SKU"
    UNMAPPED_CARRIER = "UNMAPPED_CARRIER"
    NO_FACILITY = "NO_FACILITY"
    MISSING_CUSTOMS_DATA = "MISSING_CUSTOMS_DATA"
    MISSING_ADDRESS = "MISSING_ADDRESS"
    WAREHOUSE_REJECTED = "WAREHOUSE_REJECTED"
    CHANNEL_REJECTED = "CHANNEL_REJECTED"
    CHANNEL_AUTH_FAILED = "CHANNEL_AUTH_FAILED"
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


class ConsignError(Exception):
    """A permanent, explained failure. Activities raise it as a non-retryable ApplicationError
    whose type is the kind's value, and the workflow turns it back into an ExceptionKind."""

    def __init__(self, kind: ExceptionKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
