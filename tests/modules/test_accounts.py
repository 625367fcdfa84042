"""Many accounts per channel (issue 9 §2): the accounts file, the CONSIGN_ACCOUNTS filter, and
what each account gets of its own (settings, task queues, rate limits, intakes)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from pydantic import SecretStr

from activities import queues
from config import Settings, SettingsError, read_settings
from domain.warehouse import account_tag
from integrations.accounts import Account, read_accounts_file
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.registry import (
    CHANNELS,
    WAREHOUSE,
    account_queue,
    accounts,
    served_accounts,
    serves_main_queue,
    with_accounts,
)
from worker import main_queues
from worker_services import channel_hooks, limited_rates
from workflows.deployment import (
    expected_intakes,
    expected_syncs,
    intake_inputs,
    inventory_inputs,
    settlement_inputs,
)

SECOND_SELLER = """
[[accounts]]
channel = "amazon"
id = "A2SELLERDE"
marketplaces = ["A1PA6795UKMFR9"]
facilities = ["GXO-DE-KOB"]
refresh_token_env = "AMAZON_DE_REFRESH_TOKEN"

[accounts.options]
endpoint = "https://sellingpartnerapi-eu.amazon.com"
rate_scale = 2.0
"""

LOCAL = "http://127.0.0.1:8711"

SECOND_STORE = """
[[accounts]]
channel = "centra"
id = "brand-us"
token_env = "CENTRA_US_TOKEN"
webhook_secret_env = "CENTRA_US_WEBHOOK_SECRET"

[accounts.options]
base_url = "https://brand-us.centra.com/graphql"
"""

SECRETS = {
    "AMAZON_DE_REFRESH_TOKEN": "Atzr|de-refresh-token-value",
    "CENTRA_US_TOKEN": "us-token-value",
    "CENTRA_US_WEBHOOK_SECRET": "us-webhook-secret-value",
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The sandbox defaults and the second accounts' secrets; no machine consign variables."""
    for name in list(os.environ):
        if name.startswith(("CONSIGN_", "TEMPORAL_", "AMAZON_", "CENTRA_", "GXO_")):
            monkeypatch.delenv(name)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    yield monkeypatch


def configured(
    environment: pytest.MonkeyPatch, tmp_path: Path, text: str, served: str = ""
) -> Settings:
    path = tmp_path / "accounts.toml"
    path.write_text(text)
    environment.setenv("CONSIGN_ACCOUNTS_FILE", str(path))
    environment.setenv("CONSIGN_ACCOUNTS", served)
    return with_accounts(read_settings(CHANNELS, [WAREHOUSE]))


def refusal(environment: pytest.MonkeyPatch, tmp_path: Path, text: str, served: str = "") -> str:
    with pytest.raises(SettingsError) as caught:
        configured(environment, tmp_path, text, served)
    message = str(caught.value)
    assert "\n" not in message
    assert not any(value in message for value in SECRETS.values())
    return message


def test_without_a_file_each_channel_has_its_environment_account(
    environment: pytest.MonkeyPatch,
) -> None:
    settings = with_accounts(read_settings(CHANNELS, [WAREHOUSE]))

    listed = accounts(settings)

    assert [(a.name, a.default) for a in listed] == [
        ("amazon:A1SANDBOXSELLER", True),
        ("centra:sandbox-brand", True),
    ]
    assert main_queues(settings) == (["consign-intakes"], ["consign"])
    assert {account_queue(settings, *a.key) for a in listed} == {"consign"}


