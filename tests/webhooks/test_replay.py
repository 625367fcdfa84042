"""Replay protection: a signed push is accepted once inside its timestamp window, by any
replica sharing the store; a resend signed anew is a new delivery; a push whose handling failed
can be sent again. Before, the same captured request was accepted every time within 5 minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from temporalio.client import Client

from codec.converter import configured_converter
from starter.webhooks import create_webhook_app
from store.deliveries import claim_delivery
from tests.activities.temporal_server import DevServer
from tests.webhooks.conftest import SECRET
from tests.webhooks.test_gxo_webhook import body_of, event, post, pushed_to, signed


def replica(client: Client, task_queue: str, facility: str, store: Engine | None) -> FastAPI:
    return create_webhook_app(client, SECRET, task_queue, facilities={facility}, engine=store)


async def receiver_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        yield client


@pytest.mark.parametrize("with_store", [True, False], ids=["store", "no store"])
async def test_the_same_signed_push_again_is_refused_and_handed_over_once(
    dev_server: DevServer, facility: str, store: Engine, with_store: bool
) -> None:
    app = replica(dev_server.client, dev_server.task_queue, facility, store if with_store else None)
    body = body_of(event(facility))
    headers = signed(body, age_seconds=60)  # a minute old, still inside the 5-minute window
    async for receiver in receiver_of(app):
        first = await post(receiver, body, headers)
        again = await post(receiver, body, headers)
        resent = await post(receiver, body, signed(body))

    assert first.status_code == 202
    assert again.status_code == 409
    assert again.json()["error"].startswith("replayed delivery")
    assert resent.status_code == 202  # signed anew: GXO's own resend, deduplicated by event id
    assert len(await pushed_to(dev_server, facility, 2)) == 2


async def test_a_replay_to_another_replica_sharing_the_store_is_refused(
    dev_server: DevServer, facility: str, store: Engine
) -> None:
    body = body_of(event(facility))
    headers = signed(body)
    one = replica(dev_server.client, dev_server.task_queue, facility, store)
    two = replica(dev_server.client, dev_server.task_queue, facility, store)
    async for receiver in receiver_of(one):
        assert (await post(receiver, body, headers)).status_code == 202
    async for receiver in receiver_of(two):
        assert (await post(receiver, body, headers)).status_code == 409


async def test_a_push_that_failed_can_be_sent_again(
    dev_server: DevServer, facility: str, store: Engine
) -> None:
    """Temporal did not take the notice (503): the claim is released, the retry gets in."""
    unreachable = await Client.connect(
        dev_server.client.service_client.config.target_host,
        namespace="no-such-namespace",
        data_converter=configured_converter(),
    )
    body = body_of(event(facility))
    headers = signed(body)
    async for receiver in receiver_of(replica(unreachable, dev_server.task_queue, facility, store)):
        assert (await post(receiver, body, headers)).status_code == 503
    working = replica(dev_server.client, dev_server.task_queue, facility, store)
    async for receiver in receiver_of(working):
        assert (await post(receiver, body, headers)).status_code == 202


def test_claims_expire_with_their_window(store: Engine) -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    until = now + timedelta(minutes=5)
    assert claim_delivery(store, "d1", "gxo", until, now)
    assert not claim_delivery(store, "d1", "gxo", until, now + timedelta(minutes=4))
    later = until + timedelta(seconds=1)  # the timestamp check refuses it by now anyway
    assert claim_delivery(store, "d1", "gxo", later + timedelta(minutes=5), later)
