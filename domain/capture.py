"""Payment captures of shipped parcels, channel-neutral.

A channel that takes the buyer's money when a parcel ships (a CapturePort) reports one capture
per confirmed parcel. Some payment providers settle a capture later (a capture request stays
pending until the provider answers, which can take days and can fail), so the order's workflow
waits for it durably and never asks for a second capture while one is pending."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class CaptureState(StrEnum):
    CAPTURED = "CAPTURED"  # paid: nothing to wait for
    PENDING = "PENDING"  # the provider settles it later
    FAILED = "FAILED"  # declined: a person checks the payment, `retry` captures again


class PaymentCapture(BaseModel):
    """The capture of one confirmed parcel. `requests` are the channel's ids of the capture
    requests it waits for (e.g. payment-history entry ids); `message` says why it failed,
    without personal data."""

    parcel_id: str
    shipment_id: str
    state: CaptureState
    requests: list[str] = Field(default_factory=list)
    message: str | None = None

    @property
    def settled(self) -> bool:
        return self.state is CaptureState.CAPTURED
