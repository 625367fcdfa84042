"""Settings from the environment (and .env via python-dotenv). Secrets are SecretStr: they
print as '**********' and never reach a log line. A value consign cannot use (not a number, an
unknown name, out of range, blank where one is needed) is a SettingsError naming the variable,
which the CLI prints as one line and the worker logs before it stops."""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from dotenv import load_dotenv
from pydantic import BaseModel, Field, SecretBytes, SecretStr, ValidationError
from temporalio.envconfig import ClientConfigProfile, DataSource

from domain.limits import IntakeLimits

T = TypeVar("T")
N = TypeVar("N", int, float)
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=StrEnum)
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class SettingsError(ValueError):
    """A setting consign cannot use; the message names the variable (never a secret's value)."""


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def required(name: str, default: str) -> str:
    value = env(name, default)
    if not value.strip():
        raise SettingsError(
            f"{name} is set but empty: give it a value, or unset it for the default"
        )
    return value


def parsed(name: str, default: str, parse: Callable[[str], T], expected: str) -> T:
    raw = env(name, default)
    try:
        return parse(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}={raw[:40]!r} is not {expected}") from None


def flag(name: str, default: str) -> bool:
    def parse(value: str) -> bool:
        if value.lower() not in TRUE + FALSE:
            raise ValueError(value)
        return value.lower() in TRUE

    return parsed(name, default, parse, "a yes/no value (1, true, yes / 0, false, no)")


