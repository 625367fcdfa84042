"""The infrastructure files, checked by parsing (no Docker engine here): the production-like
cluster in docker-compose.temporal.yml, the worker's Dockerfile and .env.example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from starter.temporal_setup import CONSIGN_KEYS, type_name

ROOT = Path(__file__).resolve().parents[2]


def config_variables() -> set[str]:
    """Every environment variable config.py and the modules' settings read: their string
    literals named LIKE_THIS."""
    files = [ROOT / "config.py", *sorted(ROOT.glob("integrations/*/settings.py"))]
    source = "\n".join(path.read_text() for path in files)
    names = set(re.findall(r"\"([A-Z][A-Z0-9]*_[A-Z0-9_]+)\"", source))
    assert names, "config.py reads no variables?"
    return names


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.temporal.yml").read_text())
    result: dict[str, Any] = compose["services"]
    return result


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_services_present(services: dict[str, Any]) -> None:
    assert {"postgresql", "temporal", "temporal-ui", "temporal-setup", "worker"} <= set(services)
    assert services["postgresql"]["image"] == "postgres:16"
    assert services["temporal"]["image"].startswith("temporalio/server:")
    assert services["temporal-ui"]["image"].startswith("temporalio/ui:")


def test_temporal_uses_postgres_and_publishes_its_ports(services: dict[str, Any]) -> None:
    env = env_of(services["temporal"])
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgresql"
    assert "7233:7233" in services["temporal"]["ports"]
    ui = services["temporal-ui"]
    assert env_of(ui)["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert "8080:8080" in ui["ports"]
    # the schema is in place before the server starts
    schema = services["temporal"]["depends_on"]["temporal-schema"]
    assert schema["condition"] == "service_completed_successfully"


def test_setup_registers_exactly_the_workflow_search_attributes(
    services: dict[str, Any],
) -> None:
    script = "\n".join(services["temporal-setup"]["command"])
    pairs = re.findall(r"\b(\w+)=(Keyword|Datetime|Text|Int|Double|Bool|KeywordList)\b", script)
    assert pairs == [(key.name, type_name(key)) for key in CONSIGN_KEYS]
    assert "temporal operator search-attribute create" in script
    assert env_of(services["temporal-setup"])["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_stuck_workflow_flag_is_configured() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.temporal.yml").read_text())
    dynamic = yaml.safe_load(compose["configs"]["temporal-dynamic-config"]["content"])
    key = "system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute"
    assert dynamic[key] == [{"value": 3}]


def test_worker_waits_for_temporal_and_the_attributes(services: dict[str, Any]) -> None:
    worker = services["worker"]
    assert worker["depends_on"]["temporal"]["condition"] == "service_healthy"
    assert worker["depends_on"]["temporal-setup"]["condition"] == "service_completed_successfully"
    assert (ROOT / worker["build"]["context"] / worker["build"]["dockerfile"]).is_file()
    env = env_of(worker)
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgresql:5432/consign" in env["DATABASE_URL"]
    assert set(env) <= config_variables(), "worker env names config.py never reads"


def test_dockerfile_builds_the_worker() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    assert lines[[line.startswith("FROM") for line in lines].index(True)] == (
        "FROM python:3.11-slim"
    )
    assert 'CMD ["python", "-m", "worker"]' in lines
    sources = [src for line in lines if line.startswith("COPY ") for src in line.split()[1:-1]]
    assert "pyproject.toml" in sources and "config.py" in sources
    missing = [src for src in sources if not (ROOT / src).exists()]
    assert not missing, f"the image build would fail: {missing} not in the repository"


def test_env_example_documents_every_setting() -> None:
    documented = set(
        re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    assert config_variables() <= documented, config_variables() - documented
    assert documented <= config_variables(), documented - config_variables()


# --- deployment (issue 12 §4): scalable, no dev-only flags, own store role, no default secrets --

# Tags Temporal's own compose files pin (temporalio/samples-server compose/.env), the official
# postgres image and the monitoring images: all on Docker Hub. Bump together with
# TEMPORAL_VERSION's default.
EXISTING_IMAGES = {
    "postgres:16",
    "temporalio/server:1.31.0",
    "temporalio/admin-tools:1.31.0",
    "temporalio/ui:2.49.1",
    "prom/prometheus:v2.54.1",  # Prometheus's and Grafana's official images
    "grafana/grafana:11.5.2",
}


def interpolated(text: str) -> str:
    """Compose's substitution with nothing set: defaults used, required variables named."""
    text = re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", text)
    text = re.sub(r"\$\{(\w+):\?[^}]*\}", r"<\1>", text)
    return text.replace("$$", "$")


