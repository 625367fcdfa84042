"""Centra settings: what config.py reads from CENTRA_* environment variables."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, SecretStr


class CaptureMode(StrEnum):
    """How a shipment gets paid: Centra captures it, or payment was captured elsewhere and the
    shipment is only marked paid, or neither (the brand captures by hand)."""

    CAPTURE = "capture"
    IS_PAID = "is_paid"
    NONE = "none"


class CentraSettings(BaseModel):
    base_url: str  # CENTRA_API_URL: https://<brand>.centra.com/graphql
    token: SecretStr  # CENTRA_API_TOKEN: an Integration API token (expires, 30 days default)
    account: str  # CENTRA_ACCOUNT: the store name, OrderRef.account of every order
    webhook_secret: SecretStr  # CENTRA_WEBHOOK_SECRET: verifies X-Centra-Signature
    capture_mode: CaptureMode = CaptureMode.CAPTURE  # CENTRA_CAPTURE_MODE
    dispatch_sla_hours: float = Field(default=48, gt=0)  # CENTRA_DISPATCH_SLA_HOURS: ship_by
    warehouse_id: int | None = None  # CENTRA_WAREHOUSE_ID: the GXO warehouse in Centra (stock)
    # CENTRA_RATE_SCALE: the instance's quotas over the published ones (quota.py); 1.0 unless
    # Centra gave the instance others (the local demo raises it with its sandbox's).
    rate_scale: float = Field(default=1.0, gt=0)