def within(
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


def whole(name: str, default: int, **bounds: float) -> int:
    return within(name, parsed(name, str(default), int, "a whole number"), **bounds)


def optional_whole(name: str, default: str, **bounds: float) -> int | None:
    """A whole number, or None when the variable is empty."""
    value = parsed(name, default, lambda text: int(text) if text else None, "a whole number")
    return None if value is None else within(name, value, **bounds)


def finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def number(name: str, default: str, **bounds: float) -> float:
    """A finite number (not nan, not inf) within `bounds`."""
    return within(name, parsed(name, default, finite, "a finite number"), **bounds)


def instant(name: str) -> datetime | None:
    """An ISO 8601 time with a UTC offset, or None when unset (a sync's first cursor)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SettingsError(f"{name}: not an ISO 8601 time with a UTC offset: {text!r}") from exc
    if moment.tzinfo is None:
        raise SettingsError(f"{name}: no UTC offset: {text!r}")
    return moment


def choice(name: str, default: str, choices: type[E]) -> E:
    names = ", ".join(choices)
    return parsed(name, default, lambda value: choices(value.lower()), f"one of {names}")


def csv_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


def names(name: str, default: str, known: Collection[str]) -> list[str]:
    """A comma-separated list of names, each one of `known`."""
    listed = csv_list(name, default)
    unknown = [part for part in listed if part not in known]
    if unknown:
        raise SettingsError(f"{name} names {unknown[0][:40]!r}, not one of {', '.join(known)}")
    return listed


def validated(model: type[M], variables: Mapping[str, str], **values: Any) -> M:
    """The model, or a SettingsError naming the variable of the first field it refuses."""
    try:
        return model(**values)
    except ValidationError as err:
        error = err.errors(include_url=False)[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        value = error.get("input")
        shown = f"={value!r}" if isinstance(value, int | float) else ""  # never a secret
        raise SettingsError(f"{variables.get(field, field)}{shown}: {error['msg']}") from None


class Deployment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


# What production refuses, collected while every setting is read, so that one start names
# every variable to fix (read_settings); outside that, the first refusal raises at once.
_refusals: ContextVar[list[str] | None] = ContextVar("consign_refusals", default=None)


def in_production() -> bool:
    return env("CONSIGN_ENV", "").strip().lower() == Deployment.PRODUCTION


def host_of(value: str) -> str:
    """The host of a URL or of a host:port address."""
    return urlsplit(value if "://" in value else f"//{value}").hostname or ""


def on_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_in_production(name: str, problem: str) -> None:
    refusals = _refusals.get()
    if refusals is None:
        raise SettingsError(f"CONSIGN_ENV=production refuses {name}: {problem}")
    refusals.append(f"{name}: {problem}")


@contextmanager
def production_refusals() -> Iterator[list[str]]:
    """Collect the refusals of the settings read inside the block."""
    refusals: list[str] = []
    token = _refusals.set(refusals)
    try:
        yield refusals
    finally:
        _refusals.reset(token)


def sandbox_default(
    name: str, default: str, *, endpoint: bool = False, blank_ok: bool = False
) -> str:
    """A setting whose default serves the local sandboxes (an endpoint, an account, a
    credential): production refuses it unset, equal to the sandbox's value, or, for an
    endpoint, on loopback. Blank is refused everywhere unless `blank_ok`."""
    value = env(name, default) if blank_ok else required(name, default)
    if not in_production():
        return value
    if not value.strip() or name not in os.environ:
        refuse_in_production(name, "not set (its default serves the local sandbox)")
    elif value == default:
        refuse_in_production(name, "is the local sandbox's value")
    elif endpoint and on_loopback(host := host_of(value)):
        refuse_in_production(name, f"points at loopback ({host}), not a production endpoint")
    return value


DEFAULT_DATABASE_URL = "sqlite:///var/consign.db"
LIMITS = IntakeLimits()  # the defaults
LIMIT_VARIABLES = {
    "webhook_max_bytes": "CONSIGN_WEBHOOK_MAX_BYTES",
    "webhook_max_orders": "CONSIGN_WEBHOOK_MAX_ORDERS",
    "max_parcels_per_dispatch": "GXO_MAX_PARCELS_PER_DISPATCH",
    "max_lines_per_order": "CONSIGN_MAX_LINES_PER_ORDER",
    "payload_budget_bytes": "CONSIGN_PAYLOAD_BUDGET_BYTES",
    "max_units_per_line": "CONSIGN_MAX_UNITS_PER_LINE",
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
    wants_file = bool(env("TEMPORAL_CONFIG_FILE", "") or env("TEMPORAL_PROFILE", ""))
    try:
        return ClientConfigProfile.load(
            profile=env("TEMPORAL_PROFILE", "") or None,
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
    enabled = flag("TEMPORAL_TLS", "") if env("TEMPORAL_TLS", "").strip() else None
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
    address = required("TEMPORAL_ADDRESS", profile.address or "localhost:7233")
    if in_production() and on_loopback(host_of(address)):
        refuse_in_production("TEMPORAL_ADDRESS", f"{address} is the local dev server's")
    namespace = required("TEMPORAL_NAMESPACE", profile.namespace or "default")
    api_key = profile.api_key
    return TemporalSettings(
        address=address,
        namespace=namespace,
        task_queue=required("TEMPORAL_TASK_QUEUE", "consign"),
        api_key=SecretStr(api_key) if api_key is not None else None,
        tls=_temporal_tls(profile),
    )


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
    channels: list[str]  # the channel modules this deployment runs (integrations/registry.py)
    # Each channel's and the warehouse's own settings, by module name: `module.settings_of`
    # reads one back typed. config.py reads only what every deployment shares.
    modules: dict[str, BaseModel] = Field(default_factory=dict)
    # CONSIGN_ACCOUNTS_FILE ("": none) and CONSIGN_ACCOUNTS as given; integrations.registry.
    # with_accounts reads the file into `accounts` (integrations.accounts.Account, beside each
    # channel's default account) and checks the names into `account_filter` (the `channel:id`
    # names this process serves; None: every account).
    accounts_file: str = ""
    account_names: list[str] = Field(default_factory=list)
    accounts: list[Any] = Field(default_factory=list)
    account_filter: list[str] | None = None
    poll_interval_seconds: float
    chase_lead_hours: float
    start_intakes: bool  # the worker makes sure every intake workflow runs
    inventory_sync: bool  # run StockIntake per facility and InventorySync per channel account
    reconcile_hours: float  # full read-back and correction of every channel's stock
    stock_stall_minutes: float  # a change pending longer raises INVENTORY_SYNC_STALLED
    settlement_interval_minutes: float = 360  # the settlement intakes' schedule
    unsettled_after_days: float = 14  # a confirmed order not settled this long is a difference
    return_not_arrived_days: float = 14  # a return with nothing received this long: parked
    webhook_port: int | None  # serve GXO's pushed events on this loopback/ingress port
    metrics_address: str | None  # Prometheus scrape endpoint, e.g. 0.0.0.0:9464
    # Workflows the worker keeps in memory between tasks (the SDK's sticky cache; the SDK's
    # default is 1,000): about 0.3 MB each for an order (bench/scale.py).
    max_cached_workflows: int = 500
    health_port: int | None = None  # /healthz and /readyz for probes (health.py); None: off
    limits: IntakeLimits = Field(default_factory=IntakeLimits)  # bounds on inbound sizes
    codec: CodecSettings = Field(default_factory=CodecSettings)  # payload encryption
    # The Monitor's alerts: Apprise URLs (Slack, Teams, mailto, json:// webhooks), space or
    # comma separated; they hold tokens, so secret. Empty: findings show in its query only.
    alert_urls: SecretStr = SecretStr("")
    monitor_minutes: float = 5  # how often the Monitor checks
    monitor_exception_minutes: float = 5  # an exception kind is raised once its oldest is this old
    monitor_at_risk_hours: float = 12  # orders not dispatched with the ship-by this close
    monitor_awaiting_payment_hours: float = 48  # orders waiting for payment longer than this
    monitor_intake_silent_minutes: float = 30  # an intake with no successful poll this long
    reports_dir: str = "var/reports"  # where the Monitor writes the daily report ("": nowhere)
    daily_report_hour: int = 7  # UTC hour of the Monitor's daily report


def read_codec_settings() -> CodecSettings:
    """The codec's settings alone: the data converter needs no more (codec/converter.py)."""
    load_dotenv()
    return CodecSettings(
        keys=SecretStr(env("CONSIGN_CODEC_KEYS", "")),
        keys_file=env("CONSIGN_CODEC_KEYS_FILE", "") or None,
        deployment=choice("CONSIGN_ENV", "development", Deployment),
        server_token=SecretStr(env("CONSIGN_CODEC_SERVER_TOKEN", "")),
        ui_origins=csv_list("CONSIGN_CODEC_UI_ORIGINS", "http://localhost:8233"),
    )


class ModuleSettings(Protocol):
    """A channel or warehouse module as config.py sees it: a name and its settings' reader."""

    @property
    def name(self) -> str: ...

    def read_settings(self) -> BaseModel: ...


def read_settings(
    channels: Sequence[ModuleSettings], others: Sequence[ModuleSettings] = ()
) -> Settings:
    """Every setting, read now: the shared ones and each module's own block. The registry
    (integrations/registry.py `get_settings`) passes the modules, so config names none."""
    load_dotenv()
    with production_refusals() as refusals:
        settings = _read_settings(channels, others)
    if refusals:
        lines = "\n  ".join(refusals)
        raise SettingsError(
            f"CONSIGN_ENV=production refuses {len(refusals)} setting(s):\n  {lines}"
        )
    return settings


def _read_settings(
    channels: Sequence[ModuleSettings], others: Sequence[ModuleSettings]
) -> Settings:
    every = ",".join(module.name for module in channels)
    running = names("CONSIGN_CHANNELS", every, [module.name for module in channels])
    modules = {}
    for module in (*channels, *others):
        if module in channels and module.name not in running:
            with production_refusals():  # a channel this deployment does not run: never used
                modules[module.name] = module.read_settings()
        else:
            modules[module.name] = module.read_settings()
    database_url = required("DATABASE_URL", DEFAULT_DATABASE_URL)
    if in_production() and "DATABASE_URL" not in os.environ:
        refuse_in_production("DATABASE_URL", "not set (the default is a local SQLite file)")
    codec = read_codec_settings()
    if in_production() and not (codec.keys.get_secret_value().strip() or codec.keys_file):
        refuse_in_production(
            "CONSIGN_CODEC_KEYS", "not set, nor CONSIGN_CODEC_KEYS_FILE (consign codec-key <id>)"
        )
    return Settings(
        temporal=temporal_settings(),
        database_url=database_url,
        db_migrate=choice("CONSIGN_DB_MIGRATE", "auto", DbMigrate),
        channels=running,
        modules=modules,
        accounts_file=env("CONSIGN_ACCOUNTS_FILE", "").strip(),
        account_names=csv_list("CONSIGN_ACCOUNTS", ""),
        poll_interval_seconds=number("CONSIGN_POLL_INTERVAL_SECONDS", "60", above=0),
        chase_lead_hours=number("CONSIGN_CHASE_LEAD_HOURS", "6", at_least=0),
        start_intakes=flag("CONSIGN_START_INTAKES", "true"),
        inventory_sync=flag("CONSIGN_INVENTORY_SYNC", "true"),
        reconcile_hours=number("CONSIGN_RECONCILE_HOURS", "24", above=0),
        stock_stall_minutes=number("CONSIGN_STOCK_STALL_MINUTES", "30", above=0),
        settlement_interval_minutes=number("CONSIGN_SETTLEMENT_INTERVAL_MINUTES", "360", above=0),
        unsettled_after_days=number("CONSIGN_UNSETTLED_AFTER_DAYS", "14", above=0),
        return_not_arrived_days=number("CONSIGN_RETURN_NOT_ARRIVED_DAYS", "14", above=0),
        webhook_port=optional_whole("CONSIGN_WEBHOOK_PORT", "", at_least=1, at_most=65535),
        metrics_address=env("CONSIGN_METRICS_ADDRESS", "") or None,
        max_cached_workflows=whole("CONSIGN_MAX_CACHED_WORKFLOWS", 500, at_least=0),
        health_port=optional_whole("CONSIGN_HEALTH_PORT", "", at_least=1, at_most=65535),
        codec=codec,
        alert_urls=SecretStr(env("CONSIGN_ALERT_URLS", "")),
        monitor_minutes=number("CONSIGN_MONITOR_MINUTES", "5", above=0),
        monitor_exception_minutes=number("CONSIGN_MONITOR_EXCEPTION_MINUTES", "5", at_least=0),
        monitor_at_risk_hours=number("CONSIGN_MONITOR_AT_RISK_HOURS", "12", at_least=0),
        monitor_awaiting_payment_hours=number(
            "CONSIGN_MONITOR_AWAITING_PAYMENT_HOURS", "48", at_least=0
        ),
        monitor_intake_silent_minutes=number(
            "CONSIGN_MONITOR_INTAKE_SILENT_MINUTES", "30", above=0
        ),
        reports_dir=env("CONSIGN_REPORTS_DIR", "var/reports"),
        daily_report_hour=int(number("CONSIGN_DAILY_REPORT_HOUR", "7", at_least=0, at_most=23)),
        limits=validated(
            IntakeLimits,
            LIMIT_VARIABLES,
            **{
                field: whole(name, getattr(LIMITS, field))
                for field, name in LIMIT_VARIABLES.items()
            },
        ),
    )
