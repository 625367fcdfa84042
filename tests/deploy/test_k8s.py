"""deploy/k8s, validated offline against the Kubernetes JSON schemas that kubernetes-validate
bundles (strict: unknown fields fail), and checked for what the worker needs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"  # oldest release the manifests must suit; checked below too


def documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found.append((path.name, document))
    return found


def resources() -> dict[str, dict[str, Any]]:
    """Kubernetes objects by kind (kustomize's own file is not one)."""
    return {d["kind"]: d for _, d in documents() if d["kind"] != "Kustomization"}


@pytest.mark.parametrize("version", [KUBERNETES_VERSION, kubernetes_validate.latest_version()])
@pytest.mark.parametrize(
    ("name", "document"),
    [pytest.param(n, d, id=f"{n}:{d['kind']}") for n, d in documents()],
)
def test_manifest_is_valid(name: str, document: dict[str, Any], version: str) -> None:
    if document["kind"] == "Kustomization":
        listed = set(document["resources"])
        assert listed == {p.name for p in K8S.glob("*.yaml")} - {
            "kustomization.yaml",
            "secret.example.yaml",  # created from the secret store, not applied from here
        }
        return
    kubernetes_validate.validate(document, version, strict=True)


def test_the_validator_rejects_a_broken_manifest() -> None:
    """The check above can fail: a misspelt field and a wrong type are refused."""
    deployment = resources()["Deployment"]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def worker() -> dict[str, Any]:
    (container,) = resources()["Deployment"]["spec"]["template"]["spec"]["containers"]
    result: dict[str, Any] = container
    return result


def test_probes_use_the_health_endpoints() -> None:
    settings = resources()["ConfigMap"]["data"]
    container = worker()
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports["health"] == int(settings["CONSIGN_HEALTH_PORT"])
    assert ports["webhooks"] == int(settings["CONSIGN_WEBHOOK_PORT"])
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_worker_runs_non_root_with_limits() -> None:
    pod = resources()["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # the Dockerfile's USER
    assert "USER 10001" in (ROOT / "Dockerfile").read_text()
    container = worker()
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]
    # longer than the worker's own graceful shutdown (worker.GRACEFUL_SHUTDOWN, 25 s)
    assert pod["terminationGracePeriodSeconds"] > 25


def test_secrets_are_referenced_never_committed() -> None:
    container = worker()
    sources = {next(iter(ref)): ref[next(iter(ref))]["name"] for ref in container["envFrom"]}
    assert sources == {"configMapRef": "consign-settings", "secretRef": "consign-secrets"}
    secret = resources()["Secret"]
    assert secret["metadata"]["name"] == "consign-secrets"
    assert set(secret["stringData"].values()) == {""}, "no values in the repository"
    assert "CONSIGN_CODEC_KEYS" in secret["stringData"] and "DATABASE_URL" in secret["stringData"]
    assert not any(
        re.search(r"SECRET|TOKEN|KEY|PASSWORD|DATABASE_URL", name)
        for name in resources()["ConfigMap"]["data"]
    ), "a secret in the ConfigMap"


def test_every_setting_named_is_one_config_reads() -> None:
    from tests.starter.test_compose import config_variables

    named = set(resources()["ConfigMap"]["data"]) | set(resources()["Secret"]["stringData"])
    assert named <= config_variables(), named - config_variables()


def test_hpa_pdb_and_service_select_the_worker() -> None:
    objects = resources()
    labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    hpa = objects["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == objects["Deployment"]["metadata"]["name"]
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["minReplicas"] >= 2
    pdb = objects["PodDisruptionBudget"]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["minAvailable"] < hpa["minReplicas"]
    service = objects["Service"]["spec"]
    assert service["selector"].items() <= labels.items()
    assert service["ports"][0]["targetPort"] == "webhooks"
