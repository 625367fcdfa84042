"""build_warehouse picks the transport from settings."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from integrations.gxo.factory import build_warehouse
from integrations.gxo.rest import RestWarehouse
from integrations.gxo.settings import GxoSettings


def _settings(base_url: str) -> GxoSettings:
    return GxoSettings(
        base_url=base_url,
        api_key=SecretStr("k"),
        webhook_secret=SecretStr("s"),
        facilities=["GXO-UK-DAV"],
    )


async def test_http_url_builds_rest_transport() -> None:
    warehouse = build_warehouse(_settings("http://127.0.0.1:8702"))
    assert isinstance(warehouse, RestWarehouse)
    await warehouse.aclose()


def test_unsupported_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="sftp"):
        build_warehouse(_settings("sftp://edi.gxo.example"))
