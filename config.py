"""Settings from the environment (and .env via python-dotenv). Secrets are SecretStr: they
print as '**********' and never reach a log line. A value consign cannot use (not a number, an
unknown name, out of range, blank where one is needed) is a SettingsError naming the variable,
which the CLI prints as one line and the worker logs before it stops."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from dotenv import load_dotenv
from pydantic import BaseModel, Field, SecretBytes, SecretStr, ValidationError
from temporalio.envconfig import ClientConfigProfile, DataSource

from domain.limits import IntakeLimits
from domain.order import Channel
from integrations.centra.settings import CaptureMode, CentraSettings

T = TypeVar("T")
N = TypeVar("N", int, float)
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=StrEnum)
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class SettingsError(ValueError):
    """A setting consign cannot use; the message names the variable (never a secret's value)."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _required(name: str, default: str) -> str:
    value = _env(name, default)
    if not value.strip():
        raise SettingsError(
            f"{name} is set but empty: give it a value, or unset it for the default"
        )
    return value


def _parsed(name: str, default: str, parse: Callable[[str], T], expected: str) -> T:
    raw = _env(name, default)
    try:
        return parse(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}={raw[:40]!r} is not {expected}") from None


def _flag(name: str, default: str) -> bool:
    def parse(value: str) -> bool:
        if value.lower() not in TRUE + FALSE:
            raise ValueError(value)
        return value.lower() in TRUE

    return _parsed(name, default, parse, "a yes/no value (1, true, yes / 0, false, no)")


def _within(
    name: str,
    value: N,
    *,
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
) -> N:
    bound = (
        f"at least {at_least:g}"
        if at_least is not None and value < at_least
        else f"greater than {above:g}"
        if above is not None and value <= above
        else f"at most {at_most:g}"
        if at_most is not None and value > at_most
        else None
    )
    if bound is not None:
        raise SettingsError(f"{name}={value!r}: must be {bound}")
    return value


def _int(name: str, default: int, **bounds: float) -> int:
    return _within(name, _parsed(name, str(default), int, "a whole number"), **bounds)


def _optional_int(name: str, default: str, **bounds: float) -> int | None:
    """A whole number, or None when the variable is empty."""
    value = _parsed(name, default, lambda text: int(text) if text else None, "a whole number")
    return None if value is None else _within(name, value, **bounds)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _float(name: str, default: str, **bounds: float) -> float:
    """A finite number (not nan, not inf) within `bounds`."""
    return _within(name, _parsed(name, default, _finite, "a finite number"), **bounds)


def _choice(name: str, default: str, choices: type[E]) -> E:
    names = ", ".join(choices)
    return _parsed(name, default, lambda value: choices(value.lower()), f"one of {names}")


def _csv(name: str, default: str) -> list[str]:
    return [part.strip() for part in _env(name, default).split(",") if part.strip()]


def _channels(name: str, default: str) -> list[Channel]:
    known = ", ".join(Channel)
    unknown = [part for part in _csv(name, default) if part not in set(Channel)]
    if unknown:
        raise SettingsError(f"{name} names {unknown[0][:40]!r}, not one of {known}")
    return [Channel(part) for part in _csv(name, default)]


def _validated(model: type[M], variables: Mapping[str, str], **values: Any) -> M:
    """The model, or a SettingsError naming the variable of the first field it refuses."""
    try:
        return model(**values)
    except ValidationError as err:
        error = err.errors(include_url=False)[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        value = error.get("input")
        shown = f"={value!r}" if isinstance(value, int | float) else ""  # never a secret
        raise SettingsError(f"{variables.get(field, field)}{shown}: {error['msg']}") from None


class OrdersReader(StrEnum):
    V2026 = "v2026"
    V0 = "v0"


LIMITS = IntakeLimits()  # the defaults
LIMIT_VARIABLES = {
    "webhook_max_bytes": "CONSIGN_WEBHOOK_MAX_BYTES",
    "webhook_max_orders": "CONSIGN_WEBHOOK_MAX_ORDERS",
    "max_parcels_per_dispatch": "GXO_MAX_PARCELS_PER_DISPATCH",
    "max_lines_per_order": "CONSIGN_MAX_LINES_PER_ORDER",
    "payload_budget_bytes": "CONSIGN_PAYLOAD_BUDGET_BYTES",
    "max_units_per_line": "CONSIGN_MAX_UNITS_PER_LINE",
}
CENTRA_VARIABLES = {
    "dispatch_sla_hours": "CENTRA_DISPATCH_SLA_HOURS",
    "rate_scale": "CENTRA_RATE_SCALE",
}


class TemporalTls(BaseModel):
    """TLS towards Temporal: all None is the system's trust store (Temporal Cloud with an API
    key); a CA for a self-hosted cluster's own certificates; a client certificate and key for
    mTLS (Temporal Cloud's certificate auth, or a cluster that requires it)."""

    server_name: str | None = None
    server_ca_cert: bytes | None = None
    client_cert: bytes | None = None
    client_key: SecretBytes | None = None


class TemporalSettings(BaseModel):
    address: str
    namespace: str
    task_queue: str
    api_key: SecretStr | None = None  # sent as "Authorization: Bearer ..." (Temporal Cloud)
    tls: TemporalTls | None = None  # None: plaintext (a local or in-cluster server)


# Temporal's own client environment configuration: the same variables (and TOML profiles) as
# the `temporal` CLI and every SDK; the TOML names are used when a profile file sets them.
TLS_VARIABLES = {
    "server_root_ca_cert": "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "client_cert": "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "client_private_key": "TEMPORAL_TLS_CLIENT_KEY_PATH",
}


# Read by temporalio's envconfig, not by name here: an empty one counts as unset, as in
# .env.example (the SDK would read an empty path as a file name).
TEMPORAL_OPTIONAL = (
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS",
    "TEMPORAL_TLS_SERVER_NAME",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "TEMPORAL_CONFIG_FILE",
    "TEMPORAL_PROFILE",
)


def _temporal_environ() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if value.strip() or name not in TEMPORAL_OPTIONAL
    }


def _temporal_profile() -> ClientConfigProfile:
    """TEMPORAL_* variables over the TOML profile; the file is read only when
    TEMPORAL_CONFIG_FILE or TEMPORAL_PROFILE asks for it, so a developer's personal
    ~/.config/temporalio/temporal.toml never redirects consign."""
    wants_file = bool(_env("TEMPORAL_CONFIG_FILE", "") or _env("TEMPORAL_PROFILE", ""))
    try:
        return ClientConfigProfile.load(
            profile=_env("TEMPORAL_PROFILE", "") or None,
            disable_file=not wants_file,
            config_file_strict=wants_file,
            override_env_vars=_temporal_environ(),  # .env's values included (load_dotenv)
        )
    except Exception as err:  # the SDK's ConfigError, a TOML or file error
        raise SettingsError(f"TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE: {err}") from None


def _tls_file(source: DataSource | None, variable: str) -> bytes | None:
    if source is None or isinstance(source, bytes):
        return source
    if isinstance(source, str):  # PEM given inline (TEMPORAL_TLS_*_DATA)
        return source.encode()
    try:
        return source.read_bytes()
    except OSError as err:
        raise SettingsError(f"{variable}={str(source)!r}: {err.strerror}") from None


def _temporal_tls(profile: ClientConfigProfile) -> TemporalTls | None:
    enabled = _flag("TEMPORAL_TLS", "") if _env("TEMPORAL_TLS", "").strip() else None
    tls = profile.tls
    if enabled is False or (tls is not None and tls.disabled):
        return None
    wanted = enabled or profile.api_key is not None
    if tls is None:
        return TemporalTls() if wanted else None
    files = {
        field: _tls_file(getattr(tls, field), variable) for field, variable in TLS_VARIABLES.items()
    }
    cert, key = files["client_cert"], files["client_private_key"]
    if (cert is None) != (key is None):
        missing = TLS_VARIABLES["client_private_key" if key is None else "client_cert"]
        raise SettingsError(f"{missing} is not set: mTLS needs both the certificate and its key")
    return TemporalTls(
        server_name=tls.server_name,
        server_ca_cert=files["server_root_ca_cert"],
        client_cert=cert,
        client_key=SecretBytes(key) if key is not None else None,
    )


def temporal_settings() -> TemporalSettings:
    """Where Temporal is and how to authenticate: address and namespace (defaults: the local
    dev server), an API key and TLS as Temporal's environment configuration defines them."""
    profile = _temporal_profile()
    address = _required("TEMPORAL_ADDRESS", profile.address or "localhost:7233")
    namespace = _required("TEMPORAL_NAMESPACE", profile.namespace or "default")
    api_key = profile.api_key
    return TemporalSettings(
        address=address,
        namespace=namespace,
        task_queue=_required("TEMPORAL_TASK_QUEUE", "consign"),
        api_key=SecretStr(api_key) if api_key is not None else None,
        tls=_temporal_tls(profile),
    )


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


class Deployment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class DbMigrate(StrEnum):
    """CONSIGN_DB_MIGRATE: `auto` migrates the store at start (under a lock); `off` only checks
    it is current, for deployments that run `consign db upgrade` as a job (docs/store.md)."""

    AUTO = "auto"
    OFF = "off"


class CodecSettings(BaseModel):
    """Where the payload encryption keys come from (codec/keys.py reads them) and who may use
    the codec server. `keys` is the text of CONSIGN_CODEC_KEYS (`id:base64,id:base64`, the
    first encrypts); `keys_file` a file of the same form (a mounted secret); neither: a
    development key under var/, refused in production."""

    keys: SecretStr = SecretStr("")
    keys_file: str | None = None
    dev_keys_file: str = "var/codec-dev.keys"
    deployment: Deployment = Deployment.DEVELOPMENT
    server_token: SecretStr = SecretStr("")  # the codec server's bearer token; empty: refuse all
    ui_origins: list[str] = Field(default_factory=lambda: ["http://localhost:8233"])


class Settings(BaseModel):
    temporal: TemporalSettings
    database_url: str
    db_migrate: DbMigrate = DbMigrate.AUTO
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
    health_port: int | None = None  # /healthz and /readyz for probes (health.py); None: off
    limits: IntakeLimits = Field(default_factory=IntakeLimits)  # bounds on inbound sizes
    codec: CodecSettings = Field(default_factory=CodecSettings)  # payload encryption


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read once per process; tests build Settings directly instead."""
    load_dotenv()
    return Settings(
        temporal=temporal_settings(),
        database_url=_required("DATABASE_URL", "sqlite:///var/consign.db"),
        db_migrate=_choice("CONSIGN_DB_MIGRATE", "auto", DbMigrate),
        channels=_channels("CONSIGN_CHANNELS", "amazon,centra"),
        amazon=AmazonSettings(
            seller_id=_required("AMAZON_SELLER_ID", "A1SANDBOXSELLER"),
            endpoint=_required("AMAZON_SPAPI_ENDPOINT", "http://127.0.0.1:8701"),
            lwa_endpoint=_required("AMAZON_LWA_ENDPOINT", "http://127.0.0.1:8701/auth/o2/token"),
            client_id=_env("AMAZON_LWA_CLIENT_ID", "amzn1.application-oa2-client.sandbox"),
            client_secret=SecretStr(_env("AMAZON_LWA_CLIENT_SECRET", "sandbox-secret")),
            refresh_token=SecretStr(_env("AMAZON_REFRESH_TOKEN", "Atzr|sandbox-refresh-token")),
            marketplace_ids=_csv("AMAZON_MARKETPLACE_IDS", "A1F83G8C2ARO7P"),
            orders_reader=_choice("AMAZON_ORDERS_READER", "v2026", OrdersReader).value,
            rate_scale=_float("AMAZON_RATE_SCALE", "1.0", above=0),
            search_settle_seconds=_float("AMAZON_SEARCH_SETTLE_SECONDS", "130", at_least=0),
        ),
        centra=_validated(
            CentraSettings,
            CENTRA_VARIABLES,
            base_url=_required("CENTRA_API_URL", "http://127.0.0.1:8703/graphql"),
            token=SecretStr(_env("CENTRA_API_TOKEN", "sandbox-centra-token")),
            account=_required("CENTRA_ACCOUNT", "sandbox-brand"),
            # A blank webhook secret would accept any push signed with the empty key.
            webhook_secret=SecretStr(
                _required("CENTRA_WEBHOOK_SECRET", "sandbox-centra-webhook-secret")
            ),
            capture_mode=_choice("CENTRA_CAPTURE_MODE", "capture", CaptureMode),
            dispatch_sla_hours=_float("CENTRA_DISPATCH_SLA_HOURS", "48"),
            warehouse_id=_optional_int("CENTRA_WAREHOUSE_ID", "1", at_least=1),
            rate_scale=_float("CENTRA_RATE_SCALE", "1.0"),
        ),
        centra_sweep_every_polls=_int("CENTRA_SWEEP_EVERY_POLLS", 10, at_least=0),
        gxo=GxoSettings(
            base_url=_required("GXO_BASE_URL", "http://127.0.0.1:8702"),
            api_key=SecretStr(_env("GXO_API_KEY", "sandbox-gxo-key")),
            webhook_secret=SecretStr(_required("GXO_WEBHOOK_SECRET", "sandbox-webhook-secret")),
            facilities=_csv("GXO_FACILITIES", "GXO-UK-DAV,GXO-DE-KOB"),
        ),
        poll_interval_seconds=_float("CONSIGN_POLL_INTERVAL_SECONDS", "60", above=0),
        chase_lead_hours=_float("CONSIGN_CHASE_LEAD_HOURS", "6", at_least=0),
        start_intakes=_flag("CONSIGN_START_INTAKES", "true"),
        inventory_sync=_flag("CONSIGN_INVENTORY_SYNC", "true"),
        reconcile_hours=_float("CONSIGN_RECONCILE_HOURS", "24", above=0),
        stock_stall_minutes=_float("CONSIGN_STOCK_STALL_MINUTES", "30", above=0),
        webhook_port=_optional_int("CONSIGN_WEBHOOK_PORT", "", at_least=1, at_most=65535),
        metrics_address=_env("CONSIGN_METRICS_ADDRESS", "") or None,
        health_port=_optional_int("CONSIGN_HEALTH_PORT", "", at_least=1, at_most=65535),
        codec=CodecSettings(
            keys=SecretStr(_env("CONSIGN_CODEC_KEYS", "")),
            keys_file=_env("CONSIGN_CODEC_KEYS_FILE", "") or None,
            deployment=_choice("CONSIGN_ENV", "development", Deployment),
            server_token=SecretStr(_env("CONSIGN_CODEC_SERVER_TOKEN", "")),
            ui_origins=_csv("CONSIGN_CODEC_UI_ORIGINS", "http://localhost:8233"),
        ),
        limits=_validated(
            IntakeLimits,
            LIMIT_VARIABLES,
            **{
                field: _int(name, getattr(LIMITS, field)) for field, name in LIMIT_VARIABLES.items()
            },
        ),
    )
