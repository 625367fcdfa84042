"""build_centra_channel wires the settings into a working channel."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from integrations.centra.factory import build_centra_channel, build_centra_stock
from integrations.centra.settings import CaptureMode, CentraSettings
from integrations.centra.stock import CentraStock
from tests.centra.support import TOKEN, URL, Harness


def settings(**changes: object) -> CentraSettings:
    fields: dict[str, object] = {
        "base_url": URL,
        "token": TOKEN,
        "account": "brand-eu",
        "webhook_secret": "hook-secret",
        "capture_mode": "is_paid",
        "dispatch_sla_hours": 24,
        "warehouse_id": 3,
    }
    fields.update(changes)
    return CentraSettings.model_validate(fields)


async def test_builds_a_channel_from_settings() -> None:
    harness = Harness()
    harness.order(1001)
    http = httpx.AsyncClient(transport=harness.transport)
    channel = build_centra_channel(settings(), http=http)
    assert channel.account == "brand-eu"
    assert channel.dispatcher.capture_mode is CaptureMode.IS_PAID
    order = await channel.get_order("1001")
    assert order.ship_by == order.created_at + timedelta(hours=24)
    stock = build_centra_stock(settings(), channel.client)
    assert isinstance(stock, CentraStock) and stock.warehouse_id == 3


def test_the_rate_scale_is_a_positive_setting() -> None:
    assert settings().rate_scale == 1.0
    assert settings(rate_scale=20).rate_scale == 20.0


def test_secrets_stay_secret() -> None:
    built = settings()
    assert isinstance(built.token, SecretStr) and TOKEN not in repr(built)
    assert "hook-secret" not in repr(built)


@pytest.mark.parametrize(
    "changes",
    [{"capture_mode": "sometimes"}, {"dispatch_sla_hours": 0}, {"rate_scale": 0}],
    ids=["mode", "sla", "scale"],
)
def test_invalid_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        settings(**changes)


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="CENTRA_API_URL"):
        build_centra_channel(settings(base_url="brand.centra.com/graphql"))
