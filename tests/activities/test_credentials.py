"""The worker's credential checks at start: one cheap authenticated call per channel account
and one to GXO, against the sandboxes, each saying what it proved or failing with the typed
error that names the refused credential (never its value)."""

from __future__ import annotations

import pytest

from domain.exceptions import ExceptionKind
from integrations.amazon.errors import AmazonError
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.module import AMAZON
from integrations.amazon.port import AmazonChannel
from integrations.gxo.errors import WarehouseAuthFailed
from integrations.gxo.module import GXO
from integrations.gxo.rest import RestWarehouse
from integrations.module import OpenedPorts
from sandbox.gxo.app import DEFAULT_API_KEY
from sandbox.gxo.catalogue import UK_DAVENTRY
from sandbox.server import ServerThread
from tests.activities.conftest import amazon_settings


async def test_amazon_check_exchanges_an_lwa_token(amazon_server: ServerThread) -> None:
    async with build_amazon_client(amazon_settings(amazon_server.url)) as client:
        proved = await AMAZON.check_credentials(OpenedPorts(AmazonChannel(client)))
        assert proved == "LWA token exchange accepted"
        assert client.lwa.refresh_count == 1


async def test_amazon_check_names_a_refused_client_secret(amazon_server: ServerThread) -> None:
    settings = amazon_settings(amazon_server.url, client_secret="not-the-secret")
    async with build_amazon_client(settings) as client:
        with pytest.raises(AmazonError) as refused:
            await AMAZON.check_credentials(OpenedPorts(AmazonChannel(client)))
    assert refused.value.exception_kind is ExceptionKind.CHANNEL_AUTH_FAILED
    assert "not-the-secret" not in str(refused.value)


@pytest.mark.parametrize("key", [DEFAULT_API_KEY, "not-the-key"], ids=["right key", "wrong key"])
async def test_gxo_check_reads_one_event_page(gxo_server: ServerThread, key: str) -> None:
    async with RestWarehouse(gxo_server.url, key) as port:
        if key == DEFAULT_API_KEY:
            assert await GXO.check_credentials(port, UK_DAVENTRY) == (
                f"API key accepted (events of {UK_DAVENTRY})"
            )
            return
        with pytest.raises(WarehouseAuthFailed) as refused:
            await GXO.check_credentials(port, UK_DAVENTRY)
    assert "GXO_API_KEY" in str(refused.value) and key not in str(refused.value)
