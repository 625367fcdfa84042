"""GXO as the warehouse module: its settings, its port and the route of its pushed events."""

from __future__ import annotations

from integrations.gxo.factory import build_warehouse
from integrations.gxo.port import WarehousePort
from integrations.gxo.settings import WAREHOUSE, GxoSettings, read_gxo_settings
from integrations.gxo.webhook import PATH, SIGNATURE_HEADER, read_push
from integrations.module import WarehouseModule, WarehouseWebhook


async def _check_credentials(port: WarehousePort, facility: str) -> str:
    """One event read: GXO answers 401/403 to a refused key (WarehouseAuthFailed)."""
    await port.events_since(facility, 0, 1)
    return f"API key accepted (events of {facility})"


GXO = WarehouseModule(
    name=WAREHOUSE,
    title="GXO",
    settings_model=GxoSettings,
    read_settings=read_gxo_settings,
    facilities=lambda settings: list(settings.facilities),
    build=build_warehouse,
    check_credentials=_check_credentials,
    webhook=WarehouseWebhook(
        path=PATH,
        signature_header=SIGNATURE_HEADER,
        secret=lambda settings: settings.webhook_secret,
        read=read_push,
    ),
)
