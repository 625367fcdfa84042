"""Centra's own example operations (reference/centra/examples/*.graphql, verbatim) run against
the sandbox: each executes without errors or userErrors, and where Centra documents the
response (*.response.json) the sandbox's `data` has the same shape: the same keys and JSON
types at every level, values free. (The documented `extensions` differ among themselves, e.g.
appVersion is sometimes absent; complexity and permissionsUsed are always there.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import graphql
import pytest
from fastapi.testclient import TestClient

from sandbox.centra.app import create_app
from sandbox.centra.tokens import DEFAULT_TOKEN
from sandbox.reference import VENDORED
from tests.contracts.centra.documented_world import SKU, SteppingClock, documented_world
from tests.contracts.centra.shapes import differences

EXAMPLES = VENDORED / "centra" / "examples"
FRAGMENT = EXAMPLES / "shipment-details.fragment.graphql"

# (example file, operation name or None for its only operation, variables), in an order that
# lets each one find what the previous made: shipment 345 is created unpaid, marked paid, then
# completed; return 315 is created before it is listed and completed.
RUNS: list[tuple[str, str | None, dict[str, Any]]] = [
    ("events-set-listeners.graphql", None, {}),
    ("order-by-number.graphql", None, {}),
    ("order-with-lines-and-addresses.graphql", None, {}),
    ("orders-by-created-date.graphql", None, {}),
    ("product-master-data.graphql", None, {}),
    ("products-with-sizes.graphql", None, {"page": 1}),
    ("stock-read-per-size.graphql", None, {}),
    ("stock-per-warehouse.graphql", None, {"sku": SKU, "warehouseId": 1}),
    ("stock-set-absolute.graphql", None, {}),
    ("stock-change-delta.graphql", None, {}),
    ("shipment-create-unpaid.graphql", None, {}),
    ("shipment-mark-paid.graphql", None, {}),
    ("shipment-complete.graphql", None, {}),
    ("shipment-create-and-capture.graphql", None, {}),
    ("shipment-capture.graphql", None, {}),
    ("return-create.graphql", None, {}),
    ("return-list-and-complete.graphql", "returns", {}),
    ("return-list-and-complete.graphql", "completereturn", {}),
    ("events-fetch.graphql", None, {}),
    ("events-confirm.graphql", None, {}),
    ("rate-limits.graphql", None, {}),
]


def document(name: str) -> str:
    text = (EXAMPLES / name).read_text()
    if "...shipmentDetails" in text and "fragment shipmentDetails" not in text:
        text += "\n" + FRAGMENT.read_text()
    return text


def operations(path: Path) -> list[str | None]:
    parsed = graphql.parse(path.read_text())
    ops = [d for d in parsed.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    return [op.name.value if op.name else None for op in ops] if len(ops) > 1 else [None]


@pytest.fixture(scope="module")
def answers() -> dict[tuple[str, str | None], dict[str, Any]]:
    """Every run's response body, in order, against one documented world."""
    clock = SteppingClock()
    client = TestClient(create_app(documented_world(clock)))
    found: dict[tuple[str, str | None], dict[str, Any]] = {}
    for name, operation, variables in RUNS:
        clock.step()
        response = client.post(
            "/graphql",
            json={"query": document(name), "operationName": operation, "variables": variables},
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        )
        assert response.status_code == 200, (name, response.text)
        found[(name, operation)] = response.json()
    return found


def test_every_example_operation_is_run() -> None:
    files = [
        p for p in sorted(EXAMPLES.glob("*.graphql")) if not p.name.endswith(".fragment.graphql")
    ]
    expected = {(p.name, op) for p in files for op in operations(p)}
    assert expected == {(name, op) for name, op, _ in RUNS}


@pytest.mark.parametrize(("name", "operation"), [(n, o) for n, o, _ in RUNS])
def test_example_executes_without_errors(
    answers: dict[tuple[str, str | None], dict[str, Any]], name: str, operation: str | None
) -> None:
    body = answers[(name, operation)]
    assert "errors" not in body, body.get("errors")
    assert isinstance(body.get("data"), dict)
    for field, value in body["data"].items():
        if isinstance(value, dict) and "userErrors" in value:
            assert value["userErrors"] == [], (field, value["userErrors"])
    assert {"complexity", "permissionsUsed"} <= set(body["extensions"])


DOCUMENTED = sorted(p.name for p in EXAMPLES.glob("*.response.json"))


@pytest.mark.parametrize("response_file", DOCUMENTED)
def test_documented_response_shape(
    answers: dict[tuple[str, str | None], dict[str, Any]], response_file: str
) -> None:
    documented = json.loads((EXAMPLES / response_file).read_text())
    name = response_file.replace(".response.json", ".graphql")
    [ours] = [body for (file, _), body in answers.items() if file == name]
    assert differences(documented["data"], ours["data"]) == []


def test_quantity_excludes_the_cancelled_unit_as_documented(
    answers: dict[tuple[str, str | None], dict[str, Any]],
) -> None:
    """The documented response: line 68 ordered 10, 1 cancelled, reads quantity 9."""
    [order] = answers[("order-with-lines-and-addresses.graphql", None)]["data"]["orders"]
    assert [(line["id"], line["quantity"]) for line in order["lines"]] == [(68, 9)]


def test_rate_limits_are_the_published_quotas(
    answers: dict[tuple[str, str | None], dict[str, Any]],
) -> None:
    documented = json.loads((EXAMPLES / "rate-limits.response.json").read_text())
    ours = answers[("rate-limits.graphql", None)]["data"]["rateLimits"]
    quota = [(r["type"], r["intervalSeconds"], r["quota"]) for r in ours]
    assert quota == [
        (r["type"], r["intervalSeconds"], r["quota"]) for r in documented["data"]["rateLimits"]
    ]
