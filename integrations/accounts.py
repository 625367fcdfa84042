"""Channel accounts: the one each channel's environment block names (its default account) and
those an accounts file adds (CONSIGN_ACCOUNTS_FILE, TOML), each with its own settings, ports,
task queues and rate limits, so two sellers never share a usage plan.

An accounts file lists `[[accounts]]` entries: `channel`, `id`, `marketplaces`, `facilities`,
`options` (the channel's settings by field name, endpoints included) and `<field>_env` keys
naming the environment variable that holds a secret field (a secret never sits in the file).
What an entry does not say comes from its channel's environment block, except the fields the
channel declares the account's own (`AccountFields.own`): those must be given or keep the
model's default. docs/configuration.md, "Accounts".
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from config import SettingsError, host_of, in_production, on_loopback, refuse_in_production
from domain.warehouse import account_tag

SECRET_SUFFIX = "_env"
ACCOUNT_MARK = "@"  # a non-default account's task queues: `<queue>@<channel>:<account>`


@dataclass(frozen=True)
class AccountFields:
    """How an accounts-file entry fills a channel's settings model."""

    account: str  # the field holding the account id (Amazon's seller_id)
    secrets: frozenset[str]  # fields only an environment variable may fill (`<field>_env`)
    # Fields an entry must fill itself (a seller's refresh token, a store's token): never the
    # default account's. Secrets among them must be named; others keep the model's default.
    own: frozenset[str] = frozenset()
    marketplaces: str | None = None  # the field the entry's `marketplaces` fill


class AccountModule(Protocol):
    """A channel module as the accounts file sees it."""

    @property
    def name(self) -> str: ...

    @property
    def settings_model(self) -> type[BaseModel]: ...

    @property
    def account_fields(self) -> AccountFields: ...


@dataclass(frozen=True)
class Account:
    """One account of one channel, with the settings its ports are built from. The default
    account (the channel's environment block) keeps the task-queue names stored histories
    hold; the others run on queues of their own (`queue`)."""

    channel: str
    id: str
    settings: Any  # the channel module's settings model, for this account
    default: bool
    marketplaces: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()  # empty: every facility consign serves

    @property
    def key(self) -> tuple[str, str]:
        return (self.channel, self.id)

    @property
    def name(self) -> str:
        """`channel:id`, as CONSIGN_ACCOUNTS and `--account` name it."""
        return f"{self.channel}:{self.id}"

    def queue(self, main: str) -> str:
        """The task queue this account's workflows (and their unlimited activities) run on:
        the main queue for the default account, `<main>@<channel>:<id>` for the others."""
        return main if self.default else f"{main}{ACCOUNT_MARK}{self.name}"


def account_suffix(queue: str) -> str:
    """The account part of a workflow's task queue ('' for the main queue): its rate-limited
    queues carry the same, so `queue_for` stays a pure function of what the workflow knows."""
    at = queue.find(ACCOUNT_MARK)
    return queue[at:] if at >= 0 else ""


class AccountEntry(BaseModel):
    """One `[[accounts]]` entry of the accounts file."""

    model_config = ConfigDict(extra="allow", frozen=True)

    channel: str
    id: str = Field(min_length=1, max_length=100)
    marketplaces: list[str] = Field(default_factory=list)
    facilities: list[str] = Field(default_factory=list)
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _plain_id(cls, value: str) -> str:
        if value != value.strip() or any(c in value for c in f" ,:{ACCOUNT_MARK}"):
            raise ValueError("an account id has no spaces, commas, colons or '@'")
        return value

    @property
    def secrets(self) -> dict[str, str]:
        """Settings field -> the environment variable holding it."""
        extra = self.model_extra or {}
        return {key.removesuffix(SECRET_SUFFIX): str(value) for key, value in extra.items()}

    def check_keys(self) -> None:
        for key, value in (self.model_extra or {}).items():
            if not key.endswith(SECRET_SUFFIX):
                raise ValueError(f"unknown key {key!r} (a secret is named by <field>_env)")
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{key}: the name of an environment variable")


class AccountsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[AccountEntry] = Field(default_factory=list)


