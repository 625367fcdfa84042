"""Chooses the warehouse transport from settings, so activities never name a transport."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlparse

from domain.limits import IntakeLimits
from integrations.gxo.port import WarehousePort
from integrations.gxo.rest import RestWarehouse
from integrations.gxo.settings import GxoSettings


def build_warehouse(
    settings: GxoSettings,
    limits: IntakeLimits | None = None,
    channels: Collection[str] | None = None,
) -> WarehousePort:
    """An http(s) base URL selects the REST/JSON transport, the only one implemented so far."""
    scheme = urlparse(settings.base_url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"unsupported GXO transport scheme {scheme!r} (expected http or https)")
    max_parcels = (limits or IntakeLimits()).max_parcels_per_dispatch
    return RestWarehouse(
        settings.base_url,
        settings.api_key,
        max_parcels_per_dispatch=max_parcels,
        channels=channels,
    )
