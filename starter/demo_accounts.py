"""The demo's second accounts (issue 9 §4): a second Amazon seller on Amazon.de and a second
Centra store, each on a sandbox of its own, configured through an accounts file beside the
first seller and store (CONSIGN_ACCOUNTS_FILE): their own credentials, task queues, rate limits,
intakes and webhook route, one worker serving all four.

They play the same scenario as the first ones (starter/demo_amazon.py, starter/demo_centra.py);
their order ids may meet the first ones' (the second sandboxes number and seed alike), which
is what the per-account GXO reference keeps apart. The returns, settlement and launch scenes
run for the first accounts only.
"""

from __future__ import annotations

from pathlib import Path

from domain.lifecycle import OrderStatus
from sandbox.amazon.catalogue import DE
from starter.demo_amazon import RATE_SCALE, AmazonPart
from starter.demo_centra import CENTRA_RATE_SCALE, CentraPart
from starter.demo_parts import ChannelPart
from starter.devstack import ExtraSandbox

SECOND_SELLER = "A2SANDBOXSELLERDE"
SECOND_SELLER_TOKEN = "Atzr|sandbox-refresh-token-de"
SECOND_STORE = "sandbox-brand-us"
AMAZON_DE, CENTRA_US = "amazon-de", "centra-us"  # the stack's children (and their ports)
# The secrets the accounts file names (the sandboxes' own: the second store is a copy).
SECRETS = {
    "AMAZON_DE_REFRESH_TOKEN": SECOND_SELLER_TOKEN,
    "CENTRA_US_API_TOKEN": "sandbox-centra-token",
    "CENTRA_US_WEBHOOK_SECRET": "sandbox-centra-webhook-secret",
}


def accounts_file(amazon_url: str, centra_url: str) -> str:
    """The accounts file of the second seller and store, at their sandboxes' URLs."""
    return f"""# The demo's second accounts (starter/demo_accounts.py); docs/configuration.md
[[accounts]]
channel = "amazon"
id = "{SECOND_SELLER}"
marketplaces = ["{DE.marketplace_id}"]
facilities = ["GXO-UK-DAV"]
refresh_token_env = "AMAZON_DE_REFRESH_TOKEN"

[accounts.options]
endpoint = "{amazon_url}"
lwa_endpoint = "{amazon_url}/auth/o2/token"

[[accounts]]
channel = "centra"
id = "{SECOND_STORE}"
token_env = "CENTRA_US_API_TOKEN"
webhook_secret_env = "CENTRA_US_WEBHOOK_SECRET"

[accounts.options]
base_url = "{centra_url}/graphql"
"""


def second_sandboxes(ports: dict[str, int], webhooks: str) -> list[ExtraSandbox]:
    """The second seller's Amazon sandbox and the second store's Centra sandbox; the store
    pushes its webhooks to its own route (`<webhooks>/centra/<store>`)."""
    return [
        ExtraSandbox(
            AMAZON_DE,
            "amazon",
            ports[AMAZON_DE],
            (
                "--seller-id",
                SECOND_SELLER,
                "--refresh-token",
                SECOND_SELLER_TOKEN,
                "--rate-scale",
                str(RATE_SCALE),
                "--report-processing-seconds",
                "0",
            ),
        ),
        ExtraSandbox(
            CENTRA_US,
            "centra",
            ports[CENTRA_US],
            (
                "--webhook-url",
                f"{webhooks}/centra/{SECOND_STORE}",
                "--rate-scale",
                str(CENTRA_RATE_SCALE),
            ),
        ),
    ]


def write_accounts_file(var: Path, sandboxes: list[ExtraSandbox]) -> dict[str, str]:
    """Write the file under `var`; the environment the stack needs for it."""
    urls = {sandbox.name: sandbox.url for sandbox in sandboxes}
    path = var / "accounts.toml"
    path.write_text(accounts_file(urls[AMAZON_DE], urls[CENTRA_US]))
    return {"CONSIGN_ACCOUNTS_FILE": str(path), **SECRETS}


def second_seller(orders: int, seed: int) -> AmazonPart:
    """Half the first seller's generated orders, on Amazon.de, from another seed."""
    return AmazonPart(
        max(orders // 2, 8),
        seed + 1,
        account=SECOND_SELLER,
        label="Amazon DE",
        sandbox=AMAZON_DE,
        marketplace_id=DE.marketplace_id,
    )


def second_store() -> CentraPart:
    return CentraPart(account=SECOND_STORE, label="Centra US", sandbox=CENTRA_US)


def first_parts(parts: list[ChannelPart]) -> list[ChannelPart]:
    """Each channel's first part (its default account): the scenes beside the orders use it."""
    firsts: dict[str, ChannelPart] = {}
    for part in parts:
        firsts.setdefault(part.channel, part)
    return list(firsts.values())


def by_channel(
    parts: list[ChannelPart], statuses: dict[tuple[str, str], dict[str, OrderStatus]]
) -> dict[str, dict[str, OrderStatus]]:
    """The orders of one part per channel, by channel (what the returns scene reads)."""
    return {part.channel: statuses[part.key] for part in parts}
