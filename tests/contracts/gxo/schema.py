"""The committed GXO wire schema, read from the file (never regenerated here), and a validator
for any of its bodies."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from integrations.gxo.schema import SCHEMA_PATH


@cache
def committed() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def problems(definition: str, body: Any) -> list[str]:
    """What is wrong with `body` as the committed `definition` ("A | B": either will do)."""
    names = [name.strip() for name in definition.split("|")]
    schema = {"anyOf": [{"$ref": f"#/$defs/{name}"} for name in names]}
    validator = Draft202012Validator({**schema, "$defs": committed()["$defs"]})
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}"
        for error in validator.iter_errors(body)
    ]


def _pattern(template: str) -> re.Pattern[str]:
    method, path = template.split(" ", 1)
    regex = re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(path))
    return re.compile(f"^{method} {regex}$")


def operation(method: str, raw_path: str) -> tuple[str, dict[str, Any]]:
    """The committed operation a request belongs to, by method and (encoded) path."""
    for template, spec in committed()["x-operations"].items():
        if _pattern(template).match(f"{method} {raw_path}"):
            return template, spec
    raise AssertionError(f"{method} {raw_path} is not an operation of the committed contract")


def response_definition(spec: dict[str, Any], status: int) -> str:
    responses: dict[str, str] = spec["responses"]
    return responses.get(str(status), responses["default"])
