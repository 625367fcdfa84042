"""Settings consign cannot use: each stops the command (and the worker) with one line naming
the variable, instead of a traceback or a silent default (before: `int('lots')` tracebacks that
named no variable, an unknown flag value read as "false", a blank webhook secret accepted)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from integrations.registry import get_settings
from tests.conftest import PROJECT_ROOT
from tests.corpus import cli
from tests.corpus.cases import Case, Corpus, Observed, Outcome, missing, one, rows

SURFACE = "settings (env): CLI"


def bad(kind: str, variable: str, value: str, says: str) -> tuple[Case, tuple[str, str]]:
    case = Case(kind, SURFACE, f"{variable}={value!r}", Outcome("exit 1", says))
    return case, (variable, value)


ROWS = [
    bad(
        "setting-not-a-number",
        "CONSIGN_WEBHOOK_MAX_BYTES",
        "lots",
        "CONSIGN_WEBHOOK_MAX_BYTES='lots' is not a whole number",
    ),
    bad(
        "setting-out-of-range",
        "GXO_MAX_PARCELS_PER_DISPATCH",
        "0",
        "GXO_MAX_PARCELS_PER_DISPATCH=0: Input should be greater than or equal to 1",
    ),
    bad(
        "setting-negative-hours",
        "CENTRA_DISPATCH_SLA_HOURS",
        "-1",
        "CENTRA_DISPATCH_SLA_HOURS=-1.0: Input should be greater than 0",
    ),
    bad(
        "setting-unknown-channel",
        "CONSIGN_CHANNELS",
        "amazon,ebay",
        "CONSIGN_CHANNELS names 'ebay', not one of amazon, centra",
    ),
    bad(
        "setting-unknown-choice",
        "CENTRA_CAPTURE_MODE",
        "sometimes",
        "CENTRA_CAPTURE_MODE='sometimes' is not one of capture, is_paid, none",
    ),
    bad(
        "setting-unknown-reader",
        "AMAZON_ORDERS_READER",
        "v3",
        "AMAZON_ORDERS_READER='v3' is not one of v2026, v0",
    ),
    bad(
        "setting-unknown-migrate-mode",
        "CONSIGN_DB_MIGRATE",
        "sometimes",
        "CONSIGN_DB_MIGRATE='sometimes' is not one of auto, off",
    ),
    bad(
        "setting-flag-typo",
        "CONSIGN_START_INTAKES",
        "ture",
        "CONSIGN_START_INTAKES='ture' is not a yes/no value",
    ),
    bad(
        "setting-not-finite",
        "CONSIGN_POLL_INTERVAL_SECONDS",
        "nan",
        "CONSIGN_POLL_INTERVAL_SECONDS='nan' is not a finite number",
    ),
    bad(
        "setting-negative-interval",
        "CONSIGN_POLL_INTERVAL_SECONDS",
        "-5",
        "CONSIGN_POLL_INTERVAL_SECONDS=-5.0: must be greater than 0",
    ),
    bad(
        "setting-negative-count",
        "CENTRA_SWEEP_EVERY_POLLS",
        "-1",
        "CENTRA_SWEEP_EVERY_POLLS=-1: must be at least 0",
    ),
    bad(
        "setting-port-out-of-range",
        "CONSIGN_WEBHOOK_PORT",
        "70000",
        "CONSIGN_WEBHOOK_PORT=70000: must be at most 65535",
    ),
    bad("setting-port-not-a-number", "CONSIGN_WEBHOOK_PORT", "80a", "CONSIGN_WEBHOOK_PORT='80a'"),
    bad(
        "setting-blank-required",
        "DATABASE_URL",
        "",
        "DATABASE_URL is set but empty",
    ),
    bad(
        "setting-temporal-tls-typo",
        "TEMPORAL_TLS",
        "maybe",
        "TEMPORAL_TLS='maybe' is not a yes/no value",
    ),
    bad(
        "setting-temporal-cert-missing",
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
        "/nonexistent/ca.pem",
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH='/nonexistent/ca.pem': No such file or directory",
    ),
    bad(
        "setting-sync-since-not-a-time",
        "AMAZON_PRODUCT_SYNC_SINCE",
        "yesterday",
        "AMAZON_PRODUCT_SYNC_SINCE: not an ISO 8601 time with a UTC offset: 'yesterday'",
    ),
    bad(
        "setting-sync-since-no-offset",
        "AMAZON_PRODUCT_SYNC_SINCE",
        "2026-12-01T00:00:00",
        "AMAZON_PRODUCT_SYNC_SINCE: no UTC offset",
    ),
    bad(
        "setting-sync-minutes-zero",
        "AMAZON_PRODUCT_SYNC_MINUTES",
        "0",
        "AMAZON_PRODUCT_SYNC_MINUTES=0.0: must be greater than 0",
    ),
    bad(
        "setting-blank-secret",
        "GXO_WEBHOOK_SECRET",
        " ",
        "GXO_WEBHOOK_SECRET is set but empty",
    ),
]


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Settings are read once per process: read them again with this case's environment."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@rows("setting", ROWS)
def test_a_setting_consign_cannot_use_is_one_line_naming_it(
    case: Case,
    setting: tuple[str, str],
    engine: Engine,
    store_url: str,
    fresh_settings: None,
    corpus: Corpus,
) -> None:
    url = store_url
    variable, value = setting
    command = ["mappings", "export", "skus"]  # reads DATABASE_URL from the settings
    observed = cli.run(command, env={"DATABASE_URL": url, variable: value})
    # Nothing lost: nothing ran on the bad setting, and with it fixed the command works.
    get_settings.cache_clear()
    fixed = cli.runner.invoke(cli.app, command, env={"DATABASE_URL": url})
    observed.lost += missing("the command with the setting fixed", 0, fixed.exit_code)
    observed.lost += missing("the SKUs it exports", True, "TSHIRT-BLK-M" in fixed.stdout)
    corpus.check(case, observed)


WORKER = Case(
    "setting-at-worker-start",
    "settings (env): worker",
    "CONSIGN_POLL_INTERVAL_SECONDS='soon'",
    Outcome(
        "exit 1", "consign worker: CONSIGN_POLL_INTERVAL_SECONDS='soon' is not a finite number"
    ),
)


@one(WORKER)
def test_the_worker_stops_at_start_with_one_line(case: Case, corpus: Corpus) -> None:
    """The worker process itself (`python -m worker`, the image's command), before it connects
    to anything: so a bad setting can have started nothing, lost nothing."""
    env = {"PATH": "/usr/bin:/bin", "CONSIGN_POLL_INTERVAL_SECONDS": "soon"}
    done = subprocess.run(
        [sys.executable, "-m", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = done.stderr.strip().splitlines()
    one_line = len(lines) == 1 and "Traceback" not in done.stderr
    name = f"exit {done.returncode}" + ("" if one_line else ", not one line")
    observed = Observed(name, " | ".join(lines[-3:]))
    corpus.check(case, observed)


ACCOUNTS_SURFACE = "accounts file (CONSIGN_ACCOUNTS_FILE): CLI"
SELLER = """[[accounts]]
channel = "amazon"
id = "A2SELLERDE"
marketplaces = ["A1PA6795UKMFR9"]
refresh_token_env = "AMAZON_DE_REFRESH_TOKEN"
"""


def bad_file(kind: str, text: str, served: str, says: str) -> tuple[Case, tuple[str, str]]:
    shown = text.replace("\n", " ")[:60] + (f" with CONSIGN_ACCOUNTS={served}" if served else "")
    return Case(kind, ACCOUNTS_SURFACE, shown, Outcome("exit 1", says)), (text, served)


ACCOUNT_ROWS = [
    bad_file(
        "accounts-secret-variable-unset",
        SELLER.replace("AMAZON_DE_", "AMAZON_FR_"),
        "",
        "refresh_token_env: AMAZON_FR_REFRESH_TOKEN is not set",
    ),
    bad_file("accounts-not-toml", "[[accounts]\n", "", "not TOML"),
    bad_file(
        "accounts-secret-in-the-file",
        SELLER + '[accounts.options]\nrefresh_token = "Atzr|x"\n',
        "",
        "options.refresh_token: a secret: name its variable with refresh_token_env",
    ),
    bad_file("accounts-twice", SELLER + SELLER, "", "amazon:A2SELLERDE is configured twice"),
    bad_file(
        "accounts-unknown-served",
        SELLER,
        "amazon:A9NOBODY",
        "CONSIGN_ACCOUNTS names 'amazon:A9NOBODY'",
    ),
]


@rows("given", ACCOUNT_ROWS)
def test_an_accounts_file_consign_cannot_use_is_one_line_naming_it(
    case: Case,
    given: tuple[str, str],
    engine: Engine,
    store_url: str,
    fresh_settings: None,
    corpus: Corpus,
    tmp_path: Path,
) -> None:
    text, served = given
    path = tmp_path / "accounts.toml"
    path.write_text(text)
    env = {
        "DATABASE_URL": store_url,
        "CONSIGN_ACCOUNTS_FILE": str(path),
        "CONSIGN_ACCOUNTS": served,
        "AMAZON_DE_REFRESH_TOKEN": "Atzr|de-secret-value",
    }
    observed = cli.run(["accounts"], env=env)
    observed.lost += missing("the secret's value kept out", False, "de-secret" in observed.message)
    # Nothing lost: with the file fixed the command lists the second seller.
    path.write_text(SELLER)
    get_settings.cache_clear()
    wide = {**env, "CONSIGN_ACCOUNTS": "", "COLUMNS": "300"}
    fixed = cli.runner.invoke(cli.app, ["accounts"], env=wide)
    observed.lost += missing("the command with the file fixed", 0, fixed.exit_code)
    observed.lost += missing("the account it lists", True, "A2SELLERDE" in fixed.stdout)
    corpus.check(case, observed)
