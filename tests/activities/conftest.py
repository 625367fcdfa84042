"""Fixtures for the activity tests: the real sandboxes on loopback, a temp SQLite store with
mappings, and the shared Temporal dev server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from activities.channel import ChannelActivities
from activities.warehouse import WarehouseActivities
from domain.mapping import CarrierCodeMapping, CarrierServiceMapping, FacilityRule, SkuMapping
from integrations.amazon.factory import AmazonClient, build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.amazon.settings import AmazonSettings
from integrations.gxo.rest import RestWarehouse
from integrations.registry import Channel
from sandbox.amazon.app import create_app as create_amazon_app
from sandbox.amazon.catalogue import UK
from sandbox.amazon.generator import LineSpec, OrderSpec
from sandbox.amazon.lwa import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_SELLER_ID,
)
from sandbox.amazon.records import FulfillmentChannel, OrderStatus
from sandbox.amazon.state import AmazonSandbox
from sandbox.gxo.app import DEFAULT_API_KEY
from sandbox.gxo.app import create_app as create_gxo_app
from sandbox.gxo.catalogue import RM_TRACKED_48, UK_DAVENTRY
from sandbox.gxo.models import ProcessingSettings
from sandbox.gxo.warehouse import GxoWarehouse
from sandbox.server import ServerThread
from store.mappings import (
    replace_facility_rules,
    upsert_carrier_codes,
    upsert_carrier_services,
    upsert_sku_mappings,
)
from store.migrate import open_store
from tests.activities import temporal_server
from tests.activities.temporal_server import DevServer

SELLER = DEFAULT_SELLER_ID
MFN_ORDER = "202-1000001-0000001"  # Unshipped, 2 x TSHIRT-BLK-M + 1 x CAP-KHK-OS, standard
MFN_ORDER_2 = "202-1000002-0000002"  # Unshipped, 1 x HOODIE-NVY-M
AFN_ORDER = "202-1000003-0000003"  # fulfilled by Amazon, already shipped
SKU_ITEMS = {"TSHIRT-BLK-M": "GXO-100002", "CAP-KHK-OS": "GXO-100006"}
ROYAL_MAIL = "Royal Mail"


class Clock:
    """The Amazon sandbox's clock: orders are created in the past so that Amazon's two-minute
    settling rule lets searchOrders see them now."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def seeded_amazon() -> AmazonSandbox:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(now - timedelta(minutes=30))
    sandbox = AmazonSandbox(clock=clock)
    sandbox.create(
        [
            OrderSpec(
                order_id=MFN_ORDER,
                lines=[LineSpec(sku="TSHIRT-BLK-M", quantity=2), LineSpec(sku="CAP-KHK-OS")],
                ship_service_level="Std UK Dom_1",
            ),
            OrderSpec(
                order_id=MFN_ORDER_2,
                lines=[LineSpec(sku="HOODIE-NVY-M")],
                ship_service_level="Exp UK Dom_1",
            ),
            OrderSpec(
                order_id=AFN_ORDER,
                fulfillment_channel=FulfillmentChannel.AFN,
                status=OrderStatus.SHIPPED,
                lines=[LineSpec(sku="TSHIRT-BLK-S")],
            ),
        ]
    )
    clock.at = now
    return sandbox


@pytest.fixture
def amazon_sandbox() -> AmazonSandbox:
    return seeded_amazon()


@pytest.fixture
def amazon_server(amazon_sandbox: AmazonSandbox) -> Iterator[ServerThread]:
    with ServerThread(create_amazon_app(amazon_sandbox)) as server:
        yield server


@pytest.fixture
def orders_reader() -> str:
    """The default reader; tests parametrize this name to run against v0 as well."""
    return "v2026"


def amazon_settings(
    url: str, client_secret: str = DEFAULT_CLIENT_SECRET, reader: str = "v2026"
) -> AmazonSettings:
    return AmazonSettings(
        seller_id=SELLER,
        endpoint=url,
        lwa_endpoint=url + "/auth/o2/token",
        client_id=DEFAULT_CLIENT_ID,
        client_secret=SecretStr(client_secret),
        refresh_token=SecretStr(DEFAULT_REFRESH_TOKEN),
        marketplace_ids=[UK.marketplace_id],
        orders_reader=reader,
        rate_scale=1.0,
    )


@pytest.fixture
async def amazon_client(
    amazon_server: ServerThread, orders_reader: str
) -> AsyncIterator[AmazonClient]:
    async with build_amazon_client(
        amazon_settings(amazon_server.url, reader=orders_reader)
    ) as client:
        yield client


def seeded_store(url: str, facility_rules: list[FacilityRule]) -> Engine:
    """A store with the sandbox's two mapped SKUs, `facility_rules`, and Amazon's STANDARD
    service on Royal Mail Tracked 48 both ways (planning and ship confirmation)."""
    engine = open_store(url)
    upsert_sku_mappings(
        engine,
        [
            SkuMapping(channel=Channel.AMAZON, sku=sku, item_code=code)
            for sku, code in SKU_ITEMS.items()
        ],
    )
    replace_facility_rules(engine, facility_rules)
    upsert_carrier_services(
        engine,
        [
            CarrierServiceMapping(
                channel=Channel.AMAZON,
                ship_service_level="STANDARD",
                carrier_service_code=RM_TRACKED_48,
            )
        ],
    )
    upsert_carrier_codes(
        engine,
        [
            CarrierCodeMapping(
                channel=Channel.AMAZON,
                carrier_service_code=RM_TRACKED_48,
                carrier_code=ROYAL_MAIL,
                shipping_method="Tracked 48",
            )
        ],
    )
    return engine


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    engine = seeded_store(
        f"sqlite:///{tmp_path}/s.db",
        [FacilityRule(facility_id=UK_DAVENTRY, domestic_countries="GB")],
    )
    yield engine
    engine.dispose()


@pytest.fixture
def channel(amazon_client: AmazonClient, engine: Engine) -> ChannelActivities:
    return ChannelActivities({(Channel.AMAZON, SELLER): AmazonChannel(amazon_client)}, engine)


@pytest.fixture
def gxo_sandbox() -> GxoWarehouse:
    return GxoWarehouse(settings=ProcessingSettings(cycle_seconds=0))


@pytest.fixture
def gxo_server(gxo_sandbox: GxoWarehouse) -> Iterator[ServerThread]:
    with ServerThread(create_gxo_app(gxo_sandbox)) as server:
        yield server


@pytest.fixture
async def gxo_admin(gxo_server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox's /_sandbox endpoints, as a test drives them."""
    async with httpx.AsyncClient(base_url=gxo_server.url) as client:
        yield client


@pytest.fixture
async def amazon_admin(amazon_server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=amazon_server.url) as client:
        yield client


@pytest.fixture
async def warehouse(gxo_server: ServerThread, engine: Engine) -> AsyncIterator[WarehouseActivities]:
    async with RestWarehouse(gxo_server.url, DEFAULT_API_KEY) as rest:
        yield WarehouseActivities(rest, engine)


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[DevServer]:
    server = await temporal_server.acquire()
    yield server
    await temporal_server.release()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Ids no other test (or earlier run against the same server) uses."""
    import uuid

    return lambda prefix: f"{prefix}{uuid.uuid4().hex[:10].upper()}"
