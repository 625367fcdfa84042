"""build_centra_channel wires the settings into a working channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr, ValidationError

from integrations.centra.factory import build_centra_channel
from integrations.centra.settings import CaptureMode, CentraSettings
from tests.centra.fakes import TOKEN, URL, FakeCentra, order_json


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
    fake = FakeCentra()
    fake.add(order_json(1001))
    channel = build_centra_channel(settings(), http=fake.http())
    assert channel.account == "brand-eu"
    assert channel.dispatcher.capture_mode is CaptureMode.IS_PAID
    order = await channel.get_order("1001")
    assert order.ship_by == order.created_at + timedelta(hours=24)


def test_secrets_stay_secret() -> None:
    built = settings()
    assert isinstance(built.token, SecretStr) and TOKEN not in repr(built)
    assert "hook-secret" not in repr(built)


@pytest.mark.parametrize(
    "changes", [{"capture_mode": "sometimes"}, {"dispatch_sla_hours": 0}], ids=["mode", "sla"]
)
def test_invalid_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        settings(**changes)


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="CENTRA_API_URL"):
        build_centra_channel(settings(base_url="brand.centra.com/graphql"))