def compose_text() -> str:
    return (ROOT / "docker-compose.temporal.yml").read_text()


def test_images_are_pinned_tags_that_exist(services: dict[str, Any]) -> None:
    images = {interpolated(s["image"]) for s in services.values() if "image" in s}
    assert images == EXISTING_IMAGES


def published_host_ports(service: dict[str, Any]) -> list[str]:
    """The host side of each published port ("8090:8080" -> "8090")."""
    ports = [interpolated(str(port)) for port in service.get("ports", [])]
    return [port.rsplit(":", 1)[0].rsplit(":", 1)[-1] for port in ports if ":" in port]


def test_workers_scale_without_port_clashes(services: dict[str, Any]) -> None:
    """`up --scale worker=3`: a replicated service may publish no fixed host port."""
    assert "ports" not in services["worker"]
    webhooks = services["webhooks"]
    assert env_of(webhooks)["CONSIGN_WEBHOOK_PORT"] == "8080"
    assert published_host_ports(webhooks) == ["8090"]
    assert "CONSIGN_WEBHOOK_PORT" not in env_of(services["worker"])
    hosts = [port for s in services.values() for port in published_host_ports(s)]
    assert len(hosts) == len(set(hosts)), hosts
    # the same image and settings otherwise
    assert webhooks["build"] == services["worker"]["build"]
    assert env_of(webhooks) == {**env_of(services["worker"]), "CONSIGN_WEBHOOK_PORT": "8080"}


def test_workers_report_readiness(services: dict[str, Any]) -> None:
    for name in ("worker", "webhooks"):
        service = services[name]
        port = env_of(service)["CONSIGN_HEALTH_PORT"]
        probe = " ".join(service["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/readyz" in probe


def test_no_dev_only_dynamic_config(services: dict[str, Any]) -> None:
    compose = yaml.safe_load(compose_text())
    dynamic = yaml.safe_load(compose["configs"]["temporal-dynamic-config"]["content"])
    assert "system.forceSearchAttributesCacheRefreshOnRead" not in dynamic
    assert "forceSearchAttributesCacheRefreshOnRead" not in str(services["temporal"])


def test_setup_waits_until_the_server_knows_every_attribute(services: dict[str, Any]) -> None:
    """Without the dev-only cache flag, the job ends only when a query naming each attribute
    is accepted: the worker (which waits for the job) never upserts an unknown one."""
    script = "\n".join(services["temporal-setup"]["command"])
    query = re.search(r'query="([^"]+)"', script)
    assert query, "no probe query"
    named = set(re.findall(r"\b([A-Z]\w+) [=>]", query[1]))
    assert named == {key.name for key in CONSIGN_KEYS}
    assert 'until temporal workflow count -n "$$NAMESPACE" --query "$$query"' in script


def test_postgres_is_not_published_and_the_store_has_its_own_role(
    services: dict[str, Any],
) -> None:
    postgres = services["postgresql"]
    assert "ports" not in postgres
    assert "POSTGRES_DB" not in env_of(postgres)  # consign's database comes from the init script
    (init,) = postgres["configs"]
    assert init["target"].startswith("/docker-entrypoint-initdb.d/")
    script = yaml.safe_load(compose_text())["configs"][init["source"]]["content"]
    assert "CREATE ROLE consign LOGIN PASSWORD :'password';" in script
    assert "CREATE DATABASE consign OWNER consign;" in script
    assert '-v password="$$CONSIGN_DB_PASSWORD"' in script  # never written into the file
    url = interpolated(env_of(services["worker"])["DATABASE_URL"])
    assert url == "postgresql+psycopg://consign:<CONSIGN_DB_PASSWORD>@postgresql:5432/consign"
    temporal_user = interpolated(env_of(services["temporal"])["POSTGRES_USER"])
    assert temporal_user != "consign"


def test_no_default_passwords_or_keys(services: dict[str, Any]) -> None:
    """Every secret is required (`${VAR:?...}`): compose refuses to start without it."""
    defaulted = re.findall(r"\$\{(\w*(?:PASSWORD|PWD|TOKEN|KEYS|SECRET)\w*):-", compose_text())
    assert not defaulted
    for name, service in services.items():
        for key, value in env_of(service).items():
            if re.search(r"PASSWORD|PWD|TOKEN|KEYS|SECRET", key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{name}.{key}={value}"
