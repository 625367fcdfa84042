"""The codec server: Temporal's /encode and /decode protocol, its authorization check (bearer
token or the /login cookie, 401 without, 403 wrong) and CORS for the Web UI's origin only."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from google.protobuf import json_format
from pydantic import SecretStr
from temporalio.api.common.v1 import Payloads
from temporalio.contrib.pydantic import pydantic_data_converter

from codec.aesgcm import EncryptionCodec
from codec.keys import new_key_entry, parse_key_ring
from codec.server import COOKIE, create_codec_app
from config import CodecSettings
from domain.order import ShipTo

TOKEN = "codec-test-token-0123456789"
UI = "http://localhost:8233"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
BUYER = ShipTo(name="Wilhelmina Quarterstaff", line1="42 Lindqvist Crescent", city="Leeds",
               country_code="GB")  # fmt: skip


@pytest.fixture
def codec() -> EncryptionCodec:
    return EncryptionCodec(parse_key_ring(new_key_entry("k1"), "test"))


@pytest.fixture
def server(codec: EncryptionCodec) -> TestClient:
    settings = CodecSettings(server_token=SecretStr(TOKEN), ui_origins=[UI])
    return TestClient(create_codec_app(codec, settings))


async def encrypted_body(codec: EncryptionCodec) -> str:
    """A /decode request body for BUYER's address as the worker stores it."""
    plain = pydantic_data_converter.payload_converter.to_payloads([BUYER])
    return json_format.MessageToJson(Payloads(payloads=await codec.encode(plain)))


async def test_decode_shows_the_payload_to_a_bearer(
    server: TestClient, codec: EncryptionCodec
) -> None:
    body = await encrypted_body(codec)
    assert "Quarterstaff" not in body
    response = server.post("/decode", content=body, headers=BEARER)
    assert response.status_code == 200
    [payload] = json_format.Parse(response.text, Payloads()).payloads
    assert payload.metadata["encoding"] == b"json/plain"
    assert json.loads(payload.data)["line1"] == "42 Lindqvist Crescent"


async def test_encode_then_decode_round_trips(server: TestClient) -> None:
    plain = '{"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "e30="}]}'
    encoded = server.post("/encode", content=plain, headers=BEARER)
    assert encoded.status_code == 200
    assert "YmluYXJ5L2VuY3J5cHRlZA==" in encoded.text  # binary/encrypted
    decoded = server.post("/decode", content=encoded.text, headers=BEARER)
    assert json.loads(decoded.text) == json.loads(plain)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong-token"}, 403),
        ({"Authorization": f"Basic {TOKEN}"}, 401),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403),
    ],
)
async def test_callers_without_the_token_are_refused(
    server: TestClient, codec: EncryptionCodec, headers: dict[str, str], status: int
) -> None:
    response = server.post("/decode", content=await encrypted_body(codec), headers=headers)
    assert response.status_code == status
    assert "Quarterstaff" not in response.text


async def test_no_configured_token_refuses_everyone(codec: EncryptionCodec) -> None:
    server = TestClient(create_codec_app(codec, CodecSettings(ui_origins=[UI])))
    response = server.post("/decode", content=await encrypted_body(codec), headers=BEARER)
    assert response.status_code == 403
    assert server.post("/login", data={"token": ""}).status_code == 403


async def test_a_browser_signs_in_once_and_decodes_with_its_cookie(
    server: TestClient, codec: EncryptionCodec
) -> None:
    assert "<form" in server.get("/login").text
    assert server.post("/login", data={"token": "guess"}).status_code == 403
    assert COOKIE not in server.cookies
    signed_in = server.post("/login", data={"token": TOKEN})
    assert signed_in.status_code == 200
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    response = server.post("/decode", content=await encrypted_body(codec))
    assert response.status_code == 200
    assert "Quarterstaff" in json.dumps(
        [p.data.decode() for p in json_format.Parse(response.text, Payloads()).payloads]
    )


def test_cors_answers_the_web_ui_origin_only(server: TestClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace,authorization",
    }
    allowed = server.options("/decode", headers={"Origin": UI, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "x-namespace" in allowed.headers["access-control-allow-headers"].lower()
    other = server.options("/decode", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers
    refused = server.post("/decode", content="{}", headers={"Origin": UI})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == UI  # the UI can see why


async def test_an_unknown_key_is_a_clear_refusal_not_a_crash(server: TestClient) -> None:
    stranger = EncryptionCodec(parse_key_ring(new_key_entry("other-deployment"), "test"))
    response = server.post("/decode", content=await encrypted_body(stranger), headers=BEARER)
    assert response.status_code == 422
    assert "'other-deployment'" in response.text


def test_a_body_that_is_not_payloads_is_a_400(server: TestClient) -> None:
    assert server.post("/decode", content="not json", headers=BEARER).status_code == 400
