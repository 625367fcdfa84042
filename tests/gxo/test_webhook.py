"""Webhook signatures: sign/verify rules, and the sandbox's pushes verify with our code."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from domain.warehouse import WarehouseEvent, WarehouseEventKind
from integrations.gxo.webhook import (
    SIGNATURE_HEADER,
    InvalidSignature,
    SignatureProblem,
    sign,
    verify,
)
from sandbox.gxo.app import DEFAULT_API_KEY, create_app
from sandbox.server import ServerThread
from tests.gxo.builders import order

SECRET = "whsec-test"
BODY = b'{"event_id":"EV-1"}'
NOW = 1_760_000_000


def test_good_signature_verifies() -> None:
    verify(SECRET, sign(SECRET, BODY, NOW), BODY, now=NOW + 10)


def test_rotated_secrets_any_v1_may_match() -> None:
    header = sign("old-secret", BODY, NOW) + "," + sign(SECRET, BODY, NOW).split(",")[1]
    verify(SECRET, header, BODY, now=NOW)


@pytest.mark.parametrize(
    ("header", "body", "now", "problem"),
    [
        (None, BODY, NOW, SignatureProblem.MISSING),
        ("  ", BODY, NOW, SignatureProblem.MISSING),
        ("v1=abc", BODY, NOW, SignatureProblem.MALFORMED),
        (f"t={NOW}", BODY, NOW, SignatureProblem.MALFORMED),
        ("t=yesterday,v1=abc", BODY, NOW, SignatureProblem.MALFORMED),
        ("garbage", BODY, NOW, SignatureProblem.MALFORMED),
        (sign(SECRET, BODY, NOW), BODY + b" ", NOW, SignatureProblem.MISMATCH),
        (sign("other", BODY, NOW), BODY, NOW, SignatureProblem.MISMATCH),
        (f"t={NOW},v1=é", BODY, NOW, SignatureProblem.MISMATCH),
        (sign(SECRET, BODY, NOW), BODY, NOW + 301, SignatureProblem.STALE),
        (sign(SECRET, BODY, NOW), BODY, NOW - 301, SignatureProblem.STALE),
    ],
)
def test_bad_signatures_are_refused(
    header: str | None, body: bytes, now: int, problem: SignatureProblem
) -> None:
    with pytest.raises(InvalidSignature) as caught:
        verify(SECRET, header, body, now=now)
    assert caught.value.problem is problem


def test_replay_inside_tolerance_passes_and_beyond_fails() -> None:
    header = sign(SECRET, BODY, NOW)
    verify(SECRET, header, BODY, now=NOW + 300)
    with pytest.raises(InvalidSignature):
        verify(SECRET, header, BODY, now=NOW + 300.5)


class _Receiver:
    """A consign-side webhook endpoint that verifies like production would."""

    def __init__(self, fail_first: int = 0) -> None:
        self.accepted: list[WarehouseEvent] = []
        self.refused = 0
        self.fail_first = fail_first
        self.lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/hooks/gxo")
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                if self.fail_first > 0:
                    self.fail_first -= 1
                    return Response(status_code=503)
                try:
                    verify(SECRET, request.headers.get(SIGNATURE_HEADER), body, now=time.time())
                except InvalidSignature:
                    self.refused += 1
                    return Response(status_code=401)
                self.accepted.append(WarehouseEvent.model_validate_json(body))
            return Response(status_code=204)


async def _push_scenario(fail_first: int) -> tuple[_Receiver, dict[str, object]]:
    receiver = _Receiver(fail_first=fail_first)
    with ServerThread(receiver.app) as hook, ServerThread(create_app()) as gxo:
        async with httpx.AsyncClient(base_url=gxo.url) as http:
            target = {"url": hook.url + "/hooks/gxo", "secret": SECRET}
            (await http.put("/_sandbox/webhook", json=target)).raise_for_status()
            body = order("W-1", [("GXO-100001", 1)]).model_dump(mode="json")
            headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
            (await http.post("/v1/orders", json=body, headers=headers)).raise_for_status()
            (await http.post("/_sandbox/cycle")).raise_for_status()
            status: dict[str, object] = {}
            for _ in range(fail_first + 1):
                status = (await http.post("/_sandbox/webhook/flush")).json()
                await asyncio.sleep(0)
    return receiver, status


async def test_sandbox_push_arrives_with_verifiable_signature() -> None:
    receiver, status = await _push_scenario(fail_first=0)
    assert receiver.refused == 0
    assert [(e.reference, e.kind) for e in receiver.accepted] == [
        ("W-1", WarehouseEventKind.DISPATCH)
    ]
    assert status["delivered"] == 1 and status["pending"] == 0


async def test_failed_push_is_retried_later() -> None:
    receiver, status = await _push_scenario(fail_first=1)
    assert [e.reference for e in receiver.accepted] == ["W-1"]
    assert status["failed_attempts"] == 1 and status["pending"] == 0
