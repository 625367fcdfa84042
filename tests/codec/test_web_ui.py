"""The Web UI, driven in the system Chromium (Playwright, no downloaded browser): an order's
history shows ciphertext while the codec server is down, ciphertext again to a browser that has
not signed in to it, and the buyer's address once it has.

Needs /usr/bin/chromium (Debian: `apt-get install chromium`) and playwright (in the dev extra);
skipped, saying which is missing, without them. Playwright's own browser builds are never used."""

from __future__ import annotations

import asyncio
import base64
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from codec.aesgcm import EncryptionCodec
from codec.converter import configured_converter, configured_key_ring
from codec.server import create_codec_app
from config import CodecSettings
from domain.order import ShipTo
from domain.search_attributes import ALL
from tests.workflows.fakes import make_order
from tests.workflows.order_harness import running_harness

CHROMIUM = Path("/usr/bin/chromium")
playwright = pytest.importorskip(
    "playwright.async_api", reason="playwright not installed: pip install -e '.[dev]'"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install chromium"
)

TOKEN = "web-ui-test-token-5f1e"
BUYER = ShipTo(name="Wilhelmina Quarterstaff", line1="42 Lindqvist Crescent", city="Leeds",
               country_code="GB")  # fmt: skip
COMPLETED = "Activity Task Completed"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def codec_server(port: int, ui_origin: str) -> AsyncIterator[None]:
    settings = CodecSettings(server_token=SecretStr(TOKEN), ui_origins=[ui_origin])
    app = create_codec_app(EncryptionCodec(configured_key_ring()), settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn sets a flag, it has no event)
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await serving


async def history_text(page: Any, url: str, awaited: str) -> str:
    """The history page's text, with every completed activity opened (their results), once
    `awaited` shows."""
    await page.goto(url)
    completed = page.locator("tr").filter(has_text=COMPLETED)
    await completed.first.wait_for()
    for index in range(await completed.count()):
        await completed.nth(index).click()
    await page.wait_for_function("text => document.body.innerText.includes(text)", arg=awaited)
    return str(await page.inner_text("body"))


async def test_the_web_ui_shows_the_address_only_through_the_codec_server() -> None:
    temporal = Path(sys.executable).parent / "temporal"
    ui_port, codec_port = free_port(), free_port()
    ui = f"http://localhost:{ui_port}"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal if temporal.exists() else shutil.which("temporal")),
        ui=True,
        ui_port=ui_port,
        search_attributes=ALL,
        data_converter=configured_converter(),
        dev_server_extra_args=["--ui-codec-endpoint", f"http://localhost:{codec_port}"],
    )
    try:
        async with running_harness(env) as harness:
            handle = await harness.inject(make_order().model_copy(update={"ship_to": BUYER}))
            history = await handle.fetch_history()
            run_id = (await handle.describe()).run_id
        # The order as read (fetch_channel_order's result): its start is what the UI shows.
        sealed = next(
            event.activity_task_completed_event_attributes.result.payloads[0].data
            for event in history.events
            if event.HasField("activity_task_completed_event_attributes")
        )
        ciphertext = base64.b64encode(sealed).decode()[:40]
        url = f"{ui}/namespaces/default/workflows/{handle.id}/{run_id}/history"
        async with playwright.async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=str(CHROMIUM))
            context = await browser.new_context()
            # The browser's codec settings, as a user sets them in the UI's codec dialog.
            await context.add_init_script(
                "localStorage.setItem('overrideRemoteCodecConfiguration', 'true');"
                f"localStorage.setItem('endpoint', JSON.stringify('http://localhost:{codec_port}'));"
                "localStorage.setItem('includeCredentials', 'true');"
            )
            page = await context.new_page()

            down = await history_text(page, url, ciphertext)
            assert "Codec Server could not connect" in down
            assert BUYER.line1 not in down

            async with codec_server(codec_port, ui):
                async with page.expect_response(lambda r: "/decode" in r.url) as answer:
                    refused = await history_text(page, url, ciphertext)
                assert (await answer.value).status == 401
                assert BUYER.line1 not in refused

                await page.goto(f"http://localhost:{codec_port}/login")
                await page.fill("input[name=token]", TOKEN)
                await page.click("button[type=submit]")
                await page.get_by_text("signed in").wait_for()
                decoded = await history_text(page, url, BUYER.line1)
                assert BUYER.name in decoded
                assert ciphertext not in decoded
            await browser.close()
    finally:
        await env.shutdown()