def read_accounts_file(
    path: str,
    modules: Sequence[AccountModule],
    defaults: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> list[Account]:
    """The accounts `path` lists, each channel's settings filled from the entry over
    `defaults` (the channel's environment block, by module name: the channels this
    deployment runs). A SettingsError names the file, the entry and what is wrong; a secret's
    variable that is unset is named, never a value."""
    environ = os.environ if environ is None else environ
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as err:
        raise SettingsError(f"CONSIGN_ACCOUNTS_FILE={path!r}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"{path}: not TOML: {err}") from None
    try:
        listed = AccountsFile.model_validate(data).accounts
    except ValidationError as err:
        raise SettingsError(f"{path}: {_first_problem(err)}") from None
    by_name = {module.name: module for module in modules}
    accounts = []
    for index, entry in enumerate(listed):
        where = f"{path}: accounts[{index}] ({entry.channel}:{entry.id})"
        module = by_name.get(entry.channel)
        if module is None:
            known = ", ".join(by_name) or "none"
            raise SettingsError(f"{where}: channel not run here (CONSIGN_CHANNELS: {known})")
        try:
            entry.check_keys()
            settings = _settings(module, entry, defaults[entry.channel], environ)
        except ValueError as err:  # pydantic's ValidationError is one
            problem = _first_problem(err) if isinstance(err, ValidationError) else str(err)
            raise SettingsError(f"{where}: {problem}") from None
        _refuse_loopback_in_production(where, entry.options)
        accounts.append(
            Account(
                channel=entry.channel,
                id=entry.id,
                settings=settings,
                default=False,
                marketplaces=tuple(entry.marketplaces),
                facilities=tuple(entry.facilities),
            )
        )
    return accounts


def _refuse_loopback_in_production(where: str, options: Mapping[str, Any]) -> None:
    """Production never talks to a local sandbox: an entry's endpoint on loopback is refused,
    as the environment account's endpoints are (config.sandbox_default)."""
    if not in_production():
        return
    for key, value in options.items():
        if isinstance(value, str) and "://" in value and on_loopback(host_of(value)):
            refuse_in_production(f"{where} options.{key}", f"{value} is on loopback")


def _settings(
    module: AccountModule, entry: AccountEntry, base: BaseModel, environ: Mapping[str, str]
) -> BaseModel:
    fields = module.account_fields
    model = module.settings_model
    known = set(model.model_fields)
    for key in entry.options:
        if key not in known:
            raise ValueError(f"options.{key}: not a setting of {entry.channel}")
        if key in fields.secrets:
            raise ValueError(f"options.{key}: a secret: name its variable with {key}_env")
        if key in (fields.account, fields.marketplaces):
            raise ValueError(f"options.{key}: given by the entry's id or marketplaces")
    for key in entry.secrets:
        if key not in fields.secrets:
            raise ValueError(f"{key}{SECRET_SUFFIX}: {key} is not a secret of {entry.channel}")
    values = {
        key: value
        for key, value in base.model_dump().items()
        if key not in fields.own and key not in fields.secrets
    }
    for key in fields.secrets - fields.own:  # inherited unless the entry names another
        values[key] = getattr(base, key)
    for key, variable in entry.secrets.items():
        secret = environ.get(variable, "")
        if not secret.strip():
            raise ValueError(f"{key}{SECRET_SUFFIX}: {variable} is not set")
        values[key] = SecretStr(secret)
    missing = sorted((fields.secrets & fields.own) - set(entry.secrets))
    if missing:
        raise ValueError(f"{missing[0]}{SECRET_SUFFIX}: required (this account's own secret)")
    if fields.marketplaces is not None:
        if not entry.marketplaces:
            raise ValueError("marketplaces: at least one")
        values[fields.marketplaces] = list(entry.marketplaces)
    elif entry.marketplaces:
        raise ValueError(f"marketplaces: {entry.channel} has none")
    values.update(entry.options)
    values[fields.account] = entry.id
    return model.model_validate(values)


def _first_problem(err: ValidationError) -> str:
    problem = err.errors(include_url=False)[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}" if where else problem["msg"]


def check_accounts(accounts: Sequence[Account], facilities: Sequence[str]) -> None:
    """Refuse two accounts with one name, two whose GXO references could meet (the same
    account tag: domain/warehouse.py `account_tag`), and a facility consign does not serve."""
    seen: dict[str, Account] = {}
    tags: dict[str, Account] = {}
    for account in accounts:
        if account.name in seen:
            raise SettingsError(f"account {account.name} is configured twice")
        seen[account.name] = account
        tag = account_tag(account.channel, account.id)
        other = tags.get(tag)
        if other is not None:
            raise SettingsError(
                f"accounts {other.name} and {account.name} share the GXO reference tag {tag}: "
                "their orders could reach GXO under one reference; ask for another id scheme"
            )
        tags[tag] = account
        unknown = [f for f in account.facilities if f not in facilities]
        if unknown:
            raise SettingsError(
                f"account {account.name}: facility {unknown[0]!r} is not in GXO_FACILITIES"
            )


def parse_filter(names: Sequence[str], accounts: Sequence[Account]) -> list[str] | None:
    """CONSIGN_ACCOUNTS: `channel:id` names (or a bare channel: all its accounts) this
    process serves; empty: all."""
    if not names:
        return None
    served = []
    for name in names:
        matched = [a.name for a in accounts if name in (a.name, a.channel)]
        if not matched:
            known = ", ".join(a.name for a in accounts)
            raise SettingsError(f"CONSIGN_ACCOUNTS names {name[:60]!r}, not one of {known}")
        served += [m for m in matched if m not in served]
    defaults = [a.name for a in accounts if a.default]
    chosen = [d for d in defaults if d in served]
    if chosen and len(chosen) != len(defaults):
        missing = ", ".join(d for d in defaults if d not in served)
        raise SettingsError(
            f"CONSIGN_ACCOUNTS serves {', '.join(chosen)} but not {missing}: the default "
            "accounts share the main task queue, so one process serves all of them or none"
        )
    return served
