"""The committed GXO wire schema is what consign's client models say, and the sandbox plays the
other side with models of its own (ARCHITECTURE.md: sharing classes would hide drift)."""

from __future__ import annotations

import ast
from pathlib import Path

from jsonschema import Draft202012Validator

from integrations.gxo.schema import BODIES, REGENERATE, SCHEMA_PATH, render, wire_schema
from tests.contracts.gxo.schema import committed

SANDBOX = Path(__file__).resolve().parents[3] / "sandbox" / "gxo"


def test_the_committed_schema_is_what_the_client_models_say() -> None:
    assert SCHEMA_PATH.read_text() == render(), (
        f"{SCHEMA_PATH.name} differs from integrations/gxo/wire.py: if the wire format was "
        f"meant to change, run `{REGENERATE}`, commit the file and say so in "
        "docs/gxo-interface.md; otherwise undo the model change"
    )


def test_the_committed_schema_is_a_valid_json_schema_of_every_body() -> None:
    Draft202012Validator.check_schema(committed())
    assert {model.__name__ for model in BODIES} <= set(committed()["$defs"])
    assert set(wire_schema()["x-operations"]) == set(committed()["x-operations"])


def test_what_consign_sends_is_closed_and_what_it_reads_is_open() -> None:
    """A typo in a sent field fails at once; GXO may add fields consign does not read yet."""
    definitions = committed()["$defs"]
    assert definitions["OrderRequest"]["additionalProperties"] is False
    assert definitions["OrderLine"]["additionalProperties"] is False
    assert "additionalProperties" not in definitions["Event"]


def test_the_reference_fits_x12_w05_02() -> None:
    reference = committed()["$defs"]["OrderRequest"]["properties"]["reference"]
    assert reference["maxLength"] == 22


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_gxo_sandbox_imports_nothing_of_consign() -> None:
    offending = {
        f"{path.name}: {module}"
        for path in sorted(SANDBOX.glob("*.py"))
        for module in _imports(path)
        if module.split(".")[0] in {"domain", "integrations", "activities", "workflows", "store"}
    }
    assert not offending, f"the GXO sandbox must have its own wire models: {sorted(offending)}"
