"""Bounds on what consign accepts from outside, and the payload size it keeps Temporal under.

Temporal refuses a single payload (a signal's argument, an activity's input or result) above
2 MB and warns above 256 KB; a workflow history is capped at 51,200 events. Each bound here keeps
an inbound record inside those limits or turns it into a named outcome (a 413, a set-aside
record, an exception on the order) instead of a failure nobody sees. docs/configuration.md lists
the settings that change them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

KIB = 1024
MIB = 1024 * KIB


class IntakeLimits(BaseModel):
    webhook_max_bytes: int = Field(default=16 * MIB, ge=1)  # a larger push body: HTTP 413
    webhook_max_orders: int = Field(default=1000, ge=1)  # orders one channel push may name: 413
    # A dispatch with more parcels is set aside (TOO_LARGE): one order confirms each parcel
    # with its own activity, and its history must stay far below 51,200 events.
    max_parcels_per_dispatch: int = Field(default=1000, ge=1)
    max_lines_per_order: int = Field(default=500, ge=1)  # more: the order parks ORDER_TOO_LARGE
    # An order line with more open units is refused at planning (QUANTITY_OUT_OF_RANGE): far
    # beyond anything a shop sells, it is a data error, not a pick list.
    max_units_per_line: int = Field(default=1000, ge=1)
    # The most one signal or activity payload carries: a dispatch above it is split into parts.
    payload_budget_bytes: int = Field(default=256 * KIB, ge=4 * KIB, le=2 * MIB)