def test_the_file_adds_accounts_with_their_own_settings(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = configured(environment, tmp_path, SECOND_SELLER + SECOND_STORE)

    by_name = {a.name: a for a in accounts(settings)}

    assert list(by_name) == [
        "amazon:A1SANDBOXSELLER",
        "amazon:A2SELLERDE",
        "centra:sandbox-brand",
        "centra:brand-us",
    ]
    seller = by_name["amazon:A2SELLERDE"]
    assert not seller.default
    assert seller.settings.seller_id == "A2SELLERDE"
    assert seller.settings.marketplace_ids == ["A1PA6795UKMFR9"]
    assert seller.settings.endpoint == "https://sellingpartnerapi-eu.amazon.com"
    assert seller.settings.rate_scale == 2.0
    assert seller.settings.refresh_token == SecretStr(SECRETS["AMAZON_DE_REFRESH_TOKEN"])
    # One LWA app for every seller: its id and secret come from the environment account.
    first = by_name["amazon:A1SANDBOXSELLER"].settings
    assert seller.settings.client_secret == first.client_secret
    assert seller.settings.client_id == first.client_id
    assert seller.settings.notifications_queue_url == ""  # never the first seller's queue
    assert seller.facilities == ("GXO-DE-KOB",)
    store = by_name["centra:brand-us"].settings
    assert store.account == "brand-us"
    assert store.base_url == "https://brand-us.centra.com/graphql"
    assert store.token == SecretStr(SECRETS["CENTRA_US_TOKEN"])


def test_each_other_account_has_its_own_queues_and_intakes(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = configured(environment, tmp_path, SECOND_SELLER + SECOND_STORE)

    assert main_queues(settings) == (
        ["consign-intakes", "consign-intakes@amazon:A2SELLERDE", "consign-intakes@centra:brand-us"],
        ["consign", "consign@amazon:A2SELLERDE", "consign@centra:brand-us"],
    )
    # An intake or sync derives its limited queues from its own queue the same way.
    intake = account_queue(settings, "centra", "brand-us", "consign-intakes")
    assert queues.poll_queue("centra", intake) == "centra-reads@centra:brand-us"
    assert account_queue(settings, "amazon", "A1SANDBOXSELLER") == "consign"
    own = account_queue(settings, "amazon", "A2SELLERDE")
    # Workflows route by their own queue: a pure function of what they know.
    assert queues.confirm_queue("amazon", own) == "amazon-confirmShipment@amazon:A2SELLERDE"
    assert queues.confirm_queue("amazon", "consign") == "amazon-confirmShipment"
    assert queues.fetch_queue("amazon", own) == own  # unlimited: the account's own queue
    store = account_queue(settings, "centra", "brand-us")
    assert queues.ack_queue("centra", store) == "centra-writes@centra:brand-us"
    assert [(i.channel, i.account) for i in intake_inputs(settings)] == [
        ("amazon", "A1SANDBOXSELLER"),
        ("amazon", "A2SELLERDE"),
        ("centra", "sandbox-brand"),
        ("centra", "brand-us"),
    ]
    assert [i.account for i in settlement_inputs(settings)] == ["A1SANDBOXSELLER", "A2SELLERDE"]


def test_consign_accounts_serves_a_subset(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = configured(environment, tmp_path, SECOND_SELLER + SECOND_STORE, "amazon:A2SELLERDE")

    assert [a.name for a in served_accounts(settings)] == ["amazon:A2SELLERDE"]
    assert not serves_main_queue(settings)
    assert main_queues(settings) == (
        ["consign-intakes@amazon:A2SELLERDE"],
        ["consign@amazon:A2SELLERDE"],
    )
    assert [i.account for i in intake_inputs(settings)] == ["A2SELLERDE"]
    # A stock change concerns every account's sync, served here or not.
    assert len(inventory_inputs(settings, every=True)) == 4
    assert [i.account for i in inventory_inputs(settings)] == ["A2SELLERDE"]
    # The monitor and the daily report expect every account's intakes, served here or not.
    assert "intake:centra:brand-us" in expected_intakes(settings)
    assert expected_intakes(settings)["settlements:amazon:A1SANDBOXSELLER"] == "SettlementIntake"
    assert "inventory:amazon:A1SANDBOXSELLER" in expected_syncs(settings)


def test_a_bare_channel_in_consign_accounts_serves_all_its_accounts(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = configured(environment, tmp_path, SECOND_SELLER, "amazon,centra")

    assert len(served_accounts(settings)) == 3
    assert serves_main_queue(settings)


@pytest.mark.parametrize(
    ("text", "served", "named"),
    [
        # A secret's variable that is unset: named, never a value.
        (
            SECOND_SELLER.replace("AMAZON_DE_REFRESH_TOKEN", "AMAZON_FR_REFRESH_TOKEN"),
            "",
            "(amazon:A2SELLERDE): refresh_token_env: AMAZON_FR_REFRESH_TOKEN is not set",
        ),
        # A seller's own refresh token is never borrowed from the environment's seller.
        (
            SECOND_SELLER.replace('refresh_token_env = "AMAZON_DE_REFRESH_TOKEN"', ""),
            "",
            "refresh_token_env: required",
        ),
        (
            SECOND_SELLER.replace("refresh_token_env", "refresh_tokn"),
            "",
            "unknown key 'refresh_tokn'",
        ),
        (SECOND_SELLER + 'client_secret = "x"\n', "", "options.client_secret: a secret"),
        (
            SECOND_SELLER.replace("[accounts.options]", 'endpoint_env = "X"\n[accounts.options]'),
            "",
            "endpoint_env: endpoint is not a secret of amazon",
        ),
        (SECOND_SELLER + "colour = 3\n", "", "options.colour: not a setting of amazon"),
        (SECOND_SELLER.replace("rate_scale = 2.0", "rate_scale = -1"), "", "rate_scale"),
        (SECOND_SELLER.replace('marketplaces = ["A1PA6795UKMFR9"]', ""), "", "marketplaces"),
        (SECOND_SELLER.replace('"amazon"', '"ebay"'), "", "channel not run here"),
        (SECOND_SELLER.replace('"A2SELLERDE"', '"A2 SELLER"'), "", "accounts.0.id"),
        (SECOND_SELLER.replace("GXO-DE-KOB", "GXO-XX"), "", "'GXO-XX' is not in GXO_FACILITIES"),
        (SECOND_SELLER + SECOND_SELLER, "", "amazon:A2SELLERDE is configured twice"),
        (SECOND_SELLER.replace('"A2SELLERDE"', '"A1SANDBOXSELLER"'), "", "configured twice"),
        (SECOND_STORE.replace("base_url", "api_url"), "", "options.api_url"),
        ("[[accounts]\n", "", "not TOML"),
        ('[[sellers]]\nid = "x"\n', "", "sellers"),
        (SECOND_SELLER, "amazon:A9NOBODY", "CONSIGN_ACCOUNTS names 'amazon:A9NOBODY'"),
        # The default accounts share the main queue: all of them or none.
        (SECOND_SELLER, "amazon:A1SANDBOXSELLER", "the default accounts share the main task queue"),
    ],
)
def test_a_file_or_filter_consign_cannot_use_is_one_line_naming_it(
    environment: pytest.MonkeyPatch, tmp_path: Path, text: str, served: str, named: str
) -> None:
    assert named in refusal(environment, tmp_path, text, served)


def test_production_refuses_an_entry_endpoint_on_loopback(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = read_settings(CHANNELS, [WAREHOUSE])
    defaults = {module.name: module.settings_of(settings) for module in CHANNELS}
    path = tmp_path / "accounts.toml"
    path.write_text(SECOND_SELLER.replace("https://sellingpartnerapi-eu.amazon.com", LOCAL))
    assert read_accounts_file(str(path), CHANNELS, defaults)  # outside production: the demo's

    environment.setenv("CONSIGN_ENV", "production")
    with pytest.raises(SettingsError) as caught:
        read_accounts_file(str(path), CHANNELS, defaults)
    assert "(amazon:A2SELLERDE) options.endpoint" in str(caught.value)
    assert f"{LOCAL} is on loopback" in str(caught.value)
    path.write_text(SECOND_SELLER)
    assert read_accounts_file(str(path), CHANNELS, defaults)  # Amazon's own endpoint


def test_the_file_names_itself_and_the_entry(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    message = refusal(environment, tmp_path, SECOND_STORE + SECOND_SELLER + "colour = 1\n")

    assert message.startswith(f"{tmp_path / 'accounts.toml'}: accounts[1] (amazon:A2SELLERDE)")


def test_a_missing_file_is_named(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    environment.setenv("CONSIGN_ACCOUNTS_FILE", str(tmp_path / "nowhere.toml"))

    with pytest.raises(SettingsError, match=r"CONSIGN_ACCOUNTS_FILE=.*nowhere\.toml"):
        with_accounts(read_settings(CHANNELS, [WAREHOUSE]))


def tag_twin(channel: str, account: str) -> str:
    """Another account id of `channel` whose GXO reference tag is `account`'s."""
    tag = account_tag(channel, account)
    return next(
        f"A{n}" for n in count() if account_tag(channel, f"A{n}") == tag and f"A{n}" != account
    )


def test_two_accounts_whose_gxo_references_could_meet_are_refused(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The GXO reference is `<account tag>-<order id>`: two accounts with one tag could send
    the same order id (two sellers' orders) to GXO under one reference, so such a pair never
    runs together."""
    twin = tag_twin("amazon", "A1SANDBOXSELLER")
    text = SECOND_SELLER.replace('"A2SELLERDE"', f'"{twin}"')

    message = refusal(environment, tmp_path, text)

    assert f"amazon:A1SANDBOXSELLER and amazon:{twin} share the GXO reference tag" in message


def test_accounts_with_distinct_tags_never_share_a_reference() -> None:
    from domain.order import OrderRef
    from domain.warehouse import warehouse_reference

    refs = [
        OrderRef(channel=channel, account=account, order_id=order_id)
        for channel, account in [("amazon", "A1SANDBOXSELLER"), ("amazon", "A2SELLERDE")]
        for order_id in ["026-1234567-1234567", "1042"]
    ]
    assert len({warehouse_reference(ref) for ref in refs}) == len(refs)
    assert account_tag("amazon", "A1SANDBOXSELLER") != account_tag("amazon", "A2SELLERDE")


def test_an_account_is_named_channel_colon_id() -> None:
    account = Account(channel="amazon", id="A2", settings=None, default=False)
    assert account.name == "amazon:A2"
    assert account.queue("consign") == "consign@amazon:A2"
    assert Account(channel="amazon", id="A1", settings=None, default=True).queue("q") == "q"


def test_each_store_has_its_own_webhook_route_secret_and_queue(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = configured(environment, tmp_path, SECOND_STORE)

    hooks = {hook.path: hook for hook in channel_hooks(settings)}

    assert set(hooks) == {"/webhooks/centra", "/webhooks/centra/brand-us"}
    second = hooks["/webhooks/centra/brand-us"]
    assert second.secret == SECRETS["CENTRA_US_WEBHOOK_SECRET"]
    assert (second.intake.channel, second.intake.account) == ("centra", "brand-us")
    assert second.task_queue == "consign-intakes@centra:brand-us"  # intakes: the intake queue
    assert hooks["/webhooks/centra"].task_queue == "consign-intakes"


async def test_each_seller_has_its_own_limited_queues_at_its_own_rates(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Amazon's usage plan is per seller: the second seller's confirmShipment queue is its own,
    limited at its plan times its own rate scale (2.0 in its entry, 1.0 for the first)."""
    settings = configured(environment, tmp_path, SECOND_SELLER)
    first, second = [a for a in accounts(settings) if a.channel == "amazon"]

    rates = {}
    for account in (first, second):
        async with build_amazon_client(account.settings) as client:
            rates.update(limited_rates(settings, account, AmazonChannel(client)))

    assert rates["amazon-confirmShipment"] == 2.0
    assert rates["amazon-confirmShipment@amazon:A2SELLERDE"] == 4.0
    assert len(rates) == 10  # five queues each, none shared
