"""Centra settings: one Centra store, read from CENTRA_* environment variables."""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, SecretStr

from config import (
    choice,
    flag,
    in_production,
    instant,
    number,
    optional_whole,
    refuse_in_production,
    sandbox_default,
    validated,
    whole,
)

CHANNEL = "centra"  # Channel and OrderRef.channel of every Centra order (in stored histories)
VARIABLES = {
    "dispatch_sla_hours": "CENTRA_DISPATCH_SLA_HOURS",
    "rate_scale": "CENTRA_RATE_SCALE",
    "sweep_every_polls": "CENTRA_SWEEP_EVERY_POLLS",
    "product_sync_minutes": "CENTRA_PRODUCT_SYNC_MINUTES",
}


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
    sweep_every_polls: int = Field(default=10, ge=0)  # CENTRA_SWEEP_EVERY_POLLS: 0 never
    # CENTRA_PRODUCT_SYNC: Centra's products are sent to GXO's item master (ProductSync), and
    # a SKU GXO has not accepted is neither offered for sale nor injected.
    product_sync: bool = False
    product_sync_minutes: float = Field(default=15, gt=0)  # CENTRA_PRODUCT_SYNC_MINUTES
    # CENTRA_ITEM_CODES_FROM_PRODUCTS: a SKU with no hand-kept mapping goes to GXO under its
    # own SKU as item code, and every SKU's customs data comes from the product data.
    item_codes_from_products: bool = False
    # CENTRA_PRODUCT_SYNC_SINCE: products last changed before it are not swept at the first
    # start (GXO's item master was loaded with them at onboarding); empty: every product.
    product_sync_since: datetime | None = None


def _since() -> datetime | None:
    return instant("CENTRA_PRODUCT_SYNC_SINCE")


def _warehouse_id() -> int | None:
    """Centra's id of the GXO warehouse; 1 is the sandbox's, so production must say (empty:
    no stock sync)."""
    if in_production() and "CENTRA_WAREHOUSE_ID" not in os.environ:
        refuse_in_production(
            "CENTRA_WAREHOUSE_ID", "not set (the sandbox's is 1; empty: no Centra stock sync)"
        )
    return optional_whole("CENTRA_WAREHOUSE_ID", "1", at_least=1)


def read_centra_settings() -> CentraSettings:
    return validated(
        CentraSettings,
        VARIABLES,
        base_url=sandbox_default("CENTRA_API_URL", "http://127.0.0.1:8703/graphql", endpoint=True),
        token=SecretStr(sandbox_default("CENTRA_API_TOKEN", "sandbox-centra-token", blank_ok=True)),
        account=sandbox_default("CENTRA_ACCOUNT", "sandbox-brand"),
        # A blank webhook secret would accept any push signed with the empty key.
        webhook_secret=SecretStr(
            sandbox_default("CENTRA_WEBHOOK_SECRET", "sandbox-centra-webhook-secret")
        ),
        capture_mode=choice("CENTRA_CAPTURE_MODE", "capture", CaptureMode),
        dispatch_sla_hours=number("CENTRA_DISPATCH_SLA_HOURS", "48"),
        warehouse_id=_warehouse_id(),
        rate_scale=number("CENTRA_RATE_SCALE", "1.0"),
        sweep_every_polls=whole("CENTRA_SWEEP_EVERY_POLLS", 10, at_least=0),
        product_sync=flag("CENTRA_PRODUCT_SYNC", "false"),
        product_sync_minutes=number("CENTRA_PRODUCT_SYNC_MINUTES", "15"),
        item_codes_from_products=flag("CENTRA_ITEM_CODES_FROM_PRODUCTS", "false"),
        product_sync_since=_since(),
    )
