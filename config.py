"""Settings from the environment (and .env via python-dotenv). Secrets are SecretStr: they
print as '**********' and never reach a log line."""

from __future__ import annotations

import os
from functools import lru_cache

from dotenv import load_dotenv
from pydantic import BaseModel, Field, SecretStr

from domain.limits import IntakeLimits
from domain.order import Channel
from integrations.centra.settings import CaptureMode, CentraSettings


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _flag(name: str, default: str) -> bool:
    return _env(name, default).strip().lower() in ("1", "true", "yes")


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _csv(name: str, default: str) -> list[str]:
    return [part.strip() for part in _env(name, default).split(",") if part.strip()]


LIMITS = IntakeLimits()  # the defaults


class TemporalSettings(BaseModel):
    address: str
    namespace: str
    task_queue: str


class AmazonSettings(BaseModel):
    seller_id: str  # the channel account
    endpoint: str
    lwa_endpoint: str
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr
    marketplace_ids: list[str]
    orders_reader: str  # "v2026" (default) or "v0" (fallback)
    rate_scale: float  # multiplies Amazon's usage-plan rates; 1.0 in production
    search_settle_seconds: float = 130.0  # how old a change must be before intake reads it


class GxoSettings(BaseModel):
    base_url: str
    api_key: SecretStr
    webhook_secret: SecretStr
    facilities: list[str]


class Settings(BaseModel):
    temporal: TemporalSettings
    database_url: str
    channels: list[Channel]  # the channels this deployment runs
    amazon: AmazonSettings
    centra: CentraSettings
    centra_sweep_every_polls: int  # every Nth Centra poll re-reads all open orders
    gxo: GxoSettings
    poll_interval_seconds: float
    chase_lead_hours: float
    start_intakes: bool  # the worker makes sure every intake workflow runs
    inventory_sync: bool  # run StockIntake per facility and InventorySync per channel account
    reconcile_hours: float  # full read-back and correction of every channel's stock
    stock_stall_minutes: float  # a change pending longer raises INVENTORY_SYNC_STALLED
    webhook_port: int | None  # serve GXO's pushed events on this loopback/ingress port
    metrics_address: str | None  # Prometheus scrape endpoint, e.g. 0.0.0.0:9464
    limits: IntakeLimits = Field(default_factory=IntakeLimits)  # bounds on inbound sizes


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read once per process; tests build Settings directly instead."""
    load_dotenv()
    return Settings(
        temporal=TemporalSettings(
            address=_env("TEMPORAL_ADDRESS", "localhost:7233"),
            namespace=_env("TEMPORAL_NAMESPACE", "default"),
            task_queue=_env("TEMPORAL_TASK_QUEUE", "consign"),
        ),
        database_url=_env("DATABASE_URL", "sqlite:///var/consign.db"),
        channels=[Channel(c) for c in _csv("CONSIGN_CHANNELS", "amazon,centra")],
        amazon=AmazonSettings(
            seller_id=_env("AMAZON_SELLER_ID", "A1SANDBOXSELLER"),
            endpoint=_env("AMAZON_SPAPI_ENDPOINT", "http://127.0.0.1:8701"),
            lwa_endpoint=_env("AMAZON_LWA_ENDPOINT", "http://127.0.0.1:8701/auth/o2/token"),
            client_id=_env("AMAZON_LWA_CLIENT_ID", "amzn1.application-oa2-client.sandbox"),
            client_secret=SecretStr(_env("AMAZON_LWA_CLIENT_SECRET", "sandbox-secret")),
            refresh_token=SecretStr(_env("AMAZON_REFRESH_TOKEN", "Atzr|sandbox-refresh-token")),
            marketplace_ids=_csv("AMAZON_MARKETPLACE_IDS", "A1F83G8C2ARO7P"),
            orders_reader=_env("AMAZON_ORDERS_READER", "v2026"),
            rate_scale=float(_env("AMAZON_RATE_SCALE", "1.0")),
            search_settle_seconds=float(_env("AMAZON_SEARCH_SETTLE_SECONDS", "130")),
        ),
        centra=CentraSettings(
            base_url=_env("CENTRA_API_URL", "http://127.0.0.1:8703/graphql"),
            token=SecretStr(_env("CENTRA_API_TOKEN", "sandbox-centra-token")),
            account=_env("CENTRA_ACCOUNT", "sandbox-brand"),
            webhook_secret=SecretStr(
                _env("CENTRA_WEBHOOK_SECRET", "sandbox-centra-webhook-secret")
            ),
            capture_mode=CaptureMode(_env("CENTRA_CAPTURE_MODE", "capture")),
            dispatch_sla_hours=float(_env("CENTRA_DISPATCH_SLA_HOURS", "48")),
            warehouse_id=int(wid) if (wid := _env("CENTRA_WAREHOUSE_ID", "1")) else None,
            rate_scale=float(_env("CENTRA_RATE_SCALE", "1.0")),
        ),
        centra_sweep_every_polls=int(_env("CENTRA_SWEEP_EVERY_POLLS", "10")),
        gxo=GxoSettings(
            base_url=_env("GXO_BASE_URL", "http://127.0.0.1:8702"),
            api_key=SecretStr(_env("GXO_API_KEY", "sandbox-gxo-key")),
            webhook_secret=SecretStr(_env("GXO_WEBHOOK_SECRET", "sandbox-webhook-secret")),
            facilities=_csv("GXO_FACILITIES", "GXO-UK-DAV,GXO-DE-KOB"),
        ),
        poll_interval_seconds=float(_env("CONSIGN_POLL_INTERVAL_SECONDS", "60")),
        chase_lead_hours=float(_env("CONSIGN_CHASE_LEAD_HOURS", "6")),
        start_intakes=_flag("CONSIGN_START_INTAKES", "true"),
        inventory_sync=_flag("CONSIGN_INVENTORY_SYNC", "true"),
        reconcile_hours=float(_env("CONSIGN_RECONCILE_HOURS", "24")),
        stock_stall_minutes=float(_env("CONSIGN_STOCK_STALL_MINUTES", "30")),
        webhook_port=int(port) if (port := _env("CONSIGN_WEBHOOK_PORT", "")) else None,
        metrics_address=_env("CONSIGN_METRICS_ADDRESS", "") or None,
        limits=IntakeLimits(
            webhook_max_bytes=_int("CONSIGN_WEBHOOK_MAX_BYTES", LIMITS.webhook_max_bytes),
            webhook_max_orders=_int("CONSIGN_WEBHOOK_MAX_ORDERS", LIMITS.webhook_max_orders),
            max_parcels_per_dispatch=_int(
                "GXO_MAX_PARCELS_PER_DISPATCH", LIMITS.max_parcels_per_dispatch
            ),
            max_lines_per_order=_int("CONSIGN_MAX_LINES_PER_ORDER", LIMITS.max_lines_per_order),
            payload_budget_bytes=_int("CONSIGN_PAYLOAD_BUDGET_BYTES", LIMITS.payload_budget_bytes),
            max_units_per_line=_int("CONSIGN_MAX_UNITS_PER_LINE", LIMITS.max_units_per_line),
        ),
    )
