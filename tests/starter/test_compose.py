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
