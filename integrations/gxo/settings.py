"""GXO settings: the warehouse's base URL, keys and the facilities consign serves (GXO_*)."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from config import csv_list, sandbox_default

WAREHOUSE = "gxo"  # the warehouse module's name (set-aside records' `system`)


class GxoSettings(BaseModel):
    base_url: str
    api_key: SecretStr
    webhook_secret: SecretStr
    facilities: list[str]


def read_gxo_settings() -> GxoSettings:
    return GxoSettings(
        base_url=sandbox_default("GXO_BASE_URL", "http://127.0.0.1:8702", endpoint=True),
        api_key=SecretStr(sandbox_default("GXO_API_KEY", "sandbox-gxo-key", blank_ok=True)),
        webhook_secret=SecretStr(sandbox_default("GXO_WEBHOOK_SECRET", "sandbox-webhook-secret")),
        facilities=csv_list(
            "GXO_FACILITIES",
            sandbox_default("GXO_FACILITIES", "GXO-UK-DAV,GXO-DE-KOB", blank_ok=True),
        ),
    )
