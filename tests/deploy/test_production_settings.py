"""CONSIGN_ENV=production refuses to start on the local sandboxes' defaults: every endpoint,
account and credential must be set, to something other than the sandbox's value, and no
endpoint may be on loopback. One start names every variable to fix, one per line, with no
traceback and no secret's value (before: a production worker with AMAZON_* missing started
and looked healthy, pointed at 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from config import SettingsError, read_settings
from integrations.registry import CHANNELS, WAREHOUSE
from tests.conftest import PROJECT_ROOT

PRODUCTION = {
    "CONSIGN_ENV": "production",
    "TEMPORAL_ADDRESS": "temporal.internal:7233",
    "DATABASE_URL": "postgresql+psycopg://consign@db.internal:5432/consign",
    "AMAZON_SELLER_ID": "A2BRANDSELLER",
    "AMAZON_SPAPI_ENDPOINT": "https://sellingpartnerapi-eu.amazon.com",
    "AMAZON_LWA_ENDPOINT": "https://api.amazon.com/auth/o2/token",
    "AMAZON_LWA_CLIENT_ID": "amzn1.application-oa2-client.brand",
    "AMAZON_LWA_CLIENT_SECRET": "lwa-secret-value",
    "AMAZON_REFRESH_TOKEN": "Atzr|refresh-secret-value",
    "CENTRA_API_URL": "https://brand.centra.com/graphql",
    "CENTRA_API_TOKEN": "centra-secret-value",
    "CENTRA_ACCOUNT": "brand",
    "CENTRA_WEBHOOK_SECRET": "centra-hook-secret-value",
    "CENTRA_WAREHOUSE_ID": "7",
    "GXO_BASE_URL": "https://api.gxo.example/brand",
    "GXO_API_KEY": "gxo-secret-value",
    "GXO_WEBHOOK_SECRET": "gxo-hook-secret-value",
    "GXO_FACILITIES": "GXO-UK-NTH",
    "CONSIGN_CODEC_KEYS": "k1:" + "A" * 43 + "=",
}
SECRETS = [value for name, value in PRODUCTION.items() if "secret" in value]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Only what the test sets: none of the machine's consign variables."""
    for name in list(os.environ):
        if name.startswith(("CONSIGN_", "TEMPORAL_", "AMAZON_", "CENTRA_", "GXO_", "DATABASE_")):
            monkeypatch.delenv(name)
    yield monkeypatch


def read() -> None:
    read_settings(CHANNELS, [WAREHOUSE])


def refusals(error: pytest.ExceptionInfo[SettingsError]) -> dict[str, str]:
    head, *lines = str(error.value).splitlines()
    assert head == f"CONSIGN_ENV=production refuses {len(lines)} setting(s):"
    return dict(line.strip().split(": ", 1) for line in lines)


def test_the_sandbox_defaults_are_refused_all_at_once(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("CONSIGN_ENV", "production")
    with pytest.raises(SettingsError) as refused:
        read()
    named = refusals(refused)
    expected = set(PRODUCTION) - {"CONSIGN_ENV"}
    assert set(named) == expected
    assert named["AMAZON_SPAPI_ENDPOINT"].startswith("not set")
    assert named["TEMPORAL_ADDRESS"] == "localhost:7233 is the local dev server's"


def test_a_complete_production_environment_is_accepted(environment: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        environment.setenv(name, value)
    read()


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("GXO_BASE_URL", "http://127.0.0.1:8702", "is the local sandbox's value"),
        ("CENTRA_API_URL", "http://localhost:9000/graphql", "points at loopback (localhost)"),
        ("AMAZON_SPAPI_ENDPOINT", "http://[::1]:8701", "points at loopback (::1)"),
        ("AMAZON_REFRESH_TOKEN", "Atzr|sandbox-refresh-token", "is the local sandbox's value"),
        ("TEMPORAL_ADDRESS", "127.0.0.1:7233", "127.0.0.1:7233 is the local dev server's"),
    ],
)
def test_a_sandbox_value_or_a_loopback_endpoint_is_named(
    environment: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    for variable, good in PRODUCTION.items():
        environment.setenv(variable, good)
    environment.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        read()
    named = refusals(refused)
    assert named == {name: named[name]} and named[name].startswith(problem)
    assert not any(secret in str(refused.value) for secret in SECRETS)


def test_a_channel_the_deployment_does_not_run_is_not_checked(
    environment: pytest.MonkeyPatch,
) -> None:
    for name, value in PRODUCTION.items():
        if not name.startswith("AMAZON_"):
            environment.setenv(name, value)
    environment.setenv("CONSIGN_CHANNELS", "centra")
    read()


def test_outside_production_the_sandbox_defaults_serve() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSIGN_", "AMAZON_"))}
    result = run_worker_settings(env)
    assert result.returncode == 0, result.stderr


def test_the_worker_stops_naming_every_variable_without_a_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSIGN_", "AMAZON_"))}
    result = subprocess.run(
        [sys.executable, "-m", "worker"],
        cwd=PROJECT_ROOT,
        env={**env, "CONSIGN_ENV": "production"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("consign worker: CONSIGN_ENV=production refuses")
    assert "AMAZON_REFRESH_TOKEN: not set" in result.stderr
    assert "Traceback" not in result.stderr


def run_worker_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "from integrations.registry import get_settings; get_settings()"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
