"""The registry: every channel and warehouse module consign knows. worker.py, config.py (through
`get_settings`), the activities and the webhook app iterate over it; the only place besides
the module packages that names a channel. Adding a channel: docs/adding-a-channel.md."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Any

from config import Settings, read_settings
from integrations.amazon.module import AMAZON
from integrations.centra.module import CENTRA
from integrations.gxo.module import GXO
from integrations.module import ChannelModule, Operation, WarehouseModule

CHANNELS: tuple[ChannelModule[Any], ...] = (AMAZON, CENTRA)
WAREHOUSE: WarehouseModule[Any] = GXO
CHANNEL_NAMES = tuple(module.name for module in CHANNELS)


class Channel(StrEnum):
    """The channel modules' names, for code that picks one (the CLI, the demo, tests). Domain
    models and histories hold the plain string ("amazon")."""

    AMAZON = AMAZON.name
    CENTRA = CENTRA.name


def channel_module(name: str) -> ChannelModule[Any] | None:
    """The module of the channel `name`; None for one consign does not know."""
    return next((module for module in CHANNELS if module.name == name), None)


def queue_for(channel: str, operation: Operation, main: str) -> str:
    """The task queue `operation` runs on for `channel`: its module's limited queue, else
    `main`. Pure and static: workflows call it (through activities/queues.py)."""
    module = channel_module(channel)
    return (module.queue_for(operation) if module else None) or main


def default_account(settings: Settings, channel: str) -> str:
    """The account the settings name for `channel` (the CLI's default for --account)."""
    module = channel_module(channel)
    if module is None:
        raise LookupError(f"unknown channel {channel!r}")
    return module.account(module.settings_of(settings))


def enabled(settings: Settings) -> list[ChannelModule[Any]]:
    """The channel modules this deployment runs (CONSIGN_CHANNELS), in registry order."""
    return [module for module in CHANNELS if module.name in settings.channels]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read once per process; tests build Settings directly instead."""
    return read_settings(CHANNELS, [WAREHOUSE])
