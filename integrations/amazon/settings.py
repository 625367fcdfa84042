"""Amazon settings: one seller account, read from AMAZON_* environment variables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, SecretStr

from config import choice, csv_list, env, flag, instant, number, sandbox_default, whole

CHANNEL = "amazon"  # Channel and OrderRef.channel of every Amazon order (in stored histories)


class OrdersReader(StrEnum):
    V2026 = "v2026"
    V0 = "v0"


class AmazonSettings(BaseModel):
    seller_id: str  # the channel account
    endpoint: str
    lwa_endpoint: str
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr
    marketplace_ids: list[str]
    orders_reader: str  # "v2026" (default) or "v0" (fallback)
    # The bounds the AMAZON_* readers check, kept by the model too: an accounts-file entry's
    # options are validated by it alone (integrations/accounts.py).
    rate_scale: float = Field(gt=0)  # multiplies Amazon's usage-plan rates; 1.0 in production
    search_settle_seconds: float = Field(default=130.0, ge=0)  # how old a change must be
    # ORDER_CHANGE notifications (docs/amazon.md): the SQS queue the worker reads; "" = off.
    notifications_queue_url: str = ""
    sqs_region: str = "eu-west-1"
    sqs_endpoint: str = ""  # "" = AWS's own endpoint for the region; the dev stack's local one
    sqs_wait_seconds: int = Field(default=20, ge=1, le=20)  # SQS long poll (1-20 s)
    # One returns report per this many minutes at most.
    returns_report_minutes: float = Field(default=30.0, gt=0)
    # AMAZON_PRODUCT_SYNC: listings of SKUs no product-mastering channel (Centra) has are sent
    # to GXO's item master (ProductSync, integrations/amazon/products.py).
    product_sync: bool = False
    product_sync_minutes: float = Field(default=15, gt=0)  # AMAZON_PRODUCT_SYNC_MINUTES
    # AMAZON_ITEM_CODES_FROM_LISTINGS: an unmapped Amazon-only SKU goes to GXO under its own
    # SKU and its mapping is written (EAN, origin); false: it is listed unmapped, not sent.
    item_codes_from_listings: bool = False
    # AMAZON_PRODUCT_SYNC_SINCE: listings last updated before it are not swept at first start.
    product_sync_since: datetime | None = None

    @property
    def notifications(self) -> bool:
        return bool(self.notifications_queue_url.strip())


def read_amazon_settings() -> AmazonSettings:
    return AmazonSettings(
        seller_id=sandbox_default("AMAZON_SELLER_ID", "A1SANDBOXSELLER"),
        endpoint=sandbox_default("AMAZON_SPAPI_ENDPOINT", "http://127.0.0.1:8701", endpoint=True),
        lwa_endpoint=sandbox_default(
            "AMAZON_LWA_ENDPOINT", "http://127.0.0.1:8701/auth/o2/token", endpoint=True
        ),
        client_id=sandbox_default(
            "AMAZON_LWA_CLIENT_ID", "amzn1.application-oa2-client.sandbox", blank_ok=True
        ),
        client_secret=SecretStr(
            sandbox_default("AMAZON_LWA_CLIENT_SECRET", "sandbox-secret", blank_ok=True)
        ),
        refresh_token=SecretStr(
            sandbox_default("AMAZON_REFRESH_TOKEN", "Atzr|sandbox-refresh-token", blank_ok=True)
        ),
        marketplace_ids=csv_list("AMAZON_MARKETPLACE_IDS", "A1F83G8C2ARO7P"),
        orders_reader=choice("AMAZON_ORDERS_READER", "v2026", OrdersReader).value,
        rate_scale=number("AMAZON_RATE_SCALE", "1.0", above=0),
        search_settle_seconds=number("AMAZON_SEARCH_SETTLE_SECONDS", "130", at_least=0),
        notifications_queue_url=env("AMAZON_NOTIFICATIONS_QUEUE_URL", "").strip(),
        sqs_region=env("AMAZON_SQS_REGION", "eu-west-1").strip() or "eu-west-1",
        sqs_endpoint=env("AMAZON_SQS_ENDPOINT", "").strip(),
        sqs_wait_seconds=whole("AMAZON_SQS_WAIT_SECONDS", 20, at_least=1, at_most=20),
        returns_report_minutes=number("AMAZON_RETURNS_REPORT_MINUTES", "30", above=0),
        product_sync=flag("AMAZON_PRODUCT_SYNC", "false"),
        product_sync_minutes=number("AMAZON_PRODUCT_SYNC_MINUTES", "15", above=0),
        item_codes_from_listings=flag("AMAZON_ITEM_CODES_FROM_LISTINGS", "false"),
        product_sync_since=instant("AMAZON_PRODUCT_SYNC_SINCE"),
    )
