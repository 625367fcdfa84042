"""A Centra poll whose events say a product changed wakes the account's ProductSync (the
worker's `on_products_changed` hook: `signal_product_sync`) before its events are acked; a
poll without Product events wakes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.channel import ChannelActivities
from activities.models import PollRequest
from sandbox.centra.product_admin import NewProduct, add_product
from tests.centra.support import NOW, Harness

PRODUCT = {
    "number": "LNC910",
    "name": "Launch",
    "variants": [{"number": "GRN", "name": "Launch Green", "sizes": [{"size_number": "M"}]}],
}


async def test_a_product_event_wakes_the_product_sync_before_the_ack(engine: Engine) -> None:
    harness = Harness()
    harness.channel.product_events = True
    woken: list[tuple[str, str]] = []

    async def products_changed(channel: str, account: str) -> None:
        woken.append((channel, account))

    activities = ChannelActivities(
        {("centra", "brand-eu"): harness.channel}, engine, on_products_changed=products_changed
    )
    request = PollRequest(channel="centra", account="brand-eu", since=NOW - timedelta(days=1))
    quiet = await ActivityEnvironment().run(activities.poll_changes, request)
    assert quiet.ack == [] and woken == []
    add_product(harness.sandbox, NewProduct.model_validate(PRODUCT))
    batch = await ActivityEnvironment().run(activities.poll_changes, request)
    assert woken == [("centra", "brand-eu")]
    assert batch.changes == [] and len(batch.ack) == 1  # acked by the intake after
    again = await ActivityEnvironment().run(activities.poll_changes, request)
    assert woken == [("centra", "brand-eu")] * 2 and again.ack == batch.ack  # not acked yet
