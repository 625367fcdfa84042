"""The remote codec server (Temporal's codec protocol): POST /encode and /decode take and return
`{"payloads": [...]}` (Payloads as protobuf JSON, metadata and data base64). The Web UI and
`temporal workflow show --codec-endpoint` call it to show histories decoded; without it they show
ciphertext.

Only callers who present the token (CONSIGN_CODEC_SERVER_TOKEN) get an answer: as
`Authorization: Bearer <token>` (the temporal CLI's `--codec-auth`, a proxy in front), or as the
HttpOnly cookie /login sets for a browser (the Web UI sends it with "include cross-origin
credentials"). No credentials: 401; wrong ones: 403; no token configured: every call 403. Both
compared in constant time. CORS answers only the Web UI's origins (CONSIGN_CODEC_UI_ORIGINS).
Payloads and tokens are never logged."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, PlainTextResponse
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from config import CodecSettings

COOKIE = "consign_codec"
COOKIE_SECONDS = 8 * 3600
MAX_BODY_BYTES = 32 * 1024 * 1024  # a page of history: many payloads of up to 2 MB
LOGIN_FORM = """<!doctype html><title>consign codec server</title>
<form method="post" action="login"><label>Codec server token
<input type="password" name="token" autocomplete="off"></label>
<button type="submit">Sign in</button></form>"""

Transform = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


def create_codec_app(codec: PayloadCodec, settings: CodecSettings) -> FastAPI:
    """The codec server for `codec`, guarded by settings.server_token."""
    app = FastAPI(title="consign codec server", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.ui_origins,
        allow_credentials=True,
        allow_methods=["POST"],
        allow_headers=["authorization", "content-type", "x-namespace"],
        max_age=600,
    )
    token = settings.server_token.get_secret_value().encode()

    def refusal(request: Request) -> Response | None:
        """None when the caller presented the token; else the 401/403 to answer."""
        header = request.headers.get("authorization", "")
        scheme, _, presented = header.partition(" ")
        offered = presented.strip() if scheme.lower() == "bearer" else ""
        offered = offered or request.cookies.get(COOKIE, "")
        if not offered:
            return PlainTextResponse(
                "unauthorized: send Authorization: Bearer <token> or sign in at /login",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not token or not hmac.compare_digest(offered.encode(), token):
            return PlainTextResponse("forbidden", status_code=403)
        return None

    async def transform(request: Request, apply: Transform) -> Response:
        refused = refusal(request)
        if refused is not None:
            return refused
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return PlainTextResponse("payloads too large", status_code=413)
        try:
            payloads = json_format.Parse(body, Payloads())
        except json_format.ParseError:
            return PlainTextResponse('expected {"payloads": [...]} as JSON', status_code=400)
        try:
            result = Payloads(payloads=await apply(payloads.payloads))
        except ValueError as err:  # an unknown key id, a payload that does not decrypt
            return PlainTextResponse(str(err), status_code=422)
        return Response(json_format.MessageToJson(result), media_type="application/json")

    @app.post("/encode")
    async def encode(request: Request) -> Response:
        return await transform(request, codec.encode)

    @app.post("/decode")
    async def decode(request: Request) -> Response:
        return await transform(request, codec.decode)

    @app.get("/login")
    async def login_form() -> HTMLResponse:
        return HTMLResponse(LOGIN_FORM)

    @app.post("/login")
    async def login(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > 4096:
            return PlainTextResponse("too large", status_code=413)
        presented = parse_qs((await request.body()).decode(errors="replace")).get("token", [""])
        offered = presented[0].encode()
        if not token or not hmac.compare_digest(offered, token):
            return PlainTextResponse("forbidden", status_code=403)
        response = PlainTextResponse("signed in: the Web UI can decode payloads now")
        response.set_cookie(
            COOKIE,
            presented[0],
            max_age=COOKIE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    @app.get("/health")
    async def health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app
