"""Validate HTTP traffic against Amazon's official SP-API Swagger 2.0 models.

The sandbox and the SP-API client are only as faithful as the contract they are checked
against, so tests validate real requests and responses against the models Amazon publishes
(the copies vendored in reference/amazon-sp-api/models), never against hand-written copies.

Schemas are validated as JSON Schema draft 4 (what Swagger 2.0 builds on) with `date-time`
and `date` formats enforced. `strict=True` additionally rejects properties the model does not
define, which catches misspelt field names that plain Swagger validation lets through.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import jsonschema
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from sandbox.reference import reference_dir

REFERENCE_DIR = reference_dir()
SPAPI_DIR = REFERENCE_DIR / "amazon-sp-api"
MODELS_DIR = SPAPI_DIR / "models"
EXAMPLES_DIR = SPAPI_DIR / "sandbox-examples"

ORDERS_V0 = "orders-api-model/ordersV0.json"
ORDERS_V2026 = "orders-api-model/orders_2026-01-01.json"
TOKENS = "tokens-api-model/tokens_2021-03-01.json"
LISTINGS = "listings-items-api-model/listingsItems_2021-08-01.json"
FEEDS = "feeds-api-model/feeds_2021-06-30.json"
REPORTS = "reports-api-model/reports_2021-06-30.json"
NOTIFICATIONS = "notifications-api-model/notifications.json"
# Which model an SP-API path belongs to, by prefix.
_MODEL_PREFIXES = (
    ("/orders/v0/", ORDERS_V0),
    ("/orders/2026-01-01/", ORDERS_V2026),
    ("/tokens/2021-03-01/", TOKENS),
    ("/listings/2021-08-01/", LISTINGS),
    ("/feeds/2021-06-30/", FEEDS),
    ("/reports/2021-06-30/", REPORTS),
    ("/notifications/v1/", NOTIFICATIONS),
)

Model = dict[str, Any]
Query = Mapping[str, str | list[str]]

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time: jsonschema only checks it when an optional package is installed."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    date.fromisoformat(value)
    return True


@functools.cache
def load_model(relative: str) -> Model:
    """The parsed model, e.g. load_model("orders-api-model/orders_2026-01-01.json")."""
    path = MODELS_DIR / relative
    assert path.is_file(), f"SP-API model not found at {path}"
    model: Model = json.loads(path.read_text(encoding="utf-8"))
    model["x-consign-source"] = relative
    return model


def model_for_path(url_path: str) -> Model:
    """The model that defines the operation at this request path."""
    for prefix, relative in _MODEL_PREFIXES:
        if url_path.startswith(prefix):
            return load_model(relative)
    raise AssertionError(f"{url_path} belongs to no vendored SP-API model")


def load_example(relative: str) -> dict[str, Any]:
    """One of Amazon's own sandbox request/response pairs.

    e.g. load_example("ordersV0/getOrder_200_static_1.json")"""
    example: dict[str, Any] = json.loads((EXAMPLES_DIR / relative).read_text(encoding="utf-8"))
    return example


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(f"^{pattern}$")


def find_operation(model: Model, method: str, url_path: str) -> tuple[str, dict[str, Any]]:
    """The path template and operation object that a concrete request path hits.

    Templates with more literal segments win, as in any router (/orders/{id}/address must not
    be taken for /orders/{id})."""
    verb = method.lower()
    path = url_path.split("?", 1)[0]
    candidates = sorted(model["paths"].items(), key=lambda item: item[0].count("{"))
    for template, item in candidates:
        if _template_regex(template).match(path) and verb in item:
            operation: dict[str, Any] = item[verb]
            return template, operation
    raise AssertionError(f"{method.upper()} {path} is not an operation of the model")


def path_parameters(template: str, url_path: str) -> dict[str, str]:
    match = _template_regex(template).match(url_path.split("?", 1)[0])
    assert match, f"{url_path} does not match {template}"
    return match.groupdict()


def _resolve(model: Model, node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    assert ref.startswith("#/"), f"external $ref {ref} is not supported"
    target: Any = model
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    resolved: dict[str, Any] = target
    return resolved


def operation_parameters(model: Model, template: str, method: str) -> list[dict[str, Any]]:
    """Path-level and operation-level parameters, operation ones overriding by (name, in)."""
    item = model["paths"][template]
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]:
        param = _resolve(model, raw)
        merged[(param["name"], param["in"])] = param
    return list(merged.values())


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@functools.cache
def _strict_copy(source: str) -> Model:
    """The model with `additionalProperties: false` on every object that lists properties."""
    strict = copy.deepcopy(load_model(source))

    def tighten(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                tighten(value)
        elif isinstance(node, list):
            for value in node:
                tighten(value)

    tighten(strict["definitions"])
    tighten(strict["paths"])
    return strict


@functools.cache
def _validator(source: str, pointer: str, strict: bool) -> Draft4Validator:
    document = _strict_copy(source) if strict else load_model(source)
    uri = f"urn:spapi:{source}"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT4.create_resource(document))
    return Draft4Validator(
        {"$ref": f"{uri}#/{pointer}"}, registry=registry, format_checker=FORMAT_CHECKER
    )


def validate_schema_at(model: Model, pointer: str, instance: object, strict: bool = False) -> None:
    """Validate `instance` against the schema at a JSON pointer inside the model document."""
    source = model.get("x-consign-source")
    assert isinstance(source, str), "validate against a model returned by load_model"
    validator = _validator(source, pointer, strict)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def _coerce(param: dict[str, Any], raw: str) -> object:
    """A query string value as the JSON value Swagger describes (SP-API arrays are CSV)."""
    kind = param.get("type", "string")
    if kind == "array":
        items = param.get("items", {"type": "string"})
        return [_coerce(items, part) for part in raw.split(",")] if raw != "" else []
    if kind == "integer":
        assert _INTEGER.match(raw), f"{param.get('name', 'value')}={raw!r} is not an integer"
        return int(raw)
    if kind == "number":
        assert _NUMBER.match(raw), f"{param.get('name', 'value')}={raw!r} is not a number"
        return float(raw)
    if kind == "boolean":
        assert raw in ("true", "false"), f"{param.get('name', 'value')}={raw!r} is not a boolean"
        return raw == "true"
    return raw


_SCHEMA_KEYS = (
    "type",
    "items",
    "enum",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
)


def _check_query_value(param: dict[str, Any], values: list[str]) -> None:
    if param.get("type") == "array":
        joined = ",".join(values)
        instance = _coerce(param, joined)
    else:
        assert len(values) == 1, f"query parameter {param['name']} given {len(values)} times"
        instance = _coerce(param, values[0])
    schema = {key: param[key] for key in _SCHEMA_KEYS if key in param}
    validator = Draft4Validator(schema, format_checker=FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise AssertionError(f"query parameter {param['name']}: {error.message}")


def _query_lists(query: Query) -> dict[str, list[str]]:
    return {key: [value] if isinstance(value, str) else list(value) for key, value in query.items()}


def validate_request(
    model: Model,
    method: str,
    url_path: str,
    query: Query,
    body: object | None,
    strict: bool = False,
) -> None:
    """Check a request against its operation: required parameters, no unknown query
    parameters, query values by type/enum/limits, and the JSON body by its schema."""
    template, _operation = find_operation(model, method, url_path)
    params = operation_parameters(model, template, method)
    supplied = _query_lists(query)
    known_query = {p["name"] for p in params if p["in"] == "query"}
    unknown = sorted(set(supplied) - known_query)
    assert not unknown, f"unknown query parameters for {template}: {unknown}"
    path_values = path_parameters(template, url_path)
    has_body_param = False
    for param in params:
        name, where = param["name"], param["in"]
        if where == "path":
            assert path_values.get(name), f"path parameter {name} is missing"
        elif where == "query":
            if name in supplied:
                _check_query_value(param, supplied[name])
            else:
                assert not param.get("required"), f"required query parameter {name} is missing"
        elif where == "body":
            has_body_param = True
            if body is None:
                assert not param.get("required"), f"required body ({name}) is missing"
            else:
                index = _body_index(model, template, method, name)
                pointer = _pointer("paths", template, method.lower(), "parameters", str(index))
                validate_schema_at(model, f"{pointer}/schema", body, strict)
    assert has_body_param or body is None, f"{method.upper()} {template} takes no body"


def _body_index(model: Model, template: str, method: str, name: str) -> int:
    for index, param in enumerate(model["paths"][template][method.lower()]["parameters"]):
        if param.get("in") == "body" and param.get("name") == name:
            return index
    raise AssertionError(f"body parameter {name} is declared at path level, not supported")


def validate_response(
    model: Model,
    method: str,
    url_path: str,
    status: int,
    body: object | None,
    strict: bool = False,
) -> None:
    """Check a response body against the schema the model declares for that status."""
    template, operation = find_operation(model, method, url_path)
    responses = operation["responses"]
    key = str(status) if str(status) in responses else "default"
    assert key in responses, f"{method.upper()} {template} does not declare status {status}"
    empty = body is None or body == "" or body == b""
    if status == 204:
        assert empty, f"204 from {template} must have an empty body, got {body!r}"
        return
    if "schema" not in responses[key]:
        assert empty, f"status {status} of {template} declares no body, got {body!r}"
        return
    assert not empty, f"status {status} of {template} must have a body"
    pointer = _pointer("paths", template, method.lower(), "responses", key)
    validate_schema_at(model, f"{pointer}/schema", body, strict)


def validate_response_headers(
    model: Model, method: str, url_path: str, status: int, headers: Mapping[str, str]
) -> None:
    """Every Amazon header (x-amzn-*) on the response must be one the model declares for that
    status: e.g. x-amzn-RateLimit-Limit is declared on 2xx, 400 and 404 answers but, in the
    Orders, Listings Items and Feeds models, not on 429."""
    template, operation = find_operation(model, method, url_path)
    responses = operation["responses"]
    key = str(status) if str(status) in responses else "default"
    assert key in responses, f"{method.upper()} {template} does not declare status {status}"
    declared = {name.lower() for name in responses[key].get("headers", {})}
    sent = {name.lower() for name in headers if name.lower().startswith("x-amzn-")}
    undeclared = sorted(sent - declared)
    assert not undeclared, f"{template} {status} sends undeclared headers {undeclared}"
