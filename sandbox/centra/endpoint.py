"""POST /graphql: authenticate (bearer token or the `graphql-access` cookie), parse and validate
against the documented schema, charge the rate-limit buckets, execute.

Syntax and validation errors are answered HTTP 200 with errors[] (the usual GraphQL-over-HTTP
behaviour for application/json; Centra's facts only name 401 and 429 as HTTP-level failures).
A body that is not a JSON object with a `query` string is a 400. Every answer carries
extensions.complexity and extensions.permissionsUsed, as Centra's do."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    execute,
    get_operation_ast,
    parse,
    validate,
    visit,
)

from sandbox.centra.context import Context
from sandbox.centra.errors import error_response
from sandbox.centra.ratelimits import MUTATION_COUNT, QUERY_COMPLEXITY, REQUEST_COUNT
from sandbox.centra.resolvers import schema_with_resolvers
from sandbox.centra.state import CentraSandbox
from sandbox.faults import FaultInjector, json_error


class _FieldCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields = 0

    def enter_field(self, *_args: object) -> None:
        self.fields += 1


def complexity(document: DocumentNode) -> int:
    """Approximate query complexity: the number of selected fields (Centra's own formula is not
    documented; its examples cost about 100-250 for one order or shipment)."""
    counter = _FieldCounter()
    visit(document, counter)
    return counter.fields


def mutation_count(operation: OperationDefinitionNode | None) -> int:
    if operation is None or operation.operation is not OperationType.MUTATION:
        return 0
    return len(operation.selection_set.selections)


def _body(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return None
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return None
    return body


def _answer(result: ExecutionResult, ctx: Context | None, cost: int) -> dict[str, Any]:
    """A request that never executed (syntax or validation errors) has no `data` key."""
    out: dict[str, Any] = {"data": result.data} if ctx is not None else {}
    if result.errors:
        out["errors"] = [error.formatted for error in result.errors]
    out["extensions"] = {
        "complexity": cost,
        "permissionsUsed": sorted(ctx.used) if ctx else [],
        "appVersion": APP_VERSION,
    }
    return out


APP_VERSION = "sandbox"


def router(sandbox: CentraSandbox, faults: FaultInjector) -> APIRouter:
    api = APIRouter()
    schema = schema_with_resolvers()

    @api.post("/graphql")
    async def graphql_endpoint(request: Request, background: BackgroundTasks) -> Response:
        sandbox.count("calls")
        body = _body(await request.body())
        if body is None:
            return json_error(400, {"errors": [{"message": "Expected a JSON object with query"}]})
        access = sandbox.tokens.permissions(
            request.headers.get("authorization"), request.cookies.get("graphql-access")
        )
        if access is None:
            sandbox.count("unauthorized")
            return error_response(401)
        token, permissions = access
        document: DocumentNode | None
        errors: list[GraphQLError]
        try:
            parsed = parse(body["query"])
        except GraphQLError as exc:
            document, errors = None, [exc]
        else:
            document, errors = parsed, list(validate(schema, parsed))
        operation = (
            get_operation_ast(document, body.get("operationName"))
            if document is not None and not errors
            else None
        )
        costs = {
            REQUEST_COUNT: 1,
            QUERY_COMPLEXITY: complexity(document) if document is not None and not errors else 0,
            MUTATION_COUNT: mutation_count(operation),
        }
        with sandbox.lock:
            retry_at = sandbox.limits.admit(token, costs)
        if retry_at is not None:
            sandbox.count("throttled")
            return error_response(429, retry_at.timestamp())
        if errors or document is None:
            answer = _answer(ExecutionResult(None, errors), None, costs[QUERY_COMPLEXITY])
            return json_error(200, answer)
        sandbox.count("mutations", costs[MUTATION_COUNT])
        ctx = Context(sandbox, token, permissions, faults)
        with sandbox.lock:  # one response shows one state
            sandbox.settle_due_captures()
            result = execute(
                schema,
                document,
                context_value=ctx,
                variable_values=body.get("variables"),
                operation_name=body.get("operationName"),
            )
        assert isinstance(result, ExecutionResult)  # every resolver is synchronous
        sandbox.count("userErrors", ctx.user_errors)
        background.add_task(sandbox.deliver_webhooks)
        return json_error(200, _answer(result, ctx, costs[QUERY_COMPLEXITY]))

    return api
