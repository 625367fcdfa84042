"""GXO settings: the warehouse's base URL, keys and the facilities consign serves (GXO_*)."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from config import csv_list, env, required

WAREHOUSE = "gxo"  # the warehouse module's name (set-aside records' `system`)


class GxoSettings(BaseModel):
    base_url: str
    api_key: SecretStr
    webhook_secret: SecretStr
    facilities: list[str]


def read_gxo_settings() -> GxoSettings:
    return GxoSettings(
        base_url=required("GXO_BASE_URL", "http://127.0.0.1:8702"),
        api_key=SecretStr(env("GXO_API_KEY", "sandbox-gxo-key")),
        webhook_secret=SecretStr(required("GXO_WEBHOOK_SECRET", "sandbox-webhook-secret")),
        facilities=csv_list("GXO_FACILITIES", "GXO-UK-DAV,GXO-DE-KOB"),
    )
